/**
 * Closed vocabularies: a namespace whose ontology declares itself (an `owl:Ontology` with
 * `vann:preferredNamespaceUri`) is closed, so every term of that namespace written in any spec
 * must be declared by that ontology's file. A typo (`otp:intesity`, `a otp:Sever`) is an error at
 * the place it was written, with the nearest declared term as a hint. It runs before SHACL, so an
 * unknown class never reaches a shape that would blame a property the user did write.
 */
import type { Quad, Store } from 'n3';
import type { Diagnostic } from '../errors.js';
import { closest } from './edit-distance.js';
import type { Position, SourceIndex } from './positions.js';

const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const RDFS = 'http://www.w3.org/2000/01/rdf-schema#';
const OWL = 'http://www.w3.org/2002/07/owl#';
const VANN_NS = 'http://purl.org/vocab/vann/preferredNamespaceUri';
const CLASS_TYPES = new Set([`${RDFS}Class`, `${OWL}Class`]);
const PROPERTY_TYPES = new Set([
  `${RDF}Property`,
  `${OWL}ObjectProperty`,
  `${OWL}DatatypeProperty`,
  `${OWL}AnnotationProperty`,
]);

interface Vocabulary {
  namespace: string;
  /** The ontology file that declares the namespace. */
  file: string;
  classes: Set<string>;
  properties: Set<string>;
  /** Every IRI of the namespace the file describes (classes, properties, individuals). */
  all: Set<string>;
}

/** Closed vocabularies found in `files` of `store` (quads as parsed, before inference). */
export function closedVocabularies(store: Store, positions: SourceIndex): Vocabulary[] {
  const out: Vocabulary[] = [];
  for (const q of store.readQuads(null, VANN_NS as never, null, null) as Iterable<Quad>) {
    if (
      !store.has({
        subject: q.subject,
        predicate: { termType: 'NamedNode', value: `${RDF}type` },
        object: { termType: 'NamedNode', value: `${OWL}Ontology` },
      } as never)
    )
      continue;
    const file = positions.subject(q.subject)?.file;
    if (!file) continue;
    const namespace = q.object.value;
    const vocab: Vocabulary = { namespace, file, classes: new Set(), properties: new Set(), all: new Set() };
    for (const s of store.getSubjects(null, null, null)) {
      if (s.termType !== 'NamedNode' || !s.value.startsWith(namespace) || s.value === namespace) continue;
      if (positions.subject(s)?.file !== file) continue;
      vocab.all.add(s.value);
      for (const t of store.getObjects(s, `${RDF}type` as never, null)) {
        if (CLASS_TYPES.has(t.value)) vocab.classes.add(s.value);
        if (PROPERTY_TYPES.has(t.value)) vocab.properties.add(s.value);
      }
    }
    out.push(vocab);
  }
  return out.sort((a, b) => b.namespace.length - a.namespace.length);
}

type Role = 'class' | 'property' | 'term';
const PLURAL: Record<Role, string> = { class: 'classes', property: 'properties', term: 'terms' };

/** One error per undeclared term and place, sorted by place. */
export function checkVocabulary(
  store: Store,
  positions: SourceIndex,
  fallbackPrefixes: Record<string, string>,
): Diagnostic[] {
  const vocabs = closedVocabularies(store, positions);
  if (vocabs.length === 0) return [];
  const found = new Map<string, Diagnostic>();
  const vocabOf = (iri: string) => vocabs.find((v) => iri.startsWith(v.namespace));
  const check = (iri: string, role: Role, pos: Position | undefined) => {
    const v = vocabOf(iri);
    if (!v || v.all.has(iri) || !pos) return;
    const key = `${iri} ${pos.file}:${pos.line}:${pos.col}`;
    if (found.has(key)) return;
    const show = (x: string) => positions.show({ termType: 'NamedNode', value: x }, pos.file, fallbackPrefixes);
    const pool = role === 'class' ? v.classes : role === 'property' ? v.properties : v.all;
    const local = iri.slice(v.namespace.length);
    const near = closest(
      local,
      [...pool].map((x) => x.slice(v.namespace.length)),
    );
    const kind = role === 'term' ? 'term' : role;
    found.set(key, {
      rule: `vocabulary/unknown-${kind}`,
      file: pos.file,
      line: pos.line,
      col: pos.col,
      message: `${show(iri)} is not a ${kind} of the vocabulary ${v.namespace} (declared in ${v.file})`,
      hint: near ? `did you mean ${show(v.namespace + near)}?` : `see ${v.file} for the ${PLURAL[kind]} it declares`,
    });
  };
  for (const { s, p, o, pos } of positions.entries()) {
    if (s.termType === 'NamedNode') check(s.value, 'term', pos.subject);
    check(p.value, 'property', pos.predicate);
    if (o.termType === 'NamedNode') check(o.value, p.value === `${RDF}type` ? 'class' : 'term', pos.object);
  }
  return [...found.values()];
}
