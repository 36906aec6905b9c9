/**
 * A directory's own durability: a name linked, renamed or removed in a directory is on disk once
 * the directory is fsynced, not when the file itself is. applyPlan (plan.ts) syncs every directory
 * whose entries its outputs changed, once, after the last one is in place; a durable writeAtomic
 * (atomic.ts: the receipt and its signature) syncs the directory it renamed into and each
 * directory above it that gained a folder it made.
 */
import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import path from 'node:path';

export const fsyncAsync = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));

/** What a directory fsync gives where the platform or file system cannot sync directories: nothing more to do. */
function unsyncable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EINVAL' || code === 'EISDIR' || code === 'EPERM' || code === 'ENOTSUP';
}

/**
 * Fsyncs each directory once, so that the names linked, renamed or removed in it are on disk.
 * Where directories cannot be opened or synced (some platforms and file systems refuse), and for
 * one removed meanwhile, there is nothing more to do.
 */
export async function syncDirectories(dirs: Iterable<string>): Promise<void> {
  await Promise.all(
    [...new Set(dirs)].map(async (dir) => {
      let fd: number;
      try {
        fd = openSync(dir, 'r');
      } catch {
        return;
      }
      try {
        await fsyncAsync(fd);
      } catch (err) {
        if (!unsyncable(err)) throw err;
      } finally {
        closeSync(fd);
      }
    }),
  );
}

/** syncDirectories for one writer that is synchronous (writeAtomic), in order. */
export function syncDirectoriesSync(dirs: Iterable<string>): void {
  for (const dir of new Set(dirs)) {
    let fd: number;
    try {
      fd = openSync(dir, 'r');
    } catch {
      continue;
    }
    try {
      fsyncSync(fd);
    } catch (err) {
      if (!unsyncable(err)) throw err;
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * The directories whose entries change when files are made in `dir` after `mkdirSync(dir,
 * { recursive: true })` returned `firstMade` (the top directory it made, or undefined): `dir`
 * itself, and each one above it that gained a directory it made.
 */
export function directoriesChanged(dir: string, firstMade: string | undefined): string[] {
  const dirs = [dir];
  if (firstMade === undefined) return dirs;
  const top = path.dirname(firstMade);
  for (let d = dir; d !== top && d !== path.dirname(d); d = path.dirname(d)) dirs.push(path.dirname(d));
  return dirs;
}
