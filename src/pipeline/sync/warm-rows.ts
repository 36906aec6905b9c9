/**
 * Query results kept between the runs of one `sync --watch` process, reused when what the query
 * can read is unchanged. The rows cache (extract/rows-cache.ts) is keyed by the whole graph, so a
 * spec edit misses every query; here a query's result is keyed by its text and the triples whose
 * predicate its clauses name (rule-reads.ts, over every clause of the query: WHERE, projection
 * expressions, GROUP BY / HAVING / ORDER BY), as they stand in the final graph, blank nodes under
 * their canonical labels (digest.ts). SPARQL touches the graph only through its triple patterns
 * and property paths, so over two graphs that hold the same such triples a query has the same
 * solutions; ORDER BY with its tie-breakers (engine/rewrite.ts) puts them in an order that
 * depends on their values alone. An edit to one literal then reruns only the queries that read
 * its predicate.
 *
 * A query is never reused when that does not hold or cannot be pinned down: a variable
 * predicate, a negated property set, SERVICE or FROM (rule-reads.ts reads "all"), `SELECT *`
 * (no tie-breakers), GROUP_CONCAT and SAMPLE (their value follows the engine's solution order),
 * and volatile functions (BNODE, RAND, NOW...). Entries live in memory only, and what a query
 * reads comes from parsing it in this process, never from the query facts file.
 */
import { createHash } from 'node:crypto';
import type { Store } from 'n3';
import type { QueryEngine } from '../engine/index.js';
import { projectedVariables } from '../engine/rewrite.js';
import { ruleReads, storedReads, type StoredReads } from '../normalize/rule-reads.js';
import type { QueryText, Row } from '../types.js';

type Form = 'select' | 'ask';
type Answer = { rows: Row[] } | { answer: boolean };

/** At most this many queries are remembered (the least recently used go first). */
const MAX_ENTRIES = 2000;
const ORDER_SENSITIVE = new Set(['group_concat', 'sample']);

/** What a SELECT or ASK can read, over all its clauses; 'all' when that cannot be pinned down. */
export function queryReads(ast: unknown, prefixes: Record<string, string>, form: Form): StoredReads {
  const root = (ast ?? {}) as Record<string, unknown>;
  const all: StoredReads = { predicates: 'all', fresh: false };
  if (form === 'select' && projectedVariables(root) === undefined) return all;
  const datasets = root.datasets as { clauses?: unknown[] } | undefined;
  if (datasets && (!Array.isArray(datasets.clauses) || datasets.clauses.length > 0)) return all;
  let orderSensitive = false;
  const scan = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(scan);
    if (x === null || typeof x !== 'object') return;
    const n = x as Record<string, unknown>;
    if (typeof n.aggregation === 'string' && ORDER_SENSITIVE.has(n.aggregation.toLowerCase())) orderSensitive = true;
    for (const [k, v] of Object.entries(n)) if (k !== 'loc') scan(v);
  };
  scan(root);
  if (orderSensitive) return all;
  return clauseReads(root, prefixes);
}

/** The predicates any clause of a parsed query names (its prologue aside), as rule-reads.ts reads a WHERE clause. */
export function clauseReads(ast: unknown, prefixes: Record<string, string>): StoredReads {
  const root = (ast ?? {}) as Record<string, unknown>;
  const clauses = Object.entries(root)
    .filter(([k]) => k !== 'context' && k !== 'loc' && k !== 'type' && k !== 'subType')
    .map(([, v]) => v);
  return storedReads(ruleReads({ context: root.context, where: clauses }, prefixes));
}

export class WarmRows {
  private readonly entries = new Map<string, { print: string; answer: Answer }>();
  private readonly reads = new Map<string, StoredReads>();
  /** Per store: each predicate's triples, as a digest (computed once, at the first query that asks). */
  /** Answers reused, and queries run, since the session began. */
  hits = 0;
  misses = 0;

