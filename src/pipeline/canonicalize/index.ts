/**
 * Stage 4: Prettier for every rendered body, then the banner, in memory. Only bodies go through
 * Prettier (and the format cache), so a run whose bodies are all cached (a template edit that
 * changes banners only) runs no Prettier and starts no worker. A formatting failure means a
 * template produced invalid code: an InputError naming the template and the generated file's line.
 */
import { InputError, type Diagnostic } from '../errors.js';
import type { NormalizedGraph, RenderedFile } from '../types.js';
import { banner, bannerLineCount, withBanner } from './banner.js';
import { formatInput, formatOne, loadPrettier, normalizeText, parserFor } from './format.js';
import type { FormatCache } from './format-cache.js';
import { formatInWorkers, workerCount, type FormatPool, type FormatResult } from './pool.js';

export { banner, bannerLines, commentStyle, withBanner } from './banner.js';
export { PRETTIER_OPTIONS, FormatterMissing, normalizeText, parserFor } from './format.js';

export interface CanonicalizeOptions {
  /** Called after each file (for progress on long runs). */
  onProgress?: (done: number, total: number) => void;
  /** Output dir relative to root, to name files in diagnostics. */
  outputDir?: string;
  /** Earlier Prettier results to reuse; this run's results are added to it. */
  cache?: FormatCache;
  /**
   * Formatting workers (see pool.ts), or how to start them: a function is called at the first
   * file the cache cannot answer, so a run whose outputs all hit never starts a worker. Grown to
   * the size the run warrants; not closed here.
   */
  pool?: FormatPool | (() => FormatPool);
}

export async function canonicalize(
  files: RenderedFile[],
  graph: Pick<NormalizedGraph, 'digest' | 'specFiles'>,
  opts: CanonicalizeOptions = {},
): Promise<RenderedFile[]> {
  const c = new Canonicalizer(graph, opts);
  c.submit(files);
  return c.finish(files);
}

/**
 * Canonicalize fed file by file: with a pool, files submitted while extract and emit are still
 * running are formatted on another core meanwhile. `finish` returns them in the order given to
 * it, exactly as `canonicalize` would, and reports every invalid file at once.
 */
export class Canonicalizer {
  private readonly results = new Map<string, Promise<FormatResult>>();
  /** Without a pool, formatting waits for `finish` (the main thread is busy until then anyway). */
  private readonly deferred: Array<{
    path: string;
    text: string;
    settle(r: FormatResult): void;
    fail(e: unknown): void;
  }> = [];
  private done = 0;
  private submitted = 0;
  private started: FormatPool | undefined;
  /** Files whose body went to Prettier, and files whose formatted body came from the cache. */
  readonly counts = { formatted: 0, cached: 0 };

  private pool(): FormatPool | undefined {
    const p = this.opts.pool;
    this.started ??= typeof p === 'function' ? p() : p;
    return this.started;
  }

  constructor(
    private readonly graph: Pick<NormalizedGraph, 'digest' | 'specFiles'>,
    private readonly opts: CanonicalizeOptions = {},
  ) {}

  /** Whether a formatting worker was started (or given) for this run. */
  get usedPool(): boolean {
    return this.started !== undefined;
  }

  submit(files: RenderedFile[]): void {
    const jobs: Array<{ path: string; text: string }> = [];
    const slots: Array<{ settle(r: FormatResult): void; fail(e: unknown): void }> = [];
    for (const f of files) {
      const head = banner(f.path, f.mode, {
        ...(f.inputs ?? { digest: this.graph.digest, specFiles: this.graph.specFiles }),
        template: f.template,
      });
      this.submitted++;
      if (!parserFor(f.path)) {
        // Nothing to format: LF line endings and one final newline, here and now.
        this.results.set(f.path, Promise.resolve({ ok: true, text: normalizeText(head + f.content) }));
        this.progress();
        continue;
      }
      const body = formatInput(f.path, f.content);
      const hit = this.opts.cache?.get(f.path, body);
      if (hit !== undefined) {
        this.counts.cached++;
        this.results.set(f.path, Promise.resolve({ ok: true, text: withBanner(head, hit) }));
        this.progress();
        continue;
      }
      this.counts.formatted++;
      const result = new Promise<FormatResult>((settle, fail) => slots.push({ settle, fail })).then(
        (res): FormatResult => {
          this.progress();
          if (!res.ok) {
            // The body's line, counted in the output (after the banner).
            const line = res.error.line === undefined ? undefined : res.error.line + bannerLineCount(head);
            return { ok: false, error: { ...res.error, line } };
          }
          this.opts.cache?.set(f.path, body, res.text);
          return { ok: true, text: withBanner(head, res.text) };
        },
      );
      // Rejections are collected by finish; a run that fails before it must not crash on them.
      result.catch(() => undefined);
      this.results.set(f.path, result);
      jobs.push({ path: f.path, text: body });
    }
    if (jobs.length === 0) return;
    const pool = this.pool();
    if (pool) {
      pool.format(jobs).then(
        (rs) => rs.forEach((r, k) => slots[k]!.settle(r)),
        (err: unknown) => slots.forEach((s) => s.fail(err)),
      );
    } else {
      jobs.forEach((j, k) => this.deferred.push({ ...j, ...slots[k]! }));
    }
  }

  private progress(): void {
    this.done++;
    this.opts.onProgress?.(this.done, this.submitted);
  }

  /** Waits for every submitted file; `files` (all submitted) gives the order of the result. */
  async finish(files: RenderedFile[]): Promise<RenderedFile[]> {
    const queued = this.deferred.splice(0);
    if (this.started) {
      this.started.growFor(workerCount(this.submitted - this.done, true));
    } else if (queued.length > 0) {
      const workers = workerCount(queued.length);
      let fresh: FormatResult[];
      try {
        if (workers > 0)
          fresh = await formatInWorkers(
            queued.map(({ path, text }) => ({ path, text })),
            workers,
          );
        else {
          if (queued.some((j) => parserFor(j.path))) await loadPrettier();
          fresh = [];
          for (const j of queued) fresh.push(await formatOne(j.path, j.text));
        }
      } catch (err) {
        queued.forEach((j) => j.fail(err));
        throw err;
      }
      queued.forEach((j, k) => j.settle(fresh[k]!));
    }
    const out: RenderedFile[] = [];
    const errors: Diagnostic[] = [];
    for (const f of files) {
      const pending = this.results.get(f.path);
      if (!pending) throw new Error(`canonicalize: ${f.path} was never submitted`);
      const res = await pending;
      if (res.ok) out.push({ ...f, content: res.text });
      else {
        const where =
          res.error.line !== undefined
            ? `:${res.error.line}${res.error.col !== undefined ? `:${res.error.col}` : ''}`
            : '';
        const shown = this.opts.outputDir ? `${this.opts.outputDir}/${f.path}` : f.path;
        errors.push({ file: f.template, message: `generated ${shown}${where} is not valid: ${res.error.message}` });
      }
    }
    if (errors.length > 0) throw new InputError(errors);
    return out;
  }
}
