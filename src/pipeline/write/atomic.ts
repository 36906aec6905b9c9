/**
 * Atomic file replacement: write a temporary file in the same directory, fsync
 * it, then rename over the target (rename is atomic within one file system).
 * The temporary file has a random name and is created exclusively, never through
 * a symlink: a planted file or link at a guessable name cannot redirect the write.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { directoriesChanged, syncDirectoriesSync } from './dir-sync.js';
import { refuseSymlinks } from './paths.js';

/** O_CREAT|O_EXCL: the file is new (an existing file or symlink fails with EEXIST); O_NOFOLLOW besides. */
export const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** The names of ggen's temporary files: `.<target name>.<16 hex digits>.tmp`, next to the target. */
export const TEMP_FILE = /^\..+\.[0-9a-f]{16}\.tmp$/;

/** The names older versions used: `.<target name>.<pid>.tmp`. */
const OLD_TEMP_FILE = /^\..+\.([0-9]+)\.tmp$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files a killed sync left under `dir` (regular files named as ggen names
 * them; an old-style name only when its process is gone). Call it holding the sync lock: no other
 * sync of this project is writing. Returns the paths removed.
 */
export function removeLeftoverTemps(dir: string): string[] {
  const removed: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return removed;
  }
  for (const e of entries) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) {
      removed.push(...removeLeftoverTemps(abs));
      continue;
    }
    const old = OLD_TEMP_FILE.exec(e.name);
    if (!TEMP_FILE.test(e.name) && !(old && Number(old[1]) !== process.pid && !alive(Number(old[1])))) continue;
    try {
      if (!lstatSync(abs).isFile()) continue;
      unlinkSync(abs);
      removed.push(abs);
    } catch {
      /* gone already */
    }
  }
  return removed;
}

export const tempPathFor = (abs: string): string =>
  path.join(path.dirname(abs), `.${path.basename(abs)}.${randomBytes(8).toString('hex')}.tmp`);

/**
 * Writes `abs` atomically. With `within` (a directory above it), every directory between the two
 * must be a real directory, not a symlink (receipts/, .ggen/, .ggen/cache are refused as output
 * folders are). A durable write then syncs the directory it renamed into, and each one above it that
 * gained a folder it made (dir-sync.ts), so the name itself survives a crash too. `durable: false`
 * skips both fsyncs: for a cache file, which a crash may leave empty or partial, and whose reader
 * takes anything unreadable for a miss. The rename stays atomic for running processes; only
 * outputs and receipts need to survive a crash.
 */
export function writeAtomic(
  abs: string,
  content: string | Buffer,
  within?: string,
  options: { durable?: boolean } = {},
): void {
  const dir = path.dirname(abs);
  if (within !== undefined) refuseSymlinks(within, path.relative(within, dir));
  const made = mkdirSync(dir, { recursive: true });
  const tmp = tempPathFor(abs);
  const fd = openSync(tmp, TEMP_FLAGS, 0o644);
  try {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (options.durable !== false) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, abs);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  // The new name, and the folders made for it, are on disk once their directories are.
  if (options.durable !== false) syncDirectoriesSync(directoriesChanged(dir, made));
}

/** Deletes a file, then any directories it leaves empty, up to (not including) `stopAt`. */
export function removeFile(abs: string, stopAt: string): void {
  try {
    unlinkSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (let dir = path.dirname(abs); dir.startsWith(stopAt + path.sep); dir = path.dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      break;
    }
  }
}
