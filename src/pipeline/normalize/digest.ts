/**
 * The graph digest: sha256 over the RDFC-1.0 canonical N-Quads (rdf-canonize), so that blank node
 * labels, prefixes, whitespace and statement order in the sources never change it.
 */
import { createHash } from 'node:crypto';
import type { Quad, Store } from 'n3';
import { InputError } from '../errors.js';

/**
 * rdf-canonize bounds the work spent telling look-alike blank nodes apart. Its default (1, linear)
 * already fails on ordinary RDF lists whose cells share a shape; quadratic still bounds a hostile graph.
 */
const MAX_WORK_FACTOR = 2;

export interface CanonicalGraph {
  /** sha256 hex of the canonical N-Quads. */
  digest: string;
  /** Input blank node label → canonical label (`c14n0`, ...); empty when the graph has none. */
  blankNodeLabels: Map<string, string>;
}

export async function canonicalDigest(quads: Quad[]): Promise<CanonicalGraph> {
  const canonize = await import('rdf-canonize');
  const canonicalIdMap = new Map<string, string>();
  let nquads: string;
  try {
    nquads = await canonize.canonize(quads, { algorithm: 'RDFC-1.0', canonicalIdMap, maxWorkFactor: MAX_WORK_FACTOR });
  } catch (err) {
    if (err instanceof Error && /Maximum deep iterations exceeded/.test(err.message)) {
      throw new InputError({
        message:
          'the graph has too many blank nodes that look alike for RDFC-1.0 to label them within its work bound ' +
          `(${err.message}); give some of them IRIs or distinguishing properties`,
      });
    }
    throw err;
  }
  return { digest: createHash('sha256').update(nquads, 'utf8').digest('hex'), blankNodeLabels: canonicalIdMap };
}

/** Whether a quad names a blank node (only those quads decide RDFC-1.0's labels). */
export const namesBlank = (q: Quad): boolean =>
  q.subject.termType === 'BlankNode' || q.object.termType === 'BlankNode' || q.graph.termType === 'BlankNode';

type Serialize = (s: unknown, p: unknown, o: unknown, g: unknown) => string;
let serializeQuad: Serialize | undefined;

/**
 * rdf-canonize's N-Quads line for a quad (the text its canonical output is made of), from its
 * serializer's module alone: the same class its index exports as `NQuads`, without loading the
 * canonicalization (about half of rdf-canonize's load time).
 */
export async function nquadSerializer(): Promise<Serialize> {
  if (!serializeQuad) {
    const nquads = (await import('rdf-canonize/lib/NQuads.js')).default;
    serializeQuad = (s, p, o, g) => nquads.serializeQuadComponents(s, p, o, g);
  }
  return serializeQuad;
}

/** Makes a quad's N-Quads line (what nquadSerializer's function returns for it). */
export type LineMaker = (s: Term, p: Term, o: Term, g: Term) => string;
type Term = Quad['subject'] | Quad['predicate'] | Quad['object'] | Quad['graph'];

/**
 * nquadSerializer's lines made from each term's text, written once per term object: a graph's
 * quads share their terms (store.ts allQuads gives one object per entity), so each IRI is escaped
 * once rather than once per place it appears. A term's text is what the serializer writes for it
 * as an object (cut out of the line of `<x> <x> term`): a subject, predicate or named graph IRI or
 * blank node is written the same way there. A quad with a literal subject, a non-IRI predicate or
 * a graph other than an IRI, a blank node or the default graph is serialized whole. Terms are
 * immutable, so a text kept for an object stays its text.
 */
