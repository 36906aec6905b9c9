/**
 * Stage 4: banner + Prettier for every rendered file, in memory. A formatting
 * failure means a template produced invalid code: an InputError naming the
 * template and the generated file's line.
 */
import { InputError, type Diagnostic } from '../errors.js';
import type { NormalizedGraph, RenderedFile } from '../types.js';
import { banner } from './banner.js';
import { formatOne, loadPrettier, parserFor } from './format.js';
import type { FormatCache } from './format-cache.js';
import { formatInWorkers, workerCount, type FormatPool, type FormatResult } from './pool.js';

export { banner, bannerLines, commentStyle } from './banner.js';
export { PRETTIER_OPTIONS, FormatterMissing, normalizeText, parserFor } from './format.js';

export interface CanonicalizeOptions {
  /** Called after each file (for progress on long runs). */
  onProgress?: (done: number, total: number) => void;
  /** Output dir relative to root, to name files in diagnostics. */
  outputDir?: string;
  /** Earlier Prettier results to reuse; this run's results are added to it. */
  cache?: FormatCache;
  /** Workers started earlier (see pool.ts); grown to the size this run warrants, not closed here. */
  pool?: FormatPool;
}

export async function canonicalize(
  files: RenderedFile[],
  graph: Pick<NormalizedGraph, 'digest' | 'specFiles'>,
  opts: CanonicalizeOptions = {},
): Promise<RenderedFile[]> {
  const all = files.map((f) => ({ path: f.path, text: banner(f.path, f.mode, graph.specFiles, graph.digest) + f.content }));
  const results: FormatResult[] = new Array(files.length);
  const pending: number[] = [];
  for (const [k, j] of all.entries()) {
    const hit = parserFor(j.path) ? opts.cache?.get(j.path, j.text) : undefined;
    if (hit !== undefined) results[k] = { ok: true, text: hit };
    else pending.push(k);
  }
  const jobs = pending.map((k) => all[k]!);
  const cached = files.length - jobs.length;
  const progress = opts.onProgress ? (d: number) => opts.onProgress!(cached + d, files.length) : undefined;
  let fresh: FormatResult[];
  const workers = workerCount(jobs.length, Boolean(opts.pool));
  if (opts.pool && jobs.length > 0) {
    opts.pool.grow(workers);
    fresh = await opts.pool.format(jobs, progress);
  } else if (workers > 0) {
    fresh = await formatInWorkers(jobs, workers, progress);
  } else {
    if (jobs.some((j) => parserFor(j.path))) await loadPrettier();
    fresh = [];
    for (const j of jobs) {
      fresh.push(await formatOne(j.path, j.text));
      progress?.(fresh.length);
    }
  }
  for (const [n, k] of pending.entries()) {
    const res = fresh[n]!;
    results[k] = res;
    const j = all[k]!;
    if (res.ok && parserFor(j.path)) opts.cache?.set(j.path, j.text, res.text);
  }
  const out: RenderedFile[] = [];
  const errors: Diagnostic[] = [];
  for (const [k, f] of files.entries()) {
    const res = results[k]!;
    if (res.ok) out.push({ ...f, content: res.text });
    else {
      const where = res.error.line !== undefined ? `:${res.error.line}${res.error.col !== undefined ? `:${res.error.col}` : ''}` : '';
      const shown = opts.outputDir ? `${opts.outputDir}/${f.path}` : f.path;
      errors.push({ file: f.template, message: `generated ${shown}${where} is not valid: ${res.error.message}` });
    }
  }
  if (errors.length > 0) throw new InputError(errors);
  return out;
}
