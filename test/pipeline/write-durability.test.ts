/**
 * Atomic writes are durable: the temporary file's bytes reach the disk (fsync) before the rename
 * makes them the output, so a crash never leaves an empty or partial file in place of the old one.
 * applyPlan writes in one round (write/batch.ts): every output's temporary file is synced before
 * any output is put in place (linked or renamed), and each directory that changed is synced after
 * the last; an fsync that fails puts nothing in place and leaves no temporary file. The
 * file-system calls are observed (not replaced, unless a test makes an fsync fail) to check the order.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReceiptView } from '../../src/pipeline/receipt/statement.js';
import type { RenderedFile } from '../../src/pipeline/types.js';

const events: string[] = [];
const fdPath = new Map<number, string>();
/** Makes the next fsync of a file whose path matches fail, with `failCode`. */
let failSyncOf: RegExp | undefined;
let failCode = 'EIO';

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const wrapped = {
    ...fs,
    openSync: (p: any, ...rest: any[]) => {
      const fd = (fs.openSync as any)(p, ...rest);
      fdPath.set(fd, String(p));
      return fd;
    },
    writeSync: (fd: number, ...rest: any[]) => {
      events.push(`write ${fdPath.get(fd)}`);
      return (fs.writeSync as any)(fd, ...rest);
    },
    writeFileSync: (p: any, ...rest: any[]) => {
      events.push(`write ${typeof p === 'number' ? fdPath.get(p) : String(p)}`);
      return (fs.writeFileSync as any)(p, ...rest);
    },
    fsync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      const name = fdPath.get(fd);
      if (name !== undefined && failSyncOf?.test(name)) {
        failSyncOf = undefined;
        const code = failCode;
        setImmediate(() => cb(Object.assign(new Error(`${code}: simulated`), { code })));
        return;
      }
      fs.fsync(fd, (err) => {
        events.push(`sync ${name}`);
        cb(err);
      });
    },
    linkSync: (a: any, b: any) => {
      events.push(`rename ${String(a)} -> ${String(b)}`);
      return fs.linkSync(a, b);
    },
    fsyncSync: (fd: number) => {
      events.push(`sync ${fdPath.get(fd)}`);
      return fs.fsyncSync(fd);
    },
    fdatasyncSync: (fd: number) => {
      events.push(`sync ${fdPath.get(fd)}`);
      return fs.fdatasyncSync(fd);
    },
    renameSync: (a: any, b: any) => {
      events.push(`rename ${String(a)} -> ${String(b)}`);
      return fs.renameSync(a, b);
    },
  };
  return { ...wrapped, default: { ...fs, ...wrapped } };
});

const { writeAtomic } = await import('../../src/pipeline/write/atomic.js');
const { applyPlan, planWrites, sha256 } = await import('../../src/pipeline/write/index.js');

/** The rename that put `target` in place, and whether its source was synced after its last write and before the rename. */
function syncedBeforeRename(target: string): { renamed: boolean; synced: boolean } {
  const i = events.findIndex((e) => e.endsWith(` -> ${target}`));
  if (i < 0) return { renamed: false, synced: false };
  const tmpFile = events[i]!.slice('rename '.length, events[i]!.indexOf(' -> '));
  const before = events.slice(0, i);
  const lastWrite = before.lastIndexOf(`write ${tmpFile}`);
  const lastSync = before.lastIndexOf(`sync ${tmpFile}`);
  return { renamed: true, synced: lastWrite >= 0 && lastSync > lastWrite };
}

beforeEach(() => {
  events.length = 0;
  failSyncOf = undefined;
  failCode = 'EIO';
});

