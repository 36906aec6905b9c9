/**
 * One sync at a time per project: `.ggen/sync.lock` created with O_EXCL holds
 * the owner's pid. A lock whose pid is gone is stale and taken over.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export class LockBusy extends Error {
  override readonly name = 'LockBusy';
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Creates `file` holding our pid, or throws EEXIST. The pid is in place before the file is the
 * lock: written to a file of our own, which is then linked to the lock's name (a link fails when
 * the name exists). Creating the lock and then writing the pid would leave an empty lock for a
 * moment, and another sync reading it then would take it for a dead holder's and take it over:
 * two syncs at once. Where the file system has no hard links, the lock is created and written.
 */
function createWithPid(file: string): void {
  const own = `${file}.${process.pid}`;
  try {
    unlinkSync(own);
  } catch {
    /* none left by an earlier attempt */
  }
  // Exclusive: never through a symlink planted at our own name.
  const fd = openSync(own, 'wx');
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(own, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    const lock = openSync(file, 'wx');
    try {
      writeSync(lock, `${process.pid}\n`);
    } finally {
      closeSync(lock);
    }
  } finally {
    try {
      unlinkSync(own);
    } catch {
      /* .ggen removed meanwhile */
    }
  }
}

/**
 * Acquires the lock or throws LockBusy after `waitMs`; returns the release function. A live holder
 * is a sync in progress (another terminal, or `--watch` reacting to the same save): waiting for it
 * is what the user wants, so the default wait is long; a dead holder is taken over at once.
 */
export async function acquireLock(root: string, waitMs = 60_000): Promise<() => void> {
  const dir = path.join(root, '.ggen');
  const file = path.join(dir, 'sync.lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      // Inside the loop: a releasing holder may remove an empty .ggen between our attempts.
      mkdirSync(dir, { recursive: true });
      createWithPid(file);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
          rmdirSync(dir);
        } catch {
          /* already gone, or .ggen holds other files */
        }
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      if (code !== 'EEXIST') throw err;
    }
    let held: string;
    try {
      held = readFileSync(file, 'utf8').trim();
    } catch (err) {
      // Gone since (released): try again. Anything else (.ggen is not a folder) would repeat forever.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const owner = Number(held);
    if (!alive(owner) && owner !== process.pid) {
      // Stale: the owner died without releasing (or the file names no pid at all). Remove it only
      // if it still holds the same text (compared as text: a garbage pid is NaN, never equal to itself).
      try {
        if (readFileSync(file, 'utf8').trim() === held) unlinkSync(file);
      } catch {
        /* someone else took it over */
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new LockBusy(
        `another ggen sync (pid ${owner}) holds ${path.relative(root, file)}; wait for it to finish, or delete the file if that process is gone`,
      );
    }
    await sleep(50);
  }
}
