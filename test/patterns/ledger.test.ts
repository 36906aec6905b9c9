import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ConnectionPool } from '../../packages/runtime/src/patterns/connection-pool.js';
import { Ledger, LedgerError, type LedgerConfig } from '../../packages/runtime/src/patterns/ledger.js';
import { ACCOUNTS, ledgerFixture } from './ledger-fixture.js';

const fixture = ledgerFixture('ledger');
const { freshPath, defer } = fixture;
const open = (overrides: Partial<LedgerConfig> = {}, path = freshPath()): Promise<Ledger> =>
  fixture.open(path, overrides);

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerError);
    return (e as LedgerError).code;
  }
  throw new Error('expected a LedgerError');
}

function raw(path: string): Database.Database {
  const db = new Database(path);
  defer(() => db.close());
  return db;
}

describe('Ledger', () => {
  it('seeds opening balances and charges debit them', async () => {
    const ledger = await open();
    expect(await ledger.balance('ACC-001')).toEqual({ balance: 10_000, currency: 'USD' });
    expect(await ledger.charge('T1', 'ACC-001', 100)).toEqual({
      txnId: 'T1',
      account: 'ACC-001',
      amount: 100,
      balance: 9_900,
    });
    expect(await ledger.balance('ACC-001')).toEqual({ balance: 9_900, currency: 'USD' });
  });

  it('is idempotent by txnId: a repeat returns the first result and charges once', async () => {
    const ledger = await open();
    const first = await ledger.charge('T1', 'ACC-001', 100);
    await ledger.charge('T2', 'ACC-001', 1);
    expect(await ledger.charge('T1', 'ACC-001', 100)).toEqual(first);
    expect((await ledger.balance('ACC-001')).balance).toBe(9_899);
    expect((await ledger.auditLog('ACC-001')).filter((e) => e.txnId === 'T1')).toHaveLength(1);
  });

  it('is idempotent for concurrent duplicates landing in one batch', async () => {
    const ledger = await open();
    const results = await Promise.all(Array.from({ length: 20 }, () => ledger.charge('DUP', 'ACC-001', 250)));
    for (const r of results) expect(r).toEqual({ txnId: 'DUP', account: 'ACC-001', amount: 250, balance: 9_750 });
    expect((await ledger.balance('ACC-001')).balance).toBe(9_750);
    expect((await ledger.auditLog('ACC-001')).filter((e) => e.kind === 'charge')).toHaveLength(1);
  });

  it('rejects a reused txnId with a different account or amount as txn_conflict, even within one batch', async () => {
    const ledger = await open();
    const [a, b, c] = await Promise.allSettled([
      ledger.charge('T1', 'ACC-001', 100),
      ledger.charge('T1', 'ACC-001', 101),
      ledger.charge('T1', 'ACC-002', 100),
    ]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'txn_conflict' } });
    expect(c).toMatchObject({ status: 'rejected', reason: { code: 'txn_conflict' } });
    expect(await code(ledger.charge('T1', 'ACC-002', 100))).toBe('txn_conflict');
    expect((await ledger.balance('ACC-002')).balance).toBe(500);
  });

  it.each([0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '10', null])(
    'rejects amount %s as invalid_amount',
    async (amount) => {
      const ledger = await open();
      expect(await code(ledger.charge('T1', 'ACC-001', amount as number))).toBe('invalid_amount');
      expect((await ledger.balance('ACC-001')).balance).toBe(10_000);
    },
  );

  it('rejects bad ids and unknown accounts', async () => {
    const ledger = await open();
    expect(await code(ledger.charge('', 'ACC-001', 1))).toBe('invalid_txn_id');
    expect(await code(ledger.charge(7 as unknown as string, 'ACC-001', 1))).toBe('invalid_txn_id');
    expect(await code(ledger.charge('T1', '', 1))).toBe('invalid_account');
    expect(await code(ledger.charge('T1', 'NOPE', 1))).toBe('unknown_account');
    expect(await code(ledger.balance('NOPE'))).toBe('unknown_account');
    expect(await code(ledger.auditLog('NOPE'))).toBe('unknown_account');
    // A failed charge is not remembered: the same txnId may then succeed.
    expect((await ledger.charge('T1', 'ACC-001', 1)).balance).toBe(9_999);
  });

  it('enforces the floor with insufficient_funds and leaves the balance untouched', async () => {
    const ledger = await open();
    expect((await ledger.charge('T1', 'ACC-002', 500)).balance).toBe(0);
    expect(await code(ledger.charge('T2', 'ACC-002', 1))).toBe('insufficient_funds');
    expect((await ledger.balance('ACC-002')).balance).toBe(0);
  });

  it('allows going negative without a floor, and honours a non-zero floor', async () => {
    const noFloor = await open({ floor: undefined });
    expect((await noFloor.charge('T1', 'ACC-002', 600)).balance).toBe(-100);
    const floored = await open({ floor: 100 });
    expect(await code(floored.charge('T1', 'ACC-002', 401))).toBe('insufficient_funds');
    expect((await floored.charge('T2', 'ACC-002', 400)).balance).toBe(100);
  });

  it('in one batch, concurrent charges serialise against the floor', async () => {
    const ledger = await open();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => ledger.charge(`T${i}`, 'ACC-002', 100)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    expect(
      outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code),
    ).toEqual(['insufficient_funds', 'insufficient_funds', 'insufficient_funds']);
    expect((await ledger.balance('ACC-002')).balance).toBe(0);
  });

  it('refunds credit the amount back, once', async () => {
    const ledger = await open();
    await ledger.charge('T1', 'ACC-001', 300);
    expect(await ledger.refund('T1', 'Customer request')).toEqual({
      txnId: 'T1',
      account: 'ACC-001',
      amount: 300,
      balance: 10_000,
      reason: 'Customer request',
    });
    expect(await code(ledger.refund('T1', 'again'))).toBe('already_refunded');
    expect(await code(ledger.refund('NOPE', 'x'))).toBe('unknown_transaction');
    expect(await code(ledger.refund('T1', ''))).toBe('invalid_reason');
    expect(await code(ledger.refund('', 'x'))).toBe('invalid_txn_id');
    // A refunded txnId still replays its original charge result instead of charging again.
    expect((await ledger.charge('T1', 'ACC-001', 300)).balance).toBe(9_700);
    expect((await ledger.balance('ACC-001')).balance).toBe(10_000);
    expect(await ledger.verifyTransaction('T1')).toBe('valid');
  });

  it('concurrent refunds of one transaction: exactly one wins', async () => {
    const ledger = await open();
    await ledger.charge('T1', 'ACC-001', 300);
    const outcomes = await Promise.allSettled([
      ledger.refund('T1', 'a'),
      ledger.refund('T1', 'b'),
      ledger.refund('T1', 'c'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect((await ledger.balance('ACC-001')).balance).toBe(10_000);
  });

  it('keeps balance = opening - charges + refunds, and an ordered audit log', async () => {
    const ledger = await open();
    await Promise.all([
      ledger.charge('A', 'ACC-001', 10),
      ledger.charge('B', 'ACC-001', 20),
      ledger.charge('C', 'ACC-002', 5),
    ]);
    await ledger.refund('B', 'oops');
    await ledger.charge('D', 'ACC-001', 40);
    const log = await ledger.auditLog('ACC-001');
    expect(log.map((e) => [e.kind, e.txnId, e.amount, e.balanceAfter])).toEqual([
      ['open', null, 10_000, 10_000],
      ['charge', 'A', 10, 9_990],
      ['charge', 'B', 20, 9_970],
      ['refund', 'B', 20, 9_990],
      ['charge', 'D', 40, 9_950],
    ]);
    expect(log.map((e) => e.seq)).toEqual([...log.map((e) => e.seq)].sort((a, b) => a - b));
    expect(log[3]!.reason).toBe('oops');
    const charges = log.filter((e) => e.kind === 'charge').reduce((s, e) => s + e.amount, 0);
    const refunds = log.filter((e) => e.kind === 'refund').reduce((s, e) => s + e.amount, 0);
    expect((await ledger.balance('ACC-001')).balance).toBe(10_000 - charges + refunds);
    expect(await ledger.verifyChain()).toEqual({ ok: true, entries: 7 });
  });

  it('seeds opening balances once, adds new accounts, and refuses a changed opening balance or currency', async () => {
    const path = freshPath();
    const first = await open({}, path);
    await first.charge('T1', 'ACC-001', 100);
    await first.close();
    const second = await open({ accounts: [...ACCOUNTS, { id: 'ACC-003', openingBalance: 7 }] }, path);
    expect((await second.balance('ACC-001')).balance).toBe(9_900);
    expect((await second.balance('ACC-003')).balance).toBe(7);
    expect((await second.auditLog('ACC-001')).filter((e) => e.kind === 'open')).toHaveLength(1);
    expect(await second.verifyChain()).toMatchObject({ ok: true });
    await second.close();
    expect(await code(open({ accounts: [{ id: 'ACC-001', openingBalance: 1 }] }, path))).toBe('config_mismatch');
    expect(await code(open({ currency: 'EUR' }, path))).toBe('config_mismatch');
  });

  it.each<[Partial<LedgerConfig>, RegExp]>([
    [{ currency: 'usd' }, /currency/],
    [{ currency: 'DOLLARS' }, /currency/],
    [{ accounts: [{ id: 'A', openingBalance: 1.5 }] }, /openingBalance/],
    [{ accounts: [{ id: '', openingBalance: 1 }] }, /account id/],
    [{ accounts: [{ id: 'A', openingBalance: -1 }] }, /below the floor/],
    [
      {
        accounts: [
          { id: 'A', openingBalance: 1 },
          { id: 'A', openingBalance: 1 },
        ],
      },
      /listed twice/,
    ],
    [{ accounts: 'A' as unknown as [] }, /accounts must be an array/],
    [{ floor: 0.5 }, /floor/],
    [{ database: '' }, /database/],
    [{ maxBatch: 0 }, /maxBatch/],
    [{ walAutocheckpointPages: -5 }, /walAutocheckpointPages/],
  ])('rejects bad config %o', async (bad, message) => {
    await expect(open(bad)).rejects.toThrow(message);
    await expect(open(bad)).rejects.toMatchObject({ code: 'invalid_config' });
  });

  it('refuses an in-memory database (WAL cannot be enabled)', async () => {
    await expect(Ledger.open({ database: ':memory:', currency: 'USD', accounts: [] })).rejects.toThrow(
      /journal_mode = wal did not take effect/,
    );
  });

  it('works on a connection borrowed from a pool, returns it on close, and refuses a non-durable pool', async () => {
    const path = freshPath();
    const pool = new ConnectionPool({ path, size: 2, acquireTimeoutMs: 100, journalMode: 'wal', synchronous: 'full' });
    defer(() => pool.close());
    const ledger = await Ledger.open({ database: pool, currency: 'USD', accounts: ACCOUNTS });
    expect(pool.available).toBe(1);
    await ledger.charge('T1', 'ACC-001', 1);
    const seen = await pool.withConnection((c) =>
      c.prepare('SELECT balance FROM ledger_accounts WHERE id = ?').pluck().get('ACC-001'),
    );
    expect(seen).toBe(9_999);
    await ledger.close();
    expect(pool.available).toBe(2);
    expect(await code(ledger.charge('T2', 'ACC-001', 1))).toBe('closed');

    const lax = new ConnectionPool({
      path: freshPath(),
      size: 1,
      acquireTimeoutMs: 100,
      journalMode: 'wal',
      synchronous: 'normal',
    });
    defer(() => lax.close());
    expect(await code(Ledger.open({ database: lax, currency: 'USD', accounts: [] }))).toBe('invalid_config');
    expect(lax.available).toBe(1);
  });

  it('reports a storage failure as storage_error, not as a business error', async () => {
    const pool = new ConnectionPool({
      path: freshPath(),
      size: 1,
      acquireTimeoutMs: 100,
      journalMode: 'wal',
      synchronous: 'full',
    });
    const ledger = await Ledger.open({ database: pool, currency: 'USD', accounts: ACCOUNTS });
    pool.close();
    const err = await ledger.charge('T1', 'ACC-001', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect(err).toMatchObject({ code: 'storage_error', message: /not open/ });
  });

  it('resolves a charge only after it is committed: another connection sees it at resolution time', async () => {
    const path = freshPath();
    const ledger = await open({}, path);
    const reader = raw(path);
    const balances: number[] = [];
    await ledger.charge('T1', 'ACC-001', 1).then(() => {
      balances.push(
        reader.prepare('SELECT balance FROM ledger_accounts WHERE id = ?').pluck().get('ACC-001') as number,
      );
    });
    expect(balances).toEqual([9_999]);
  });

  describe('tamper detection', () => {
    async function populated() {
      const path = freshPath();
      const ledger = await open({}, path);
      await ledger.charge('T1', 'ACC-001', 100);
      await ledger.charge('T2', 'ACC-001', 200);
      await ledger.charge('T3', 'ACC-002', 50);
      await ledger.refund('T3', 'r');
      expect(await ledger.verifyChain()).toMatchObject({ ok: true });
      return { ledger, db: raw(path) };
    }

    it('detects an edited audit amount', async () => {
      const { ledger, db } = await populated();
      db.prepare("UPDATE ledger_audit SET amount = 1 WHERE txn_id = 'T1'").run();
      expect(await ledger.verifyTransaction('T1')).toBe('tampered');
      // T2's balance follows from T1's entry, which no longer verifies; the other account is unaffected.
      expect(await ledger.verifyTransaction('T2')).toBe('tampered');
      expect(await ledger.verifyTransaction('T3')).toBe('valid');
      const verdict = await ledger.verifyChain();
      expect(verdict.ok).toBe(false);
      expect(verdict).toMatchObject({ seq: 3, reason: /hash does not match/ });
    });

    it('detects an edited audit account', async () => {
      const { ledger, db } = await populated();
      db.prepare("UPDATE ledger_audit SET account = 'ACC-002' WHERE txn_id = 'T2'").run();
      expect(await ledger.verifyTransaction('T2')).toBe('tampered');
      expect(await ledger.verifyChain()).toMatchObject({ ok: false, seq: 4 });
    });

    it('detects an edited transaction row even when the audit chain is intact', async () => {
      const { ledger, db } = await populated();
      db.prepare("UPDATE ledger_txns SET amount = 1 WHERE txn_id = 'T2'").run();
      expect(await ledger.verifyTransaction('T2')).toBe('tampered');
      expect(await ledger.verifyChain()).toMatchObject({ ok: false, reason: /"T2" disagrees/ });
    });

    it('detects an edited balance', async () => {
      const { ledger, db } = await populated();
      db.prepare("UPDATE ledger_accounts SET balance = 1000000 WHERE id = 'ACC-001'").run();
      expect(await ledger.verifyChain()).toMatchObject({ ok: false, reason: /"ACC-001" disagrees/ });
    });

    it('detects an entry re-hashed with plain SHA-256 (the chain is keyed)', async () => {
      const { ledger, db } = await populated();
      const row = db.prepare("SELECT * FROM ledger_audit WHERE txn_id = 'T1'").get() as {
        seq: number;
        prev_hash: string;
        at: number;
      };
      const { createHash } = await import('node:crypto');
      const forged = createHash('sha256')
        .update(row.prev_hash)
        .update('\n')
        .update(JSON.stringify([row.seq, 'charge', 'T1', 'ACC-001', 1, 9_999, null, row.at]))
        .digest('hex');
      db.prepare('UPDATE ledger_audit SET amount = 1, balance_after = 9999, hash = ? WHERE seq = ?').run(
        forged,
        row.seq,
      );
      db.prepare("UPDATE ledger_txns SET amount = 1, balance_after = 9999 WHERE txn_id = 'T1'").run();
      expect(await ledger.verifyTransaction('T1')).toBe('tampered');
      expect(await ledger.verifyChain()).toMatchObject({ ok: false, seq: row.seq, reason: /hash does not match/ });
    });

    it('detects a deleted audit entry and a deleted transaction row', async () => {
      const { ledger, db } = await populated();
      db.prepare("DELETE FROM ledger_txns WHERE txn_id = 'T2'").run();
      expect(await ledger.verifyChain()).toMatchObject({ ok: false, reason: /no matching transaction row/ });
      db.prepare("DELETE FROM ledger_audit WHERE txn_id = 'T1'").run();
      expect(await ledger.verifyTransaction('T3')).toBe('valid');
      expect(await ledger.verifyChain()).toMatchObject({ ok: false, reason: /expected seq/ });
    });

    it('with an auditKey, hashes depend on the key', async () => {
      const path = freshPath();
      const keyed = await open({ auditKey: 'k1' }, path);
      await keyed.charge('T1', 'ACC-001', 1);
      expect(await keyed.verifyChain()).toMatchObject({ ok: true });
      await keyed.close();
      // Opened with another key, the chain's tail does not verify: the ledger refuses to open.
      expect(await code(open({ auditKey: 'k2' }, path))).toBe('integrity_error');
      expect(await (await open({ auditKey: 'k1' }, path)).verifyChain()).toMatchObject({ ok: true });
    });

    it('verifyTransaction rejects unknown and malformed ids', async () => {
      const { ledger } = await populated();
      expect(await code(ledger.verifyTransaction('NOPE'))).toBe('unknown_transaction');
      expect(await code(ledger.verifyTransaction(''))).toBe('invalid_txn_id');
    });
  });
});
