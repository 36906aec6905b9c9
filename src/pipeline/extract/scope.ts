/**
 * What part of the graph a query can read, and a digest of that part: the rows cache's key for a
 * query over a graph that changed (a spec edit), so that a query whose predicates gained or lost
 * no triple is answered from the cache instead of run again.
 *
 * A query whose every triple pattern and property path names its predicates (no variable
 * predicate, no negated property set, no FROM, no SERVICE, no volatile function) matches only
 * triples with those predicates, so its solutions are a function of those triples. Its rows are
 * too: the engines append every projected variable to the ORDER BY (engine/rewrite.ts), so only
 * identical rows tie; a `SELECT *` gets no such tie-breakers and reads "all". Anything else reads
 * "all", and is keyed by the whole graph, as before. A variable predicate that a FILTER of its
 * group restricts to an IRI prefix (STRSTARTS(STR(?p), "…#"), see normalize/rule-reads.ts) reads
 * every predicate of the graph with that prefix. A pattern whose subject the query's top-level
 * patterns bind reads only the triples of the nodes they can bind (bound-reads.ts, the markers
 * below); a query that misses the cache may then run on just the triples it reads (readQuads).
 */
import { createHash } from 'node:crypto';
import type { Quad, Store } from 'n3';
import { isScopedReads, ruleReads, type StoredReads } from '../normalize/rule-reads.js';
import { projectedVariables } from '../engine/rewrite.js';

interface Node {
  type?: string;
  datasets?: unknown;
  context?: unknown;
  template?: unknown;
  [k: string]: unknown;
}

const ALL: StoredReads = { predicates: 'all', fresh: false };

/** Aggregates whose value follows the order of the solutions, which the reads do not pin down. */
const ORDER_SENSITIVE = new Set(['group_concat', 'sample']);

/**
 * The predicates a SELECT or ASK query reads, from its parsed form: every part of the query is
 * searched (WHERE, projected expressions, GROUP BY / HAVING / ORDER BY, which may hold EXISTS).
 */
export function queryReads(ast: unknown, prefixes: Record<string, string>, form: 'select' | 'ask'): StoredReads {
  const root = ast as Node;
  if (root.type !== 'query') return ALL;
  // FROM / FROM NAMED (traqula: datasets.clauses): read as "all", whatever the engine makes of them.
  const datasets = root.datasets as { clauses?: unknown[] } | undefined;
  if (datasets !== undefined && (!Array.isArray(datasets.clauses) || datasets.clauses.length > 0)) return ALL;
  if (form === 'select' && projectedVariables(ast) === undefined) return ALL;
  return clauseReads(ast, prefixes, { prefixFilters: true });
}

/**
 * The predicates any clause of a parsed query names (its prologue aside), as rule-reads.ts reads
 * a WHERE clause; "all" when a GROUP_CONCAT or SAMPLE makes a value follow the solutions' order,
 * or (as ruleReads decides) a `*` / `?` path can match zero steps from any node of the graph.
 * bound-reads.ts narrows what it gives for warm SHACL and the rows cache.
 */
