/**
 * The Oxigraph engine (the default): the `oxigraph` package (Rust compiled to WASM) answers every
 * query over an in-memory copy of the n3 store. The copy is built on first use and kept in step
 * through `changed()`; its blank nodes keep the n3 labels, so rows and CONSTRUCT results name the
 * same nodes as the store does.
 */
import type { Quad, Store } from 'n3';
import { withPrefixes } from '../extract/sparql-syntax.js';
import { BaseQueryEngine, TRACE, trace, type PlainTerm, type Prepared } from './base.js';
import { QueryFacts } from './query-facts.js';
import {
  applySubstitution,
  isSubstitutionPlanFor,
  locatingContext,
  substitute,
  substitutionPlan,
  termToSparql,
  withProjected,
  withValues,
  type SubstitutionPlan,
} from './rewrite.js';
import type { RdfTerm } from './types.js';

type Ox = typeof import('oxigraph');
type OxStore = InstanceType<Ox['Store']>;
type OxTerm = { termType: string; value: string; language?: string; datatype?: { value: string } };

interface JsonTerm {
  type: 'uri' | 'bnode' | 'literal' | 'triple';
  value: string;
  datatype?: string;
  'xml:lang'?: string;
}
interface JsonResults {
  head: { vars?: string[] };
  results: { bindings: Array<Record<string, JsonTerm>> };
}

const RDF_LANG_STRING = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString';
const XSD_STRING = 'http://www.w3.org/2001/XMLSchema#string';

function fromJson(t: JsonTerm | undefined): PlainTerm | undefined {
  if (!t) return undefined;
  switch (t.type) {
    case 'uri':
      return { termType: 'NamedNode', value: t.value };
    case 'bnode':
      return { termType: 'BlankNode', value: t.value };
    case 'literal':
      return t['xml:lang']
        ? { termType: 'Literal', value: t.value, language: t['xml:lang'], datatype: { value: RDF_LANG_STRING } }
        : { termType: 'Literal', value: t.value, datatype: { value: t.datatype ?? XSD_STRING } };
    default:
      return { termType: 'Literal', value: t.value };
  }
}

interface Mirror {
  ox: OxStore;
  size: number;
  /** Oxigraph's blank node ids (its parser renames every label) ↔ the n3 store's labels. */
  fromOx: Map<string, string>;
  toOx: Map<string, string>;
}

/** Marks each blank node with its n3 label while loading, to recover the id Oxigraph gave it. */
const LABEL = 'urn:ggen:oxigraph-load:label';
/** Triples without blank nodes per `load` call: bounds each string handed to the parser. */
const LOAD_CHUNK = 50_000;
/** The first chunk's size (the chunks double up to LOAD_CHUNK), and how many loaded triples warm the parser. */
const FIRST_CHUNK = 256;
const WARM = 2_048;

