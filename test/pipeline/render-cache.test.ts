/**
 * The render cache (src/pipeline/emit/render-cache.ts) reuses a template's outputs only while
 * everything its render reads is the same: a change to the template, a partial it includes, its
 * rows, a manifest setting, the pack's view code, or (for a template that reads it) the graph is a
 * miss. A reused output is exactly what a fresh render gives, its banner's spec files named from
 * the current graph. A damaged cache file is a miss, never an error or a wrong output.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRenderer, extractTemplateData, loadTemplates, type EmitEngine } from '../../src/pipeline/emit/index.js';
import { RENDER_CACHE_FILE, RenderCache } from '../../src/pipeline/emit/render-cache.js';
import type { Manifest, Row, SpecMentions } from '../../src/pipeline/types.js';
import { tempProject } from '../support/project.js';
import { expectSameAsFresh as sameAsFresh, renderRun, twoApps, viewPack } from '../support/render-runs.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

const PER_APP = [
  '---',
  'to: "{{ row.app }}/{{ row.name }}.ts"',
  'queries:',
  '  apps: APPS',
  '  ops: OPS',
  'for_each: apps',
  '---',
  '{%- import "_p/m.njk" as m %}',
  'export const name = {{ row.name | tsString }};',
  '{% for o in data.ops | where("app", row.app) %}export const {{ o.op }} = {{ m.lit(o.doc) }};',
  '{% endfor %}',
].join('\n');
const INDEX =
  '---\nto: index.ts\nquery: APPS\n---\n{% for r in rows %}export * from "./{{ r.app }}/{{ r.name }}";\n{% endfor %}';
const DIGEST = '---\nto: digest.ts\nquery: APPS\n---\nexport const graph = {{ graph.digest | tsString }};\n';
const FILES = {
  'templates/t.ts.njk': PER_APP,
  'templates/index.ts.njk': INDEX,
  'templates/digest.ts.njk': DIGEST,
  'templates/_p/m.njk': '{% macro lit(s) %}{{ s | tsString }}{% endmacro %}',
};

function project(files: Record<string, string> = FILES, vars: Record<string, unknown> = { pkg: 'x' }): Manifest {
  const m = tempProject('ggen-render-cache-', files, vars);
  roots.push(m.root);
  return m;
}

const base = twoApps;

const SPECS = ['specs/a.ttl', 'specs/b.ttl'];
const mentions: SpecMentions = { subjects: { 'https://x/a1': [0], 'https://x/b1': [1] }, literals: {} };
const GRAPH = { store: {} as never, digest: 'g1', specFiles: SPECS, mentions };

/** One render of the project; `cache: false` renders without a cache (the reference output). */
const run = (m: Manifest, rows: Record<string, Row[]> = base(), opts: { cache?: boolean; graph?: typeof GRAPH } = {}) =>
  renderRun(m, rows, opts.graph ?? GRAPH, opts.cache !== false);
const expectSameAsFresh = (m: Manifest, got: Awaited<ReturnType<typeof run>>, rows = base(), graph = GRAPH) =>
  sameAsFresh(m, got, rows, graph);

const ALL = ['templates/digest.ts.njk', 'templates/index.ts.njk', 'templates/t.ts.njk'];