describe('atomic writes are synced before they replace the old file', () => {
  for (const [name, write] of [['writeAtomic', async (p: string, c: string) => writeAtomic(p, c)]] as const) {
    it(`${name}: fsync of the temporary file comes after its last write and before the rename`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'ggen-durable-'));
      const target = path.join(dir, 'out.ts');
      await write(target, 'first\n');
      await write(target, 'second\n');
      expect(readFileSync(target, 'utf8')).toBe('second\n');
      expect(readdirSync(dir)).toEqual(['out.ts']);
      const renames = events.filter((e) => e.endsWith(` -> ${target}`));
      expect(renames).toHaveLength(2);
      expect(syncedBeforeRename(target)).toEqual({ renamed: true, synced: true });
      // the first replacement too
      const first = events.indexOf(renames[0]!);
      const tmpFile = renames[0]!.slice('rename '.length, renames[0]!.indexOf(' -> '));
      expect(tmpFile).not.toBe(target);
      expect(events.slice(0, first)).toContain(`sync ${tmpFile}`);
    });
  }
});

describe('a durable writeAtomic (the receipt) syncs the directories its name changed', () => {
  it('the target folder is synced after the rename, and each folder it made after its own entry was made', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ggen-durable-'));
    const receipt = path.join(root, 'receipts/nested/latest.json');
    writeAtomic(receipt, '{}\n', root);
    const rename = events.findIndex((e) => e.endsWith(` -> ${receipt}`));
    expect(rename).toBeGreaterThanOrEqual(0);
    // receipts/nested gained the name, receipts/ gained nested/, the root gained receipts/.
    expect(events.slice(rename + 1)).toEqual([
      `sync ${path.join(root, 'receipts/nested')}`,
      `sync ${path.join(root, 'receipts')}`,
      `sync ${root}`,
    ]);
    // A second write into folders that exist syncs only the target's folder, after the rename.
    events.length = 0;
    writeAtomic(receipt, '{"b":1}\n', root);
    const again = events.findIndex((e) => e.endsWith(` -> ${receipt}`));
    expect(events.slice(again + 1)).toEqual([`sync ${path.join(root, 'receipts/nested')}`]);
    expect(readFileSync(receipt, 'utf8')).toBe('{"b":1}\n');
  });

  it('durable: false (a cache file) syncs no directory', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ggen-durable-'));
    writeAtomic(path.join(root, '.ggen/cache/x.json'), '{}', root, { durable: false });
    expect(events.filter((e) => e.startsWith('sync '))).toEqual([]);
  });
});

describe('cache files are written atomically, without the fsync', () => {
  it('writeAtomic with durable: false renames a complete temporary file and never syncs it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ggen-durable-'));
    const target = path.join(dir, 'cache.json');
    writeAtomic(target, '{"a":1}', undefined, { durable: false });
    expect(readFileSync(target, 'utf8')).toBe('{"a":1}');
    expect(readdirSync(dir)).toEqual(['cache.json']);
    expect(syncedBeforeRename(target)).toEqual({ renamed: true, synced: false });
    expect(events.some((e) => e.startsWith('sync '))).toBe(false);
  });

  it('a CacheFile save is not synced; an output written next to it is', async () => {
    const { CacheFile } = await import('../../src/pipeline/fs/cache-file.js');
    const root = mkdtempSync(path.join(tmpdir(), 'ggen-durable-'));
    const cache = CacheFile.open<number>(root, '.ggen/cache/x.json', 'salt');
    cache.keep('k', 1);
    cache.save();
    const cacheFile = path.join(root, '.ggen/cache/x.json');
    expect(JSON.parse(readFileSync(cacheFile, 'utf8'))).toEqual({ salt: 'salt', entries: { k: 1 } });
    expect(syncedBeforeRename(cacheFile)).toEqual({ renamed: true, synced: false });
    const output = path.join(root, 'generated/out.ts');
    writeAtomic(output, 'x\n', root);
    expect(syncedBeforeRename(output)).toEqual({ renamed: true, synced: true });
  });
});

