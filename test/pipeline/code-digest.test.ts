import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { digestModules } from '../../src/pipeline/fs/code-digest.js';

let root = '';
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  root = mkdtempSync(path.join(tmpdir(), 'ggen-code-digest-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe('digestModules (the code key of the graph and render caches)', () => {
  it('changes when a module of a named folder changes, is renamed or is added, and not for other files', () => {
    const dir = tree({ 'a/x.js': 'one', 'a/y.ts': 'two', 'a/notes.json': '{}', 'b/z.js': 'three' });
    const dirs = [path.join(dir, 'a'), path.join(dir, 'b')];
    const before = digestModules(dirs);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(digestModules(dirs)).toBe(before);

    writeFileSync(path.join(dir, 'a/notes.json'), '{"changed":true}');
    writeFileSync(path.join(dir, 'a/readme.md'), 'not code');
    expect(digestModules(dirs)).toBe(before);

    writeFileSync(path.join(dir, 'b/z.js'), 'three!');
    const edited = digestModules(dirs);
    expect(edited).not.toBe(before);

    writeFileSync(path.join(dir, 'b/w.ts'), '');
    expect(digestModules(dirs)).not.toBe(edited);
  });

  it('tells a module moved from one folder to another, and the order of the folders', () => {
    const dir = tree({ 'a/x.js': 'one', 'b/y.js': 'two' });
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    const split = digestModules([a, b]);
    expect(digestModules([b, a])).not.toBe(split);
    // the same names and bytes, one folder: a file boundary is not a folder boundary
    writeFileSync(path.join(a, 'y.js'), 'two');
    rmSync(path.join(b, 'y.js'));
    expect(digestModules([a, b])).not.toBe(split);
  });
});
