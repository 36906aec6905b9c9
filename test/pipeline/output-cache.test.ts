/**
 * One output's own render cache entry (src/pipeline/emit/output-key.ts): when a template's rows
 * change, each `for_each` output whose row, view value and the query rows it read through `data`
 * are unchanged is reused; the others are rendered. Every result is compared with a render
 * without any cache. Damaged entries are misses.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputFingerprint } from '../../src/pipeline/emit/output-key.js';
import { RENDER_CACHE_FILE } from '../../src/pipeline/emit/render-cache.js';
import { VIEW_ROWS } from '../../src/pipeline/emit/views.js';
import type { Manifest, Row, SpecMentions } from '../../src/pipeline/types.js';
import { tempProject } from '../support/project.js';
import { expectSameAsFresh as sameAsFresh, renderRun, twoApps, viewPack } from '../support/render-runs.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

const FOR_EACH = (to: string, body: string, extra = ''): string =>
  ['---', `to: "${to}"`, 'queries:', '  apps: APPS', '  ops: OPS', 'for_each: apps', extra, '---', body].join('\n');

const FILES = {
  // Reads its row and, through `data`, the ops rows (whole: `where` scans them all).
  'templates/ops.ts.njk': FOR_EACH(
    'ops/{{ row.name }}.ts',
    '{% for o in data.ops | where("app", row.app) %}export const {{ o.op }} = {{ o.doc | tsString }};\n{% endfor %}',
  ),
  // Reads its row only.
  'templates/row.ts.njk': FOR_EACH('rows/{{ row.name }}.ts', 'export const it = {{ row.it | tsString }};\n'),
  // Reads its row and its view (the docs of its app's ops, made by the pack's view code).
  'templates/view.ts.njk': FOR_EACH('views/{{ row.name }}.ts', 'export const docs = {{ view.docs | json }};\n'),
  // Reads its row and the graph.
  'templates/graph.ts.njk': FOR_EACH(
    'graph/{{ row.name }}.ts',
    'export const g = {{ graph.digest | tsString }}; // {{ row.name }}\n',
  ),
  'v/index.mjs': [
    "const ROWS = Symbol.for('ggen.view.rows');",
    'const docs = (data, row) => {',
    '  const mine = data.ops.filter((o) => o.app === row.app);',
    '  const v = { docs: mine.map((o) => o.doc) };',
    '  Object.defineProperty(v, ROWS, { value: mine, enumerable: false });',
    '  return v;',
    '};',
    "export const views = { 'view.ts.njk': docs };",
    '',
  ].join('\n'),
  'templates-of-v/README.md': 'the pack has no templates of its own',
};

const PACK = viewPack(['v/index.mjs']);

function project(): Manifest {
  const m = tempProject('ggen-output-cache-', FILES, {});
  m.packs = [PACK];
  roots.push(m.root);
  return m;
}

const base = twoApps;

const mentions: SpecMentions = { subjects: { 'https://x/a1': [0], 'https://x/b1': [1] }, literals: { second: 1 } };
const GRAPH = { store: {} as never, digest: 'g1', specFiles: ['specs/a.ttl', 'specs/b.ttl'], mentions };

/** One render of the project; `cache: false` renders without a cache (the reference output). */
const run = (m: Manifest, rows: Record<string, Row[]> = base(), opts: { cache?: boolean; graph?: typeof GRAPH } = {}) =>
  renderRun(m, rows, opts.graph ?? GRAPH, opts.cache !== false);
const expectSameAsFresh = (m: Manifest, got: Awaited<ReturnType<typeof run>>, rows = base(), graph = GRAPH) =>
  sameAsFresh(m, got, rows, graph);

/** The base rows with beta's app row (its `it`) changed. */
const betaRowEdited = (): Record<string, Row[]> => {
  const r = base();
  r.APPS[1] = { ...r.APPS[1]!, it: 'https://x/b2' };
  return r;
};
/** The base rows with beta's op doc changed. */
const betaOpEdited = (): Record<string, Row[]> => {
  const r = base();
  r.OPS[1] = { ...r.OPS[1]!, doc: 'second, edited' };
  return r;
};