describe('render cache', () => {
  it('reuses every template of an unchanged project, with the outputs a fresh render gives', async () => {
    const m = project();
    const first = await run(m);
    expect(first.reused).toEqual([]);
    const second = await run(m);
    expect(second.reused).toEqual(ALL);
    expect(second.files).toEqual(first.files);
    await expectSameAsFresh(m, second);
  });

  it('re-renders a template whose body changed, and only it', async () => {
    const m = project();
    await run(m);
    writeFileSync(path.join(m.root, 'templates/index.ts.njk'), `${INDEX}// edited\n`);
    const r = await run(m);
    expect(r.reused).toEqual(['templates/digest.ts.njk', 'templates/t.ts.njk']);
    expect(r.files.find((f) => f.path === 'index.ts')!.content).toContain('// edited');
    await expectSameAsFresh(m, r);
  });

  it('re-renders the templates that include a changed partial', async () => {
    const m = project();
    await run(m);
    writeFileSync(
      path.join(m.root, 'templates/_p/m.njk'),
      '{% macro lit(s) %}{{ s | upper | tsString }}{% endmacro %}',
    );
    const r = await run(m);
    expect(r.reused).toEqual(['templates/digest.ts.njk', 'templates/index.ts.njk']);
    expect(r.files.find((f) => f.path === 'alpha/one.ts')!.content).toContain('"FIRST"');
    await expectSameAsFresh(m, r);
  });

  it('re-renders the templates whose rows changed', async () => {
    const m = project();
    await run(m);
    const rows = base();
    rows.OPS![1]!.doc = 'second, edited';
    const r = await run(m, rows);
    // OPS feeds t.ts.njk only.
    expect(r.reused).toEqual(['templates/digest.ts.njk', 'templates/index.ts.njk']);
    expect(r.files.find((f) => f.path === 'beta/two.ts')!.content).toContain('second, edited');
    await expectSameAsFresh(m, r, rows);
  });

  it('re-renders everything when a manifest setting the context holds changes (vars)', async () => {
    const m = project();
    await run(m);
    m.generation.vars = { pkg: 'y' };
    expect((await run(m)).reused).toEqual([]);
    m.generation.outputDir = 'out';
    expect((await run(m)).reused).toEqual([]);
  });

  it('re-renders only a template that read the graph when the graph changes, and names the new spec files', async () => {
    const m = project();
    await run(m);
    // Another graph: digest.ts reads its digest; alpha's IRI is now said in b.ttl.
    const graph = {
      ...GRAPH,
      digest: 'g2',
      mentions: { subjects: { 'https://x/a1': [1], 'https://x/b1': [1] }, literals: {} },
    };
    const r = await run(m, base(), { graph });
    expect(r.reused).toEqual(['templates/index.ts.njk', 'templates/t.ts.njk']);
    expect(r.files.find((f) => f.path === 'digest.ts')!.content).toContain('"g2"');
    expect(r.files.find((f) => f.path === 'alpha/one.ts')!.inputs!.specFiles).toEqual(['specs/b.ttl']);
    await expectSameAsFresh(m, r, base(), graph);
  });

  it('names spec files as recorded while the mentions are the same, else works them out from the reads again', async () => {
    type Stored = {
      entries: Record<
        string,
        { data?: unknown; outputs: Array<{ path: string; named: { mentions: string; specFiles: string[] } }> }
      >;
    };
    const m = project();
    const first = await run(m);
    const file = path.join(m.root, RENDER_CACHE_FILE);
    // The templates' entries (an output's own entry, with `data`, is tested in output-cache.test.ts).
    const outputs = (st: Stored) =>
      Object.values(st.entries)
        .filter((e) => e.data === undefined)
        .flatMap((e) => e.outputs);
    const recorded = outputs(JSON.parse(readFileSync(file, 'utf8')) as Stored);
    // A fresh render records what it named, under the graph's mentions digest.
    for (const o of recorded)
      expect(o.named.specFiles).toEqual(first.files.find((f) => f.path === o.path)!.inputs!.specFiles);
    expect(new Set(recorded.map((o) => o.named.mentions)).size).toBe(1);
    expect(recorded.some((o) => o.named.specFiles.length > 0)).toBe(true);
    const plant = (edit: (n: { mentions: string; specFiles: string[] }) => void) => {
      const st = JSON.parse(readFileSync(file, 'utf8')) as Stored;
      for (const o of outputs(st)) edit(o.named);
      writeFileSync(file, JSON.stringify(st));
    };
    for (const edit of [
      (n: { specFiles: string[] }) => (n.specFiles = ['specs/zzz.ttl']), // no spec file of this graph
      (n: { specFiles: string[] }) => (n.specFiles = ['specs/b.ttl', 'specs/a.ttl']), // not in the graph's order
      (n: { specFiles: string[] }) => (n.specFiles = ['specs/a.ttl', 'specs/a.ttl']), // twice
      (n: { mentions: string; specFiles: string[] }) => ((n.mentions = 'f'.repeat(64)), (n.specFiles = [])), // other mentions
    ]) {
      plant(edit);
      const r = await run(m);
      expect(r.reused).toEqual(ALL);
      await expectSameAsFresh(m, r);
      // Saved again as worked out, under this graph's mentions.
      expect(outputs(JSON.parse(readFileSync(file, 'utf8')) as Stored)).toEqual(recorded);
    }
  });

  it("re-renders a template with a view when the pack's view code changes", async () => {
    const m = project({
      ...FILES,
      'v/index.mjs': "import { n } from './n.mjs';\nexport const views = { 'index.ts.njk': n };\n",
      'v/n.mjs': 'export const n = (data) => ({ n: data.rows.length });\n',
      'templates-of-v/README.md': 'the pack has no templates of its own',
    });
    const pack = viewPack(['v/index.mjs', 'v/n.mjs']);
    m.packs = [pack];
    await run(m);
    expect((await run(m)).reused).toEqual(ALL);
    writeFileSync(path.join(m.root, 'v/n.mjs'), 'export const n = (data) => ({ n: data.rows.length }); // v2\n');
    // Only index.ts.njk has a view.
    expect((await run(m)).reused).toEqual(['templates/digest.ts.njk', 'templates/t.ts.njk']);
  });

  it('starts empty with read: false, and saves only the entries the run used', async () => {
    const m = project();
    await run(m);
    const c = RenderCache.open(m.root, { read: false });
    const set = await loadTemplates(m);
    const renderer = await createRenderer(m, GRAPH, set.dirs, undefined, c);
    const engine: EmitEngine = {
      select: async (_s, q) => ({ variables: [], rows: base()[q.text.trim()] ?? [] }),
      ask: async () => true,
    };
    const [first] = await extractTemplateData(set, GRAPH, engine, () => {});
    renderer.add(first!);
    expect(renderer.result().reused).toEqual([]);
    c.save();
    const saved = JSON.parse(readFileSync(path.join(m.root, RENDER_CACHE_FILE), 'utf8')) as {
      entries: Record<string, unknown>;
    };
    expect(Object.keys(saved.entries)).toHaveLength(1);
  });

  describe('a damaged cache file is a miss', () => {
    type Stored = {
      salt: string;
      entries: Record<string, { graph: unknown; outputs: Array<Record<string, unknown>> }>;
    };
    const damage = async (edit: (stored: Stored) => void): Promise<void> => {
      const m = project();
      await run(m);
      const file = path.join(m.root, RENDER_CACHE_FILE);
      const stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
      edit(stored);
      writeFileSync(file, JSON.stringify(stored));
      const r = await run(m);
      expect(r.reused.length).toBeLessThan(ALL.length);
      await expectSameAsFresh(m, r);
    };
    const each = (stored: Stored, fn: (o: Record<string, unknown>) => void) => {
      for (const e of Object.values(stored.entries)) for (const o of e.outputs) fn(o);
    };

    it('not JSON', async () => {
      const m = project();
      await run(m);
      writeFileSync(path.join(m.root, RENDER_CACHE_FILE), '{"salt": "x", "entries": {');
      const r = await run(m);
      expect(r.reused).toEqual([]);
      await expectSameAsFresh(m, r);
    });
    it('an output path that escapes the output directory', () =>
      damage((s) => each(s, (o) => (o.path = `../../${String(o.path)}`))));
    it('an output path not in normal form', () => damage((s) => each(s, (o) => (o.path = `./${String(o.path)}`))));
    it('content that is not a string', () => damage((s) => each(s, (o) => (o.content = 42))));
    it('a digest that is not a sha256', () => damage((s) => each(s, (o) => (o.digest = 'not hex'))));
    it('reads that are not lists of strings', () => damage((s) => each(s, (o) => (o.reads = [[1]]))));
    it('a row index out of order', () => damage((s) => each(s, (o) => (o.index = 7))));
    it('fewer outputs than rows', () => damage((s) => Object.values(s.entries).forEach((e) => e.outputs.pop())));
    it('a graph that is not a string', () => damage((s) => Object.values(s.entries).forEach((e) => (e.graph = 1))));
    it('recorded spec files that are not a list of strings', () =>
      damage((s) => each(s, (o) => ((o.named as { specFiles: unknown }).specFiles = [1]))));
    it('recorded spec files under a digest that is not a sha256', () =>
      damage((s) => each(s, (o) => ((o.named as { mentions: unknown }).mentions = 'g1'))));
    it('an entry that is not an object', () =>
      damage((s) => Object.keys(s.entries).forEach((k) => ((s.entries as Record<string, unknown>)[k] = null))));
  });
});
