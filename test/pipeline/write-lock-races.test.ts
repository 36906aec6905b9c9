/**
 * The sync lock against another process acting between two of our file-system calls. The other
 * process is simulated by a hook that runs just before our call (the call itself is the real one):
 * a holder releasing between our failed create and our read, .ggen vanishing between our mkdir
 * and our create, and a stale lock taken over by someone else between our two reads.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

type Hook = (p: string) => void;
const before: { open?: Hook; read?: Hook } = {};

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const once = (key: 'open' | 'read', p: unknown): void => {
    const hook = before[key];
    if (hook && String(p).endsWith('sync.lock')) {
      delete before[key];
      hook(String(p));
    }
  };
  const wrapped = {
    openSync: (p: any, ...rest: any[]) => {
      once('open', p);
      return (fs.openSync as any)(p, ...rest);
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
});

describe('acquireLock races', () => {
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
