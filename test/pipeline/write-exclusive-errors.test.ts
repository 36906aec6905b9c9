/**
 * applyPlan's exclusive creates when the file system fails under them (#16, mutants the per-file
 * run left): a link failure other than EEXIST (EPERM on a file system without hard links, EIO,
 * ENOSPC) is an error, never taken for "something is already there"; the outputs already created
 * are taken back, the folders made for them removed, and no temporary file is left. Every
 * temporary file's descriptor is closed, whether its write succeeds or fails (a sync of thousands
 * of files would otherwise run out of descriptors). node:fs is wrapped, passing through to the
 * real module unless a test makes one call fail.
 */
import * as fs from 'node:fs';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyPlan, type Plan } from '../../src/pipeline/write/plan.js';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const wrapped = { linkSync: vi.fn(real.linkSync), openSync: vi.fn(real.openSync), closeSync: vi.fn(real.closeSync) };
  return { ...real, ...wrapped, default: { ...real, ...wrapped } };
});

const fail = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: simulated`), { code });

const real = await vi.importActual<typeof import('node:fs')>('node:fs');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ggen-exclusive-errors-'));
});
afterEach(() => {
  vi.mocked(fs.linkSync).mockReset();
  vi.mocked(fs.linkSync).mockImplementation(real.linkSync);
  vi.mocked(fs.openSync).mockClear();
  vi.mocked(fs.closeSync).mockClear();
  rmSync(dir, { recursive: true, force: true });
});

/** A plan that creates each of `names` (paths relative to `dir`). */
const creates = (names: string[], content = 'stub\n', mode: 'overwrite' | 'create_once' = 'overwrite'): Plan => ({
  entries: names.map((name) => ({
    path: name,
    abs: join(dir, name),
    action: 'create',
    reason: '',
    mode,
    content,
    old: null,
  })),
  outputs: [],
  conflicts: [],
});

/** Descriptors opened for temporary files and not closed. */
const leftOpen = (): number => {
  const opened = vi
    .mocked(fs.openSync)
    .mock.calls.map((c, i) => [String(c[0]), vi.mocked(fs.openSync).mock.results[i]!.value as number] as const)
    .filter(([p]) => p.endsWith('.tmp'))
    .map(([, fd]) => fd);
  const closed = new Set(vi.mocked(fs.closeSync).mock.calls.map((c) => c[0]));
  return opened.filter((fd) => !closed.has(fd)).length;
};

describe('applyPlan when a link fails', () => {
  it.each(['EPERM', 'EIO', 'ENOSPC'])(
    'a link failing with %s is thrown; the outputs created before it are taken back, nothing is left',
    async (code) => {
      // in plan order: a/first.ts is linked, then b/second.ts fails
      vi.mocked(fs.linkSync).mockImplementation((src, dst) => {
        if (String(dst).endsWith('second.ts')) throw fail(code);
        real.linkSync(src, dst);
      });
      await expect(applyPlan(creates(['a/first.ts', 'b/second.ts']), dir)).rejects.toMatchObject({ code });
      expect(vi.mocked(fs.linkSync).mock.calls.map((c) => String(c[1]))).toEqual([
        join(dir, 'a/first.ts'),
        join(dir, 'b/second.ts'),
      ]);
      expect(existsSync(join(dir, 'a/first.ts'))).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
      expect(leftOpen()).toBe(0);
    },
  );

  it('EEXIST alone means something is already there: a create_once file is kept, nothing left', async () => {
    vi.mocked(fs.linkSync).mockImplementationOnce(() => {
      throw fail('EEXIST');
    });
    await applyPlan(creates(['user.ts'], 'stub\n', 'create_once'), dir);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('temporary files are closed', () => {
  it('after their writes, however many', async () => {
    await applyPlan(creates(Array.from({ length: 300 }, (_, i) => `m/${i}.ts`)), dir);
    expect(readdirSync(join(dir, 'm'))).toHaveLength(300);
    expect(leftOpen()).toBe(0);
  });

  it('when a write fails, and the error reaches the caller', async () => {
    await expect(applyPlan(creates(['ok.ts', 'bad.ts'], 42 as unknown as string), dir)).rejects.toThrow(TypeError);
    expect(leftOpen()).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});
