/**
 * applyPlan writes in one round (write/batch.ts): every output's bytes are synced in a temporary
 * file before any output is put in place, and each directory that changed is synced after the last
 * link or rename. A failure while staging (a write or an fsync) puts nothing in place and leaves no
 * temporary file; a link failing midway takes back the outputs already created. The file-system
 * calls are observed (passing through to the real ones) unless a test makes one fail.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReceiptView } from '../../src/pipeline/receipt/statement.js';
import type { RenderedFile } from '../../src/pipeline/types.js';

const events: string[] = [];
const fdPath = new Map<number, string>();
/** Makes the next fsync of a file whose path matches fail with EIO. */
let failSyncOf: RegExp | undefined;
/** Makes the link to a target whose path matches fail with EIO. */
let failLinkTo: RegExp | undefined;

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const wrapped = {
    openSync: (p: any, ...rest: any[]) => {
      const fd = (fs.openSync as any)(p, ...rest);
      fdPath.set(fd, String(p));
      return fd;
    },
    writeSync: (fd: number, ...rest: any[]) => {
      events.push(`write ${fdPath.get(fd)}`);
      return (fs.writeSync as any)(fd, ...rest);
    },
    fsync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      const name = fdPath.get(fd)!;
      if (failSyncOf?.test(name)) {
        failSyncOf = undefined;
        setImmediate(() => cb(Object.assign(new Error('EIO: simulated'), { code: 'EIO' })));
        return;
      }
      fs.fsync(fd, (err) => {
        events.push(`sync ${name}`);
        cb(err);
      });
    },
    linkSync: (a: any, b: any) => {
      if (failLinkTo?.test(String(b))) throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
      events.push(`place ${String(a)} -> ${String(b)}`);
      return fs.linkSync(a, b);
    },
    renameSync: (a: any, b: any) => {
      events.push(`place ${String(a)} -> ${String(b)}`);
      return fs.renameSync(a, b);
    },
  };
  return { ...fs, ...wrapped, default: { ...fs, ...wrapped } };
});

const { applyPlan, planWrites, sha256 } = await import('../../src/pipeline/write/index.js');
const { directoriesChanged } = await import('../../src/pipeline/write/batch.js');

const file = (p: string, content: string): RenderedFile => ({
  path: p,
  content,
  template: `templates/${p}.njk`,
  mode: 'overwrite',
});

/** A project with one output to update and three to create (two in a new nested folder). */
function project() {
  const root = mkdtempSync(path.join(tmpdir(), 'ggen-batch-'));
  mkdirSync(path.join(root, 'gen'));
  writeFileSync(path.join(root, 'gen/changed.ts'), 'old output');
  const previous = {
    subjects: new Map([['gen/changed.ts', sha256('old output')]]),
    createOnce: [],
    inputs: new Map(),
  } as unknown as ReceiptView;
  const files = [
    file('changed.ts', 'new output'),
    file('new.ts', 'generated'),
    file('a/b/one.ts', 'one'),
    file('a/b/two.ts', 'two'),
  ];
  return { root, previous, files, at: (rel: string) => path.join(root, 'gen', rel) };
}

/** Every file under `dir`, relative, dot files included. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

beforeEach(() => {
  events.length = 0;
  failSyncOf = undefined;
  failLinkTo = undefined;
});

describe('applyPlan writes in one round', () => {
  it('syncs every temporary file after its write and before any output is put in place', async () => {
    const { root, previous, files, at } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: false });
    await applyPlan(plan, path.join(root, 'gen'));
    expect(tree(path.join(root, 'gen'))).toEqual(['a/b/one.ts', 'a/b/two.ts', 'changed.ts', 'new.ts']);
    expect(readFileSync(at('changed.ts'), 'utf8')).toBe('new output');
    expect(readFileSync(at('a/b/two.ts'), 'utf8')).toBe('two');

    const placed = events.filter((e) => e.startsWith('place '));
    expect(placed.map((e) => e.slice(e.indexOf(' -> ') + 4)).sort()).toEqual(
      ['a/b/one.ts', 'a/b/two.ts', 'changed.ts', 'new.ts'].map(at),
    );
    const firstPlace = events.findIndex((e) => e.startsWith('place '));
    for (const p of placed) {
      const tmpFile = p.slice('place '.length, p.indexOf(' -> '));
      expect(path.basename(tmpFile)).toMatch(/^\..+\.[0-9a-f]{16}\.tmp$/);
      const write = events.lastIndexOf(`write ${tmpFile}`);
      const synced = events.indexOf(`sync ${tmpFile}`);
      expect(write).toBeGreaterThanOrEqual(0);
      expect(synced).toBeGreaterThan(write);
      expect(synced).toBeLessThan(firstPlace);
    }
  });

  it('syncs each directory that gained a name once, after the last output is put in place', async () => {
    const { root, previous, files, at } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: false });
    await applyPlan(plan, path.join(root, 'gen'));
    const lastPlace = events.map((e) => e.startsWith('place ')).lastIndexOf(true);
    const dirSyncs = events.filter((e, i) => e.startsWith('sync ') && i > lastPlace).map((e) => e.slice(5));
    expect(dirSyncs.sort()).toEqual([path.join(root, 'gen'), at('a'), at('a/b')].sort());
  });

  it('an fsync that fails: nothing is put in place, no temporary file is left, the error is thrown', async () => {
    const { root, previous, files, at } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: false });
    failSyncOf = /two\.ts\.[0-9a-f]{16}\.tmp$/;
    await expect(applyPlan(plan, path.join(root, 'gen'))).rejects.toMatchObject({ code: 'EIO' });
    expect(events.some((e) => e.startsWith('place '))).toBe(false);
    expect(tree(path.join(root, 'gen'))).toEqual(['changed.ts']);
    expect(readFileSync(at('changed.ts'), 'utf8')).toBe('old output');
  });

  it('a link that fails midway: the outputs already created are taken back, nothing is updated', async () => {
    const { root, previous, files, at } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: false });
    failLinkTo = /new\.ts$/; // after a/b/one.ts and a/b/two.ts in plan order
    await expect(applyPlan(plan, path.join(root, 'gen'))).rejects.toMatchObject({ code: 'EIO' });
    expect(tree(path.join(root, 'gen'))).toEqual(['changed.ts']);
    expect(existsSync(at('a'))).toBe(false);
    expect(readFileSync(at('changed.ts'), 'utf8')).toBe('old output');
  });

  it('more outputs than it keeps open at once: all written, none left as a temporary file', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ggen-batch-'));
    const many = Array.from({ length: 600 }, (_, i) => file(`m/${i}.ts`, `export const n = ${i};\n`));
    const plan = await planWrites({ root, outputDir: 'gen', files: many, previous: null, force: false });
    await applyPlan(plan, path.join(root, 'gen'));
    const names = readdirSync(path.join(root, 'gen/m'));
    expect(names).toHaveLength(600);
    expect(names.every((n) => /^\d+\.ts$/.test(n))).toBe(true);
    expect(readFileSync(path.join(root, 'gen/m/599.ts'), 'utf8')).toBe('export const n = 599;\n');
  });
});

describe('directoriesChanged', () => {
  it('the folder, and each one above it up to the parent of the first folder made', () => {
    expect(directoriesChanged('/o/a/b', '/o/a')).toEqual(['/o/a/b', '/o/a', '/o']);
    expect(directoriesChanged('/o/a/b', '/o/a/b')).toEqual(['/o/a/b', '/o/a']);
  });

  it('only the folder when none was made', () => {
    expect(directoriesChanged('/o/a/b', undefined)).toEqual(['/o/a/b']);
  });
});