const escapeLiteral = (s: string) =>
  s.replace(/[\\"\n\r]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r' })[c]!);
const escapeIri = (s: string) =>
  s.replace(/[\u0000-\u0020<>"{}|^`\\]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

class OxigraphQueryEngine extends BaseQueryEngine {
  readonly name = 'oxigraph' as const;
  private readonly mirrors = new WeakMap<object, Mirror>();
  private readonly named = new Map<string, unknown>();

  constructor(
    private readonly ox: Ox,
    private readonly N3: typeof import('n3'),
    prefixes: Record<string, string>,
  ) {
    super(prefixes, undefined);
  }

  private toOx(t: OxTerm, m: Mirror): unknown {
    const ox = this.ox;
    switch (t.termType) {
      case 'NamedNode': {
        let n = this.named.get(t.value);
        if (!n) this.named.set(t.value, (n = ox.namedNode(t.value)));
        return n;
      }
      case 'BlankNode': {
        let id = m.toOx.get(t.value);
        if (id === undefined) {
          const b = ox.blankNode();
          id = b.value;
          m.toOx.set(t.value, id);
          m.fromOx.set(id, t.value);
          return b;
        }
        return ox.blankNode(id);
      }
      case 'Literal':
        return t.language
          ? ox.literal(t.value, t.language)
          : ox.literal(
              t.value,
              this.toOx({ termType: 'NamedNode', value: t.datatype?.value ?? XSD_STRING }, m) as never,
            );
      default:
        return ox.defaultGraph();
    }
  }

  /**
   * Bulk load: the store as N-Triples text through Oxigraph's own parser (without a transaction),
   * which is an order of magnitude faster than adding quads one by one across the WASM boundary.
   *
   * Each `load` call gets one string. Handing `load` an iterable of strings instead is slow and
   * worse than linear (measured, oxigraph 0.5.11, synthetic spec: 50K triples 1.5 s, 100K 4.2 s,
   * 200K 9.8 s CPU, against 0.25 / 0.53 / 0.89 s as strings): that was the "slowdown above ~150K
   * triples" of issue #11, whatever the data. The parser renames blank nodes per call, so every
   * triple that has one goes into a single call, with a label triple per blank node that is read
   * back and deleted; the other triples go in bounded chunks, one call each.
   */
  private load(store: Store): Mirror {
    const ox = new this.ox.Store();
    const m: Mirror = { ox, size: store.size, fromOx: new Map(), toOx: new Map() };
    const blanks = new Map<string, string>();
    const term = (t: OxTerm): string => {
      switch (t.termType) {
        case 'NamedNode':
          return `<${escapeIri(t.value)}>`;
        case 'BlankNode': {
          let b = blanks.get(t.value);
          if (b === undefined) blanks.set(t.value, (b = `_:b${blanks.size}`));
          return b;
        }
        default:
          return t.language
            ? `"${escapeLiteral(t.value)}"@${t.language}`
            : `"${escapeLiteral(t.value)}"^^<${escapeIri(t.datatype?.value ?? XSD_STRING)}>`;
      }
    };
    const options = { format: 'application/n-triples', no_transaction: true };
    const withBlanks: string[] = [];
    let lines: string[] = [];
    // Chunks start small and double: V8 runs a WASM function's first calls in its baseline tier
    // and swaps in optimized code only for later calls, so one big first call runs the whole
    // parse unoptimized (measured: 200K triples in one cold 50K-line call first, 8.5 s CPU;
    // doubling from 256 lines, 1.3 s).
    let chunk = FIRST_CHUNK;
    let loaded = 0;
    for (const q of store.readQuads(null, null, null, null) as Iterable<Quad>) {
      const line = `${term(q.subject)} ${term(q.predicate)} ${term(q.object)} .\n`;
      if (q.subject.termType === 'BlankNode' || q.object.termType === 'BlankNode') withBlanks.push(line);
      else {
        lines.push(line);
        if (lines.length === chunk) {
          ox.load(lines.join(''), options);
          loaded += lines.length;
          lines = [];
          chunk = Math.min(chunk * 2, LOAD_CHUNK);
        }
      }
    }
    if (lines.length > 0) ox.load(lines.join(''), options);
    loaded += lines.length;
    if (blanks.size > 0) {
      for (const [label, b] of blanks) withBlanks.push(`${b} <${LABEL}> "${escapeLiteral(label)}" .\n`);
      // The blank node triples are one call; a few of them parsed into a scratch store first
      // warm the parser when the chunks above did not.
      if (loaded < WARM && withBlanks.length > WARM)
        new this.ox.Store().load(withBlanks.slice(0, FIRST_CHUNK).join(''), options);
      ox.load(withBlanks.join(''), options);
      const r = JSON.parse(
        ox.query(`SELECT ?b ?l WHERE { ?b <${LABEL}> ?l }`, {
          results_format: 'application/sparql-results+json',
        }) as string,
      ) as JsonResults;
      for (const b of r.results.bindings) {
        m.fromOx.set(b.b!.value, b.l!.value);
        m.toOx.set(b.l!.value, b.b!.value);
      }
      ox.update(`DELETE WHERE { ?b <${LABEL}> ?l }`);
    }
    return m;
  }

  private addAll(m: Mirror, quads: Iterable<Quad>): void {
    for (const q of quads) {
      m.ox.add(
        this.ox.quad(
          this.toOx(q.subject, m) as never,
          this.toOx(q.predicate, m) as never,
          this.toOx(q.object, m) as never,
          this.ox.defaultGraph(),
        ),
      );
    }
  }

  /** The Oxigraph copy of `store`, (re)built when it is missing or out of step. */
  private mirror(store: Store): Mirror {
    let m = this.mirrors.get(store);
    if (!m || m.size !== store.size) {
      const started = TRACE ? performance.now() : 0;
      m = this.load(store);
      this.mirrors.set(store, m);
      this.fallbacks.clear();
      if (TRACE) trace(started, `oxigraph load ${store.size} triples`);
    }
    return m;
  }

  changed(store: Store, added?: Quad[]): void {
    const m = this.mirrors.get(store);
    this.fallbacks.clear();
    if (!m) return;
    if (added && m.size + added.length === store.size) {
      this.addAll(m, added);
      m.size = store.size;
    } else {
      this.mirrors.delete(store);
    }
  }

  /** The copy keeps its blank nodes; only the n3 labels they answer to change. */
  override relabelled(store: Store, labels: ReadonlyMap<string, string>): void {
    const m = this.mirrors.get(store);
    this.fallbacks.clear();
    if (!m) return;
    if (m.size !== store.size) {
      this.mirrors.delete(store);
      return;
    }
    m.toOx.clear();
    for (const [id, label] of m.fromOx) {
      const renamed = labels.get(label) ?? label;
      m.fromOx.set(id, renamed);
      m.toOx.set(renamed, id);
    }
  }

  private toN3(t: OxTerm): Quad['object'] {
    const { DataFactory } = this.N3;
    switch (t.termType) {
      case 'NamedNode':
        return DataFactory.namedNode(t.value);
      case 'BlankNode':
        return DataFactory.blankNode(t.value);
      case 'Literal':
        return DataFactory.literal(
          t.value,
          t.language ? t.language : DataFactory.namedNode(t.datatype?.value ?? XSD_STRING),
        );
      default:
        return DataFactory.defaultGraph() as never;
    }
  }

  /** SELECT results as SPARQL JSON (one string across the WASM boundary), blank nodes under their n3 labels. */
  private json(store: Store, text: string): JsonResults {
    const m = this.mirror(store);
    const r = JSON.parse(
      m.ox.query(text, { results_format: 'application/sparql-results+json' }) as string,
    ) as JsonResults;
    if (m.fromOx.size > 0) {
      for (const b of r.results.bindings)
        for (const v of Object.values(b)) if (v.type === 'bnode') v.value = m.fromOx.get(v.value) ?? v.value;
    }
    return r;
  }

  protected async selectRaw(store: Store, p: Prepared) {
    const r = this.json(store, p.text);
    return { variables: r.head.vars ?? [], rows: r.results.bindings.map((b) => (name: string) => fromJson(b[name])) };
  }

  protected async askRaw(store: Store, p: Prepared): Promise<boolean> {
    return this.mirror(store).ox.query(p.text) as boolean;
  }

  protected async constructRaw(store: Store, p: Prepared): Promise<Quad[]> {
    const { DataFactory } = this.N3;
    const m = this.mirror(store);
    const out = m.ox.query(p.text) as Array<{ subject: OxTerm; predicate: OxTerm; object: OxTerm }>;
    const back = (t: OxTerm): OxTerm =>
      t.termType === 'BlankNode' ? { termType: 'BlankNode', value: m.fromOx.get(t.value) ?? t.value } : t;
    return out.map(
      (q) =>
        DataFactory.quad(
          this.toN3(back(q.subject)) as never,
          this.toN3(q.predicate) as never,
          this.toN3(back(q.object)),
        ) as Quad,
    );
  }

  /** Results of a query run with a blank node's variable left free, by query text and variable. */
  private readonly fallbacks = new Map<string, Array<Record<string, JsonTerm>>>();

  /** Where pre-binding `names` edits the SHACL query `text` (rewrite.ts), as a query fact. */
  private substitutionPlan(text: string, names: string[]): Promise<SubstitutionPlan | null> {
    return this.facts.get(
      QueryFacts.key(`shacl/substitution/${names.join(',')}`, this.checkPrefixes, text),
      isSubstitutionPlanFor(text, names),
      async () => substitutionPlan(text, await this.shaclAst(text), names),
    );
  }

  async selectTerms(
    dataset: unknown,
    query: string,
    preBound: Record<string, RdfTerm> = {},
  ): Promise<Array<Map<string, RdfTerm>>> {
    const store = dataset as Store;
    const started = TRACE ? performance.now() : 0;
    // The rewrites work on the query as parseShacl parsed it; the prefixes it does not declare
    // go in front afterwards (computed from the query itself, not from substituted values).
    const full = withPrefixes(query, this.checkPrefixes);
    const head = full.slice(0, full.length - query.length);
    const text = query;
    const values: Record<string, string> = {};
    const blanks: Array<[string, RdfTerm]> = [];
    for (const [name, term] of Object.entries(preBound)) {
      const s = termToSparql(term as OxTerm);
      if (s === undefined) blanks.push([name, term]);
      else values[name] = s;
    }
    let bindings: Array<Record<string, JsonTerm>>;
    if (blanks.length === 0) {
      // Substitution needs every occurrence's position; without them, a VALUES block opening the
      // WHERE clause pre-binds at the top level only. Where the occurrences are is a query fact
      // (query-facts.ts): known, the query is not parsed again.
      const names = Object.keys(values);
      let bound: string | undefined = text;
      if (names.length > 0) {
        const plan = await this.substitutionPlan(text, names);
        bound = plan
          ? applySubstitution(text, plan, values)
          : (substitute(text, await this.shaclAst(query), values) ??
            withValues(text, await this.shaclAst(query), values));
      }
      if (bound === undefined) throw new Error(`cannot pre-bind variables in this SHACL query: ${query.slice(0, 200)}`);
      bindings = this.json(store, head + bound).results.bindings;
    } else {
      // SPARQL cannot name a blank node: run the query with its variable free (once per query)
      // and keep the rows where it is the focus node.
      const key = `${text}\n${Object.keys(values).join(',')}\n${blanks.map(([n]) => n).join(',')}\n${Object.values(values).join('\n')}`;
      let all = this.fallbacks.get(key);
      if (!all) {
        const ast = await this.shaclAst(query);
        let free: string | undefined = withValues(text, ast, values);
        for (const [name] of blanks)
          free =
            free === undefined
              ? undefined
              : withProjected(
                  free,
                  free === text
                    ? ast
                    : this.parser.parse(free, { ...locatingContext(this.parser), prefixes: { ...this.checkPrefixes } }),
                  name,
                );
        if (free === undefined) throw new Error('cannot pre-bind a blank node in this SHACL query');
        all = this.json(store, head + free).results.bindings;
        this.fallbacks.set(key, all);
      }
      bindings = all.filter((b) =>
        blanks.every(([name, term]) => b[name]?.type === 'bnode' && b[name]!.value === term.value),
      );
    }
    if (TRACE)
      trace(
        started,
        `oxigraph shacl ${Object.keys(preBound).length > 0 ? '(per focus node) ' : ''}${query.replace(/\s+/g, ' ').trim().slice(0, 100)}`,
      );
    const projected = new Set(Object.keys(preBound));
    return bindings.map((b) => {
      const row = new Map<string, RdfTerm>();
      for (const [k, v] of Object.entries(b)) row.set(k, this.toN3(fromJson(v)!) as unknown as RdfTerm);
      for (const [name, term] of Object.entries(preBound))
        if (!row.has(name) && projected.has(name)) row.set(name, term);
      return row;
    });
  }
}

export async function createOxigraphEngine(prefixes: Record<string, string>): Promise<OxigraphQueryEngine> {
  // No SPARQL parser up front: queries whose facts are known (query-facts.ts) run unparsed.
  const [ox, N3] = await Promise.all([import('oxigraph'), import('n3')]);
  return new OxigraphQueryEngine((ox as unknown as { default?: Ox }).default ?? (ox as Ox), N3, { ...prefixes });
}
