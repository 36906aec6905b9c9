/**
 * One emit run of a test project (templates loaded, rows from a fake engine, rendered with or
 * without the render cache), and the check that a run's result is what an uncached run gives:
 * what the render cache tests (render-cache, output-cache) compare every reuse with.
 */
import { expect } from 'vitest';
import {
  createRenderer,
  extractTemplateData,
  loadTemplates,
  type EmitEngine,
  type EmitGraph,
  type EmitResult,
} from '../../src/pipeline/emit/index.js';
import { RenderCache } from '../../src/pipeline/emit/render-cache.js';
import type { Manifest, PackInfo, Row } from '../../src/pipeline/types.js';

/** `rows` by query text; `cache: false` renders without a cache (the reference output). */
export async function renderRun(
  m: Manifest,
  rows: Record<string, Row[]>,
  graph: EmitGraph & { store: never },
  cache = true,
): Promise<EmitResult> {
  const engine: EmitEngine = {
    select: async (_s, q) => ({ variables: [], rows: structuredClone(rows[q.text.trim()] ?? []) }),
    ask: async () => true,
  };
  const set = await loadTemplates(m);
  const c = cache ? RenderCache.open(m.root) : undefined;
  const renderer = await createRenderer(m, graph, set.dirs, undefined, c);
  for (const x of await extractTemplateData(set, graph, engine, () => {})) renderer.add(x);
  c?.save();
  return renderer.result();
}

/** What a fresh render gives, compared with a (possibly reused) result: files and outcomes alike. */
export async function expectSameAsFresh(
  m: Manifest,
  got: EmitResult,
  rows: Record<string, Row[]>,
  graph: EmitGraph & { store: never },
): Promise<void> {
  const fresh = await renderRun(m, rows, graph, false);
  expect(got.files).toEqual(fresh.files);
  expect(got.outcomes).toEqual(fresh.outcomes);
  expect(got.skipped).toEqual(fresh.skipped);
}

/** Rows of two apps (APPS) with one op each (OPS), by query text: the render cache tests' project data. */
export const twoApps = (): Record<string, Row[]> => ({
  APPS: [
    { app: 'alpha', name: 'one', it: 'https://x/a1' },
    { app: 'beta', name: 'two', it: 'https://x/b1' },
  ],
  OPS: [
    { app: 'alpha', op: 'f', doc: 'first' },
    { app: 'beta', op: 'g', doc: 'second' },
  ],
});

/** A pack with only a view model (`viewFiles`, the first being `v/index.mjs`) and no templates of its own. */
export const viewPack = (viewFiles: string[]): PackInfo => ({
  name: 'v',
  version: '1.0.0',
  ggen: '*',
  dir: '.',
  manifestFile: 'pack.toml',
  templates: 'templates-of-v',
  sources: [],
  view: 'v/index.mjs',
  viewFiles,
});
