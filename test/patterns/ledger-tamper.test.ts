/**
 * The ledger's integrity checks one at a time (issue #16: the mutation run showed each of them could
 * be removed without a test noticing). A forger here holds the audit key, so the entry hashes are
 * right and only the check under test can see the edit: checkAtOpen's refusals with their messages,
 * each clause of verifyTransaction, and every reason verifyChain gives, with the entry it names.
 */
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LedgerError, type AuditRow, type LedgerConfig } from '../../packages/runtime/src/patterns/ledger.js';
import { ledgerFixture } from './ledger-fixture.js';

const KEY = 'the-service-key-0123456789abcdef';
const GENESIS = '0'.repeat(64);

const { freshPath, open } = ledgerFixture('ledger-tamper', { auditKey: KEY });

/**
 * seq 1 open ACC-001 10000, 2 open ACC-002 500, 3 charge T1 ACC-001 100 (9900),
 * 4 charge T2 ACC-001 200 (9700), 5 charge T3 ACC-002 50 (450), and with `refund` 6 refund T1 (9800).
 */
async function populated(refund = false) {
  const path = freshPath();
  const ledger = await open(path);
  await ledger.charge('T1', 'ACC-001', 100);
  await ledger.charge('T2', 'ACC-001', 200);
  await ledger.charge('T3', 'ACC-002', 50);
  if (refund) await ledger.refund('T1', 'duplicate');
  expect(await ledger.verifyChain()).toEqual({ ok: true, entries: refund ? 6 : 5 });
  return { path, ledger };
}

function sql(path: string, ...statements: string[]): void {
  const db = new Database(path);
  try {
    for (const s of statements) db.prepare(s).run();
  } finally {
    db.close();
  }
}

const hmac = (prev: string, r: AuditRow): string =>
  createHmac('sha256', KEY)
    .update(prev)
    .update('\n')
    .update(JSON.stringify([r.seq, r.kind, r.txn_id, r.account, r.amount, r.balance_after, r.reason, r.at]))
    .digest('hex');

/**
 * Edits the audit rows as a forger holding the key would: `edit` changes, drops or adds rows, then
 * every row is re-linked to the one before it and re-hashed, except the rows whose prev_hash is
 * named in `brokenLinks` (seq -> prev_hash), which keep that link and get a hash matching it.
 */
