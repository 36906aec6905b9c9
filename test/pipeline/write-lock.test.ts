/**
 * The sync lock (src/pipeline/write/lock.ts): who counts as a live holder, how long a caller waits,
 * what release removes, and that a broken `.ggen` is an error instead of a spin.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, LockBusy } from '../../src/pipeline/write/index.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-lock-'));
const lockFile = (root: string): string => path.join(root, '.ggen/sync.lock');
const plant = (root: string, content: string): void => {
  mkdirSync(path.join(root, '.ggen'), { recursive: true });
  writeFileSync(lockFile(root), content);
};
const holderPid = (root: string): string => readFileSync(lockFile(root), 'utf8').trim();

const children: ChildProcess[] = [];
/** A live process that is not this one: a lock naming it belongs to a sync in progress. */
const liveOther = (): number => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
};
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('acquireLock: who holds the lock', () => {
  it('refuses a lock held by another live process, and names its pid and the lock file', async () => {
    const root = tmp();
    const pid = liveOther();
    plant(root, `${pid}\n`);
    const err = await acquireLock(root, 0).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LockBusy);
    expect((err as LockBusy).name).toBe('LockBusy');
    expect((err as LockBusy).message).toBe(
      `another ggen sync (pid ${pid}) holds ${path.join('.ggen', 'sync.lock')}; wait for it to finish, or delete the file if that process is gone`,
    );
    // refused, not taken over
    expect(holderPid(root)).toBe(String(pid));
  });

  it('refuses a lock held by pid 1 (alive, and not signalable by a normal user: EPERM still means alive)', async () => {
    const root = tmp();
    plant(root, '1\n');
    await expect(acquireLock(root, 0)).rejects.toThrow(LockBusy);
    expect(holderPid(root)).toBe('1');
  });

  it.each([
    ['a dead pid', () => spawnSync(process.execPath, ['-e', '']).pid],
    ['pid 0 (would signal our own process group)', () => 0],
    ['a negative pid (would signal a process group)', () => -1],
    ['a fractional pid', () => 1.5],
    ['garbage', () => 'not-a-pid'],
    ['an empty file', () => ''],
  ])('takes over a lock naming %s at once', async (_label, content) => {
    const root = tmp();
    plant(root, `${content()}\n`);
    const release = await acquireLock(root, 0);
    expect(holderPid(root)).toBe(String(process.pid));
    release();
  });
});

describe('acquireLock: waiting', () => {
  it('waits for a live holder to finish instead of failing at once', async () => {
    const root = tmp();
    plant(root, `${liveOther()}\n`);
    const started = Date.now();
    setTimeout(() => unlinkSync(lockFile(root)), 300);
    const release = await acquireLock(root, 20_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(holderPid(root)).toBe(String(process.pid));
    release();
  });

  it('gives up after waitMs when the holder stays', async () => {
    const root = tmp();
    plant(root, `${liveOther()}\n`);
    const started = Date.now();
    await expect(acquireLock(root, 300)).rejects.toThrow(LockBusy);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('a second acquire in the same process is refused while the first holds the lock', async () => {
    const root = tmp();
    const release = await acquireLock(root);
    await expect(acquireLock(root, 0)).rejects.toThrow(`(pid ${process.pid})`);
    release();
  });
});

describe('acquireLock: release', () => {
  it('removes the lock file and the .ggen folder it created', async () => {
    const root = tmp();
    const release = await acquireLock(root);
    expect(holderPid(root)).toBe(String(process.pid));
    release();
    expect(existsSync(path.join(root, '.ggen'))).toBe(false);
  });

  it('keeps .ggen when it holds other files', async () => {
    const root = tmp();
    mkdirSync(path.join(root, '.ggen'));
    writeFileSync(path.join(root, '.ggen/cache.json'), '{}');
    const release = await acquireLock(root);
    release();
    expect(existsSync(lockFile(root))).toBe(false);
    expect(readFileSync(path.join(root, '.ggen/cache.json'), 'utf8')).toBe('{}');
  });

  it('never removes a lock that another process has taken over since', async () => {
    const root = tmp();
    const release = await acquireLock(root);
    const other = liveOther();
    writeFileSync(lockFile(root), `${other}\n`);
    release();
    expect(holderPid(root)).toBe(String(other));
  });

  it('a second call of the same release does not remove the next holder’s lock', async () => {
    const root = tmp();
    const first = await acquireLock(root);
    first();
    const second = await acquireLock(root);
    first();
    expect(holderPid(root)).toBe(String(process.pid));
    second();
    expect(existsSync(lockFile(root))).toBe(false);
  });
});

describe('acquireLock: a broken project folder', () => {
  it('fails with the file system error when .ggen is a file, instead of spinning', async () => {
    const root = tmp();
    writeFileSync(path.join(root, '.ggen'), 'not a folder');
    await expect(acquireLock(root, 0)).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(readFileSync(path.join(root, '.ggen'), 'utf8')).toBe('not a folder');
  });

  it('fails with the file system error when the project root is a file', async () => {
    const root = path.join(tmp(), 'file');
    writeFileSync(root, 'x');
    await expect(acquireLock(root, 0)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
