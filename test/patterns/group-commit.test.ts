import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommit, GroupCommitError } from '../../packages/runtime/src/patterns/group-commit.js';
import { openDatabase, type SqliteDatabase } from '../../packages/runtime/src/patterns/sqlite.js';
import { tempDir } from './tmp.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function setup(): { db: SqliteDatabase; other: SqliteDatabase; path: string } {
  const t = tempDir('gc');
  const path = join(t.dir, 'gc.db');
  const db = openDatabase(path, { journalMode: 'wal', synchronous: 'full' });
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  const other = openDatabase(path, { journalMode: 'wal', synchronous: 'full' });
  cleanups.push(
    t.cleanup,
    () => db.close(),
    () => other.close(),
  );
  return { db, other, path };
}

const insert = (k: string, v: number) => (db: SqliteDatabase) =>
  db.prepare('INSERT INTO t (k, v) VALUES (?, ?)').run(k, v).changes;
const count = (db: SqliteDatabase) => db.prepare('SELECT count(*) FROM t').pluck().get() as number;

describe('GroupCommit', () => {
  it('folds requests from one turn into one transaction and returns each result', async () => {
    const { db } = setup();
    const gc = new GroupCommit(db);
    const results = await Promise.all([
      gc.submit(insert('a', 1)),
      gc.submit(insert('b', 2)),
      gc.submit(() => 'plain value'),
    ]);
    expect(results).toEqual([1, 1, 'plain value']);
    expect(gc.batches).toBe(1);
    expect(gc.committed).toBe(3);
  });

  it('a failing request fails alone; its batch-mates before and after it commit', async () => {
    const { db, other } = setup();
    const gc = new GroupCommit(db);
    const outcomes = await Promise.allSettled([
      gc.submit(insert('a', 1)),
      gc.submit((d) => {
        insert('b', 2)(d);
        insert('a', 3)(d); // primary-key violation after a successful write in the same request
      }),
      gc.submit(() => {
        throw new Error('plain failure');
      }),
      gc.submit(insert('c', 4)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect((outcomes[2] as PromiseRejectedResult).reason).toEqual(new Error('plain failure'));
    expect(gc.batches).toBe(1);
    expect(other.prepare('SELECT k, v FROM t ORDER BY k').all()).toEqual([
      { k: 'a', v: 1 },
      { k: 'c', v: 4 },
    ]);
  });

  it('later requests in a batch see earlier ones (submission order)', async () => {
    const { db } = setup();
    const gc = new GroupCommit(db);
    const [, seen] = await Promise.all([gc.submit(insert('a', 1)), gc.submit(count)]);
    expect(seen).toBe(1);
  });

  it('settles a promise only after COMMIT: a second connection already sees the row', async () => {
    const { db, other } = setup();
    const gc = new GroupCommit(db);
    let insideTransaction: boolean | undefined;
    const seenByOther: number[] = [];
    const p = gc
      .submit((d) => {
        insideTransaction = d.inTransaction;
        return insert('a', 1)(d);
      })
      .then(() => {
        seenByOther.push(count(other));
        return db.inTransaction;
      });
    expect(count(other)).toBe(0);
    expect(await p).toBe(false);
    expect(insideTransaction).toBe(true);
    expect(seenByOther).toEqual([1]);
  });

  it('splits a burst larger than maxBatch into several transactions', async () => {
    const { db } = setup();
    const gc = new GroupCommit(db, { maxBatch: 3 });
    await Promise.all(Array.from({ length: 7 }, (_, i) => gc.submit(insert(`k${i}`, i))));
    expect(gc.batches).toBe(3);
    expect(count(db)).toBe(7);
  });

  it('rejects a work function that returns a promise, and rolls back what it did', async () => {
    const { db } = setup();
    const gc = new GroupCommit(db);
    const bad = gc.submit(async (d) => insert('a', 1)(d));
    await expect(bad).rejects.toMatchObject({ code: 'async_work' });
    expect(count(db)).toBe(0);
  });

  it('fails the whole batch with commit_failed when COMMIT cannot happen, and nothing lands', async () => {
    const { db, other } = setup();
    db.exec(
      'CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)',
    );
    db.pragma('foreign_keys = ON');
    const gc = new GroupCommit(db);
    const outcomes = await Promise.allSettled([
      gc.submit(insert('a', 1)),
      gc.submit((d) => d.prepare('INSERT INTO child (p) VALUES (99)').run()),
    ]);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(GroupCommitError);
      expect((o as PromiseRejectedResult).reason.code).toBe('commit_failed');
    }
    expect(db.inTransaction).toBe(false);
    expect(count(other)).toBe(0);
    await expect(gc.submit(insert('b', 2))).resolves.toBe(1);
  });

  it('fails a batch cleanly when BEGIN IMMEDIATE cannot get the write lock', async () => {
    const t = tempDir('gc-busy');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'busy.db');
    const db = openDatabase(path, { journalMode: 'wal', synchronous: 'full', busyTimeoutMs: 0 });
    const holder = openDatabase(path, { journalMode: 'wal', synchronous: 'full' });
    cleanups.push(
      () => db.close(),
      () => holder.close(),
    );
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    const gc = new GroupCommit(db);
    holder.exec('BEGIN IMMEDIATE');
    await expect(gc.submit(insert('a', 1))).rejects.toMatchObject({ code: 'commit_failed', message: /BEGIN failed/ });
    holder.exec('COMMIT');
    await expect(gc.submit(insert('a', 1))).resolves.toBe(1);
  });

  it('close() commits what is queued, then refuses new work', async () => {
    const { db } = setup();
    const gc = new GroupCommit(db);
    const p = gc.submit(insert('a', 1));
    const closed = gc.close();
    await expect(gc.submit(insert('b', 2))).rejects.toMatchObject({ code: 'closed' });
    await closed;
    await expect(p).resolves.toBe(1);
    expect(count(db)).toBe(1);
    await gc.close();
  });

  it('refuses a non-durable connection unless told otherwise, and bad options', () => {
    const { db } = setup();
    db.pragma('synchronous = normal');
    expect(() => new GroupCommit(db)).toThrow(/synchronous=1/);
    expect(() => new GroupCommit(db, { allowNonDurable: true })).not.toThrow();
    db.pragma('synchronous = full');
    expect(() => new GroupCommit(db, { maxBatch: 0 })).toThrow(/maxBatch/);
  });

  it('rejects a non-function work', async () => {
    const { db } = setup();
    await expect(new GroupCommit(db).submit(42 as unknown as () => void)).rejects.toThrow(TypeError);
  });
});