describe("an output's own render cache entry", () => {
  it('a changed row re-renders only the outputs of that row', async () => {
    const m = project();
    await run(m);
    const rows = betaRowEdited();
    const r = await run(m, rows);
    expect(r.reused).toEqual([]);
    expect(r.reusedOutputs).toEqual(['graph/one.ts', 'ops/one.ts', 'rows/one.ts', 'views/one.ts']);
    expect(r.files.find((f) => f.path === 'rows/two.ts')!.content).toContain('https://x/b2');
    await expectSameAsFresh(m, r, rows);
  });

  it('an output that read a query through `data` is rendered when its rows change; one that did not is reused', async () => {
    const m = project();
    await run(m);
    const rows = betaOpEdited();
    const r = await run(m, rows);
    // ops/*.ts read data.ops (both miss); views/one.ts's view is unchanged, views/two.ts's is not.
    expect(r.reusedOutputs).toEqual(['graph/one.ts', 'graph/two.ts', 'rows/one.ts', 'rows/two.ts', 'views/one.ts']);
    expect(r.files.find((f) => f.path === 'ops/two.ts')!.content).toContain('second, edited');
    expect(r.files.find((f) => f.path === 'views/two.ts')!.content).toContain('second, edited');
    await expectSameAsFresh(m, r, rows);
  });

  it('an output that read the graph is rendered when the graph changes', async () => {
    const m = project();
    await run(m);
    const rows = betaRowEdited();
    const graph = { ...GRAPH, digest: 'g2' };
    const r = await run(m, rows, { graph });
    expect(r.reusedOutputs).toEqual(['ops/one.ts', 'rows/one.ts', 'views/one.ts']);
    await expectSameAsFresh(m, r, rows, graph);
  });

  it("names a reused output's spec files from the current graph's mentions", async () => {
    const m = project();
    await run(m);
    const rows = betaRowEdited();
    // specs/b.ttl now also states something about alpha's app.
    const graph = {
      ...GRAPH,
      mentions: { subjects: { 'https://x/a1': [0, 1], 'https://x/b2': [1] }, literals: {} },
    };
    const r = await run(m, rows, { graph });
    expect(r.reusedOutputs).toContain('rows/one.ts');
    expect(r.files.find((f) => f.path === 'rows/one.ts')!.inputs!.specFiles).toEqual(['specs/a.ttl', 'specs/b.ttl']);
    await expectSameAsFresh(m, r, rows, graph);
  });

  it("keeps a template's output entries while the template's own entry is reused", async () => {
    const m = project();
    await run(m);
    await run(m, betaRowEdited());
    // Unchanged: every template's entry is a hit; the output entries must outlive this run.
    expect((await run(m, betaRowEdited())).reused).toHaveLength(4);
    const rows = betaOpEdited();
    rows.APPS[1] = { ...rows.APPS[1]!, it: 'https://x/b2' };
    rows.APPS[0] = { ...rows.APPS[0]!, it: 'https://x/a1' };
    const edited = structuredClone(rows);
    edited.APPS[1] = { ...edited.APPS[1]!, it: 'https://x/b3' };
    const r = await run(m, edited);
    expect(r.reusedOutputs).toEqual(['graph/one.ts', 'rows/one.ts', 'views/one.ts']);
    await expectSameAsFresh(m, r, edited);
  });

  it("keeps each text once: a template's entry names its outputs' own entries, and is a miss without them", async () => {
    type Stored = { entries: Record<string, { data?: unknown; outputs: Array<{ content: string; own?: string }> }> };
    const m = project();
    await run(m);
    const file = path.join(m.root, RENDER_CACHE_FILE);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
    const templates = Object.values(stored.entries).filter((e) => e.data === undefined);
    expect(templates).toHaveLength(4);
    for (const o of templates.flatMap((e) => e.outputs)) {
      expect(o.content).toBe('');
      expect(stored.entries[o.own!]!.outputs[0]!.content).not.toBe('');
    }
    expect((await run(m)).reused).toHaveLength(4);
    // Without the entries holding the text, no template's entry answers.
    for (const [k, e] of Object.entries(stored.entries)) if (e.data !== undefined) delete stored.entries[k];
    writeFileSync(file, JSON.stringify(stored));
    const r = await run(m);
    expect(r.reused).toEqual([]);
    await expectSameAsFresh(m, r);
  });

  describe('a damaged output entry is a miss', () => {
    type Stored = { salt: string; entries: Record<string, Record<string, unknown>> };
    const damage = async (edit: (e: Record<string, unknown>) => void): Promise<void> => {
      const m = project();
      await run(m);
      await run(m, betaRowEdited());
      const file = path.join(m.root, RENDER_CACHE_FILE);
      const stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
      const own = Object.values(stored.entries).filter((e) => e.data !== undefined);
      expect(own.length).toBeGreaterThan(0);
      for (const e of own) edit(e);
      writeFileSync(file, JSON.stringify(stored));
      const r = await run(m); // the rows as at first: beta's outputs could come only from the first run's entries
      expect(r.reusedOutputs.filter((p) => p.endsWith('two.ts'))).toEqual([]);
      await expectSameAsFresh(m, r);
    };
    it('rows digest of another run', () => damage((e) => ((e.data as { digest: string }).digest = 'f'.repeat(64))));
    it('a rows digest that is not a sha256', () => damage((e) => ((e.data as { digest: string }).digest = 'x')));
    it('query names that are not strings', () => damage((e) => ((e.data as { reads: unknown }).reads = [1])));
    it('two outputs in one entry', () =>
      damage((e) => (e.outputs = [...(e.outputs as unknown[]), ...(e.outputs as unknown[])])));
    it('an output with a row index', () => damage((e) => ((e.outputs as Array<{ index: unknown }>)[0]!.index = 0)));
    it('an output path that escapes the output directory', () =>
      damage((e) => ((e.outputs as Array<{ path: string }>)[0]!.path = '../x.ts')));
    it('a graph read under another graph', () => damage((e) => (e.graph = JSON.stringify({ digest: 'zz' }))));
  });
});

