/**
 * writeAtomic / writeAtomicAsync when the write or the rename fails: the error reaches the caller
 * and no temporary file is left beside the target. removeFile refuses what it cannot delete.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeFile, writeAtomic, writeAtomicAsync } from '../../src/pipeline/write/atomic.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-atomic-fail-'));

describe('atomic writes that fail', () => {
  it('writeAtomic: a rename over a non-empty directory fails, and the temporary file is removed', () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'target'));
    writeFileSync(path.join(dir, 'target', 'inside'), 'x');
    expect(() => writeAtomic(path.join(dir, 'target'), 'content')).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) }),
    );
    expect(readdirSync(dir)).toEqual(['target']);
  });

  it('writeAtomicAsync: the same', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'target'));
    writeFileSync(path.join(dir, 'target', 'inside'), 'x');
    await expect(writeAtomicAsync(path.join(dir, 'target'), 'content')).rejects.toMatchObject({
      code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/),
    });
    expect(readdirSync(dir)).toEqual(['target']);
  });

  it('writeAtomic: content that cannot be written fails before the rename, and leaves nothing behind', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'keep.ts'), 'old');
    expect(() => writeAtomic(path.join(dir, 'keep.ts'), { length: 3 } as unknown as Buffer)).toThrow(TypeError);
    expect(readdirSync(dir)).toEqual(['keep.ts']);
    expect(readFileSync(path.join(dir, 'keep.ts'), 'utf8')).toBe('old');
  });

  it('writeAtomicAsync: the same', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'keep.ts'), 'old');
    await expect(writeAtomicAsync(path.join(dir, 'keep.ts'), 42 as unknown as string)).rejects.toThrow(TypeError);
    expect(readdirSync(dir)).toEqual(['keep.ts']);
    expect(readFileSync(path.join(dir, 'keep.ts'), 'utf8')).toBe('old');
  });

  it('writeAtomicAsync writes text as UTF-8', async () => {
    const dir = tmp();
    await writeAtomicAsync(path.join(dir, 'u.ts'), 'héllo – 世界');
    expect(readFileSync(path.join(dir, 'u.ts'))).toEqual(Buffer.from('héllo – 世界', 'utf8'));
  });
});

describe('removeFile', () => {
  it('refuses to remove a directory in place of a file, and keeps it', () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'sub', 'x.ts'), { recursive: true });
    expect(() => removeFile(path.join(dir, 'sub', 'x.ts'), dir)).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^(EISDIR|EPERM)$/) }),
    );
    expect(readdirSync(path.join(dir, 'sub'))).toEqual(['x.ts']);
  });
});