export function clauseReads(
  ast: unknown,
  prefixes: Record<string, string>,
  options: { prefixFilters?: boolean } = {},
): StoredReads {
  const root = ast as Node;
  let readsAll = false;
  const scan = (x: unknown): void => {
    if (readsAll || x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(scan);
    const n = x as Record<string, unknown>;
    if (typeof n.aggregation === 'string' && ORDER_SENSITIVE.has(n.aggregation.toLowerCase())) readsAll = true;
    for (const [k, v] of Object.entries(n)) if (k !== 'loc') scan(v);
  };
  scan(root);
  if (readsAll) return ALL;
  // ruleReads walks `where`; here the whole query is its "where" (the prologue stays the prologue).
  const where: Node = { ...root };
  delete where.context;
  delete where.template;
  const reads = ruleReads({ context: root.context, where }, prefixes, options);
  if (reads.fresh || reads.predicates === 'all') return ALL;
  const predicates = [...reads.predicates].sort();
  return reads.prefixes
    ? { predicates, fresh: false, prefixes: [...reads.prefixes].sort() }
    : { predicates, fresh: false };
}

/**
 * Stands, among a query's reads, for "the triples whose predicate is an object of a triple of
 * predicate P" (P follows the prefix): see bound-reads.ts.
 */
export const BOUND = 'urn:ggen:reads:bound:';
/**
 * Stands, among a query's reads, for "the triples of predicate Q whose subject meets every one of
 * these constraints": SUBJECTS followed by the JSON of [Q, ...constraints] (see bound-reads.ts).
 */
export const SUBJECTS = 'urn:ggen:reads:subjects:';
/** What both markers start with: a query that names it is read as written. */
export const MARKERS = 'urn:ggen:reads:';

/**
 * A set of nodes a bound variable is among: the objects of P's triples, the subjects of P's
 * triples (with object O), or the IRIs that start with X.
 */
export type SubjectsConstraint =
  ['objects', string] | ['subjects', string] | ['subjects', string, string] | ['prefix', string];

const IRI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** decodeSubjects' answers by marker (a pure function of it: each SHACL plan and rows key asks again). */
const decodedMarkers = new Map<string, { predicate: string; of: SubjectsConstraint[] } | undefined>();

/** The [Q, constraints] of a SUBJECTS read, or undefined when it does not decode to absolute IRIs. */
function decodeSubjects(read: string): { predicate: string; of: SubjectsConstraint[] } | undefined {
  if (decodedMarkers.has(read)) return decodedMarkers.get(read);
  const out = decodeSubjectsOnce(read);
  if (decodedMarkers.size >= MAX_DECODED) decodedMarkers.clear();
  decodedMarkers.set(read, out);
  return out;
}

/** Markers decodeSubjects keeps at most (a watch session meets new ones as queries change). */
const MAX_DECODED = 10_000;

function decodeSubjectsOnce(read: string): { predicate: string; of: SubjectsConstraint[] } | undefined {
  let x: unknown;
  try {
    x = JSON.parse(read.slice(SUBJECTS.length));
  } catch {
    return undefined;
  }
  if (!Array.isArray(x) || x.length < 2 || typeof x[0] !== 'string' || !IRI.test(x[0])) return undefined;
  const iris = (c: unknown[]) => c.every((t) => typeof t === 'string' && IRI.test(t));
  const of = x.slice(1) as unknown[][];
  for (const c of of) {
    if (!Array.isArray(c) || !iris(c.slice(1))) return undefined;
    const ok =
      (c[0] === 'objects' && c.length === 2) ||
      (c[0] === 'subjects' && (c.length === 2 || c.length === 3)) ||
      (c[0] === 'prefix' && c.length === 2);
    if (!ok) return undefined;
  }
  return { predicate: x[0], of: of as SubjectsConstraint[] };
}

/** The parts of n3's store the digests read directly (see `indexLines`). */
interface StoreIndex {
  _graphs: Record<string, { predicates: Record<string, Record<string, Record<string, unknown>>> } | undefined>;
  _entities: Record<string, string | undefined>;
  _termToNumericId: (term: string) => number | undefined;
}

function storeIndex(store: Store): StoreIndex | undefined {
  const s = store as unknown as Partial<StoreIndex>;
  return typeof s._graphs === 'object' &&
    s._graphs !== null &&
    typeof s._entities === 'object' &&
    s._entities !== null &&
    typeof s._termToNumericId === 'function'
    ? (s as StoreIndex)
    : undefined;
}

/** `x` as a part of a line: its length, a colon, then itself (so that a line reads back one way only). */
const part = (x: string) => `${x.length}:${x}`;

/**
 * The lines of a predicate's triples read off n3's predicate → object → subject index, with the
 * store's own entity keys (one per term: n3's term id, an IRI that starts with one of n3's marker
 * characters in <>), without making a term or a quad per triple, each with its subject's key.
 * False when the index is not as expected (then the quads are read).
 */
function indexLines(index: StoreIndex, predicate: string, each: (subject: string, line: string) => void): boolean {
  const id = index._termToNumericId(predicate);
  if (id === undefined) return true;
  const entities = index._entities;
  for (const g in index._graphs) {
    const byObject = index._graphs[g]?.predicates?.[id];
    if (byObject === undefined) continue;
    const graph = entities[g];
    if (typeof graph !== 'string') return false;
    for (const o in byObject) {
      const object = entities[o];
      if (typeof object !== 'string') return false;
      const tail = `${part(object)}${part(graph)}`;
      for (const s in byObject[o]) {
        const subject = entities[s];
        if (typeof subject !== 'string') return false;
        each(subject, `${part(subject)}${tail}`);
      }
    }
  }
  return true;
}

/**
 * The keys (as indexLines writes them) of the nodes a constraint names (a prefix names no set:
 * null); undefined as indexLines.
 */
function indexNodes(index: StoreIndex, c: SubjectsConstraint): Set<string> | null | undefined {
  if (c[0] === 'prefix') return null;
  const nodes = new Set<string>();
  const id = index._termToNumericId(c[1]);
  if (id === undefined) return nodes;
  const object = c[0] === 'subjects' && c.length === 3 ? index._termToNumericId(c[2]) : null;
  if (object === undefined) return nodes;
  const add = (key: string) => {
    const node = index._entities[key];
    if (typeof node !== 'string') return false;
    nodes.add(node);
    return true;
  };
  for (const g in index._graphs) {
    const byObject = index._graphs[g]?.predicates?.[id];
    if (byObject === undefined) continue;
    if (c[0] === 'objects') {
      for (const o in byObject) if (!add(o)) return undefined;
    } else if (object !== null) {
      for (const s in byObject[object] ?? {}) if (!add(s)) return undefined;
    } else for (const o in byObject) for (const s in byObject[o]) if (!add(s)) return undefined;
  }
  return nodes;
}

/** Sorted lines a GraphScope keeps for reuse, at most (this repo's whole graph is ~10.5K). */
const MAX_KEPT_LINES = 200_000;

/**
 * Digests of the graph's triples by predicate, each computed at its first use: sha256 over the
 * sorted list of (subject, object, graph) lines, each term written once per store (unique per
 * term, so the list is the triples) and length-prefixed (so a line reads back one way only),
 * independent of the order the store holds them in. The lines are read off n3's index when it is
 * as expected, else from its quads with `termToId`: the two kinds of lines are tagged apart.
 */
export class GraphScope {
  private readonly byPredicate = new Map<string, string>();
  private readonly bySubjects = new Map<string, string>();
  /**
   * A predicate's lines, sorted, by `index\0P` / `terms\0P` (what predicateDigest and subjectLines
   * both read), while they add up to at most MAX_KEPT_LINES (a large graph's are made again instead).
   */
  private readonly sortedMemo = new Map<string, { kind: 'n3-index' | 'terms'; lines: string[] }>();
  private keptLines = 0;
  private readonly linesMemo = new Map<
    string,
    { kind: 'n3-index' | 'terms'; lines: string[]; subjects: string[]; bySubject: Map<string, number[]> }
  >();
  private readonly nodesMemo = new Map<string, Set<string> | null | undefined>();
  private storePredicates: string[] | undefined;

  constructor(
    private readonly store: Store,
    private readonly termToId: (typeof import('n3'))['termToId'],
    /** How many sorted lines to keep for reuse, at most (tests read with none kept). */
    private readonly maxKeptLines = MAX_KEPT_LINES,
  ) {}

  /**
   * Drops what was read of the triples of `predicates`, which changed in the store: their digests
   * and lines, the nodes of constraints on them, the subject-bound digests that read either, and
   * the store's predicate list. What is kept read other predicates' triples only.
   */
  forget(predicates: ReadonlySet<string>): void {
    for (const p of predicates) {
      this.byPredicate.delete(p);
      for (const key of [`terms\0${p}`, `index\0${p}`]) {
        this.keptLines -= this.sortedMemo.get(key)?.lines.length ?? 0;
        this.sortedMemo.delete(key);
        this.linesMemo.delete(key);
      }
    }
    const reads = (c: SubjectsConstraint) => c[0] !== 'prefix' && predicates.has(c[1]);
    for (const key of [...this.nodesMemo.keys()]) {
      const [, ...c] = JSON.parse(key) as string[];
      if (reads(c as SubjectsConstraint)) this.nodesMemo.delete(key);
    }
    for (const key of [...this.bySubjects.keys()]) {
      const [predicate, ...of] = JSON.parse(key) as [string, ...SubjectsConstraint[]];
      if (predicates.has(predicate) || of.some(reads)) this.bySubjects.delete(key);
    }
    this.storePredicates = undefined;
  }

  /** The lines of a predicate's triples from its quads, with `termToId` keys (indexLines' fallback). */
  private termLines(predicate: string, each: (subject: string, line: string) => void): void {
    const termToId = this.termToId;
    for (const q of this.store.readQuads(null, predicate, null, null)) {
      const subject = termToId(q.subject as never);
      each(subject, `${part(subject)}${part(termToId(q.object as never))}${part(termToId(q.graph as never))}`);
    }
  }

  /**
   * A predicate's lines, sorted, read once per scope: off n3's index when `terms` is false and the
   * index is as expected, else from the quads (`kind` says which).
   */
  private sortedLines(predicate: string, terms: boolean): { kind: 'n3-index' | 'terms'; lines: string[] } {
    const key = `${terms ? 'terms' : 'index'}\0${predicate}`;
    let memo = this.sortedMemo.get(key);
    if (memo === undefined) {
      const lines: string[] = [];
      const push = (_: string, line: string) => void lines.push(line);
      const index = terms ? undefined : storeIndex(this.store);
      let kind: 'n3-index' | 'terms' = 'n3-index';
      if (!index || !indexLines(index, predicate, push)) {
        kind = 'terms';
        lines.length = 0;
        this.termLines(predicate, push);
      }
      lines.sort();
      memo = { kind, lines };
      if (this.keptLines + lines.length <= this.maxKeptLines) {
        this.sortedMemo.set(key, memo);
        this.keptLines += lines.length;
      }
    }
    return memo;
  }

  private predicateDigest(predicate: string): string {
    let d = this.byPredicate.get(predicate);
    if (d === undefined) {
      const { kind, lines } = this.sortedLines(predicate, false);
      d = createHash('sha256').update(`${kind}\n`).update(lines.join('')).digest('hex');
      this.byPredicate.set(predicate, d);
    }
    return d;
  }

  /**
   * A predicate's lines (each starts with its subject's key), sorted, read once per scope (every
   * subject-bound read of the predicate filters them): off n3's index when `terms` is false and
   * the index is as expected, else from the quads (`kind` says which).
   */
  private subjectLines(
    predicate: string,
    terms: boolean,
  ): { kind: 'n3-index' | 'terms'; lines: string[]; subjects: string[]; bySubject: Map<string, number[]> } {
    const key = `${terms ? 'terms' : 'index'}\0${predicate}`;
    let memo = this.linesMemo.get(key);
    if (memo === undefined) {
      // In the order the digests take them, so that each subject-bound digest only filters; each
      // line's subject key read back once (a line starts with it, length-prefixed: `part`).
      const { kind, lines } = this.sortedLines(predicate, terms);
      const subjects = lines.map((line) => {
        const colon = line.indexOf(':');
        return line.slice(colon + 1, colon + 1 + Number(line.slice(0, colon)));
      });
      const bySubject = new Map<string, number[]>();
      subjects.forEach((subject, i) => {
        const at = bySubject.get(subject);
        if (at) at.push(i);
        else bySubject.set(subject, [i]);
      });
      this.linesMemo.set(key, (memo = { kind, lines, subjects, bySubject }));
    }
    return memo;
  }

  /** The keys of the nodes a constraint names, as `kind` lines write them (null: a prefix; undefined: the index is not as expected). */
  private constraintNodes(c: SubjectsConstraint, kind: 'n3-index' | 'terms'): Set<string> | null | undefined {
    const key = JSON.stringify([kind, ...c]);
    if (this.nodesMemo.has(key)) return this.nodesMemo.get(key);
    let nodes: Set<string> | null | undefined;
    if (c[0] === 'prefix') nodes = null;
    else if (kind === 'n3-index') {
      const index = storeIndex(this.store);
      nodes = index ? indexNodes(index, c) : undefined;
    } else {
      const termToId = this.termToId;
      const terms =
        c[0] === 'objects'
          ? this.store.getObjects(null, c[1], null)
          : this.store.getSubjects(c[1], c.length === 3 ? c[2] : null, null);
      nodes = new Set(terms.map((t) => termToId(t as never)));
    }
    this.nodesMemo.set(key, nodes);
    return nodes;
  }

  /**
   * The digest of the `predicate` triples whose subject meets every constraint of `of` (the
   * subject-bound reads of bound-reads.ts): the lines predicateDigest writes, of those subjects
   * only, tagged apart from its digests. (termToId writes an IRI as itself, as n3's keys do: a
   * prefix reads the same either way.)
   */
  boundDigest(predicate: string, of: readonly SubjectsConstraint[]): string {
    const key = JSON.stringify([predicate, ...of]);
    let d = this.bySubjects.get(key);
    if (d === undefined) {
      let { kind, lines, subjects, bySubject } = this.subjectLines(predicate, false);
      let sets = of.map((c) => this.constraintNodes(c, kind));
      if (sets.includes(undefined)) {
        ({ kind, lines, subjects, bySubject } = this.subjectLines(predicate, true));
        sets = of.map((c) => this.constraintNodes(c, kind));
      }
      const prefixes = of.flatMap((c) => (c[0] === 'prefix' ? [c[1]] : []));
      const among = sets.filter((set): set is Set<string> => set !== null && set !== undefined);
      const meets = (subject: string) =>
        among.every((set) => set.has(subject)) && prefixes.every((x) => subject.startsWith(x));
      // The lines of the nodes the smallest set names, when that is fewer than the lines, else every line.
      const smallest = among.reduce<Set<string> | undefined>((a, b) => (a && a.size <= b.size ? a : b), undefined);
      let kept: string[];
      if (smallest && smallest.size < lines.length) {
        const at: number[] = [];
        for (const subject of smallest) if (meets(subject)) at.push(...(bySubject.get(subject) ?? []));
        kept = at.sort((a, b) => a - b).map((i) => lines[i]!);
      } else kept = lines.filter((_, i) => meets(subjects[i]!));
      d = createHash('sha256').update(`subjects/${kind}\n`).update(kept.join('')).digest('hex');
      this.bySubjects.set(key, d);
    }
    return d;
  }

  /**
   * The digest of what a query reads (`predicates` as bound-reads.ts writes them, `prefixes` as
   * clauseReads does): a BOUND read stands for the triples of every predicate its binding triples
   * name now, a SUBJECTS read for boundDigest's. Undefined when a marker does not decode (the query
   * facts file is untrusted): then the reads are not known.
   */
  readsDigest(predicates: readonly string[], prefixes: readonly string[] = []): string | undefined {
    const reads = this.decodeReads(predicates);
    if (!reads) return undefined;
    const { read, bound } = reads;
    const whole = this.digest([...read], prefixes);
    if (bound.size === 0) return whole;
    return createHash('sha256')
      .update(
        JSON.stringify([
          whole,
          ...[...bound.keys()].sort().map((k) => [k, this.boundDigest(bound.get(k)!.predicate, bound.get(k)!.of)]),
        ]),
      )
      .digest('hex');
  }

  /** The predicates read whole and the subject-bound reads of `predicates` (readsDigest); undefined when a marker does not decode. */
  private decodeReads(
    predicates: readonly string[],
  ): { read: Set<string>; bound: Map<string, { predicate: string; of: SubjectsConstraint[] }> } | undefined {
    const read = new Set<string>();
    const bound = new Map<string, { predicate: string; of: SubjectsConstraint[] }>();
    for (const p of predicates)
      if (p.startsWith(BOUND)) {
        const binder = p.slice(BOUND.length);
        if (!IRI.test(binder)) return undefined;
        read.add(binder);
        for (const o of this.store.getObjects(null, binder, null)) if (o.termType === 'NamedNode') read.add(o.value);
      } else if (p.startsWith(SUBJECTS)) {
        const decoded = decodeSubjects(p);
        if (!decoded) return undefined;
        bound.set(JSON.stringify([decoded.predicate, ...decoded.of]), decoded);
      } else read.add(p);
    return { read, bound };
  }

  /**
   * The triples readsDigest digests for these reads: a query that reads only these answers over
   * them as over the whole graph (a match outside a subject-bound read only makes solutions its
   * group drops, whatever else of the graph is there; bound-reads.ts). Undefined when a marker
   * does not decode, or when one of them has a blank node (an engine orders and labels those by
   * how it loaded them: the rows are then a whole-graph run's only), and when they are more than
   * `limit` (counted in the indexes before any quad is made: a query reading most of a 100K graph
   * spent ~0.2 s making quads only to learn that it runs on the whole graph).
   */
  readQuads(predicates: readonly string[], prefixes: readonly string[] = [], limit = Infinity): Quad[] | undefined {
    const reads = this.decodeReads(predicates);
    if (!reads) return undefined;
    const whole = new Set(reads.read);
    if (prefixes.length > 0) {
      this.storePredicates ??= this.store.getPredicates(null, null, null).map((t) => t.value);
      for (const p of this.storePredicates) if (prefixes.some((x) => p.startsWith(x))) whole.add(p);
    }
    let count = 0;
    for (const p of whole) if ((count += this.store.countQuads(null, p, null, null)) > limit) return undefined;
    const out: Quad[] = [];
    for (const p of whole) for (const q of this.store.readQuads(null, p, null, null)) out.push(q as Quad);
    const termToId = this.termToId;
    for (const { predicate, of } of reads.bound.values()) {
      if (whole.has(predicate)) continue;
      const sets = of.map((c) => this.constraintNodes(c, 'terms'));
      const prefixed = of.flatMap((c) => (c[0] === 'prefix' ? [c[1]] : []));
      for (const q of this.store.readQuads(null, predicate, null, null)) {
        const s = termToId(q.subject as never);
        if (sets.every((set) => set === null || set!.has(s)) && prefixed.every((x) => s.startsWith(x)))
          out.push(q as Quad);
      }
      if (out.length > limit) return undefined;
    }
    return out.some((q) => q.subject.termType === 'BlankNode' || q.object.termType === 'BlankNode') ? undefined : out;
  }

  /**
   * The digest of every triple whose predicate is one of `predicates` or starts with one of
   * `prefixes`. The predicates are listed by name with their digests, so a predicate with the
   * prefix that appears or disappears changes it too.
   */
  digest(predicates: readonly string[], prefixes: readonly string[] = []): string {
    const all = new Set(predicates);
    if (prefixes.length > 0) {
      this.storePredicates ??= this.store.getPredicates(null, null, null).map((t) => t.value);
      for (const p of this.storePredicates) if (prefixes.some((x) => p.startsWith(x))) all.add(p);
    }
    const h = createHash('sha256');
    for (const p of [...all].sort()) h.update(JSON.stringify([p, this.predicateDigest(p)])).update('\n');
    return h.digest('hex');
  }
}

/**
 * The scope of `store`, shared by every reader of the same final graph in a run (the rows cache
 * and warm SHACL): each predicate is digested once. A store whose size changed since is new.
 */
const scopes = new WeakMap<Store, { size: number; scope: GraphScope }>();
export function graphScope(store: Store, termToId: (typeof import('n3'))['termToId']): GraphScope {
  let s = scopes.get(store);
  if (!s || s.size !== store.size)
    scopes.set(store, (s = { size: store.size, scope: new GraphScope(store, termToId) }));
  return s.scope;
}

/**
 * `store` was changed in place by triples of these predicates only (a watch session's held graph,
 * normalize/held-graph.ts): its scope forgets what it digested of them and stays.
 */
export function graphScopeChanged(store: Store, predicates: ReadonlySet<string>): void {
  const s = scopes.get(store);
  if (!s) return;
  s.scope.forget(predicates);
  s.size = store.size;
}

/**
 * The share of the graph's triples the queries of one run may load as subgraphs of their own
 * before the rest run on the whole graph (loaded once): a spec edit's few missed queries that
 * read a small part of it load that part only, while many (or one reading much) load it all.
 */
const SUBGRAPH_SHARE = 0.25;

/**
 * The rows cache's scope over `store` (rows-cache.ts): what each query reads, narrowed by what its
 * variables are bound to (bound-reads.ts), is a query fact. With `subgraphs` (a one-shot run: a
 * watch session keeps the whole graph loaded between runs), a query that runs gets the triples it
 * reads as a store of their own while they stay within SUBGRAPH_SHARE of the graph in all.
 */
export function rowsScope(
  store: Store,
  engine: () => Promise<import('../engine/index.js').QueryEngine>,
  options: { subgraphs?: boolean } = {},
): import('./rows-cache.js').RowsScope {
  let budget = options.subgraphs ? Math.floor(store.size * SUBGRAPH_SHARE) : 0;
  return async (form, query) => {
    const { boundReads } = await import('./bound-reads.js');
    const reads = await (
      await engine()
    ).derive(
      query,
      form,
      'reads/bound-subjects',
      (ast, prefixes) => {
        const plain = queryReads(ast, prefixes, form);
        return plain.predicates === 'all' || plain.fresh ? plain : boundReads(ast, prefixes, { prefixFilters: true });
      },
      isScopedReads,
    );
    if (reads.predicates === 'all' || reads.fresh) return undefined;
    const N3 = await import('n3');
    const scope = graphScope(store, N3.termToId);
    const key = scope.readsDigest(reads.predicates, reads.prefixes);
    if (key === undefined) return undefined;
    const predicates = reads.predicates;
    return {
      key,
      subgraph: () => {
        if (budget <= 0) return undefined;
        const quads = scope.readQuads(predicates, reads.prefixes, budget);
        if (quads === undefined) {
          // From here on the whole graph: it is loaded once for all.
          budget = 0;
          return undefined;
        }
        budget -= quads.length;
        return new N3.Store(quads);
      },
    };
  };
}
