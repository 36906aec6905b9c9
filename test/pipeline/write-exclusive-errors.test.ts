/**
 * createExclusiveAsync when the file system fails under it (#16, mutants the per-file run left):
 * a link failure other than EEXIST (EPERM on a file system without hard links, EIO) is an error,
 * never taken for "something is already there", and the temporary file is removed; the temporary
 * file's handle is closed whether its write succeeds or fails (a sync of thousands of files would
 * otherwise run out of descriptors), and a failed write (ENOSPC, say) removes the temporary file
 * (it was left behind: this test failed first). node:fs/promises is wrapped, passing through to the real
 * module unless a test makes one call fail.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createExclusiveAsync } from '../../src/pipeline/write/atomic.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return { ...real, link: vi.fn(real.link), open: vi.fn(real.open) };
});

const fail = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: simulated`), { code });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ggen-exclusive-errors-'));
});
afterEach(() => {
  vi.mocked(fsp.link).mockClear();
  vi.mocked(fsp.open).mockClear();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens for real, spying on the handle's close. */
const spyOpen = (): { closed: () => number } => {
  let close: ReturnType<typeof vi.spyOn> | undefined;
  vi.mocked(fsp.open).mockImplementationOnce(async (...args: Parameters<typeof fsp.open>) => {
    const real = await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises');
    const fh: FileHandle = await real.open(...args);
    close = vi.spyOn(fh, 'close');
    return fh;
  });
  return { closed: () => close?.mock.calls.length ?? -1 };
};

describe('createExclusiveAsync when the file system fails', () => {
  it.each(['EPERM', 'EIO', 'ENOSPC'])(
    'a link failing with %s is thrown, not answered false, and leaves nothing',
    async (code) => {
      vi.mocked(fsp.link).mockRejectedValueOnce(fail(code));
      await expect(createExclusiveAsync(join(dir, 'user.ts'), 'stub\n')).rejects.toMatchObject({ code });
      expect(existsSync(join(dir, 'user.ts'))).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    },
  );

  it('EEXIST alone means something is already there: false, nothing left', async () => {
    vi.mocked(fsp.link).mockRejectedValueOnce(fail('EEXIST'));
    await expect(createExclusiveAsync(join(dir, 'user.ts'), 'stub\n')).resolves.toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('closes the temporary file handle once after writing it', async () => {
    const h = spyOpen();
    expect(await createExclusiveAsync(join(dir, 'user.ts'), 'stub\n')).toBe(true);
    expect(h.closed()).toBe(1);
  });

  it('closes and removes the temporary file when the write fails, and the error reaches the caller', async () => {
    const h = spyOpen();
    await expect(createExclusiveAsync(join(dir, 'user.ts'), 42 as unknown as string)).rejects.toThrow(TypeError);
    expect(h.closed()).toBe(1);
    expect(existsSync(join(dir, 'user.ts'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
