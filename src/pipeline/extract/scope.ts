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
 * every predicate of the graph with that prefix.
 */
import { createHash } from 'node:crypto';
import type { Store } from 'n3';
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
 * Warm SHACL (normalize/shacl-warm.ts) reads its SHACL-SPARQL queries with it too.
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

/** The keys (as indexLines writes them) of the objects of a predicate's triples; undefined as indexLines. */
function indexObjects(index: StoreIndex, predicate: string): Set<string> | undefined {
  const objects = new Set<string>();
  const id = index._termToNumericId(predicate);
  if (id === undefined) return objects;
  for (const g in index._graphs)
    for (const o in index._graphs[g]?.predicates?.[id] ?? {}) {
      const object = index._entities[o];
      if (typeof object !== 'string') return undefined;
      objects.add(object);
    }
  return objects;
}

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
  private storePredicates: string[] | undefined;

  constructor(
    private readonly store: Store,
    private readonly termToId: (typeof import('n3'))['termToId'],
  ) {}

  /** The lines of a predicate's triples from its quads, with `termToId` keys (indexLines' fallback). */
  private termLines(predicate: string, each: (subject: string, line: string) => void): void {
    const termToId = this.termToId;
    for (const q of this.store.readQuads(null, predicate, null, null)) {
      const subject = termToId(q.subject as never);
      each(subject, `${part(subject)}${part(termToId(q.object as never))}${part(termToId(q.graph as never))}`);
    }
  }

  private predicateDigest(predicate: string): string {
    let d = this.byPredicate.get(predicate);
    if (d === undefined) {
      const index = storeIndex(this.store);
      const lines: string[] = [];
      const push = (_: string, line: string) => void lines.push(line);
      let kind = 'n3-index';
      if (!index || !indexLines(index, predicate, push)) {
        kind = 'terms';
        lines.length = 0;
        this.termLines(predicate, push);
      }
      lines.sort();
      d = createHash('sha256').update(`${kind}\n`).update(lines.join('')).digest('hex');
      this.byPredicate.set(predicate, d);
    }
    return d;
  }

  /**
   * The digest of the `predicate` triples whose subject is an object of a `binder` triple (warm
   * SHACL's subject-bound reads, shacl-warm.ts): the lines predicateDigest writes, of those
   * subjects only, tagged apart from its digests.
   */
  subjectsDigest(binder: string, predicate: string): string {
    const key = JSON.stringify([binder, predicate]);
    let d = this.bySubjects.get(key);
    if (d === undefined) {
      const index = storeIndex(this.store);
      const lines: string[] = [];
      const objects = index && indexObjects(index, binder);
      let kind = 'subjects/n3-index';
      if (!objects || !indexLines(index!, predicate, (s, line) => void (objects.has(s) && lines.push(line)))) {
        kind = 'subjects/terms';
        lines.length = 0;
        const termToId = this.termToId;
        const keys = new Set(this.store.getObjects(null, binder, null).map((o) => termToId(o as never)));
        this.termLines(predicate, (s, line) => void (keys.has(s) && lines.push(line)));
      }
      lines.sort();
      d = createHash('sha256').update(`${kind}\n`).update(lines.join('')).digest('hex');
      this.bySubjects.set(key, d);
    }
    return d;
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

/** The rows cache's scope over `store` (rows-cache.ts): what each query reads is a query fact. */
export function rowsScope(
  store: Store,
  engine: () => Promise<import('../engine/index.js').QueryEngine>,
): import('./rows-cache.js').RowsScope {
  return async (form, query) => {
    const reads = await (
      await engine()
    ).derive(query, form, 'reads', (ast, prefixes) => queryReads(ast, prefixes, form), isScopedReads);
    if (reads.predicates === 'all' || reads.fresh) return undefined;
    return graphScope(store, (await import('n3')).termToId).digest(reads.predicates, reads.prefixes);
  };
}
