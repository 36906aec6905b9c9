// Issue #14 finding 9: the billing audit chain could be forged. Re-hashing rewritten rows with
// plain SHA-256 passed verifyChain; a balance edited in the database file went unnoticed at
// open; verifyTransaction said "valid" for a balance that did not follow from the entries before it.
import { createHash, createHmac } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LedgerError, type AuditRow, type LedgerConfig } from '../../packages/runtime/src/patterns/ledger.js';
import { ledgerFixture } from './ledger-fixture.js';

const { freshPath, open } = ledgerFixture('ledger-forgery');

async function populated(overrides: Partial<LedgerConfig> = {}) {
  const path = freshPath();
  const ledger = await open(path, overrides);
  await ledger.charge('T1', 'ACC-001', 100);
  await ledger.charge('T2', 'ACC-001', 200);
  await ledger.charge('T3', 'ACC-002', 50);
  return { path, ledger };
}

/** Rewrites T1 to 1 cent and re-hashes the whole chain with `hash`, keeping every derived table consistent. */
function rewrite(path: string, hash: (prev: string, canonical: string) => string): void {
  const db = new Database(path);
  try {
    db.transaction(() => {
      db.prepare("UPDATE ledger_audit SET amount = 1 WHERE txn_id = 'T1'").run();
      const rows = db.prepare('SELECT * FROM ledger_audit ORDER BY seq').all() as AuditRow[];
      const running = new Map<string, number>();
      let prev = '0'.repeat(64);
      for (const r of rows) {
        const before = running.get(r.account);
        const after =
          r.kind === 'open'
            ? r.amount
            : r.kind === 'charge'
              ? (before as number) - r.amount
              : (before as number) + r.amount;
        running.set(r.account, after);
        const h = hash(prev, JSON.stringify([r.seq, r.kind, r.txn_id, r.account, r.amount, after, r.reason, r.at]));
        db.prepare('UPDATE ledger_audit SET balance_after = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(
          after,
          prev,
          h,
          r.seq,
        );
        if (r.txn_id !== null && r.kind === 'charge')
          db.prepare('UPDATE ledger_txns SET amount = ?, balance_after = ? WHERE txn_id = ?').run(
            r.amount,
            after,
            r.txn_id,
          );
        prev = h;
      }
      for (const [id, b] of running) db.prepare('UPDATE ledger_accounts SET balance = ? WHERE id = ?').run(b, id);
    })();
  } finally {
    db.close();
  }
}

async function openError(path: string, overrides: Partial<LedgerConfig> = {}): Promise<LedgerError> {
  try {
    await open(path, overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerError);
    return e as LedgerError;
  }
  throw new Error('expected the ledger to refuse to open');
}

describe('Ledger audit chain under forgery (issue #14, finding 9)', () => {
  it('a chain re-hashed with plain SHA-256 does not verify: the chain is keyed even without a configured key', async () => {
    const { path, ledger } = await populated();
    rewrite(path, (prev, c) => createHash('sha256').update(prev).update('\n').update(c).digest('hex'));
    expect(await ledger.verifyChain()).toMatchObject({ ok: false });
    expect(await ledger.verifyTransaction('T1')).toBe('tampered');
  });

  it('a chain re-hashed with a guessed key does not verify under the configured key', async () => {
    const { path, ledger } = await populated({ auditKey: 'the-service-key-0123456789abcdef' });
    rewrite(path, (prev, c) => createHmac('sha256', 'guess').update(prev).update('\n').update(c).digest('hex'));
    expect(await ledger.verifyChain()).toMatchObject({ ok: false, seq: 1 });
  });

  it('refuses to open when a balance was edited in the database file', async () => {
    const { path, ledger } = await populated();
    await ledger.close();
    const db = new Database(path);
    db.prepare("UPDATE ledger_accounts SET balance = 1000000 WHERE id = 'ACC-001'").run();
    db.close();
    const e = await openError(path);
    expect(e.code).toBe('integrity_error');
    expect(e.message).toMatch(/ACC-001/);
  });

  it('refuses to open when the chain tail was rewritten or truncated', async () => {
    const { path, ledger } = await populated();
    await ledger.close();
    const db = new Database(path);
    db.prepare("UPDATE ledger_audit SET reason = 'x' WHERE seq = (SELECT MAX(seq) FROM ledger_audit)").run();
    db.close();
    expect((await openError(path)).code).toBe('integrity_error');
  });

  it('verifyTransaction checks that the balance follows from the entries before it, not only the hashes', async () => {
    const key = 'the-service-key-0123456789abcdef';
    const { path, ledger } = await populated({ auditKey: key });
    // Even a forger holding the key (or a bug) cannot get an inconsistent balance past verifyTransaction.
    const db = new Database(path);
    const rows = db.prepare('SELECT * FROM ledger_audit ORDER BY seq').all() as AuditRow[];
    let prev = '0'.repeat(64);
    for (const r of rows) {
      const after = r.txn_id === 'T2' ? r.balance_after + 150 : r.balance_after;
      const h = createHmac('sha256', key)
        .update(prev)
        .update('\n')
        .update(JSON.stringify([r.seq, r.kind, r.txn_id, r.account, r.amount, after, r.reason, r.at]))
        .digest('hex');
      db.prepare('UPDATE ledger_audit SET balance_after = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(
        after,
        prev,
        h,
        r.seq,
      );
      prev = h;
    }
    db.prepare("UPDATE ledger_txns SET balance_after = balance_after + 150 WHERE txn_id = 'T2'").run();
    db.close();
    expect(await ledger.verifyTransaction('T1')).toBe('valid');
    expect(await ledger.verifyTransaction('T2')).toBe('tampered');
  });
});
