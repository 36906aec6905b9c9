import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../packages/runtime/src/patterns/ledger.js';
import { compiled } from '../support/compiled.js';
import { tempDir } from './tmp.js';

const child = fileURLToPath(new URL('./fixtures/ledger-crash-child.mjs', import.meta.url));
// the child process (fixtures/ledger-crash-child.mjs) runs the compiled ledger
compiled('packages/runtime/dist/patterns/index.js');

const ACCOUNTS = [
  { id: 'A', openingBalance: 1_000_000_000 },
  { id: 'B', openingBalance: 1_000_000_000 },
  { id: 'C', openingBalance: 1_000_000_000 },
];
const CONCURRENCY = 16;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Acked {
  charges: Map<string, { account: string; amount: number; balance: number }>;
  refunds: Set<string>;
}

/** Runs the child until it has acknowledged `target` charges, SIGKILLs it, and returns every acknowledgement it printed. */
function runAndKill(dbPath: string, target: number): Promise<Acked> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dbPath, String(CONCURRENCY), JSON.stringify(ACCOUNTS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: Acked = { charges: new Map(), refunds: new Set() };
    let buffer = '';
    let stderr = '';
    let killed = false;
    proc.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const [kind, txnId, account, amount, balance] = buffer.slice(0, nl).split(' ');
        buffer = buffer.slice(nl + 1);
        if (kind === 'CHARGE') {
          if (acked.charges.has(txnId!)) reject(new Error(`child acknowledged ${txnId} twice`));
          acked.charges.set(txnId!, { account: account!, amount: Number(amount), balance: Number(balance) });
        } else if (kind === 'REFUND') acked.refunds.add(txnId!);
      }
      if (!killed && acked.charges.size >= target) {
        killed = true;
        proc.kill('SIGKILL');
      }
    });
    proc.on('error', reject);
    proc.on('close', (codeOrNull, signal) => {
      if (signal !== 'SIGKILL')
        reject(new Error(`child exited on its own (code ${codeOrNull}, signal ${signal}): ${stderr}`));
      else resolve(acked);
    });
  });
}

describe('Ledger crash durability (child process SIGKILLed mid-load)', () => {
  it('after SIGKILL, every acknowledged charge and refund is present exactly once, balances add up, and the chain verifies', async () => {
    const t = tempDir('crash');
    cleanups.push(t.cleanup);
    const dbPath = join(t.dir, 'ledger.db');

    const acked = await runAndKill(dbPath, 3_000);
    expect(acked.charges.size).toBeGreaterThanOrEqual(3_000);
    expect(existsSync(`${dbPath}-wal`)).toBe(true);

    const ledger = await Ledger.open({ database: dbPath, currency: 'USD', accounts: ACCOUNTS, floor: 0 });
    cleanups.push(() => ledger.close());
    const db = new Database(dbPath, { readonly: true });
    cleanups.push(() => db.close());

    const rows = new Map(
      (
        db.prepare('SELECT txn_id, account, amount, balance_after, refund_audit_seq FROM ledger_txns').all() as Array<{
          txn_id: string;
          account: string;
          amount: number;
          balance_after: number;
          refund_audit_seq: number | null;
        }>
      ).map((r) => [r.txn_id, r]),
    );
    const auditCounts = new Map(
      (
        db
          .prepare("SELECT txn_id, kind, count(*) AS n FROM ledger_audit WHERE kind != 'open' GROUP BY txn_id, kind")
          .all() as Array<{ txn_id: string; kind: string; n: number }>
      ).map((r) => [`${r.kind}:${r.txn_id}`, r.n]),
    );

    for (const [txnId, ack] of acked.charges) {
      const row = rows.get(txnId);
      expect(row, `acknowledged charge ${txnId} lost`).toBeDefined();
      expect({ account: row!.account, amount: row!.amount, balance: row!.balance_after }).toEqual(ack);
      expect(auditCounts.get(`charge:${txnId}`)).toBe(1);
    }
    for (const txnId of acked.refunds) {
      expect(rows.get(txnId)?.refund_audit_seq, `acknowledged refund ${txnId} lost`).not.toBeNull();
      expect(auditCounts.get(`refund:${txnId}`)).toBe(1);
    }
    // Committed but unacknowledged work is allowed (the reply died with the process), bounded by what was in flight.
    const unackedCharges = [...rows.keys()].filter((id) => !acked.charges.has(id)).length;
    expect(unackedCharges).toBeLessThanOrEqual(CONCURRENCY);

    for (const account of ACCOUNTS) {
      let expected = account.openingBalance;
      for (const r of rows.values())
        if (r.account === account.id) expected -= r.refund_audit_seq === null ? r.amount : 0;
      expect((await ledger.balance(account.id)).balance).toBe(expected);
    }
    expect(await ledger.verifyChain()).toMatchObject({ ok: true });

    // Retrying an acknowledged charge after recovery replays it instead of charging twice.
    const [someTxn, someAck] = [...acked.charges][0]!;
    const before = (await ledger.balance(someAck.account)).balance;
    expect(await ledger.charge(someTxn, someAck.account, someAck.amount)).toEqual({ txnId: someTxn, ...someAck });
    expect((await ledger.balance(someAck.account)).balance).toBe(before);
  });
});
