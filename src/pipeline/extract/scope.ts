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
 * "all", and is keyed by the whole graph, as before.
 */
import { createHash } from 'node:crypto';
import type { Store } from 'n3';
import { isStoredReads, ruleReads, type StoredReads } from '../normalize/rule-reads.js';
import { projectedVariables } from '../engine/rewrite.js';

interface Node {
  type?: string;
  datasets?: unknown;
  context?: unknown;
  template?: unknown;
  [k: string]: unknown;
}

/**
 * The predicates a SELECT or ASK query reads, from its parsed form: every part of the query is
 * searched (WHERE, projected expressions, GROUP BY / HAVING / ORDER BY, which may hold EXISTS).
 */
export function queryReads(ast: unknown, prefixes: Record<string, string>, form: 'select' | 'ask'): StoredReads {
  const root = ast as Node;
  const all: StoredReads = { predicates: 'all', fresh: false };
  if (root.type !== 'query') return all;
  // FROM / FROM NAMED (traqula: datasets.clauses): read as "all", whatever the engine makes of them.
  const datasets = root.datasets as { clauses?: unknown[] } | undefined;
  if (datasets !== undefined && (!Array.isArray(datasets.clauses) || datasets.clauses.length > 0)) return all;
  if (form === 'select' && projectedVariables(ast) === undefined) return all;
  // ruleReads walks `where`; here the whole query is its "where" (the prologue stays the prologue).
  const where: Node = { ...root };
  delete where.context;
  delete where.template;
  const reads = ruleReads({ context: root.context, where }, prefixes);
  if (reads.fresh || reads.predicates === 'all') return all;
  return { predicates: [...reads.predicates].sort(), fresh: false };
}

/**
 * Digests of the graph's triples by predicate, each computed at its first use: sha256 over the
 * sorted list of (subject, object) n3 term ids (unique per term, so the list is the triples),
 * independent of the order the store holds them in.
 */
export class GraphScope {
  private readonly byPredicate = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly termToId: (typeof import('n3'))['termToId'],
  ) {}

  private predicateDigest(predicate: string): string {
    let d = this.byPredicate.get(predicate);
    if (d === undefined) {
      const lines: string[] = [];
      const termToId = this.termToId;
      for (const q of this.store.readQuads(null, predicate, null, null)) {
        lines.push(
          JSON.stringify([termToId(q.subject as never), termToId(q.object as never), termToId(q.graph as never)]),
        );
      }
      lines.sort();
      const h = createHash('sha256');
      for (const line of lines) h.update(line).update('\n');
      d = h.digest('hex');
      this.byPredicate.set(predicate, d);
    }
    return d;
  }

  /** The digest of every triple whose predicate is one of `predicates`. */
  digest(predicates: readonly string[]): string {
    const h = createHash('sha256');
    for (const p of [...new Set(predicates)].sort())
      h.update(JSON.stringify([p, this.predicateDigest(p)])).update('\n');
    return h.digest('hex');
  }
}

/** The rows cache's scope over `store` (rows-cache.ts): what each query reads is a query fact. */
export function rowsScope(
  store: Store,
  engine: () => Promise<import('../engine/index.js').QueryEngine>,
): import('./rows-cache.js').RowsScope {
  let scope: GraphScope | undefined;
  return async (form, query) => {
    const reads = await (
      await engine()
    ).derive(query, form, 'reads', (ast, prefixes) => queryReads(ast, prefixes, form), isStoredReads);
    if (reads.predicates === 'all' || reads.fresh) return undefined;
    scope ??= new GraphScope(store, (await import('n3')).termToId);
    return scope.digest(reads.predicates);
  };
}
