/**
 * Pack view models (src/pipeline/emit/views.ts): how a pack's `view` module is found and loaded,
 * and what a render reads through it.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import { createRenderer, type ExtractedTemplate, type TemplateSpec } from '../../src/pipeline/emit/index.js';
import { loadViews, viewModuleFile } from '../../src/pipeline/emit/views.js';
import { loadPacks } from '../../src/pipeline/manifest/packs.js';
import { ownPackage } from '../../src/pipeline/receipt/versions.js';
import type { PackInfo } from '../../src/pipeline/types.js';
import { tempProject } from '../support/project.js';

const repo = ownPackage().dir;
const pack = (name: string, view: string, viewFiles?: string[]): PackInfo => ({
  name,
  version: '1.0.0',
  ggen: '*',
  dir: '.',
  manifestFile: 'pack.toml',
  templates: 'templates',
  sources: [],
  view,
  ...(viewFiles ? { viewFiles } : {}),
});

async function inputError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

describe('pack view models', () => {
  it("the built-in otp pack's .ts view runs from its compiled twin under dist/", () => {
    const file = viewModuleFile(repo, 'packs/otp/view/index.ts');
    expect(file).toBe(path.join(repo, 'dist', 'packs', 'otp', 'view', 'index.js'));
    expect(existsSync(file)).toBe(true);
  });

  it('refuses a .ts view in a pack outside ggen (a pack of your own ships JavaScript)', () => {
    const m = tempProject('ggen-view-', { 'mine/view.ts': 'export const views = {};' });
    expect(() => viewModuleFile(m.root, 'mine/view.ts')).toThrow(/must be JavaScript/);
    expect(viewModuleFile(m.root, 'mine/view.js')).toBe(path.join(m.root, 'mine/view.js'));
  });

  it('loads a JavaScript view by template name, and records its bytes for the output digests', async () => {
    const m = tempProject('ggen-view-', {
      'mine/view/index.mjs': "import { twice } from './twice.mjs';\nexport const views = { 'a.njk': twice };\n",
      'mine/view/twice.mjs': 'export const twice = (data) => ({ n: data.rows.length * 2 });\n',
    });
    const loaded = await loadViews(m.root, [
      pack('mine', 'mine/view/index.mjs', ['mine/view/index.mjs', 'mine/view/twice.mjs']),
    ]);
    expect([...loaded.views.keys()]).toEqual(['a.njk']);
    expect(loaded.views.get('a.njk')!({ rows: [{}, {}] }, undefined)).toEqual({ n: 4 });
    expect(loaded.text).toContain('mine/view/twice.mjs');
    expect(loaded.text).toContain('data.rows.length * 2');
  });

  it('refuses a view module without `views`, or whose entry is not a function', async () => {
    const m = tempProject('ggen-view-', {
      'a.mjs': 'export const view = {};\n',
      'b.mjs': "export const views = { 'a.njk': 42 };\n",
    });
    expect(await inputError(loadViews(m.root, [pack('a', 'a.mjs')]))).toMatch(/must export `views`/);
    expect(await inputError(loadViews(m.root, [pack('b', 'b.mjs')]))).toMatch(/views\["a\.njk"\] is not a function/);
  });

  it('pack.toml `view` must exist and stay inside the pack; its directory is the view model', async () => {
    const m = tempProject('ggen-view-', {
      'p1/pack.toml': 'name = "p1"\nversion = "1.0.0"\nggen = "*"\nview = "view/index.js"\n',
      'p2/pack.toml': 'name = "p2"\nversion = "1.0.0"\nggen = "*"\nview = "../escape.js"\n',
      'p3/pack.toml': 'name = "p3"\nversion = "1.0.0"\nggen = "*"\nview = "view/index.js"\n',
      'p3/view/index.js': 'export const views = {};\n',
      'p3/view/lib/rows.js': 'export {};\n',
      'p3/view/notes.md': 'not code',
    });
    expect(await inputError(loadPacks(['./p1'], m.root, 'ggen.toml'))).toMatch(/view: file not found: view\/index\.js/);
    expect(await inputError(loadPacks(['./p2'], m.root, 'ggen.toml'))).toMatch(/view: must stay inside the pack/);
    const ok = await loadPacks(['./p3'], m.root, 'ggen.toml');
    expect(ok.packs[0]!.view).toBe('p3/view/index.js');
    expect(ok.packs[0]!.viewFiles).toEqual(['p3/view/index.js', 'p3/view/lib/rows.js']);
  });

  it("a template reads its view as `view`; the output's digest follows what it read of it", async () => {
    const m = tempProject('ggen-view-', {
      'view.mjs':
        "export const views = { 't.njk': (data, row) => ({ me: row.name, count: data.items.filter((i) => i.owner === row.name).length }) };\n",
    });
    mkdirSync(path.join(m.root, 'templates'), { recursive: true });
    writeFileSync(path.join(m.root, 'templates/t.njk'), '');
    m.packs = [pack('v', 'view.mjs', ['view.mjs'])];
    const t: TemplateSpec = {
      file: 'templates/t.njk',
      name: 't.njk',
      body: '{{ view.me }} has {{ view.count }}',
      bodyOffset: 0,
      to: '{{ row.name }}.txt',
      toLine: 1,
      single: false,
      queries: [],
      forEach: 'people',
      skipEmpty: false,
      mode: 'overwrite',
      root: 'output',
      schemas: [],
      deps: [],
    };
    const render = async (items: Array<{ owner: string }>) => {
      const r = await createRenderer(m, { digest: 'd', specFiles: [] });
      const x: ExtractedTemplate = {
        template: t,
        active: true,
        data: { people: [{ name: 'ada' }, { name: 'bob' }], items },
      };
      return r.add(x);
    };
    const before = await render([{ owner: 'ada' }, { owner: 'bob' }]);
    expect(before.map((f) => f.content)).toEqual(['ada has 1', 'bob has 1']);
    const after = await render([{ owner: 'ada' }, { owner: 'bob' }, { owner: 'bob' }]);
    expect(after.map((f) => f.content)).toEqual(['ada has 1', 'bob has 2']);
    // Only bob's output read a value that changed.
    expect(after[0]!.inputs!.digest).toBe(before[0]!.inputs!.digest);
    expect(after[1]!.inputs!.digest).not.toBe(before[1]!.inputs!.digest);
  });
});
