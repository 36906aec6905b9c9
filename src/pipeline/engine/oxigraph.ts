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
  /**
   * Every triple of the copy as an N-Triples line, blank nodes under their Oxigraph ids (see
   * `update`); made at the first update only, so a single run (or a 1M-triple graph) never pays for it.
   * Each line maps to the number of the last update that found it in its store.
   */
  content?: Map<string, number>;
  /** The n3 labels before normalize gave blank nodes their canonical labels (`relabelled`) → Oxigraph ids. */
  parsedToOx?: Map<string, string>;
}

/** Marks each blank node with its n3 label while loading, to recover the id Oxigraph gave it. */
const LABEL = 'urn:ggen:oxigraph-load:label';
/** A label mark as Oxigraph writes it back: `_:<its id> <LABEL> "<n>" .` */
const MARK = /^_:(\S+) <urn:ggen:oxigraph-load:label> "(\d+)" \.$/;
/** Triples without blank nodes per `load` call: bounds each string handed to the parser. */
const LOAD_CHUNK = 50_000;
/** The first chunk's size (the chunks double up to LOAD_CHUNK), and how many loaded triples warm the parser. */
const FIRST_CHUNK = 256;
const WARM = 2_048;
/**
 * How many IRIs (and literals) the load keeps written out for reuse; emptied when full, so a
 * 1M-triple graph of distinct terms holds no second copy of them all (the recurring ones, such
 * as predicates and classes, come back at once).
 */
const TERM_CACHE = 65_536;

