/** removeFile deletes an orphan and the directories it leaves empty, never the stop directory or above it. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeFile, writeAtomic } from '../../src/pipeline/write/atomic.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-remove-'));

describe('removeFile', () => {
  it('removes emptied directories up to, not including, the stop directory', () => {
    const root = tmp();
    const gen = path.join(root, 'gen');
    mkdirSync(path.join(gen, 'a/b/c'), { recursive: true });
    writeFileSync(path.join(gen, 'a/keep.ts'), 'k');
    writeFileSync(path.join(gen, 'a/b/c/x.ts'), 'x');
    removeFile(path.join(gen, 'a/b/c/x.ts'), gen);
    expect(existsSync(path.join(gen, 'a/b'))).toBe(false);
    expect(readdirSync(path.join(gen, 'a'))).toEqual(['keep.ts']);
    removeFile(path.join(gen, 'a/keep.ts'), gen);
    expect(existsSync(gen)).toBe(true);
    expect(readdirSync(gen)).toEqual([]);
    expect(existsSync(root)).toBe(true);
  });

  it('never removes a directory outside the stop directory, even an empty one', () => {
    const root = tmp();
    mkdirSync(path.join(root, 'gen'));
    mkdirSync(path.join(root, 'gen-other/d'), { recursive: true });
    writeFileSync(path.join(root, 'gen-other/d/x.ts'), 'x');
    removeFile(path.join(root, 'gen-other/d/x.ts'), path.join(root, 'gen'));
    expect(existsSync(path.join(root, 'gen-other/d'))).toBe(true);
  });

  it('a file already gone is not an error', () => {
    const root = tmp();
    expect(() => removeFile(path.join(root, 'nope.ts'), root)).not.toThrow();
  });
});

describe('writeAtomic content', () => {
  it('writes a Buffer byte for byte and a string as UTF-8, large ones whole', () => {
    const root = tmp();
    const bytes = Buffer.from([0, 255, 10, 13, 0xc3]);
    writeAtomic(path.join(root, 'b.bin'), bytes);
    expect(readFileSync(path.join(root, 'b.bin')).equals(bytes)).toBe(true);
    const big = 'é'.repeat(3_000_000);
    writeAtomic(path.join(root, 's.txt'), big);
    expect(readFileSync(path.join(root, 's.txt'), 'utf8')).toBe(big);
  });
});
