/**
 * Temporary files are created exclusively, with random names, never through a symlink; ggen's
 * own folders (receipts/, .ggen/, .ggen/cache/) are refused when symlinked (issue #14, Medium 7).
 */
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheFile } from '../../src/pipeline/fs/cache-file.js';
import { InputError } from '../../src/pipeline/errors.js';
import { sync } from '../../src/pipeline/sync.js';
import { writeAtomic } from '../../src/pipeline/write/atomic.js';
import { applyPlan, planWrites } from '../../src/pipeline/write/index.js';
import { repoRoot } from '../support/compiled.js';
import { formatInProcess } from '../support/format-in-process.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-tmpfile-'));

/** A victim file outside the project, and symlinks to it at the temporary names the old code used. */
function plant(dir: string, target: string): string {
  const outside = path.join(tmp(), 'victim.txt');
  writeFileSync(outside, 'untouched\n');
  mkdirSync(dir, { recursive: true });
  symlinkSync(outside, path.join(dir, `.${path.basename(target)}.${process.pid}.tmp`)); // writeAtomic, applyPlan
  symlinkSync(outside, `${target}.${process.pid}.tmp`); // cache files
  return outside;
}

describe('temporary files never follow planted symlinks', () => {
  it('writeAtomic (the receipt, the caches)', () => {
    const root = tmp();
    const target = path.join(root, 'receipts/latest.json');
    const outside = plant(path.dirname(target), target);
    writeAtomic(target, 'receipt\n');
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
    expect(readFileSync(target, 'utf8')).toBe('receipt\n');
    expect(lstatSync(target).isSymbolicLink()).toBe(false);
  });

  it('the asynchronous output writes of applyPlan', async () => {
    const root = tmp();
    const outside = plant(path.join(root, 'gen'), path.join(root, 'gen/a.ts'));
    const plan = await planWrites({
      root,
      outputDir: 'gen',
      previous: null,
      force: false,
      files: [{ path: 'a.ts', content: 'a\n', template: 't.njk', mode: 'overwrite' }],
    });
    await applyPlan(plan, path.join(root, 'gen'));
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
    expect(readFileSync(path.join(root, 'gen/a.ts'), 'utf8')).toBe('a\n');
  });

  it('CacheFile.save', () => {
    const root = tmp();
    const outside = plant(path.join(root, '.ggen/cache'), path.join(root, '.ggen/cache/x.json'));
    const cache = CacheFile.open<number>(root, '.ggen/cache/x.json', 'salt');
    cache.keep('k', 1);
    cache.save();
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
    expect(JSON.parse(readFileSync(path.join(root, '.ggen/cache/x.json'), 'utf8'))).toEqual({
      salt: 'salt',
      entries: { k: 1 },
    });
  });

  it('temporary names are random: two writes of one file in one process use different names, and none is left', () => {
    const root = tmp();
    const target = path.join(root, 'f.txt');
    // A planted regular file at every name the old scheme could pick is not opened either.
    writeFileSync(path.join(root, `.f.txt.${process.pid}.tmp`), 'planted\n');
    writeAtomic(target, 'one');
    writeAtomic(target, 'two');
    expect(readFileSync(target, 'utf8')).toBe('two');
    expect(readFileSync(path.join(root, `.f.txt.${process.pid}.tmp`), 'utf8')).toBe('planted\n');
    expect(readdirSync(root).sort()).toEqual([`.f.txt.${process.pid}.tmp`, 'f.txt']);
  });

  it('CacheFile.save writes nothing through a symlinked .ggen/cache', () => {
    const root = tmp();
    const elsewhere = tmp();
    mkdirSync(path.join(root, '.ggen'));
    symlinkSync(elsewhere, path.join(root, '.ggen/cache'));
    const cache = CacheFile.open<number>(root, '.ggen/cache/x.json', 'salt');
    cache.keep('k', 1);
    cache.save();
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe('sync refuses symlinked receipts/, .ggen/ and .ggen/cache/', () => {
  formatInProcess();

  for (const link of ['receipts', '.ggen', '.ggen/cache']) {
    it(
      link,
      async () => {
        const root = tmp();
        cpSync(path.join(repoRoot, 'test/fixtures/cli/basic'), root, { recursive: true });
        const elsewhere = tmp();
        mkdirSync(path.dirname(path.join(root, link)), { recursive: true });
        symlinkSync(elsewhere, path.join(root, link));
        const err = await sync({ manifestPath: path.join(root, 'ggen.toml') }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InputError);
        expect((err as Error).message).toMatch(/symlink/);
        expect(readdirSync(elsewhere)).toEqual([]);
        expect(existsSync(path.join(root, 'generated'))).toBe(false);
      },
      60_000,
    );
  }
});