const escapeLiteral = (s: string) =>
  s.replace(/[\\"\n\r]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r' })[c]!);
const unescapeNt = (s: string) =>
  s.replace(/\\(u[0-9a-fA-F]{4}|[\\"nr])/g, (_, c: string) =>
    c.length === 5 ? String.fromCharCode(parseInt(c.slice(1), 16)) : { '\\': '\\', '"': '"', n: '\n', r: '\r' }[c]!,
  );
const escapeIri = (s: string) =>
  s.replace(/[\u0000-\u0020<>"{}|^`\\]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * IRIs and literals as N-Triples text, each written once and then looked up: a term recurs in many
 * triples (predicates, classes, shared objects), an n3 literal parses its value, language and
 * datatype out of its id on every read, and under `sync --watch` every run writes the whole graph
 * again (`update`). n3's own literals are keyed by that id. Each map is emptied when it holds
 * TERM_CACHE entries, so a graph of a million distinct terms holds no second copy of them all.
 */
class TermText {
  private readonly iris = new Map<string, string>();
  private readonly literals = new Map<string, string>();

  constructor(private readonly N3Literal: (typeof import('n3'))['Literal']) {}

  iri(value: string): string {
    let s = this.iris.get(value);
    if (s === undefined) {
      if (this.iris.size === TERM_CACHE) this.iris.clear();
      this.iris.set(value, (s = `<${escapeIri(value)}>`));
    }
    return s;
  }

  literal(t: OxTerm): string {
    if (!(t instanceof this.N3Literal)) return literalText(t);
    const id = t.id;
    let s = this.literals.get(id);
    if (s === undefined) {
      if (this.literals.size === TERM_CACHE) this.literals.clear();
      this.literals.set(id, (s = literalText(t)));
    }
    return s;
  }
}

const literalText = (t: OxTerm): string =>
  t.language
    ? `"${escapeLiteral(t.value)}"@${t.language}`
    : `"${escapeLiteral(t.value)}"^^<${escapeIri(t.datatype?.value ?? XSD_STRING)}>`;

/** A triple as one N-Triples line; `blank` names a blank node (undefined: it has no name there). */
function tripleLine(q: Quad, blank: (label: string) => string | undefined, text: TermText): string | undefined {
  const term = (t: OxTerm): string | undefined => {
    switch (t.termType) {
      case 'NamedNode':
        return text.iri(t.value);
      case 'BlankNode': {
        const b = blank(t.value);
        return b === undefined ? undefined : `_:${b}`;
      }
      default:
        return text.literal(t);
    }
  };
  const s = term(q.subject);
  const o = term(q.object);
  return s === undefined || o === undefined ? undefined : `${s} ${term(q.predicate)} ${o} .`;
}

/** At most this share of the graph changed (triples removed + added) for a copy to be updated in place. */
const UPDATE_SHARE = 0.5;

/**
 * A process whose first graph has up to this many triples runs Oxigraph's WASM in V8's baseline
 * tier (Liftoff) only. A ggen process is short and its graph small: V8 would spend more CPU
 * optimizing the hot functions (TurboFan, on the other core) than the optimized code then saves
 * (measured on this repo's spec edit, 2 cores: ~0.6-1.0 s CPU less in a ~3.7 s run). On large
 * graphs the optimized code pays off (1M triples: load 7 s with it, 12 s without), so a process
 * whose first graph is larger compiles as usual.
 */
export const LIFTOFF_ONLY_MAX_TRIPLES = 50_000;

let oxigraphModule: Promise<Ox> | undefined;

/**
 * The `oxigraph` package, loaded at the first graph a process queries, with the compile tiers
 * `triples` calls for. V8 reads its tier-up flags while the code runs, not only when the module
 * is compiled (measured: turning them back on after the load tiered Oxigraph up again), so the
 * baseline-only choice holds for the rest of the process. Oxigraph is the only WASM ggen runs.
 *
 * It is the package's `web` build (wasm-bindgen's other target of the same Rust: the same API,
 * the same 58 imports), given its module compiled asynchronously: the package's Node entry
 * (node.js) compiles the 4 MB module synchronously on this thread as it is required, and comes
 * through Node's CommonJS loader. Measured (1.5K-triple graph: load, then one SELECT, in a fresh
 * process, alternated): ready 26-52 ms instead of 52-71, and ~30 ms less CPU in all (60-78 vs 91-124).
 */
export function loadOxigraph(triples: number): Promise<Ox> {
  if (!oxigraphModule) {
    // GGEN_OXIGRAPH_TIERS=all compiles as usual whatever the size, and so does a node started
    // with WASM tier flags of its own (they are not ours to change).
    const baselineOnly =
      triples <= LIFTOFF_ONLY_MAX_TRIPLES &&
      process.env.GGEN_OXIGRAPH_TIERS !== 'all' &&
      !process.execArgv.some((a) => /liftoff|tier/.test(a));
    oxigraphModule = (async () => {
      if (baselineOnly) (await import('node:v8')).setFlagsFromString('--liftoff-only');
      const [web, module] = await Promise.all([
        // A Node that does not load ES module syntax from a package without "type": "module"
        // (before 20.19) fails here: the Node entry then loads as before.
        (import('oxigraph/web.js') as Promise<unknown> as Promise<Ox & OxWeb>).catch(() => undefined),
        compileOxigraph().catch(() => undefined),
      ]);
      if (web && module && typeof web.initSync === 'function') {
        web.initSync({ module });
        return web;
      }
      const ox = await import('oxigraph');
      return (ox as unknown as { default?: Ox }).default ?? (ox as Ox);
    })();
  }
  return oxigraphModule;
}

/** What the `web` build adds to the API: instantiating a module given to it. */
interface OxWeb {
  initSync(input: { module: object }): unknown;
}

/** The WebAssembly global (the compiler's libs here do not declare it). */
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } };

/** Oxigraph's WASM module (its `web` build's), compiled off this thread (V8 decodes and validates it in the background). */
async function compileOxigraph(): Promise<object> {
  const [{ readFile }, { createRequire }] = await Promise.all([import('node:fs/promises'), import('node:module')]);
  return wasm.compile(await readFile(createRequire(import.meta.url).resolve('oxigraph/web_bg.wasm')));
}

class OxigraphQueryEngine extends BaseQueryEngine {
  readonly name = 'oxigraph' as const;
  /** The `oxigraph` package, once the first query named its graph (`ready`). */
  private oxValue: Ox | undefined;
  private readonly mirrors = new WeakMap<object, Mirror>();
  /** The copy made last, and the store it copies: the next store's copy starts from it (`update`). */
  private latest: { store: Store; mirror: Mirror } | undefined;
  private readonly named = new Map<string, unknown>();
  private readonly text: TermText;
  /** How many in-place updates ran (stamps in a copy's `content`). */
  private updates = 0;
  /**
   * Stores relabelled before their first query (their inference came from the cache, so nothing
   * queried them at their parsed labels): canonical label → parsed label, for `update`.
   */
  private readonly parsedLabels = new WeakMap<Store, Map<string, string>>();

  constructor(
    private readonly N3: typeof import('n3'),
    prefixes: Record<string, string>,
  ) {
    super(prefixes, undefined);
    this.text = new TermText(N3.Literal);
  }

  private get ox(): Ox {
    if (!this.oxValue) throw new Error('internal: Oxigraph used before a query loaded it');
    return this.oxValue;
  }

  /** Loads the `oxigraph` package for the first graph queried (see loadOxigraph). */
  private async ready(store: Store): Promise<void> {
    this.oxValue ??= await loadOxigraph(store.size);
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
   * triple that has one goes into a single call, with a mark per blank node in a graph of its own
   * that is read back (dump) and dropped; the other triples go in bounded chunks, one call each.
   */
  private load(store: Store): Mirror {
    const ox = new this.ox.Store();
    const m: Mirror = { ox, size: store.size, fromOx: new Map(), toOx: new Map() };
    const blanks = new Map<string, string>();
    const text = this.text;
    const term = (t: OxTerm): string => {
      switch (t.termType) {
        case 'NamedNode':
          return text.iri(t.value);
        case 'BlankNode': {
          let b = blanks.get(t.value);
          if (b === undefined) blanks.set(t.value, (b = `_:b${blanks.size}`));
          return b;
        }
        default:
          return text.literal(t);
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
      // Each blank node's n3 label, by the number in the name it has in the text (`_:b<n>`).
      const labels = [...blanks.keys()];
      // The label marks go in a graph of their own, in the same call (a blank node is one node
      // across the graphs of one document): Oxigraph writes that graph back as N-Triples without
      // a query, and drops it whole, where a default-graph mark had to be selected and deleted.
      for (let i = 0; i < labels.length; i++) withBlanks.push(`_:b${i} <${LABEL}> "${i}" <${LABEL}> .\n`);
      // The blank node triples are one call; a few of them parsed into a scratch store first
      // warm the parser when the chunks above did not.
      if (loaded < WARM && withBlanks.length > WARM)
        new this.ox.Store().load(withBlanks.slice(0, FIRST_CHUNK).join(''), options);
      ox.load(withBlanks.join(''), { format: 'application/n-quads', no_transaction: true });
      const marks = ox.dump({ format: 'application/n-triples', from_graph_name: this.ox.namedNode(LABEL) });
      for (const line of marks.split('\n')) {
        if (line === '') continue;
        const mark = MARK.exec(line);
        const label = mark ? labels[Number(mark[2])] : undefined;
        if (label === undefined) throw new Error(`internal: unexpected Oxigraph load mark: ${line.slice(0, 200)}`);
        m.fromOx.set(mark![1]!, label);
        m.toOx.set(label, mark![1]!);
      }
      ox.update(`DROP GRAPH <${LABEL}>`);
      if (m.toOx.size !== labels.length)
        throw new Error(`internal: ${m.toOx.size} of ${labels.length} blank nodes found in the Oxigraph copy`);
    }
    return m;
  }

  /**
   * The copy of the store copied last, brought in step with `store` in place: under `sync --watch`
   * each run's graph differs from the last one's by one file's triples and the inferred ones, and
   * reloading ~10K triples costs far more than that delta.
   *
   * The last copy's blank nodes are matched to `store`'s by their n3 labels as parsed: the parse
   * cache (normalize/parse-cache.ts) hands an unchanged file's quads, labels and all, to the next
   * run. A label the last copy never had gets a new Oxigraph node. Every triple of the copy is kept
   * as a line (`content`, blank nodes under their Oxigraph ids), so the lines `store` maps to are
   * compared with the copy's: the ones it lacks are deleted, the new ones added. The copy is then
   * `store` under a one-to-one renaming of blank nodes, which is what a load makes too. Undefined
   * (load afresh) when there is no copy to start from or more than UPDATE_SHARE of it would change,
   * and the copy is dropped if its size does not come out as the store's.
   */
  private update(store: Store): Mirror | undefined {
    const last = this.latest;
    if (!last || last.store === store) return undefined;
    const m = last.mirror;
    // Sizes this far apart differ by more than the share however the triples match (removed + added
    // is at least the difference): loaded afresh, without listing the last copy's lines first (a
    // one-shot sync's first query on the part of the graph it reads, after inference or SHACL
    // queried the whole graph, would list every triple of it for nothing).
    if (Math.abs(m.size - store.size) > UPDATE_SHARE * Math.max(store.size, m.size)) return undefined;
    const content = this.contentOf(last.store, m);
    if (!content) return undefined;
    const known = m.parsedToOx ?? m.toOx;
    // A store relabelled before this first query: its labels are matched through the ones it was parsed with.
    const parsed = this.parsedLabels.get(store);
    // The copy's lines this store has are stamped with this update's number, its other lines
    // are new; the unstamped ones are then the removed. (One lookup per triple: no second set of
    // the store's lines to build and compare both ways.)
    const run = ++this.updates;
    const added: string[] = [];
    const fresh: Quad[] = [];
    // Blank node labels as they will answer to this store: the known ones it names, then new ones.
    const toOx = new Map<string, string>();
    const blank = (label: string): string | undefined => {
      let id = toOx.get(label);
      if (id === undefined) {
        const as = parsed ? parsed.get(label) : label;
        id = as === undefined ? undefined : known.get(as);
        if (id !== undefined) toOx.set(label, id);
      }
      return id;
    };
    for (const q of store.readQuads(null, null, null, null) as Iterable<Quad>) {
      const line = tripleLine(q, blank, this.text);
      if (line === undefined) fresh.push(q);
      else {
        const seen = content.get(line);
        if (seen === undefined) added.push(line);
        else if (seen !== run) content.set(line, run);
      }
    }
    const removed: string[] = [];
    for (const [line, seen] of content) if (seen !== run) removed.push(line);
    if (removed.length + added.length + fresh.length > UPDATE_SHARE * Math.max(store.size, content.size))
      return undefined;
    this.mirrors.delete(last.store);
    this.latest = undefined;
    const ox = this.ox;
    const toQuad = (line: string) => {
      const [, s, p, o] = /^(\S+) (\S+) (.*) \.$/s.exec(line)!;
      return ox.quad(this.parseTerm(s!) as never, this.parseTerm(p!) as never, this.parseTerm(o!) as never);
    };
    for (const line of removed) {
      m.ox.delete(toQuad(line));
      content.delete(line);
    }
    for (const line of added) {
      m.ox.add(toQuad(line));
      content.set(line, run);
    }
    m.toOx = toOx;
    m.fromOx = new Map();
    for (const [label, id] of toOx) m.fromOx.set(id, label);
    m.parsedToOx = undefined;
    this.addAll(m, fresh);
    m.size = store.size;
    if (m.ox.size !== store.size || content.size !== store.size) return undefined;
    return m;
  }

  /** The copy's lines (`Mirror.content`), made from the store it copies while the two are in step. */
  private contentOf(store: Store, m: Mirror): Map<string, number> | undefined {
    if (m.content) return m.content;
    if (this.mirrors.get(store) !== m || m.size !== store.size) return undefined;
    const content = new Map<string, number>();
    for (const q of store.readQuads(null, null, null, null) as Iterable<Quad>) {
      const line = tripleLine(q, (label) => m.toOx.get(label), this.text);
      if (line === undefined) return undefined;
      content.set(line, 0);
    }
    return (m.content = content);
  }

  /** One term of a `tripleLine` line back as an Oxigraph term. */
  private parseTerm(text: string): unknown {
    const ox = this.ox;
    if (text.startsWith('_:')) return ox.blankNode(text.slice(2));
    if (text.startsWith('<')) return ox.namedNode(unescapeNt(text.slice(1, -1)));
    const lang = /^"(.*)"@([^"]+)$/s.exec(text);
    if (lang) return ox.literal(unescapeNt(lang[1]!), lang[2]!);
    const typed = /^"(.*)"\^\^<([^>]*)>$/s.exec(text)!;
    return ox.literal(unescapeNt(typed[1]!), ox.namedNode(unescapeNt(typed[2]!)));
  }

  /** `q` as a quad of the copy `m` (in its default graph). */
  private oxQuad(q: Quad, m: Mirror): unknown {
    return this.ox.quad(
      this.toOx(q.subject, m) as never,
      this.toOx(q.predicate, m) as never,
      this.toOx(q.object, m) as never,
      this.ox.defaultGraph(),
    );
  }

  private addAll(m: Mirror, quads: Iterable<Quad>): void {
    for (const q of quads) {
      m.ox.add(this.oxQuad(q, m) as never);
      m.content?.set(
        tripleLine(q, (label) => m.toOx.get(label), this.text)!,
        this.updates,
      );
    }
  }

  /** The Oxigraph copy of `store`, (re)built when it is missing or out of step. */
  private mirror(store: Store): Mirror {
    let m = this.mirrors.get(store);
    if (!m || m.size !== store.size) {
      const started = TRACE ? performance.now() : 0;
      const updated = m ? undefined : this.update(store);
      m = updated ?? this.load(store);
      const parsed = this.parsedLabels.get(store);
      if (parsed) {
        // As `relabelled` would have left the copy: the next run's store comes with the parsed labels.
        m.parsedToOx = new Map();
        for (const [label, id] of m.toOx) {
          const as = parsed.get(label);
          if (as !== undefined) m.parsedToOx.set(as, id);
        }
      }
      this.mirrors.set(store, m);
      this.latest = { store, mirror: m };
      this.fallbacks.clear();
      if (TRACE) trace(started, `oxigraph ${updated ? 'update' : 'load'} ${store.size} triples`);
    }
    return m;
  }

  /** Set by a watch session: a store relabelled before any copy exists may still be the next one's base. */
  private held = false;

  override heldBySession(): void {
    this.held = true;
  }

  /**
   * Loads (or updates, from the last copy) the copy of `store` now, and in a session also its
   * lines, which the next store's update starts from.
   */
  override async warm(store: Store): Promise<void> {
    await this.ready(store);
    const m = this.mirror(store);
    if (this.held) this.contentOf(store, m);
  }

  changed(store: Store, added?: Quad[], removed: Quad[] = []): void {
    const m = this.mirrors.get(store);
    this.fallbacks.clear();
    if (!m) return;
    const plain = (q: Quad) => q.subject.termType !== 'BlankNode' && q.object.termType !== 'BlankNode';
    if (added && m.size + added.length - removed.length === store.size && removed.every(plain)) {
      // A watch session's delta (normalize/held-graph.ts): its removed quads name no blank node.
      for (const q of removed) {
        m.ox.delete(this.oxQuad(q, m) as never);
        m.content?.delete(tripleLine(q, () => undefined, this.text)!);
      }
      this.addAll(m, added);
      m.size = store.size;
      if (m.ox.size !== store.size || (m.content !== undefined && m.content.size !== store.size)) this.drop(store, m);
    } else {
      this.mirrors.delete(store);
    }
  }

  /** Forgets the copy of `store`, and that the next store's copy may start from it (it is out of step). */
  private drop(store: Store, m: Mirror): void {
    this.mirrors.delete(store);
    if (this.latest?.mirror === m) this.latest = undefined;
  }

  /** The copy keeps its blank nodes; only the n3 labels they answer to change. */
  override relabelled(store: Store, labels: ReadonlyMap<string, string>): void {
    const m = this.mirrors.get(store);
    this.fallbacks.clear();
    if (!m) {
      // No copy yet: remember the labels it was parsed with, for `update` from the last copy (or,
      // in a session, for the next store's update from this one's copy).
      if ((this.latest || this.held) && labels.size > 0) {
        const back = new Map<string, string>();
        const before = this.parsedLabels.get(store);
        for (const [from, to] of labels) back.set(to, before?.get(from) ?? from);
        this.parsedLabels.set(store, back);
      }
      return;
    }
    if (m.size !== store.size) {
      this.mirrors.delete(store);
      return;
    }
    m.parsedToOx = new Map(m.toOx);
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
    await this.ready(store);
    const r = this.json(store, p.text);
    return { variables: r.head.vars ?? [], rows: r.results.bindings.map((b) => (name: string) => fromJson(b[name])) };
  }

  protected async askRaw(store: Store, p: Prepared): Promise<boolean> {
    await this.ready(store);
    return this.mirror(store).ox.query(p.text) as boolean;
  }

  protected async constructRaw(store: Store, p: Prepared): Promise<Quad[]> {
    await this.ready(store);
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
    await this.ready(store);
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
  // Oxigraph itself loads at the first query, sized to its graph (loadOxigraph).
  return new OxigraphQueryEngine(await import('n3'), { ...prefixes });
}
