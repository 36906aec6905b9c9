import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReceiptView } from '../../src/pipeline/receipt/statement.js';
import type { RenderedFile } from '../../src/pipeline/types.js';
import {
  acquireLock,
  applyPlan,
  LockBusy,
  PathEscape,
  planWrites,
  sha256,
  unifiedDiff,
  writeAtomic,
} from '../../src/pipeline/write/index.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-write-'));
const file = (p: string, content: string, mode: RenderedFile['mode'] = 'overwrite'): RenderedFile => ({
  path: p,
  content,
  template: 'templates/t.njk',
  mode,
});
const receipt = (subjects: Record<string, string>, createOnce: string[] = []): ReceiptView =>
  ({
    subjects: new Map(Object.entries(subjects).map(([k, v]) => [k, sha256(v)])),
    createOnce,
    inputs: new Map(),
    packages: new Map(),
  }) as unknown as ReceiptView;
function put(root: string, rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
}

describe('planWrites', () => {
  it('classifies create, update, unchanged, orphans and user files', async () => {
    const root = tmp();
    put(root, 'gen/same.ts', 'same\n');
    put(root, 'gen/old.ts', 'v1\n');
    put(root, 'gen/orphan.ts', 'o\n');
    put(root, 'gen/edited-orphan.ts', 'edited\n');
    put(root, 'gen/user.ts', 'mine\n');
    const prev = receipt({
      'gen/same.ts': 'same\n',
      'gen/old.ts': 'v1\n',
      'gen/orphan.ts': 'o\n',
      'gen/edited-orphan.ts': 'orig\n',
    });
    const plan = await planWrites({
      root,
      outputDir: 'gen',
      previous: prev,
      force: false,
      files: [file('same.ts', 'same\n'), file('old.ts', 'v2\n'), file('new.ts', 'n\n')],
    });
    expect(plan.entries.map((e) => [e.path, e.action])).toEqual([
      ['gen/edited-orphan.ts', 'keep'],
      ['gen/new.ts', 'create'],
      ['gen/old.ts', 'update'],
      ['gen/orphan.ts', 'delete'],
      ['gen/same.ts', 'unchanged'],
    ]);
    await applyPlan(plan, path.join(root, 'gen'));
    expect(readdirSync(path.join(root, 'gen')).sort()).toEqual([
      'edited-orphan.ts',
      'new.ts',
      'old.ts',
      'same.ts',
      'user.ts',
    ]);
    expect(readFileSync(path.join(root, 'gen/old.ts'), 'utf8')).toBe('v2\n');
  });

  it('a hand-edited output is a conflict unless forced', async () => {
    const root = tmp();
    put(root, 'gen/a.ts', 'hand edit\n');
    const prev = receipt({ 'gen/a.ts': 'generated\n' });
    const plan = await planWrites({
      root,
      outputDir: 'gen',
      previous: prev,
      force: false,
      files: [file('a.ts', 'generated 2\n')],
    });
    expect(plan.conflicts.map((c) => [c.path, c.reason])).toEqual([
      ['gen/a.ts', expect.stringMatching(/edited by hand/)],
    ]);
    const forced = await planWrites({
      root,
      outputDir: 'gen',
      previous: prev,
      force: true,
      files: [file('a.ts', 'generated 2\n')],
    });
    expect(forced.entries[0]!.action).toBe('update');
  });

  it('an existing file no receipt lists is not overwritten silently', async () => {
    const root = tmp();
    put(root, 'gen/a.ts', 'users\n');
    const plan = await planWrites({
      root,
      outputDir: 'gen',
      previous: null,
      force: false,
      files: [file('a.ts', 'gen\n')],
    });
    expect(plan.conflicts).toHaveLength(1);
  });

  it('create_once writes only when missing and is never a subject', async () => {
    const root = tmp();
    put(root, 'gen/mine.ts', 'edited by user\n');
    const plan = await planWrites({
      root,
      outputDir: 'gen',
      previous: null,
      force: false,
      files: [file('mine.ts', 'scaffold\n', 'create_once'), file('new.ts', 's\n', 'create_once')],
    });
    expect(plan.entries.map((e) => [e.path, e.action])).toEqual([
      ['gen/mine.ts', 'keep'],
      ['gen/new.ts', 'create'],
    ]);
  });

  it('refuses paths that escape through .. or a symlink', async () => {
    const root = tmp();
    const outside = tmp();
    mkdirSync(path.join(root, 'gen'), { recursive: true });
    symlinkSync(outside, path.join(root, 'gen', 'link'));
    await expect(
      planWrites({ root, outputDir: 'gen', previous: null, force: false, files: [file('link/x.ts', 'x')] }),
    ).rejects.toThrow(PathEscape);
    await expect(
      planWrites({ root, outputDir: 'gen', previous: null, force: false, files: [file('../x.ts', 'x')] }),
    ).rejects.toThrow(/escapes/);
  });
});

describe('writeAtomic', () => {
  it('creates directories and leaves no temporary file', () => {
    const root = tmp();
    writeAtomic(path.join(root, 'a/b/c.txt'), 'hello');
    expect(readFileSync(path.join(root, 'a/b/c.txt'), 'utf8')).toBe('hello');
    expect(readdirSync(path.join(root, 'a/b'))).toEqual(['c.txt']);
  });
});

describe('acquireLock', () => {
  it('excludes a second holder, and takes over a stale lock', async () => {
    const root = tmp();
    const release = await acquireLock(root);
    await expect(acquireLock(root, 100)).rejects.toThrow(LockBusy);
    release();
    expect(existsSync(path.join(root, '.ggen/sync.lock'))).toBe(false);
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
    mkdirSync(path.join(root, '.ggen'));
    writeFileSync(path.join(root, '.ggen/sync.lock'), `${dead}\n`);
    const again = await acquireLock(root, 100);
    expect(readFileSync(path.join(root, '.ggen/sync.lock'), 'utf8').trim()).toBe(String(process.pid));
    again();
  });
});

describe('unifiedDiff', () => {
  it('shows the changed lines with context', () => {
    const d = unifiedDiff('a\nb\nc\nd\ne\n', 'a\nb\nC\nd\ne\n', 'x.ts');
    expect(d).toBe(['--- a/x.ts', '+++ b/x.ts', '@@ -1,5 +1,5 @@', ' a', ' b', '-c', '+C', ' d', ' e'].join('\n'));
    expect(unifiedDiff('', 'new\n', 'n.ts')).toContain('+new');
  });
});

describe('unifiedDiff hunks', () => {
  it('splits distant changes into separate hunks with correct line numbers', () => {
    const old = Array.from({ length: 20 }, (_, i) => `l${i + 1}`).join('\n') + '\n';
    const neu = old.replace('l3\n', 'L3\n').replace('l17\n', 'L17\n');
    const d = unifiedDiff(old, neu, 'f');
    expect(d.split('\n').filter((l) => l.startsWith('@@'))).toEqual(['@@ -1,5 +1,5 @@', '@@ -15,5 +15,5 @@']);
  });
});
