/**
 * OutputRoot: the output directory itself is never an output (directly, or through a symlink that
 * points back at it), the exact refusals, and realOf on paths that are missing, run through a
 * file, or loop.
 */
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputRoot, PathEscape } from '../../src/pipeline/write/paths.js';

function outDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ggen-paths-'));
  mkdirSync(path.join(root, 'gen'));
  return path.join(root, 'gen');
}

function escape(fn: () => unknown): PathEscape {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PathEscape);
    expect((e as Error).name).toBe('PathEscape');
    return e as PathEscape;
  }
  throw new Error('expected PathEscape');
}

describe('OutputRoot.resolve', () => {
  it('refuses the output directory itself, and a path leaving it, with the path in the message', () => {
    const out = new OutputRoot(outDir());
    expect(escape(() => out.resolve('.')).message).toBe('. escapes the output directory');
    expect(escape(() => out.resolve('a/..')).message).toBe('a/.. escapes the output directory');
    expect(escape(() => out.resolve('../gen-evil/x.ts')).message).toBe('../gen-evil/x.ts escapes the output directory');
  });

  it('refuses a symlink inside that points back at the output directory', () => {
    const dir = outDir();
    symlinkSync('.', path.join(dir, 'self'));
    const out = new OutputRoot(dir);
    expect(escape(() => out.resolve('self')).message).toBe(
      `self resolves to ${realpathSync(dir)}, outside the output directory (through a symlink)`,
    );
  });

  it('returns the absolute path of a nested output', () => {
    const dir = outDir();
    expect(new OutputRoot(dir).resolve('a/b.c.ts')).toBe(path.join(dir, 'a', 'b.c.ts'));
  });
});

describe('OutputRoot.realOf', () => {
  it('appends the missing tail to the deepest existing ancestor, also below a file', () => {
    const dir = outDir();
    const real = realpathSync(dir);
    writeFileSync(path.join(dir, 'f.ts'), 'x');
    const out = new OutputRoot(dir);
    expect(out.realOf(path.join(dir, 'new', 'x.ts'))).toBe(path.join(real, 'new', 'x.ts'));
    expect(out.realOf(path.join(dir, 'f.ts', 'x.ts'))).toBe(path.join(real, 'f.ts', 'x.ts'));
  });

  it('passes other errors through: a symlink loop is not a missing file', () => {
    const dir = outDir();
    symlinkSync('loop', path.join(dir, 'loop'));
    const out = new OutputRoot(dir);
    expect(() => out.realOf(path.join(dir, 'loop', 'x.ts'))).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });
});
