/**
 * Query results of the last successful sync, under `.ggen/cache/rows.json`, for the edit loop
 * where templates change and the graph does not. A result is keyed by the sha256 of (the graph
 * digest and the bytes of every normalize input, the query text and form, the manifest prefixes,
 * the pipeline library versions and ggen's normalize/extract code). The input bytes matter, not
 * just the digest: rows that tie under a query's ORDER BY come in store order, which follows the
 * order of the sources' text. When every query of a run hits, Comunica is never loaded. Saving
 * keeps only the entries this run used.
 */
import { createHash } from 'node:crypto';
import { CacheFile, type CacheOptions } from '../fs/cache-file.js';
import { codeDigest } from '../normalize/cache.js';
import { packageVersions } from '../receipt/versions.js';
import type { NormalizedGraph, QueryText, Row } from '../types.js';

export const ROWS_CACHE_FILE = '.ggen/cache/rows.json';
const FORMAT = 1;

type Entry = { rows: Row[] } | { answer: boolean };

export class RowsCache {
  private constructor(private readonly file: CacheFile<Entry>) {}

  /** `read: false` starts empty (sync --full), still saving what this run computes. */
  static open(
    root: string,
    graph: Pick<NormalizedGraph, 'digest' | 'inputs'>,
    prefixes: Record<string, string>,
    options: CacheOptions = {},
  ): RowsCache {
    const salt = createHash('sha256')
      .update(JSON.stringify([FORMAT, graph.digest, graph.inputs, prefixes, packageVersions(), codeDigest()]))
      .digest('hex');
    return new RowsCache(CacheFile.open<Entry>(root, ROWS_CACHE_FILE, salt, options));
  }

  private key(form: 'select' | 'ask', query: QueryText): string {
    return createHash('sha256').update(`${form}\0`).update(query.text).digest('hex');
  }

  async select(query: QueryText, run: () => Promise<Row[]>): Promise<Row[]> {
    const k = this.key('select', query);
    const hit = this.file.lookup(k);
    if (hit && 'rows' in hit && Array.isArray(hit.rows)) {
      this.file.keep(k, hit);
      return hit.rows;
    }
    const rows = await run();
    this.file.keep(k, { rows });
    return rows;
  }

  async ask(query: QueryText, run: () => Promise<boolean>): Promise<boolean> {
    const k = this.key('ask', query);
    const hit = this.file.lookup(k);
    if (hit && 'answer' in hit && typeof hit.answer === 'boolean') {
      this.file.keep(k, hit);
      return hit.answer;
    }
    const answer = await run();
    this.file.keep(k, { answer });
    return answer;
  }

  /** Call after a successful write run only. */
  save(): void {
    this.file.save();
  }
}
