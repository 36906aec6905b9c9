/**
 * refuseSymlinks guards the folders ggen writes besides the outputs (the receipt's folder, .ggen/,
 * .ggen/cache/): every directory below the root on the way must be a real directory. It was only
 * reached through whole syncs in child processes, so the mutation run saw it untested (#16).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PathEscape, refuseSymlinks } from '../../src/pipeline/write/paths.js';

let root: string;
let outside: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ggen-refuse-'));
  outside = mkdtempSync(join(tmpdir(), 'ggen-refuse-outside-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function refusal(rel: string): string {
  try {
    refuseSymlinks(root, rel);
  } catch (e) {
    expect(e).toBeInstanceOf(PathEscape);
    return (e as Error).message;
  }
  throw new Error(`expected ${rel} to be refused`);
}

describe('refuseSymlinks', () => {
  it('accepts real directories, missing ones, and the root itself', () => {
    mkdirSync(join(root, '.ggen', 'cache'), { recursive: true });
    expect(() => refuseSymlinks(root, '.ggen/cache')).not.toThrow();
    expect(() => refuseSymlinks(root, '.ggen/missing/deeper')).not.toThrow();
    expect(() => refuseSymlinks(root, './.ggen//cache/')).not.toThrow();
    expect(() => refuseSymlinks(root, '.')).not.toThrow();
    expect(() => refuseSymlinks(root, '')).not.toThrow();
  });

  it('refuses a symlinked directory on the way, naming it from the root', () => {
    mkdirSync(join(root, 'receipts'));
    symlinkSync(outside, join(root, 'receipts', 'latest'));
    expect(refusal('receipts/latest/deeper')).toBe(
      'receipts/latest is a symlink; ggen does not write through symlinks (make it a real directory)',
    );
    symlinkSync(outside, join(root, '.ggen'));
    expect(refusal('.ggen/cache')).toBe(
      '.ggen is a symlink; ggen does not write through symlinks (make it a real directory)',
    );
  });

  it('refuses a symlink even to a directory inside the root', () => {
    mkdirSync(join(root, 'real'));
    symlinkSync(join(root, 'real'), join(root, 'alias'));
    expect(refusal('alias')).toBe(
      'alias is a symlink; ggen does not write through symlinks (make it a real directory)',
    );
  });

  it('refuses a file where a directory should be', () => {
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a', 'b'), 'x');
    expect(refusal('a/b/c')).toBe('a/b is not a directory');
  });

  it('refuses a way out through ..', () => {
    expect(refusal('../elsewhere')).toBe(`../elsewhere leaves ${root}`);
    expect(refusal('a/../../elsewhere')).toBe(`a/../../elsewhere leaves ${root}`);
  });
});
