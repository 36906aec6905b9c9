import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEBOUNCE_MS, InputWatcher, isScratch, ownWrites, watchSetFor } from '../../src/pipeline/sync/watch.js';
import type { Manifest } from '../../src/pipeline/types.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function manifestAt(root: string): Manifest {
  return {
    root,
    path: 'ggen.toml',
    raw: {},
    packs: [],
    project: { name: 'w' },
    ontology: { sources: ['specs/**/*.ttl', 'extra/one.ttl'], prefixes: {} },
    inference: { maxRounds: 8, listIndex: false, rules: [] },
    validation: { shacl: [], ask: [] },
    generation: { templates: 'templates', outputDir: 'generated', handwrittenDir: 'src/domains', vars: {} },
    receipt: { path: 'receipts/latest.json', signingKeyEnv: 'K' },
  };
}

function tree(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ggen-watch-'));
  dirs.push(root);
  for (const d of ['specs/sub', 'extra', 'templates/_p', 'generated', 'receipts', '.ggen'])
    mkdirSync(path.join(root, d), { recursive: true });
  writeFileSync(path.join(root, 'ggen.toml'), '');
  writeFileSync(path.join(root, 'extra/one.ttl'), '');
  return root;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watch set', () => {
  it('covers the inputs, the glob directories (with ** below) and the templates tree, not the outputs', () => {
    const root = tree();
    const set = watchSetFor(manifestAt(root), ['extra/one.ttl', 'queries/a.rq']);
    const rel = (xs: string[]) => xs.map((x) => path.relative(root, x)).sort();
    expect(rel(set.files)).toEqual(['extra/one.ttl', 'ggen.toml', 'queries/a.rq']);
    expect(rel(set.openDirs)).toEqual(['specs', 'specs/sub', 'templates', 'templates/_p']);
  });

  it("ignores ggen's own writes and editors' scratch files", () => {
    const root = tree();
    const own = ownWrites(manifestAt(root), 'receipts/latest.dsse.json');
    for (const p of [
      'generated/a.ts',
      'generated',
      '.ggen/sync.lock',
      'receipts/latest.json',
      'receipts/latest.dsse.json',
    ])
      expect(own(path.join(root, p)), p).toBe(true);
    for (const p of ['specs/a.ttl', 'receipts/other.json', 'generated-notes.md'])
      expect(own(path.join(root, p)), p).toBe(false);
    for (const n of ['a.ttl~', '.a.ttl.swp', '4913', '.a.ts.123.tmp', '#a.ttl#', '.#a.ttl'])
      expect(isScratch(n), n).toBe(true);
    for (const n of ['a.ttl', 'server.ts.njk', 'tmp.ttl']) expect(isScratch(n), n).toBe(false);
  });
});

describe('InputWatcher', () => {
  it('reports a burst of changes once, with every path, and nothing for ignored or scratch files', async () => {
    const root = tree();
    const m = manifestAt(root);
    const bursts: string[][] = [];
    const w = new InputWatcher((p) => bursts.push(p.map((x) => path.relative(root, x))), {
      debounceMs: 400,
      ignore: ownWrites(m, 'receipts/latest.dsse.json'),
    });
    try {
      const set = watchSetFor(m, ['extra/one.ttl']);
      // The output dir is watched too here (as if an input lived there), to prove the filter drops it.
      w.update({ ...set, openDirs: [...set.openDirs, path.join(root, 'generated')] });
      await sleep(100);
      writeFileSync(path.join(root, 'generated/out.ts'), 'x');
      writeFileSync(path.join(root, 'specs/.a.ttl.swp'), 'x');
      writeFileSync(path.join(root, 'extra/unrelated.txt'), 'x');
      await sleep(900);
      expect(bursts).toEqual([]);

      writeFileSync(path.join(root, 'extra/one.ttl'), 'a');
      writeFileSync(path.join(root, 'specs/sub/new.ttl'), 'b');
      writeFileSync(path.join(root, 'templates/_p/x.njk'), 'c');
      await sleep(1200);
      expect(bursts).toHaveLength(1);
      expect(bursts[0]).toEqual(['extra/one.ttl', 'specs/sub/new.ttl', 'templates/_p/x.njk']);
    } finally {
      w.close();
    }
    // Closed: nothing more is reported.
    writeFileSync(path.join(root, 'extra/one.ttl'), 'again');
    await sleep(700);
    expect(bursts).toHaveLength(1);
  });

  it('with the default quiet time, reports one save as one change, in place or renamed over the input', async () => {
    expect(DEBOUNCE_MS).toBeLessThanOrEqual(50);
    const root = tree();
    const m = manifestAt(root);
    const bursts: string[][] = [];
    const w = new InputWatcher((p) => bursts.push(p.map((x) => path.relative(root, x))), {
      ignore: ownWrites(m, 'receipts/latest.dsse.json'),
    });
    try {
      w.update(watchSetFor(m, ['extra/one.ttl']));
      await sleep(100);
      // An editor's atomic save: a temporary file written beside the input, then renamed over it.
      writeFileSync(path.join(root, 'extra/.one.ttl.4242.tmp'), 'saved');
      renameSync(path.join(root, 'extra/.one.ttl.4242.tmp'), path.join(root, 'extra/one.ttl'));
      await sleep(400);
      // A save in place: truncate, then write.
      writeFileSync(path.join(root, 'specs/sub/a.ttl'), '');
      writeFileSync(path.join(root, 'specs/sub/a.ttl'), 'saved');
      await sleep(400);
      expect(bursts).toEqual([['extra/one.ttl'], ['specs/sub/a.ttl']]);
    } finally {
      w.close();
    }
  });
});
