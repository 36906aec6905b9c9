/**
 * write/batch.ts under observation: how many temporary files stageFiles holds open while their
 * fsyncs are pending (at most 256, and the first 256 are written without waiting for any fsync),
 * writes the kernel cuts short, which directory-sync failures syncDirectories ignores (and that it
 * closes the directory either way), and which directories directoriesChanged names. The node:fs
 * calls are wrapped to count open descriptors; a test may make an fsync fail, complete at once,
 * or make writeSync write only a few bytes per call.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** Open descriptors (from openSync) and the path each was opened with. */
const open = new Map<number, string>();
/** The most temporary files open at once. */
let peakTemps = 0;
/** Makes the next fsync of a descriptor whose path matches fail with `failCode`. */
let failSyncOf: RegExp | undefined;
let failCode = 'EIO';
/** 'now': fsync reports success in a microtask, without syncing (a disk that is never slower than the CPU). */
let syncMode: 'real' | 'now' = 'real';
/** When set, writeSync writes at most this many bytes per call (a short write, as a full disk or a signal gives). */
let writeAtMost: number | undefined;

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const wrapped = {
    ...fs,
    openSync: (p: any, ...rest: any[]) => {
      const fd = (fs.openSync as any)(p, ...rest);
      open.set(fd, String(p));
      peakTemps = Math.max(peakTemps, [...open.values()].filter((q) => q.endsWith('.tmp')).length);
      return fd;
    },
    closeSync: (fd: number) => {
      open.delete(fd);
      return fs.closeSync(fd);
    },
    writeSync: (fd: number, buf: any, off?: any, len?: any, ...rest: any[]) => {
      if (writeAtMost === undefined || !Buffer.isBuffer(buf)) return (fs.writeSync as any)(fd, buf, off, len, ...rest);
      // node's own check: the range asked for lies inside the buffer
      if (off + len > buf.length)
        throw Object.assign(new RangeError(`length ${len} at ${off} is out of range`), { code: 'ERR_OUT_OF_RANGE' });
      return fs.writeSync(fd, buf, off, Math.min(len, writeAtMost));
    },
    fsync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      const name = open.get(fd);
      if (name !== undefined && failSyncOf?.test(name)) {
        failSyncOf = undefined;
        const code = failCode;
        setImmediate(() => cb(Object.assign(new Error(`${code}: simulated`), { code })));
        return;
      }
      if (syncMode === 'now') queueMicrotask(() => cb(null));
      else fs.fsync(fd, cb);
    },
    fsyncSync: (fd: number) => {
      const name = open.get(fd);
      if (name !== undefined && failSyncOf?.test(name)) {
        failSyncOf = undefined;
        throw Object.assign(new Error(`${failCode}: simulated`), { code: failCode });
      }
      return fs.fsyncSync(fd);
    },
  };
  return { ...wrapped, default: { ...fs, ...wrapped } };
});

const { stageFiles } = await import('../../src/pipeline/write/batch.js');
const { syncDirectories, syncDirectoriesSync, directoriesChanged } =
  await import('../../src/pipeline/write/dir-sync.js');
const { writeAtomic } = await import('../../src/pipeline/write/atomic.js');

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-batch-'));

beforeEach(() => {
  open.clear();
  peakTemps = 0;
  failSyncOf = undefined;
  failCode = 'EIO';
  syncMode = 'real';
  writeAtMost = undefined;
});

/** `n` outputs in a fresh directory, each with its own content. */
function outputs(n: number): { dir: string; files: Array<{ abs: string; content: string }> } {
  const dir = tmp();
  const files = Array.from({ length: n }, (_, i) => ({ abs: path.join(dir, `f${i}.ts`), content: `output ${i}\n` }));
  return { dir, files };
}

describe('stageFiles holds at most 256 temporary files open', () => {
  it('300 outputs: never more than 256 open while fsyncs are pending, and every one is staged with its bytes', async () => {
    const { dir, files } = outputs(300);
    const temps = await stageFiles(files);
    // the cap is reached (the first 256 do not wait) and never passed
    expect(peakTemps).toBe(256);
    expect(temps).toHaveLength(300);
    temps.forEach((t, i) => {
      expect(path.dirname(t)).toBe(dir);
      expect(readFileSync(t, 'utf8')).toBe(`output ${i}\n`);
    });
    expect(readdirSync(dir)).toHaveLength(300);
    // every descriptor is closed once its fsync returned
    expect(open.size).toBe(0);
  });

  it('the first 256 are written without waiting for any fsync, even one that completes at once', async () => {
    syncMode = 'now';
    const { files } = outputs(260);
    const temps = await stageFiles(files);
    expect(peakTemps).toBe(256);
    expect(temps).toHaveLength(260);
    expect(open.size).toBe(0);
  });

  it('an fsync that fails past the cap: the error is thrown, no temporary file or descriptor is left', async () => {
    const { dir, files } = outputs(300);
    failSyncOf = /f280\.ts\.[0-9a-f]{16}\.tmp$/;
    await expect(stageFiles(files)).rejects.toMatchObject({ code: 'EIO' });
    expect(readdirSync(dir)).toEqual([]);
    expect(open.size).toBe(0);
  });
});