/** A project with one output to update and three to create (two in a new nested folder). */
async function planned() {
  const root = mkdtempSync(path.join(tmpdir(), 'ggen-durable-'));
  mkdirSync(path.join(root, 'gen'));
  writeFileSync(path.join(root, 'gen/changed.ts'), 'old output');
  const previous = {
    subjects: new Map([['gen/changed.ts', sha256('old output')]]),
    createOnce: [],
    inputs: new Map(),
  } as unknown as ReceiptView;
  const files = Object.entries({
    'changed.ts': 'new output',
    'new.ts': 'generated',
    'a/b/one.ts': 'one',
    'a/b/two.ts': 'two',
  }).map(([p, content]): RenderedFile => ({ path: p, content, template: 't.njk', mode: 'overwrite' }));
  const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: false });
  return { plan, gen: path.join(root, 'gen'), at: (rel: string) => path.join(root, 'gen', rel) };
}

describe('applyPlan syncs every output before putting any in place', () => {
  it('each temporary file is synced after its write and before the first output is linked or renamed', async () => {
    const { plan, gen, at } = await planned();
    await applyPlan(plan, gen);
    expect(readFileSync(at('changed.ts'), 'utf8')).toBe('new output');
    expect(readFileSync(at('a/b/two.ts'), 'utf8')).toBe('two');
    const placed = events.filter((e) => e.startsWith('rename '));
    expect(placed.map((e) => e.slice(e.indexOf(' -> ') + 4)).sort()).toEqual(
      ['a/b/one.ts', 'a/b/two.ts', 'changed.ts', 'new.ts'].map(at),
    );
    const first = events.indexOf(placed[0]!);
    for (const p of placed) {
      const tmpFile = p.slice('rename '.length, p.indexOf(' -> '));
      expect(path.basename(tmpFile)).toMatch(/^\..+\.[0-9a-f]{16}\.tmp$/);
      const write = events.lastIndexOf(`write ${tmpFile}`);
      expect(write).toBeGreaterThanOrEqual(0);
      expect(events.indexOf(`sync ${tmpFile}`)).toBeGreaterThan(write);
      expect(events.indexOf(`sync ${tmpFile}`)).toBeLessThan(first);
    }
  });

  it('each directory that gained a name is synced once, after the last output is put in place', async () => {
    const { plan, gen, at } = await planned();
    await applyPlan(plan, gen);
    const last = events.map((e) => e.startsWith('rename ')).lastIndexOf(true);
    const dirSyncs = events.filter((e, i) => e.startsWith('sync ') && i > last).map((e) => e.slice(5));
    expect(dirSyncs.sort()).toEqual([gen, at('a'), at('a/b')].sort());
  });

  it('an fsync that fails: nothing is put in place, no temporary file or new folder is left, the error is thrown', async () => {
    const { plan, gen, at } = await planned();
    failSyncOf = /two\.ts\.[0-9a-f]{16}\.tmp$/;
    await expect(applyPlan(plan, gen)).rejects.toMatchObject({ code: 'EIO' });
    expect(events.some((e) => e.startsWith('rename '))).toBe(false);
    // the folders made for the new outputs are removed again
    expect(readdirSync(gen, { recursive: true }).sort()).toEqual(['changed.ts']);
    expect(readFileSync(at('changed.ts'), 'utf8')).toBe('old output');
  });
});

describe('a directory that cannot be synced', () => {
  it('where the file system refuses to sync directories (EINVAL), the run goes on: the outputs are written', async () => {
    const { plan, gen, at } = await planned();
    failSyncOf = /\/gen$/;
    failCode = 'EINVAL';
    await applyPlan(plan, gen);
    expect(readFileSync(at('a/b/one.ts'), 'utf8')).toBe('one');
    expect(failSyncOf).toBeUndefined(); // the directory's sync was asked for, and failed
  });

  it('any other failure (EIO) is thrown: the run fails before its receipt is written', async () => {
    const { plan, gen } = await planned();
    failSyncOf = /\/gen$/;
    await expect(applyPlan(plan, gen)).rejects.toMatchObject({ code: 'EIO' });
  });
});