function forge(path: string, edit: (rows: AuditRow[]) => AuditRow[], brokenLinks: Record<number, string> = {}): void {
  const db = new Database(path);
  try {
    db.transaction(() => {
      const rows = edit(db.prepare('SELECT * FROM ledger_audit ORDER BY seq').all() as AuditRow[]);
      db.prepare('DELETE FROM ledger_audit').run();
      const insert = db.prepare(
        'INSERT INTO ledger_audit (seq, kind, txn_id, account, amount, balance_after, reason, at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      let prev = GENESIS;
      for (const r of rows) {
        const link = brokenLinks[r.seq] ?? prev;
        const hash = hmac(link, r);
        insert.run(r.seq, r.kind, r.txn_id, r.account, r.amount, r.balance_after, r.reason, r.at, link, hash);
        prev = hash;
      }
    })();
  } finally {
    db.close();
  }
}

const bySeq = (seq: number, change: Partial<AuditRow>) => (rows: AuditRow[]) =>
  rows.map((r) => (r.seq === seq ? { ...r, ...change } : r));

async function openError(path: string, overrides: Partial<LedgerConfig> = {}): Promise<LedgerError> {
  try {
    await open(path, overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerError);
    return e as LedgerError;
  }
  throw new Error('expected the ledger to refuse to open');
}

const hint = '; run verifyChain() on a copy to find the entry';

describe('Ledger refuses to open an edited database, naming what it found', () => {
  it('an entry missing below the tail', async () => {
    const { path, ledger } = await populated();
    await ledger.close();
    sql(path, 'DELETE FROM ledger_audit WHERE seq = 3');
    const e = await openError(path);
    expect(e.code).toBe('integrity_error');
    expect(e.message).toBe(`Ledger: the audit chain has 4 entries up to seq 5${hint}`);
  });

  it('a rewritten tail entry, before any account check', async () => {
    const { path, ledger } = await populated();
    await ledger.close();
    sql(path, "UPDATE ledger_audit SET reason = 'x' WHERE seq = 5");
    expect((await openError(path)).message).toBe(
      `Ledger: the audit chain's last entry (seq 5) does not match its hash under this ledger's key${hint}`,
    );
  });

  it('an account without audit entries', async () => {
    const { path, ledger } = await populated();
    await ledger.close();
    sql(path, "INSERT INTO ledger_accounts (id, opening_balance, balance) VALUES ('ACC-000', 0, 0)");
    const e = await openError(path);
    expect(e.code).toBe('integrity_error');
    expect(e.message).toBe(`Ledger: account "ACC-000" has no audit entries${hint}`);
  });

  it('an opening balance that disagrees with the opening entry (before the config is compared)', async () => {
    const { path, ledger } = await populated();
    await ledger.close();
    sql(path, "UPDATE ledger_accounts SET opening_balance = 9000 WHERE id = 'ACC-001'");
    const e = await openError(path);
    expect(e.code).toBe('integrity_error');
    expect(e.message).toBe(`Ledger: account "ACC-001" disagrees with its opening entry${hint}`);
  });

  it('a first entry that is not an opening entry, even with the right hashes', async () => {
    const { path, ledger } = await populated();
    await ledger.close();
    forge(path, bySeq(1, { kind: 'refund' }));
    expect((await openError(path)).message).toBe(`Ledger: account "ACC-001" disagrees with its opening entry${hint}`);
  });

  it("an account's last entry that is not the chain's tail, edited in place", async () => {
    const { path, ledger } = await populated();
    await ledger.close();
    sql(path, 'UPDATE ledger_audit SET at = at + 1 WHERE seq = 4');
    expect((await openError(path)).message).toBe(
      `Ledger: the last audit entry of account "ACC-001" (seq 4) does not match its hash${hint}`,
    );
  });

  it('opens an intact ledger again, with its balances', async () => {
    const { path, ledger } = await populated(true);
    await ledger.close();
    const again = await open(path);
    expect(await again.balance('ACC-001')).toEqual({ balance: 9800, currency: 'USD' });
  });
});

describe('Ledger.verifyTransaction checks every field of its entries', () => {
  it('a transaction row pointing at no entry', async () => {
    const { path, ledger } = await populated();
    sql(path, "UPDATE ledger_txns SET audit_seq = 99 WHERE txn_id = 'T1'");
    expect(await ledger.verifyTransaction('T1')).toBe('tampered');
  });

  it.each([
    // ACC-001's own entries add up: only the comparison with the charge entry sees the move
    ['account', "UPDATE ledger_txns SET account = 'ACC-001' WHERE txn_id = 'T3'"],
    ['amount', "UPDATE ledger_txns SET amount = 60 WHERE txn_id = 'T3'"],
    ['balance after', "UPDATE ledger_txns SET balance_after = 440 WHERE txn_id = 'T3'"],
  ])('a transaction row whose %s disagrees with its charge entry', async (_what, edit) => {
    const { path, ledger } = await populated();
    expect(await ledger.verifyTransaction('T3')).toBe('valid');
    sql(path, edit);
    expect(await ledger.verifyTransaction('T3')).toBe('tampered');
  });

  it('a charge entry naming another transaction (re-hashed)', async () => {
    const { path, ledger } = await populated();
    forge(path, bySeq(3, { txn_id: 'T9' }));
    expect(await ledger.verifyTransaction('T2')).toBe('valid');
    expect(await ledger.verifyTransaction('T1')).toBe('tampered');
  });

  it('a charge entry turned into a refund of the negated amount (re-hashed; balances still add up)', async () => {
    const { path, ledger } = await populated();
    forge(path, bySeq(3, { kind: 'refund', amount: -100 }));
    sql(path, "UPDATE ledger_txns SET amount = -100 WHERE txn_id = 'T1'");
    expect(await ledger.verifyTransaction('T1')).toBe('tampered');
  });

  it('a refund row pointing at no entry', async () => {
    const { path, ledger } = await populated(true);
    expect(await ledger.verifyTransaction('T1')).toBe('valid');
    sql(path, "UPDATE ledger_txns SET refund_audit_seq = 99 WHERE txn_id = 'T1'");
    expect(await ledger.verifyTransaction('T1')).toBe('tampered');
  });

  it.each([
    ['names another transaction', { txn_id: 'T9' }],
    ['moved to another account', { account: 'ACC-002' }],
    ['for another amount (its balance adjusted)', { amount: 50, balance_after: 9750 }],
    ['turned into a charge (its balance adjusted)', { kind: 'charge', balance_after: 9600 }],
  ])('a refund entry that %s (re-hashed)', async (_what, change) => {
    const { path, ledger } = await populated(true);
    forge(path, bySeq(6, change));
    expect(await ledger.verifyTransaction('T1')).toBe('tampered');
  });

  it('an earlier entry of the account edited in place', async () => {
    const { path, ledger } = await populated();
    sql(path, 'UPDATE ledger_audit SET at = at + 1 WHERE seq = 1');
    expect(await ledger.verifyTransaction('T3')).toBe('valid');
    expect(await ledger.verifyTransaction('T1')).toBe('tampered');
  });

  it('a second opening entry for the account (re-hashed)', async () => {
    const { path, ledger } = await populated();
    forge(path, bySeq(3, { kind: 'open', txn_id: null, amount: 9900 }));
    expect(await ledger.verifyTransaction('T2')).toBe('tampered');
  });

  it('an opening entry whose balance is not its amount (re-hashed)', async () => {
    const { path, ledger } = await populated();
    forge(path, bySeq(1, { balance_after: 7 }));
    expect(await ledger.verifyTransaction('T1')).toBe('tampered');
  });

  it('an entry of an unknown kind, even one whose balance reads like a refund (re-hashed)', async () => {
    const { path, ledger } = await populated();
    forge(path, bySeq(3, { kind: 'bonus', txn_id: null, amount: 100, balance_after: 10_100 }));
    sql(path, "UPDATE ledger_txns SET balance_after = 9900 WHERE txn_id = 'T2'");
    forge(path, bySeq(4, { balance_after: 9900 }));
    expect(await ledger.verifyTransaction('T2')).toBe('tampered');
  });

  it('an entry whose predecessor is gone', async () => {
    const { path, ledger } = await populated();
    sql(path, 'DELETE FROM ledger_audit WHERE seq = 2');
    expect(await ledger.verifyTransaction('T1')).toBe('tampered');
  });

  it('an entry whose successor does not link to it (the successor re-hashed)', async () => {
    const { path, ledger } = await populated();
    forge(path, (rows) => rows, { 4: 'f'.repeat(64) });
    expect(await ledger.verifyTransaction('T1')).toBe('tampered');
  });

  it('an entry linked to a wrong predecessor but hashed over that link', async () => {
    const { path, ledger } = await populated();
    forge(path, (rows) => rows, { 3: 'f'.repeat(64) });
    expect(await ledger.verifyTransaction('T2')).toBe('tampered');
  });
});

describe('Ledger.verifyChain names the first bad entry and why', () => {
  it('a gap in the sequence (re-linked and re-hashed)', async () => {
    const { path, ledger } = await populated();
    forge(path, (rows) => rows.filter((r) => r.seq !== 4));
    expect(await ledger.verifyChain()).toEqual({ ok: false, seq: 5, reason: 'expected seq 4' });
  });

  it('a broken link hashed over', async () => {
    const { path, ledger } = await populated();
    forge(path, (rows) => rows, { 3: 'f'.repeat(64) });
    expect(await ledger.verifyChain()).toEqual({
      ok: false,
      seq: 3,
      reason: 'prev_hash does not match the previous entry',
    });
  });

  it('an entry edited in place', async () => {
    const { path, ledger } = await populated();
    sql(path, 'UPDATE ledger_audit SET at = at + 1 WHERE seq = 2');
    expect(await ledger.verifyChain()).toEqual({ ok: false, seq: 2, reason: 'hash does not match the entry' });
  });

  it.each([
    ['a second opening entry', 3, { kind: 'open', txn_id: null, amount: 9900 }],
    ['an opening entry whose balance is not its amount', 2, { balance_after: 400 }],
  ])('%s', async (_what, seq, change) => {
    const { path, ledger } = await populated();
    forge(path, bySeq(seq, change));
    expect(await ledger.verifyChain()).toEqual({ ok: false, seq, reason: 'bad opening entry' });
  });

  it('an entry of an unknown kind', async () => {
    const { path, ledger } = await populated();
    forge(path, bySeq(3, { kind: 'bonus' }));
    expect(await ledger.verifyChain()).toEqual({ ok: false, seq: 3, reason: 'unknown kind bonus' });
  });

  it('a balance that does not follow from the one before', async () => {
    const { path, ledger } = await populated();
    forge(path, bySeq(4, { balance_after: 9800 }));
    expect(await ledger.verifyChain()).toEqual({
      ok: false,
      seq: 4,
      reason: 'balance_after does not follow from the previous balance',
    });
  });

  it('an account whose opening balance disagrees with its entries', async () => {
    const { path, ledger } = await populated();
    sql(path, "UPDATE ledger_accounts SET opening_balance = 9000 WHERE id = 'ACC-001'");
    expect(await ledger.verifyChain()).toEqual({
      ok: false,
      seq: null,
      reason: 'account "ACC-001" disagrees with its audit entries',
    });
  });

  it('entries of an account missing from the accounts table', async () => {
    const { path, ledger } = await populated();
    sql(path, "DELETE FROM ledger_accounts WHERE id = 'ACC-002'");
    expect(await ledger.verifyChain()).toEqual({
      ok: false,
      seq: null,
      reason: 'audit entries for accounts missing from ledger_accounts: ACC-002',
    });
  });

  it('a transaction row that disagrees with its entry', async () => {
    const { path, ledger } = await populated();
    sql(path, "UPDATE ledger_txns SET amount = 1 WHERE txn_id = 'T2'");
    expect(await ledger.verifyChain()).toEqual({
      ok: false,
      seq: 4,
      reason: 'transaction "T2" disagrees with the audit chain',
    });
  });

  it('an entry without its transaction row', async () => {
    const { path, ledger } = await populated();
    sql(path, "DELETE FROM ledger_txns WHERE txn_id = 'T3'");
    expect(await ledger.verifyChain()).toEqual({
      ok: false,
      seq: 5,
      reason: 'audit entry has no matching transaction row',
    });
  });
});

describe('Ledger refunds against an edited database', () => {
  it('a transaction whose account row is gone is a storage error, not a crash', async () => {
    const { path, ledger } = await populated();
    sql(path, "DELETE FROM ledger_accounts WHERE id = 'ACC-002'");
    await expect(ledger.refund('T3', 'why')).rejects.toMatchObject({
      code: 'storage_error',
      message: 'transaction "T3" references missing account "ACC-002"',
    });
  });

  it('a refund that would overflow the balance is refused', async () => {
    const { path, ledger } = await populated();
    sql(path, `UPDATE ledger_accounts SET balance = ${Number.MAX_SAFE_INTEGER - 10} WHERE id = 'ACC-002'`);
    await expect(ledger.refund('T3', 'why')).rejects.toMatchObject({
      code: 'invalid_amount',
      message: 'refunding 50 would overflow the balance of "ACC-002"',
    });
  });
});

describe('Ledger close', () => {
  it('closes its own connection, so SQLite checkpoints and removes the WAL file', async () => {
    const path = freshPath();
    const ledger = await open(path);
    await ledger.charge('T1', 'ACC-001', 1);
    expect(existsSync(`${path}-wal`)).toBe(true);
    await ledger.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