describe('short writes', () => {
  const content = 'héllo – 世界, written a few bytes at a time\n';

  it('stageFiles: a write cut short goes on from where it stopped', async () => {
    writeAtMost = 5;
    const dir = tmp();
    const [t] = await stageFiles([{ abs: path.join(dir, 'short.ts'), content }]);
    expect(readFileSync(t!, 'utf8')).toBe(content);
  });

  it('writeAtomic: a write cut short goes on from where it stopped', () => {
    writeAtMost = 5;
    const dir = tmp();
    writeAtomic(path.join(dir, 'short.ts'), Buffer.from(content, 'utf8'));
    expect(readFileSync(path.join(dir, 'short.ts'), 'utf8')).toBe(content);
    writeAtomic(path.join(dir, 'short.ts'), content);
    expect(readFileSync(path.join(dir, 'short.ts'), 'utf8')).toBe(content);
    expect(readdirSync(dir)).toEqual(['short.ts']);
  });
});

// The async form (applyPlan) and the synchronous one (a durable writeAtomic) promise the same.
const syncForms = [
  ['syncDirectories', syncDirectories],
  ['syncDirectoriesSync', async (dirs: string[]) => syncDirectoriesSync(dirs)],
] as const;

describe.each(syncForms)('%s', (_name, syncDirectories) => {
  for (const code of ['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP']) {
    it(`a directory the file system will not sync (${code}) is passed over, and closed`, async () => {
      const dir = tmp();
      const other = tmp();
      failSyncOf = new RegExp(`^${dir}$`);
      failCode = code;
      await syncDirectories([dir, other]);
      expect(failSyncOf).toBeUndefined(); // its sync was asked for, and failed
      expect(open.size).toBe(0);
    });
  }

  it('any other failure (EIO) is thrown, and the directory is closed all the same', async () => {
    const dir = tmp();
    failSyncOf = new RegExp(`^${dir}$`);
    await expect(syncDirectories([dir])).rejects.toMatchObject({ code: 'EIO' });
    expect(open.size).toBe(0);
  });

  it('a directory removed meanwhile (it cannot be opened) is passed over', async () => {
    const dir = tmp();
    await expect(syncDirectories([path.join(dir, 'gone'), dir])).resolves.toBeUndefined();
    expect(open.size).toBe(0);
  });

  it('each directory is synced once, and closed', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'a'));
    await syncDirectories([dir, path.join(dir, 'a'), dir]);
    expect(open.size).toBe(0);
  });
});

describe('directoriesChanged', () => {
  const p = (...s: string[]): string => path.join(path.sep, ...s);

  it('no directory made: only the one the files go to', () => {
    expect(directoriesChanged(p('out', 'a'), undefined)).toEqual([p('out', 'a')]);
  });

  it('directories made: each of them, and the existing one that gained the top one; nothing above it', () => {
    expect(directoriesChanged(p('out', 'a', 'b', 'c'), p('out', 'a'))).toEqual([
      p('out', 'a', 'b', 'c'),
      p('out', 'a', 'b'),
      p('out', 'a'),
      p('out'),
    ]);
  });

  it('only the directory itself made: it and its parent', () => {
    expect(directoriesChanged(p('out', 'a'), p('out', 'a'))).toEqual([p('out', 'a'), p('out')]);
  });

  it('made right below the root: it stops at the root', () => {
    expect(directoriesChanged(p('a', 'b'), p('a'))).toEqual([p('a', 'b'), p('a'), path.sep]);
  });

  it('a firstMade that is not above dir (a caller mistake): the walk still stops at the root', () => {
    expect(directoriesChanged(p('out', 'a'), p('elsewhere', 'x'))).toEqual([p('out', 'a'), p('out'), path.sep]);
  });
});
