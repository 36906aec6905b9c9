/**
 * Stage 4: banner + Prettier for every rendered file, in memory. A formatting
 * failure means a template produced invalid code: an InputError naming the
 * template and the generated file's line.
 */
import { InputError, type Diagnostic } from '../errors.js';
import type { NormalizedGraph, RenderedFile } from '../types.js';
import { banner } from './banner.js';
import { formatOne, loadPrettier, parserFor } from './format.js';
import { formatInWorkers, useWorkers, type FormatResult } from './pool.js';

export { banner, bannerLines, commentStyle } from './banner.js';
export { PRETTIER_OPTIONS, FormatterMissing, normalizeText, parserFor } from './format.js';

export interface CanonicalizeOptions {
  /** Called after each file (for progress on long runs). */
  onProgress?: (done: number, total: number) => void;
  /** Output dir relative to root, to name files in diagnostics. */
  outputDir?: string;
}

export async function canonicalize(
  files: RenderedFile[],
  graph: Pick<NormalizedGraph, 'digest' | 'specFiles'>,
  opts: CanonicalizeOptions = {},
): Promise<RenderedFile[]> {
  const jobs = files.map((f) => ({ path: f.path, text: banner(f.path, f.mode, graph.specFiles, graph.digest) + f.content }));
  let results: FormatResult[];
  const workers = useWorkers(files.length);
  if (workers > 0) {
    await loadPrettier();
    results = await formatInWorkers(jobs, workers, opts.onProgress ? (d) => opts.onProgress!(d, files.length) : undefined);
  } else {
    if (files.some((f) => parserFor(f.path))) await loadPrettier();
    results = [];
    for (const j of jobs) {
      results.push(await formatOne(j.path, j.text));
      opts.onProgress?.(results.length, files.length);
    }
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