export async function canonicalLineMaker(): Promise<LineMaker> {
  const serialize = await nquadSerializer();
  const x = { termType: 'NamedNode', value: 'x' };
  const none = { termType: 'DefaultGraph', value: '' };
  const head = serialize(x, x, x, none).length - ' .\n'.length - '<x>'.length;
  const texts = new Map<Term, string>();
  const text = (t: Term): string => {
    let out = texts.get(t);
    if (out === undefined) {
      out = serialize(x, x, t, none);
      texts.set(t, (out = out.slice(head, out.length - ' .\n'.length)));
    }
    return out;
  };
  const node = (t: Term) => t.termType === 'NamedNode' || t.termType === 'BlankNode';
  return (s, p, o, g) => {
    if (!node(s) || p.termType !== 'NamedNode' || !(node(g) || g.termType === 'DefaultGraph'))
      return serialize(s, p, o, g);
    const line = `${text(s)} ${text(p)} ${text(o)}`;
    return g.termType === 'DefaultGraph' ? `${line} .\n` : `${line} ${text(g)} .\n`;
  };
}

/**
 * The digest of a graph's canonical N-Quads lines, one per quad under the canonical labels, in any
 * order: sorted and joined as rdf-canonize does (RDFC10.js main, steps 7-8), then sha256. The
 * array is sorted in place.
 */
export function digestOfLines(lines: string[]): string {
  return digestOfSortedLines(lines.sort());
}

/** The digest of canonical N-Quads lines already in rdf-canonize's order (held-graph.ts keeps them so). */
export function digestOfSortedLines(lines: readonly string[]): string {
  return createHash('sha256').update(lines.join(''), 'utf8').digest('hex');
}

/**
 * Renames blank nodes in `store` (whose quads are `quads`) to their canonical labels, so that
 * everything downstream (rows, templates) sees the same labels whatever the parse order or the
 * number of earlier parses in the process.
 */
export async function relabelBlankNodes(store: Store, quads: Quad[], labels: Map<string, string>): Promise<void> {
  if (labels.size === 0) return;
  if (renameEntities(store, labels)) return;
  const { DataFactory } = await import('n3');
  const map = <T extends Quad['subject'] | Quad['object'] | Quad['graph']>(t: T): T =>
    (t.termType === 'BlankNode' ? DataFactory.blankNode(labels.get(t.value) ?? t.value) : t) as T;
  const withBlanks = quads.filter(
    (q) => q.subject.termType === 'BlankNode' || q.object.termType === 'BlankNode' || q.graph.termType === 'BlankNode',
  );
  // Remove all first, then add: an old label may equal another node's new one.
  store.removeQuads(withBlanks);
  store.addQuads(withBlanks.map((q) => DataFactory.quad(map(q.subject), q.predicate, map(q.object), map(q.graph))));
}

interface EntityIndexInternals {
  _ids: Record<string, number>;
  _entities: Record<number, string>;
}

/**
 * The relabelling done in n3's entity index: each blank node keeps its numeric id and only the
 * label that id stands for changes, so no quad is removed or re-added (two thirds of this repo's
 * quads name a blank node). False, with nothing changed, when the store's index is not as expected
 * or a new label is already another entity's: then the quads are moved instead.
 */
function renameEntities(store: Store, labels: Map<string, string>): boolean {
  const index = (store as unknown as { _entityIndex?: EntityIndexInternals })._entityIndex;
  if (!index || typeof index._ids !== 'object' || typeof index._entities !== 'object') return false;
  const moves: Array<[from: string, to: string, id: number]> = [];
  const leaving = new Set<string>();
  for (const [from, to] of labels) {
    const key = `_:${from}`;
    const id = index._ids[key];
    if (id === undefined) continue;
    if (index._entities[id] !== key) return false;
    moves.push([key, `_:${to}`, id]);
    leaving.add(key);
  }
  for (const [, to] of moves) if (index._ids[to] !== undefined && !leaving.has(to)) return false;
  // Remove all first, then add: an old label may equal another node's new one.
  for (const [from] of moves) delete index._ids[from];
  for (const [, to, id] of moves) {
    index._ids[to] = id;
    index._entities[id] = to;
  }
  return true;
}
