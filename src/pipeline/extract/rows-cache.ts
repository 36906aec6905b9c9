/**
 * Query results of the last successful sync, under `.ggen/cache/rows.json`, for the edit loop.
 * A result is keyed by the sha256 of the query text and form and what it answers about, under a
 * file salt of the manifest prefixes, the pipeline library versions and ggen's normalize/extract
 * code:
 * - a query that reads only named predicates (extract/scope.ts), when the graph was built this
 *   run (`scope`): the digest of the triples with those predicates. A spec edit re-runs only the
 *   queries whose predicates it touched;
 * - any other query, or a graph from the graph cache: the graph digest and the bytes of every
 *   normalize input (rows that tie under an ORDER BY come in store order, which follows the order
 *   of the sources' text). Such a run finds a scoped result through an alias entry the run that
 *   stored it left under this key (so a graph-cache hit never builds the store to digest it).
 * When every query of a run hits, no engine is loaded; a scoped query that misses may run on the
 * triples it reads alone (scope.ts rowsScope). Saving keeps only the entries this run used.
 * The file is untrusted: an entry of the wrong shape, or an alias to one, is a miss.
 */
import { createHash } from 'node:crypto';
import { CacheFile, type CacheOptions } from '../fs/cache-file.js';
import { codeDigest } from '../normalize/cache.js';
import { packageVersions } from '../receipt/versions.js';
import type { Store } from 'n3';
import type { NormalizedGraph, QueryText, Row } from '../types.js';

export const ROWS_CACHE_FILE = '.ggen/cache/rows.json';
const FORMAT = 2;

type Entry = { rows: Row[] } | { answer: boolean } | { alias: string };

/**
 * The digest of the part of the graph `query` can read (`key`), or undefined when it may read any
 * of it; with `subgraph`, the triples of that part as a store to run the query on instead of the
 * whole graph (undefined: run it on the whole graph).
 */
export type RowsScope = (
  form: 'select' | 'ask',
  query: QueryText,
) => Promise<{ key: string; subgraph?: () => Store | undefined } | undefined>;

/** Runs a query, on `store` when given (the part of the graph it reads), else on the whole graph. */
export type RunQuery<T> = (store?: Store) => Promise<T>;

const isAlias = (e: Entry | undefined): e is { alias: string } =>
  typeof e === 'object' && e !== null && 'alias' in e && typeof e.alias === 'string' && /^[0-9a-f]{64}$/.test(e.alias);

export class RowsCache {
  private readonly graphKey: string;

  private constructor(
    private readonly file: CacheFile<Entry>,
    graph: Pick<NormalizedGraph, 'digest' | 'inputs'>,
    private readonly scope: RowsScope | undefined,
  ) {
    this.graphKey = JSON.stringify([graph.digest, graph.inputs]);
  }

  /** `read: false` starts empty (sync --full), still saving what this run computes. */
  static open(
    root: string,
    graph: Pick<NormalizedGraph, 'digest' | 'inputs'>,
    prefixes: Record<string, string>,
    options: CacheOptions = {},
    scope?: RowsScope,
  ): RowsCache {
    const salt = createHash('sha256')
      .update(JSON.stringify([FORMAT, prefixes, packageVersions(), codeDigest()]))
      .digest('hex');
    return new RowsCache(CacheFile.open<Entry>(root, ROWS_CACHE_FILE, salt, options), graph, scope);
  }

  private key(form: 'select' | 'ask', query: QueryText, about: string): string {
    return createHash('sha256').update(`${form}\0`).update(query.text).update('\0').update(about).digest('hex');
  }

  /**
   * The entry for the query (and the key it is kept under), its run's result otherwise: under
   * the scoped key when there is one (with an alias under the graph key), else the graph key.
   */
  private async answer<T>(
    form: 'select' | 'ask',
    query: QueryText,
    valid: (e: Entry | undefined) => e is Entry & T,
    run: RunQuery<T>,
  ): Promise<T> {
    const graphKey = this.key(form, query, `graph\0${this.graphKey}`);
    const scoped = await this.scope?.(form, query);
    if (scoped !== undefined) {
      const k = this.key(form, query, `scope\0${scoped.key}`);
      const hit = this.file.lookup(k);
      const value = valid(hit) ? hit : await run(scoped.subgraph?.());
      this.file.keep(k, value as Entry);
      const alias = this.file.lookup(graphKey);
      this.file.keep(graphKey, isAlias(alias) && alias.alias === k ? alias : { alias: k });
      return value;
    }
    let hit = this.file.lookup(graphKey);
    if (isAlias(hit)) {
      const target = this.file.lookup(hit.alias);
      if (valid(target)) {
        this.file.keep(graphKey, hit);
        this.file.keep(hit.alias, target);
        return target;
      }
      hit = undefined;
    }
    const value = valid(hit) ? hit : await run();
    this.file.keep(graphKey, value as Entry);
    return value;
  }

  async select(query: QueryText, run: RunQuery<Row[]>): Promise<Row[]> {
    const isRows = (e: Entry | undefined): e is { rows: Row[] } =>
      typeof e === 'object' && e !== null && 'rows' in e && Array.isArray(e.rows);
    return (await this.answer('select', query, isRows, async (store) => ({ rows: await run(store) }))).rows;
  }

  async ask(query: QueryText, run: RunQuery<boolean>): Promise<boolean> {
    const isAnswer = (e: Entry | undefined): e is { answer: boolean } =>
      typeof e === 'object' && e !== null && 'answer' in e && typeof e.answer === 'boolean';
    return (await this.answer('ask', query, isAnswer, async (store) => ({ answer: await run(store) }))).answer;
  }

  /** Call after a successful write run only. */
  save(): void {
    this.file.save();
  }
}
