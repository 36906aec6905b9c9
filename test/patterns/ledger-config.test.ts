/**
 * Ledger.open's config checks, each with its exact refusal (issue #16: the mutation run showed each
 * check could be removed unnoticed, because a later layer - GroupCommit, SQLite, a TypeError - failed
 * instead, with another code or message), the accepted values at each boundary, and the audit key
 * the chain is hashed with when none is configured.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  INSECURE_DEVELOPMENT_LEDGER_KEY,
  LEDGER_KEY_ENV,
  Ledger,
  LedgerError,
  type LedgerConfig,
} from '../../packages/runtime/src/patterns/ledger.js';
import { tempDir } from './tmp.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function freshPath(): string {
  const t = tempDir('ledger-config');
  cleanups.push(t.cleanup);
  return join(t.dir, 'ledger.db');
}

function config(overrides: Record<string, unknown> = {}): LedgerConfig {
  return {
    database: freshPath(),
    currency: 'USD',
    accounts: [{ id: 'A', openingBalance: 100 }],
    now: () => 1_700_000_000_000,
    ...overrides,
  } as LedgerConfig;
}

async function opened(c: LedgerConfig): Promise<Ledger> {
  const ledger = await Ledger.open(c);
  cleanups.push(() => ledger.close());
  return ledger;
}

async function refusal(c: unknown): Promise<string> {
  try {
    await opened(c as LedgerConfig);
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerError);
    expect((e as LedgerError).code).toBe('invalid_config');
    return (e as LedgerError).message;
  }
  throw new Error('expected Ledger.open to refuse the config');
}

describe('Ledger.open refuses a bad config with invalid_config and says why', () => {
  it.each([
    ['null', null],
    ['a string', 'ledger.db'],
  ])('a config that is %s', async (_what, c) => {
    expect(await refusal(c)).toBe('Ledger: config object required');
  });

  it.each([
    ['empty', ''],
    ['a number', 7],
  ])('a database path that is %s', async (_what, database) => {
    expect(await refusal(config({ database }))).toBe('Ledger: database must be a file path or a ConnectionPool');
  });

  it.each(['usd', 'US', 'USDX', 5])('currency %j', async (currency) => {
    expect(await refusal(config({ currency }))).toBe(
      `Ledger: currency must be an ISO 4217 code like "USD", got ${JSON.stringify(currency)}`,
    );
  });

  it.each([
    ['null', null],
    ['a number', 3],
  ])('an account that is %s', async (_what, account) => {
    expect(await refusal(config({ accounts: [account] }))).toBe(
      'Ledger: each account must be an object {id, openingBalance}',
    );
  });

  it('now that is not a function', async () => {
    expect(await refusal(config({ now: 5 }))).toBe('Ledger: now must be a function');
  });

  it.each([
    ['empty', ''],
    ['not a string', 42],
  ])('an auditKey that is %s', async (_what, auditKey) => {
    expect(await refusal(config({ auditKey }))).toBe('Ledger: auditKey must be a non-empty string');
  });

  it.each([0, -1, 1.5, '2'])('maxBatch %j', async (maxBatch) => {
    expect(await refusal(config({ maxBatch }))).toBe('Ledger: maxBatch must be an integer >= 1');
  });

  it.each([-1, 0.5, '10'])('walAutocheckpointPages %j', async (pages) => {
    expect(await refusal(config({ walAutocheckpointPages: pages }))).toBe(
      'Ledger: walAutocheckpointPages must be an integer >= 0',
    );
  });
});

describe('Ledger.open accepts the boundary values', () => {
  it('maxBatch 1 and walAutocheckpointPages 0 (checkpointing off)', async () => {
    const l = await opened(config({ maxBatch: 1, walAutocheckpointPages: 0 }));
    const [a, b] = await Promise.all([l.charge('T1', 'A', 10), l.charge('T2', 'A', 20)]);
    expect([a.balance, b.balance]).toEqual([90, 70]);
  });

  it('an opening balance equal to the floor', async () => {
    const l = await opened(config({ floor: 100 }));
    expect(await l.balance('A')).toEqual({ balance: 100, currency: 'USD' });
  });
});

describe('Ledger audit key', () => {
  const saved = process.env[LEDGER_KEY_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[LEDGER_KEY_ENV];
    else process.env[LEDGER_KEY_ENV] = saved;
  });

  const openingHash = (key: string) =>
    createHmac('sha256', key)
      .update('0'.repeat(64))
      .update('\n')
      .update(JSON.stringify([1, 'open', null, 'A', 100, 100, null, 1_700_000_000_000]))
      .digest('hex');

  it.each([
    ['unset', undefined],
    ['empty', ''],
  ])(
    'with %s in the environment and no auditKey, the chain uses the development key and says so',
    async (_what, env) => {
      if (env === undefined) delete process.env[LEDGER_KEY_ENV];
      else process.env[LEDGER_KEY_ENV] = env;
      const l = await opened(config());
      expect(l.usingDevelopmentKey).toBe(true);
      expect((await l.auditLog('A'))[0]!.hash).toBe(openingHash(INSECURE_DEVELOPMENT_LEDGER_KEY));
    },
  );

  it('the environment key, and the configured auditKey over it', async () => {
    process.env[LEDGER_KEY_ENV] = 'from-the-environment';
    const fromEnv = await opened(config());
    expect(fromEnv.usingDevelopmentKey).toBe(false);
    expect((await fromEnv.auditLog('A'))[0]!.hash).toBe(openingHash('from-the-environment'));
    const configured = await opened(config({ auditKey: 'configured-key' }));
    expect(configured.usingDevelopmentKey).toBe(false);
    expect((await configured.auditLog('A'))[0]!.hash).toBe(openingHash('configured-key'));
  });
});
