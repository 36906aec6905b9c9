import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionPool, PoolError } from '../../packages/runtime/src/patterns/connection-pool.js';
import { tempDir } from './tmp.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function pool(size = 2, acquireTimeoutMs = 1_000): ConnectionPool {
  const t = tempDir('pool');
  const p = new ConnectionPool({
    path: join(t.dir, 'pool.db'),
    size,
    acquireTimeoutMs,
    journalMode: 'wal',
    synchronous: 'full',
  });
  cleanups.push(() => {
    p.close();
    t.cleanup();
  });
  return p;
}

async function rejection(p: Promise<unknown>): Promise<PoolError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PoolError);
    return e as PoolError;
  }
  throw new Error('expected a rejection');
}

describe('ConnectionPool', () => {
  it('hands out distinct real connections to the same file', async () => {
    const p = pool(2);
    const a = await p.acquire();
    const b = await p.acquire();
    expect(a).not.toBe(b);
    expect(p.available).toBe(0);
    a.exec('CREATE TABLE t (x INTEGER)');
    a.prepare('INSERT INTO t VALUES (?)').run(7);
    expect(b.prepare('SELECT x FROM t').pluck().get()).toBe(7);
    expect(a.pragma('journal_mode', { simple: true })).toBe('wal');
    p.release(a);
    p.release(b);
    expect(p.available).toBe(2);
  });

  it('isolates a reader snapshot on one connection from a writer on another (WAL)', async () => {
    const p = pool(2);
    await p.withConnection((c) => c.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)'));
    const reader = await p.acquire();
    const writer = await p.acquire();
    reader.exec('BEGIN');
    expect(reader.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    writer.prepare('INSERT INTO t VALUES (2)').run();
    expect(reader.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    reader.exec('COMMIT');
    expect(reader.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2);
    p.release(reader);
    p.release(writer);
  });

  it('makes callers wait when exhausted and serves them in FIFO order', async () => {
    const p = pool(1);
    const first = await p.acquire();
    const order: number[] = [];
    const w1 = p.acquire().then((c) => {
      order.push(1);
      return c;
    });
    const w2 = p.acquire().then((c) => {
      order.push(2);
      return c;
    });
    expect(p.waiting).toBe(2);
    p.release(first);
    const c1 = await w1;
    expect(c1).toBe(first);
    expect(p.waiting).toBe(1);
    p.release(c1);
    p.release(await w2);
    expect(order).toEqual([1, 2]);
    expect(p.available).toBe(1);
    expect(p.waiting).toBe(0);
  });

  it('fails a waiter with acquire_timeout and removes it from the queue', async () => {
    const p = pool(1, 20);
    const held = await p.acquire();
    const err = await rejection(p.acquire());
    expect(err.code).toBe('acquire_timeout');
    expect(p.waiting).toBe(0);
    p.release(held);
    expect(p.available).toBe(1);
  });

  it('withConnection releases on success and on failure, and returns the result', async () => {
    const p = pool(1);
    expect(await p.withConnection((c) => c.prepare('SELECT 40 + 2').pluck().get())).toBe(42);
    await expect(
      p.withConnection(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(p.available).toBe(1);
  });

  it('rolls back a transaction left open by a borrower before reuse', async () => {
    const p = pool(1);
    await p.withConnection((c) => c.exec('CREATE TABLE t (x)'));
    await expect(
      p.withConnection((c) => {
        c.exec('BEGIN; INSERT INTO t VALUES (1)');
        throw new Error('left open');
      }),
    ).rejects.toThrow('left open');
    await p.withConnection((c) => {
      expect(c.inTransaction).toBe(false);
      expect(c.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
    });
  });

  it('rejects releasing a connection twice or one it never lent', async () => {
    const p = pool(1);
    const c = await p.acquire();
    p.release(c);
    expect(() => p.release(c)).toThrow(expect.objectContaining({ code: 'not_borrowed' }));
    const other = pool(1);
    const foreign = await other.acquire();
    expect(() => p.release(foreign)).toThrow(PoolError);
  });

  it('close() rejects waiters, closes every connection, and refuses new acquires', async () => {
    const p = pool(1);
    const held = await p.acquire();
    const waiter = p.acquire();
    p.close();
    expect((await rejection(waiter)).code).toBe('pool_closed');
    expect(held.open).toBe(false);
    expect(() => p.release(held)).not.toThrow();
    expect((await rejection(p.acquire())).code).toBe('pool_closed');
    expect(p.isClosed).toBe(true);
  });

  it.each([
    [{ size: 0 }, /size/],
    [{ size: 1.5 }, /size/],
    [{ acquireTimeoutMs: -1 }, /acquireTimeoutMs/],
    [{ acquireTimeoutMs: Number.POSITIVE_INFINITY }, /acquireTimeoutMs/],
  ])('rejects bad config %o', (bad, message) => {
    expect(
      () =>
        new ConnectionPool({
          path: '/nonexistent/x.db',
          size: 1,
          acquireTimeoutMs: 1,
          journalMode: 'wal',
          synchronous: 'full',
          ...bad,
        }),
    ).toThrow(message);
  });

  it('fails at construction when the file cannot be opened', () => {
    expect(
      () =>
        new ConnectionPool({
          path: '/nonexistent-dir/x.db',
          size: 2,
          acquireTimeoutMs: 1,
          journalMode: 'wal',
          synchronous: 'full',
        }),
    ).toThrow();
  });
});