describe('outputFingerprint', () => {
  const fp = (row: unknown, view?: unknown) => outputFingerprint(row, view, view !== undefined);
  it('is the same for equal values, different for any difference a template could observe', () => {
    expect(fp({ a: 'x' })).toBe(fp({ a: 'x' }));
    const distinct = [
      fp({ a: 'x' }),
      fp({ a: 'y' }),
      fp({ a: undefined }),
      fp({}),
      fp({ a: 1 }),
      fp({ a: '1' }),
      fp({ a: null }),
      fp({ a: true }),
      fp({ a: [] }),
      fp({ a: {} }),
      fp({ a: -0 }),
      fp({ a: 0 }),
      fp({ a: '\uD800' }),
      fp({ a: '\uFFFD' }),
      fp(Object.defineProperty({}, 'a', { value: 'x', enumerable: false })),
      fp({ a: 'x' }, { b: 1 }),
      fp({ a: 'x' }, { b: 2 }),
      fp({ a: 'x' }, Object.assign(Object.create(null) as object, { b: 1 })),
    ];
    expect(new Set(distinct).size).toBe(distinct.length);
  });
  it('covers the rows a view names for the banner', () => {
    const view = (doc: string) => Object.defineProperty({ n: 1 }, VIEW_ROWS, { value: [{ doc }], enumerable: false });
    expect(fp({}, view('a'))).toBe(fp({}, view('a')));
    expect(fp({}, view('a'))).not.toBe(fp({}, view('b')));
  });
  it('gives no key for what it cannot describe exactly', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const v of [
      { f: () => 1 },
      Object.defineProperty({}, 'g', { get: () => 1, enumerable: true }),
      { m: new Map() },
      { d: new Date(0) },
      { b: 1n },
      { s: Symbol('s') },
      cyclic,
    ])
      expect(fp({}, v)).toBeUndefined();
    // A value shared twice (not a cycle) is fine.
    const shared = { x: 1 };
    expect(fp({}, { a: shared, b: shared })).toBeDefined();
  });
});