  async select(
    engine: QueryEngine,
    prefixes: Record<string, string>,
    store: () => Store,
    query: QueryText,
    run: () => Promise<Row[]>,
  ): Promise<Row[]> {
    const a = await this.answer(engine, prefixes, store, query, 'select', async () => ({ rows: await run() }));
    return (a as { rows: Row[] }).rows;
  }

  async ask(
    engine: QueryEngine,
    prefixes: Record<string, string>,
    store: () => Store,
    query: QueryText,
    run: () => Promise<boolean>,
  ): Promise<boolean> {
    const a = await this.answer(engine, prefixes, store, query, 'ask', async () => ({ answer: await run() }));
    return (a as { answer: boolean }).answer;
  }

  private async answer(
    engine: QueryEngine,
    prefixes: Record<string, string>,
    store: () => Store,
    query: QueryText,
    form: Form,
    run: () => Promise<Answer>,
  ): Promise<Answer> {
    const key = JSON.stringify([engine.name, form, Object.entries(prefixes).sort(), query.text]);
    // What the query reads, from its parse in this process: never from a file (a planted
    // "reads less" would reuse a stale answer). The first warm run loads the parser for it.
    let reads = this.reads.get(key);
    if (!reads) {
      const { ast, prefixes: parsedWith } = await engine.parse(query, form);
      this.reads.set(key, (reads = queryReads(ast, parsedWith, form)));
    }
    if (reads.fresh || reads.predicates === 'all') {
      this.misses++;
      return run();
    }
    const print = fingerprint(store(), reads.predicates);
    const hit = this.entries.get(key);
    this.entries.delete(key);
    if (hit && hit.print === print) {
      this.hits++;
      this.entries.set(key, hit);
      return hit.answer;
    }
    this.misses++;
    const answer = await run();
    this.entries.set(key, { print, answer });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    if (this.reads.size > MAX_ENTRIES) this.reads.delete(this.reads.keys().next().value!);
    return answer;
  }

  clear(): void {
    this.entries.clear();
    this.reads.clear();
  }
}

/**
 * Each store's per-predicate digests, made at the first query or shape group that asks (warm
 * SHACL and warm rows ask about the same final graph), with the store's size then: a store that
 * changed size since is digested again.
 */
const digests = new WeakMap<Store, { size: number; map: Map<string, string> }>();

/** A digest of the triples of `store` whose predicate is one of `predicates`. */
export function fingerprint(store: Store, predicates: Iterable<string>): string {
  let d = digests.get(store);
  if (!d || d.size !== store.size) digests.set(store, (d = { size: store.size, map: predicateDigests(store) }));
  const h = createHash('sha256');
  for (const p of [...predicates].sort()) h.update(JSON.stringify([p, d.map.get(p) ?? null])).update('\n');
  return h.digest('hex');
}

/** Each predicate's triples as one sha256: their (subject, object, graph) in a fixed order, not the store's. */
export function predicateDigests(store: Store): Map<string, string> {
  const lines = new Map<string, string[]>();
  type Term = { termType: string; value: string; language?: string; datatype?: { value: string } };
  type Quoted = { subject: Term; predicate: Term; object: Term; graph: Term };
  const id = (t: Term): string => {
    if (t.termType === 'Literal') return JSON.stringify(['L', t.value, t.language ?? '', t.datatype?.value ?? '']);
    if (t.termType !== 'Quad') return JSON.stringify([t.termType, t.value]);
    const q = t as unknown as Quoted;
    return `[Q ${id(q.subject)} ${id(q.predicate)} ${id(q.object)} ${id(q.graph)}]`;
  };
  for (const q of store.readQuads(null, null, null, null)) {
    const p = q.predicate.value;
    let list = lines.get(p);
    if (!list) lines.set(p, (list = []));
    list.push(`${id(q.subject)} ${id(q.object)} ${id(q.graph)}`);
  }
  const out = new Map<string, string>();
  for (const [p, list] of lines) {
    list.sort();
    const h = createHash('sha256');
    for (const l of list) h.update(l).update('\n');
    out.set(p, h.digest('hex'));
  }
  return out;
}
