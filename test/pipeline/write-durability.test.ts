/**
 * Atomic writes are durable: the temporary file's bytes reach the disk (fsync) before the rename
 * makes them the output, so a crash never leaves an empty or partial file in place of the old one.
 * The file-system calls are observed (not replaced) to check the order.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const events: string[] = [];
const fdPath = new Map<number, string>();

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

vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>();
  const wrapped = {
    ...fsp,
    open: async (p: any, ...rest: any[]) => {
      const fh = await (fsp.open as any)(p, ...rest);
      const name = String(p);
      return new Proxy(fh, {
        get(target, prop) {
          const v = Reflect.get(target, prop, target);
          if (typeof v !== 'function') return v;
          return (...args: any[]) => {
            if (prop === 'write' || prop === 'writeFile' || prop === 'writev') events.push(`write ${name}`);
            if (prop === 'sync' || prop === 'datasync') events.push(`sync ${name}`);
            return v.apply(target, args);
          };
        },
      });
    },
    writeFile: (p: any, ...rest: any[]) => {
      events.push(`write ${String(p)}`);
      return (fsp.writeFile as any)(p, ...rest);
    },
    rename: async (a: any, b: any) => {
      events.push(`rename ${String(a)} -> ${String(b)}`);
      return fsp.rename(a, b);
    },
  };
  return { ...wrapped, default: { ...fsp, ...wrapped } };
});

const { writeAtomic, writeAtomicAsync } = await import('../../src/pipeline/write/atomic.js');

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
});

describe('atomic writes are synced before they replace the old file', () => {
  for (const [name, write] of [
    ['writeAtomic', async (p: string, c: string) => writeAtomic(p, c)],
    ['writeAtomicAsync', writeAtomicAsync],
  ] as const) {
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
