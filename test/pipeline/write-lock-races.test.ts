/**
 * The sync lock against another process acting between two of our file-system calls. The other
 * process is simulated by a hook that runs just before our call (the call itself is the real one):
 * a holder releasing between our failed create and our read, .ggen vanishing between our mkdir
 * and our create, and a stale lock taken over by someone else between our two reads.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

type Hook = (p: string) => void;
const before: { open?: Hook; read?: Hook } = {};
/** Runs once, just after our call that creates sync.lock succeeded (an exclusive open, or a link). */
const after: { create?: Hook } = {};
/** Set: linkSync fails with this code, as on a file system without hard links. */
let linkFails: string | undefined;

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const once = (key: 'open' | 'read', p: unknown): void => {
    const hook = before[key];
    // The lock, or the file of our own it is linked from (sync.lock.<pid>).
    if (hook && /sync\.lock(\.\d+)?$/.test(String(p))) {
      delete before[key];
      hook(String(p));
    }
  };
  const created = (p: unknown): void => {
    const hook = after.create;
    if (hook && String(p).endsWith('sync.lock')) {
      delete after.create;
      hook(String(p));
    }
  };
  const wrapped = {
    openSync: (p: any, ...rest: any[]) => {
      once('open', p);
      const fd = (fs.openSync as any)(p, ...rest);
      if (String(rest[0]).includes('x')) created(p);
      return fd;
    },
    linkSync: (from: any, to: any) => {
      if (linkFails) throw Object.assign(new Error(`${linkFails}: link`), { code: linkFails });
      (fs.linkSync as any)(from, to);
      created(to);
    },
    readFileSync: (p: any, ...rest: any[]) => {
      once('read', p);
      return (fs.readFileSync as any)(p, ...rest);
    },
  };
  return { ...fs, ...wrapped, default: { ...fs, ...wrapped } };
});

const { acquireLock, LockBusy } = await import('../../src/pipeline/write/lock.js');

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-lock-race-'));
const lockFile = (root: string): string => path.join(root, '.ggen', 'sync.lock');
const children: ChildProcess[] = [];
const liveOther = (): number => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
};
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  delete before.open;
  delete before.read;
  delete after.create;
  linkFails = undefined;
});

describe('acquireLock races', () => {
  it('another sync that looks at the lock the moment we created it sees our pid, and waits: never an empty file it takes for stale', async () => {
    const root = tmp();
    let other: Promise<() => void> | undefined;
    // The other sync runs its first attempt at once, between our create and anything after it.
    after.create = () => {
      other = acquireLock(root, 0);
      other.catch(() => {});
    };
    const release = await acquireLock(root, 0);
    expect(other).toBeDefined();
    await expect(other).rejects.toThrow(LockBusy);
    expect(readFileSync(lockFile(root), 'utf8').trim()).toBe(String(process.pid));
    release();
  });

  it('on a file system without hard links the lock is created and written, and no file of our own is left', async () => {
    const root = tmp();
    linkFails = 'EPERM';
    const release = await acquireLock(root, 0);
    expect(readFileSync(lockFile(root), 'utf8').trim()).toBe(String(process.pid));
    expect(readdirSync(path.join(root, '.ggen'))).toEqual(['sync.lock']);
    // A live holder is still waited for (then LockBusy at once with no wait).
    await expect(acquireLock(root, 0)).rejects.toThrow(LockBusy);
    release();
    // Any other failure to link is not taken for a missing feature.
    linkFails = 'EACCES';
    await expect(acquireLock(root, 0)).rejects.toThrow(/EACCES/);
  });

  it('the holder releases between our failed create and our read: we try again and get it', async () => {
    const root = tmp();
    mkdirSync(path.join(root, '.ggen'));
    writeFileSync(lockFile(root), `${liveOther()}\n`);
    before.read = (p) => unlinkSync(p);
    const release = await acquireLock(root, 0);
    expect(readFileSync(lockFile(root), 'utf8').trim()).toBe(String(process.pid));
    release();
  });

  it('.ggen vanishes between our mkdir and our create (a holder releasing): we try again and get it', async () => {
    const root = tmp();
    before.open = () => rmSync(path.join(root, '.ggen'), { recursive: true });
    const release = await acquireLock(root, 0);
    expect(before.open).toBeUndefined();
    expect(readFileSync(lockFile(root), 'utf8').trim()).toBe(String(process.pid));
    release();
  });

  it('a stale lock taken over by another process between our two reads is not removed', async () => {
    const root = tmp();
    mkdirSync(path.join(root, '.ggen'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(lockFile(root), `${dead}\n`);
    const other = liveOther();
    // our first read sees the dead pid; just before the re-check, the other process takes over
    before.read = () => {
      before.read = (p) => writeFileSync(p, `${other}\n`);
    };
    await expect(acquireLock(root, 0)).rejects.toThrow(LockBusy);
    expect(readFileSync(lockFile(root), 'utf8').trim()).toBe(String(other));
  });
});
