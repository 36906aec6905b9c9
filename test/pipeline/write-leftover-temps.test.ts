/**
 * removeLeftoverTemps deletes only what a killed sync left: regular files named as ggen names its
 * temporary files, at any depth; an old-style `.name.<pid>.tmp` only when that process is gone
 * (never this process's own, never a live one's); never a user's file, a folder or a symlink.
 * It was reached only through whole syncs in child processes (#16).
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEMP_FILE, removeLeftoverTemps, tempPathFor } from '../../src/pipeline/write/atomic.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ggen-temps-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that is certainly gone: a child that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('removeLeftoverTemps', () => {
  it('removes ggen temp files at every depth and keeps everything else', () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    const top = tempPathFor(join(dir, 'x.ts'));
    const deep = tempPathFor(join(dir, 'a', 'b', 'y.ts'));
    expect(TEMP_FILE.test(top.split('/').pop()!)).toBe(true);
    writeFileSync(top, 'partial');
    writeFileSync(deep, 'partial');
    const keep = ['x.ts', '.x.ts.tmp', 'x.0123456789abcdef.tmp', '.x.ts.0123456789ABCDEF.tmp', 'a/notes.md'];
    for (const k of keep) writeFileSync(join(dir, k), 'user');
    expect(removeLeftoverTemps(dir).sort()).toEqual([top, deep].sort());
    expect(existsSync(top) || existsSync(deep)).toBe(false);
    for (const k of keep) expect(existsSync(join(dir, k))).toBe(true);
  });

  it('never removes a folder or a symlink named like a temp file', () => {
    const folder = join(dir, '.f.ts.0123456789abcdef.tmp');
    mkdirSync(folder);
    writeFileSync(join(folder, 'inside.txt'), 'user');
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'user');
    const link = join(dir, '.l.ts.fedcba9876543210.tmp');
    symlinkSync(target, link);
    expect(removeLeftoverTemps(dir)).toEqual([]);
    expect(lstatSync(folder).isDirectory()).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(existsSync(target)).toBe(true);
  });

  it("old-style names: removed when their process is gone, kept for this process's and a live one's", () => {
    const gone = join(dir, `.a.ts.${deadPid()}.tmp`);
    const mine = join(dir, `.b.ts.${process.pid}.tmp`);
    const live = join(dir, `.c.ts.${process.ppid}.tmp`);
    for (const f of [gone, mine, live]) writeFileSync(f, 'partial');
    expect(removeLeftoverTemps(dir)).toEqual([gone]);
    expect(existsSync(mine) && existsSync(live)).toBe(true);
  });

  it('a missing folder has nothing to remove', () => {
    expect(removeLeftoverTemps(join(dir, 'absent'))).toEqual([]);
  });
});
