/**
 * applyPlan's exclusive creates (create_once files) and writeAtomic's `within` and text handling, at
 * the points the mutation run found untested (#16): a create makes a missing file, and writes
 * nothing where something is already there (a file or a symlink, even a dangling one), leaving no
 * temporary file either way; writeAtomic refuses a symlinked folder between `within` and the file,
 * and writes non-ASCII text as UTF-8 bytes.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAtomic } from '../../src/pipeline/write/atomic.js';
import { applyPlan, type Plan } from '../../src/pipeline/write/plan.js';
import { PathEscape, refuseSymlinks } from '../../src/pipeline/write/paths.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ggen-exclusive-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A plan that creates each of `names` in `dir` (create_once, so a taken path is kept, not an error). */
const creates = (names: string[], content: string): Plan => ({
  entries: names.map((name) => ({
    path: name,
    abs: join(dir, name),
    action: 'create' as const,
    reason: '',
    mode: 'create_once' as const,
    content,
    old: null,
  })),
  outputs: [],
  conflicts: [],
});

describe('applyPlan creates exclusively', () => {
  it('creates a missing file, leaving no temporary file', async () => {
    await applyPlan(creates(['user.ts'], 'stub ✓\n'), dir);
    expect(readFileSync(join(dir, 'user.ts'), 'utf8')).toBe('stub ✓\n');
    expect(readdirSync(dir)).toEqual(['user.ts']);
  });

  it('writes nothing where a file or a symlink already is', async () => {
    writeFileSync(join(dir, 'user.ts'), 'mine\n');
    symlinkSync(join(dir, 'nowhere'), join(dir, 'link.ts'));
    await applyPlan(creates(['link.ts', 'user.ts'], 'stub\n'), dir);
    expect(readFileSync(join(dir, 'user.ts'), 'utf8')).toBe('mine\n');
    expect(readdirSync(dir).sort()).toEqual(['link.ts', 'user.ts']);
  });
});

describe('writeAtomic', () => {
  it('refuses a symlinked folder between `within` and the file, writing nothing', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'ggen-exclusive-elsewhere-'));
    try {
      symlinkSync(elsewhere, join(dir, 'receipts'));
      expect(() => writeAtomic(join(dir, 'receipts', 'latest.json'), '{}', dir)).toThrow(PathEscape);
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('writes text as UTF-8 bytes, non-ASCII included', () => {
    const text = 'π ≈ 3.14159 — “quoted” 😀\n';
    writeAtomic(join(dir, 'a', 'b.txt'), text, dir);
    expect(readFileSync(join(dir, 'a', 'b.txt'))).toEqual(Buffer.from(text, 'utf8'));
  });
});

describe('refuseSymlinks and its root', () => {
  it('the root itself may be a symlink (only folders below it are checked)', () => {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'root-link'));
    const root = join(dir, 'root-link');
    expect(() => refuseSymlinks(root, '.')).not.toThrow();
    expect(() => refuseSymlinks(root, '')).not.toThrow();
    expect(() => refuseSymlinks(root, '/.ggen')).not.toThrow();
  });
});
