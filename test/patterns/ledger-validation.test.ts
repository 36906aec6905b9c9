/**
 * Ledger input checks and refusals, one at a time with code and message: ids and amounts at their
 * limits, the balance floor at its boundary, idempotent replays and conflicting ones, refunds,
 * a closed ledger, and a configuration that disagrees with the database.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger, LedgerError, type LedgerConfig } from '../../packages/runtime/src/patterns/ledger.js';
import { tempDir } from './tmp.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function freshPath(): string {
  const t = tempDir('ledger-validation');
  cleanups.push(t.cleanup);
  return join(t.dir, 'ledger.db');
}

async function open(overrides: Partial<LedgerConfig> = {}, path = freshPath()): Promise<Ledger> {
  let t = 1_700_000_000_000;
  const ledger = await Ledger.open({
    database: path,
    currency: 'USD',
    accounts: [
      { id: 'A', openingBalance: 1000 },
      { id: 'B', openingBalance: 0 },
    ],
    floor: 0,
    now: () => t++,
    ...overrides,
  });
  cleanups.push(() => ledger.close());
  return ledger;
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerError);
    expect((e as Error).name).toBe('LedgerError');
    return { code: (e as LedgerError).code, message: (e as LedgerError).message };
  }
  throw new Error('expected a LedgerError');
}

const badTxn = { code: 'invalid_txn_id', message: 'txnId must be a non-empty string of at most 1024 characters' };
const badAccount = {
  code: 'invalid_account',
  message: 'account must be a non-empty string of at most 1024 characters',
};

describe('Ledger input checks', () => {
  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(1025)],
    ['not a string', 7],
  ])('refuses a txnId that is %s, everywhere it is taken', async (_label, txnId) => {
    const l = await open();
    expect(await failure(l.charge(txnId as string, 'A', 1))).toEqual(badTxn);
    expect(await failure(l.refund(txnId as string, 'why'))).toEqual(badTxn);
    expect(await failure(l.verifyTransaction(txnId as string))).toEqual(badTxn);
  });

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(1025)],
    ['not a string', null],
  ])('refuses an account that is %s, everywhere it is taken', async (_label, account) => {
    const l = await open();
    expect(await failure(l.charge('T', account as string, 1))).toEqual(badAccount);
    expect(await failure(l.balance(account as string))).toEqual(badAccount);
    expect(await failure(l.auditLog(account as string))).toEqual(badAccount);
  });

  it('accepts ids of exactly 1024 characters', async () => {
    const l = await open({ accounts: [{ id: 'a'.repeat(1024), openingBalance: 10 }] });
    expect(await l.charge('t'.repeat(1024), 'a'.repeat(1024), 1)).toMatchObject({ balance: 9 });
  });

  it.each([0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, '5'])('refuses the amount %s', async (amount) => {
    const l = await open();
    expect(await failure(l.charge('T', 'A', amount as number))).toEqual({
      code: 'invalid_amount',
      message: `amount must be a positive safe integer in minor units, got ${String(amount)}`,
    });
    expect(await l.balance('A')).toEqual({ balance: 1000, currency: 'USD' });
  });

  it('names an unknown account and an unknown transaction', async () => {
    const l = await open();
    const unknownAccount = { code: 'unknown_account', message: 'unknown account "Z"' };
    expect(await failure(l.charge('T', 'Z', 1))).toEqual(unknownAccount);
    expect(await failure(l.balance('Z'))).toEqual(unknownAccount);
    expect(await failure(l.auditLog('Z'))).toEqual(unknownAccount);
    const unknownTxn = { code: 'unknown_transaction', message: 'unknown transaction "nope"' };
    expect(await failure(l.refund('nope', 'why'))).toEqual(unknownTxn);
    expect(await failure(l.verifyTransaction('nope'))).toEqual(unknownTxn);
  });
});

describe('Ledger charges', () => {
  it('may bring the balance down to the floor, not below it', async () => {
    const l = await open({ floor: 100, accounts: [{ id: 'A', openingBalance: 1000 }] });
    expect(await l.charge('T1', 'A', 900)).toEqual({ txnId: 'T1', account: 'A', amount: 900, balance: 100 });
    expect(await failure(l.charge('T2', 'A', 1))).toEqual({
      code: 'insufficient_funds',
      message: 'account "A" has 100; charging 1 would go below 100',
    });
    expect(await l.balance('A')).toEqual({ balance: 100, currency: 'USD' });
  });

  it('without a floor, goes below zero', async () => {
    const l = await open({ floor: undefined });
    expect(await l.charge('T1', 'B', 50)).toMatchObject({ balance: -50 });
  });

  it('a replay of the same charge returns the first result and changes nothing; another charge under its id is a conflict', async () => {
    const l = await open();
    expect(await l.charge('T1', 'A', 100)).toMatchObject({ balance: 900 });
    await l.charge('T2', 'A', 100);
    expect(await l.charge('T1', 'A', 100)).toEqual({ txnId: 'T1', account: 'A', amount: 100, balance: 900 });
    expect(await l.balance('A')).toMatchObject({ balance: 800 });
    expect(await failure(l.charge('T1', 'A', 101))).toEqual({
      code: 'txn_conflict',
      message: 'txn "T1" was already used for 100 on "A"',
    });
    expect(await failure(l.charge('T1', 'B', 100))).toEqual({
      code: 'txn_conflict',
      message: 'txn "T1" was already used for 100 on "A"',
    });
    expect((await l.auditLog('A')).map((e) => e.kind)).toEqual(['open', 'charge', 'charge']);
  });

  it('refuses a charge that would overflow the balance', async () => {
    const l = await open({ floor: undefined, accounts: [{ id: 'A', openingBalance: -Number.MAX_SAFE_INTEGER }] });
    expect(await failure(l.charge('T', 'A', 1))).toEqual({
      code: 'invalid_amount',
      message: 'charging 1 would overflow the balance of "A"',
    });
  });
});

describe('Ledger refunds', () => {
  it('refunds once, with a reason of 1 to 4096 characters', async () => {
    const l = await open();
    await l.charge('T1', 'A', 100);
    const badReason = {
      code: 'invalid_reason',
      message: 'reason must be a non-empty string of at most 4096 characters',
    };
    expect(await failure(l.refund('T1', ''))).toEqual(badReason);
    expect(await failure(l.refund('T1', 'r'.repeat(4097)))).toEqual(badReason);
    expect(await failure(l.refund('T1', 5 as unknown as string))).toEqual(badReason);
    expect(await l.refund('T1', 'r'.repeat(4096))).toEqual({
      txnId: 'T1',
      account: 'A',
      amount: 100,
      balance: 1000,
      reason: 'r'.repeat(4096),
    });
    expect(await failure(l.refund('T1', 'again'))).toEqual({
      code: 'already_refunded',
      message: 'transaction "T1" was already refunded',
    });
    expect(await l.balance('A')).toMatchObject({ balance: 1000 });
    expect(await l.verifyTransaction('T1')).toBe('valid');
  });
});

describe('Ledger lifecycle and configuration', () => {
  it('every operation of a closed ledger fails with closed', async () => {
    const l = await open();
    await l.close();
    const closed = { code: 'closed', message: 'Ledger: closed' };
    expect(await failure(l.charge('T', 'A', 1))).toEqual(closed);
    expect(await failure(l.refund('T', 'r'))).toEqual(closed);
    expect(await failure(l.balance('A'))).toEqual(closed);
    expect(await failure(l.auditLog('A'))).toEqual(closed);
    expect(await failure(l.verifyTransaction('T'))).toEqual(closed);
  });

  it('refuses an opening balance below the floor', async () => {
    expect(await failure(open({ floor: 100 }))).toEqual({
      code: 'invalid_config',
      message: 'Ledger: account "B": openingBalance 0 is below the floor 100',
    });
  });

  it('refuses an account listed twice', async () => {
    expect(
      await failure(
        open({
          accounts: [
            { id: 'A', openingBalance: 1 },
            { id: 'A', openingBalance: 2 },
          ],
        }),
      ),
    ).toEqual({ code: 'invalid_config', message: 'Ledger: account "A" listed twice' });
  });

  it('refuses a configuration that disagrees with the database (currency, opening balance)', async () => {
    const path = freshPath();
    const first = await open({}, path);
    await first.close();
    expect(await failure(open({ currency: 'EUR' }, path))).toEqual({
      code: 'config_mismatch',
      message: 'Ledger: database currency is USD, config says EUR',
    });
    expect(
      await failure(
        open(
          {
            accounts: [
              { id: 'A', openingBalance: 999 },
              { id: 'B', openingBalance: 0 },
            ],
          },
          path,
        ),
      ),
    ).toEqual({ code: 'config_mismatch', message: 'Ledger: account "A" was opened with 1000, config says 999' });
    // a new account is added to an existing database
    const again = await open(
      {
        accounts: [
          { id: 'A', openingBalance: 1000 },
          { id: 'C', openingBalance: 5 },
        ],
      },
      path,
    );
    expect(await again.balance('C')).toEqual({ balance: 5, currency: 'USD' });
  });
});
