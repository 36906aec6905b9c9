/**
 * The ledger's settings and failure paths the other suites did not pin (#16, surviving mutants):
 * maxBatch reaches the group commit (counted as SQLite COMMITs on a pooled connection),
 * walAutocheckpointPages reaches the connection (the WAL file stays small), a write SQLite refuses
 * is a storage_error that names the cause, verifyChain lists every account missing from the
 * accounts table, and closing twice releases a pooled connection once.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ConnectionPool } from '../../packages/runtime/src/patterns/connection-pool.js';
import { LedgerError } from '../../packages/runtime/src/patterns/ledger.js';
import { ledgerFixture } from './ledger-fixture.js';

const { freshPath, open, defer } = ledgerFixture('ledger-edges', { auditKey: 'edges-key-0123456789abcdef012345' });

function pool(path: string): ConnectionPool {
  const p = new ConnectionPool({ path, size: 1, acquireTimeoutMs: 100, journalMode: 'wal', synchronous: 'full' });
  defer(() => p.close());
  return p;
}

/** Counts the COMMITs run on the pool's one connection from now on. */
async function countCommits(p: ConnectionPool): Promise<{ readonly n: number }> {
  const conn = await p.acquire();
  const counter = { n: 0 };
  const prepare = conn.prepare.bind(conn);
  conn.prepare = ((sql: string) => {
    const st = prepare(sql);
    if (sql.trim().toUpperCase() === 'COMMIT') {
      const run = st.run.bind(st);
      st.run = ((...args: unknown[]) => {
        counter.n++;
        return run(...(args as []));
      }) as typeof st.run;
    }
    return st;
  }) as typeof conn.prepare;
  p.release(conn);
  return counter;
}

describe('Ledger settings reach the storage', () => {
  it('maxBatch bounds the requests one COMMIT covers', async () => {
    const p = pool(freshPath());
    const commits = await countCommits(p);
    const ledger = await open(undefined, { database: p, maxBatch: 2 });
    const before = commits.n;
    await Promise.all(['T1', 'T2', 'T3', 'T4', 'T5', 'T6'].map((t) => ledger.charge(t, 'ACC-001', 1)));
    expect(commits.n - before).toBe(3);
  });

  it('without maxBatch, the requests of one turn share one COMMIT', async () => {
    const p = pool(freshPath());
    const commits = await countCommits(p);
    const ledger = await open(undefined, { database: p });
    const before = commits.n;
    await Promise.all(['T1', 'T2', 'T3', 'T4', 'T5', 'T6'].map((t) => ledger.charge(t, 'ACC-001', 1)));
    expect(commits.n - before).toBe(1);
  });

  it('walAutocheckpointPages keeps the WAL file small; the default lets it grow', async () => {
    const walAfter = async (pages: number | undefined): Promise<number> => {
      const path = freshPath();
      const ledger = await open(path, pages === undefined ? {} : { walAutocheckpointPages: pages });
      for (let i = 0; i < 40; i++) await ledger.charge(`T${i}`, 'ACC-001', 1);
      return statSync(`${path}-wal`).size;
    };
    const small = await walAfter(1);
    const large = await walAfter(undefined);
    expect(small).toBeLessThan(64 * 1024);
    expect(large).toBeGreaterThan(4 * small);
  });
});

describe('Ledger failures', () => {
  it('a write SQLite refuses is a storage_error naming the cause', async () => {
    const path = freshPath();
    const ledger = await open(path);
    const db = new Database(path);
    db.exec("CREATE TRIGGER boom BEFORE INSERT ON ledger_audit BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    db.close();
    const err = await ledger.charge('T1', 'ACC-001', 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).code).toBe('storage_error');
    expect((err as LedgerError).message).toMatch(/^Ledger: write failed: .*disk on fire/);
    expect(((err as LedgerError).cause as Error).message).toMatch(/disk on fire/);
    expect(await ledger.balance('ACC-001')).toEqual({ balance: 10_000, currency: 'USD' });
  });

  it('verifyChain names every account missing from the accounts table', async () => {
    const path = freshPath();
    const ledger = await open(path);
    await ledger.charge('T1', 'ACC-002', 5);
    const db = new Database(path);
    db.exec('DELETE FROM ledger_accounts');
    db.close();
    expect(await ledger.verifyChain()).toEqual({
      ok: false,
      seq: null,
      reason: 'audit entries for accounts missing from ledger_accounts: ACC-001, ACC-002',
    });
  });

  it('closing twice returns a pooled connection once: the pool stays usable', async () => {
    const p = pool(freshPath());
    const ledger = await open(undefined, { database: p });
    await ledger.close();
    await expect(ledger.close()).resolves.toBeUndefined();
    const conn = await p.acquire();
    const other = await p.acquire().catch((e: unknown) => e);
    expect((other as { code?: string }).code).toBe('acquire_timeout');
    p.release(conn);
  });
});
