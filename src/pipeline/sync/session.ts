/**
 * What `ggen sync --watch` keeps warm between runs in one process: the query engine (one per
 * prefix set; Comunica costs ~0.4 s to load and its first queries are slow until the JIT warms
 * up), the formatting worker with Prettier loaded in it, and the compiled templates (see
 * emit/index.ts RendererCache). Each is safe to reuse: the engine answers about the store passed
 * to each query (Oxigraph keeps its copy of the last store, and brings it in step with the next
 * one: engine/oxigraph.ts `update`), the worker formats what it is sent with fixed options, and a
 * compiled template is reused only for the same text, partials and manifest. The parsed triples
 * of each spec and shapes file are kept too, so an edit to one file re-parses that file, and the
 * SHACL results of shapes whose triples an edit left alone are reused (normalize/shacl-warm.ts).
 * A session whose first run found everything up to date is warmed before the first edit
 * (sync/warm-up.ts); its first graph's parses come from the disk parse cache where they can.
 * test/pipeline/sync-session.test.ts checks that warm runs write what fresh full runs compute.
 */
import type { QueryEngine } from '../extract/engine.js';
import type { FormatPool } from '../canonicalize/pool.js';
import type { RendererCache } from '../emit/index.js';
import { ParseCache } from '../normalize/parse-cache.js';
import { CacheMemory } from '../fs/cache-file.js';
import { sortedPrefixes } from '../engine/query-facts.js';

export class SyncSession {
  private readonly engines = new Map<string, Promise<QueryEngine>>();
  pool: FormatPool | undefined;
  readonly renderer: RendererCache = { key: '', compiled: new Map() };
  /** Each input file's parsed triples, reused while its text is unchanged (normalize/parse-cache.ts). */
  readonly parses = new ParseCache();
  /**
   * The `.ggen/cache/` files (graph, rows, render, format, query facts) as the last run saved them:
   * the next run reads them from here, and the files are written by flushCaches, not every run.
   */
  readonly caches = new CacheMemory();
  private flushTimer: NodeJS.Timeout | undefined;

  /** The warm engine for this engine name and prefix set (either can change between runs: `ggen.toml` is watched). */
  engine(
    name: string | undefined,
    prefixes: Record<string, string>,
    create: () => Promise<QueryEngine>,
  ): Promise<QueryEngine> {
    const key = JSON.stringify([name ?? null, sortedPrefixes(prefixes)]);
    let e = this.engines.get(key);
    if (!e) {
      e = create().then((engine) => (engine.heldBySession(), engine));
      // A failed load is not kept: the next run tries again.
      e.catch(() => this.engines.delete(key));
      this.engines.set(key, e);
    }
    return e;
  }

  /** After a run that failed for another reason than bad input: start the worker afresh next time. */
  async dropPool(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    await p?.close();
  }

  /** Writes the cache files saved since the last flush, now. */
  flushCaches(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.caches.flush();
  }

  /**
   * Writes the cache files once the loop has been idle for `ms` (a later call restarts the wait),
   * so that they are on disk for a one-shot run even if this process is killed.
   */
  flushCachesWhenIdle(ms: number): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => this.flushCaches(), ms);
    this.flushTimer.unref();
  }

  async close(): Promise<void> {
    this.flushCaches();
    await this.dropPool();
    this.engines.clear();
    this.renderer.compiled.clear();
  }
}
