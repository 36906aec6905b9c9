import { afterEach, describe, expect, it } from 'vitest';
import { exit, exited, isProcessAlive, whereis, type Pid } from '../../packages/runtime/src/index.js';
import { billingEngine, callRouter, startTelecom } from '../../generated/telecom/index.js';
import { boot, until, type Running } from './helpers.js';

const NAMES = ['db_pool', 'call_router', 'billing_engine'] as const;
let sys: Running | undefined;
afterEach(async () => {
  await sys?.cleanup();
  sys = undefined;
});

function pids(): Record<string, Pid | undefined> {
  return Object.fromEntries(NAMES.map((n) => [n, whereis(n)]));
}

/** Waits until all three are registered again and `name` has a new pid. */
async function afterRestartOf(name: string, old: Pid): Promise<Record<string, Pid | undefined>> {
  return until(() => {
    const now = pids();
    return NAMES.every((n) => now[n] !== undefined) && now[name] !== old ? now : undefined;
  }, `${name} to restart`);
}

describe('telecom_sup (rest_for_one)', () => {
  it('killing call_router restarts call_router and billing_engine; db_pool keeps its pid', async () => {
    sys = await boot();
    const before = pids();
    exit(before.call_router!, 'kill');
    const after = await afterRestartOf('call_router', before.call_router!);
    expect(after.db_pool).toBe(before.db_pool);
    expect(after.call_router).not.toBe(before.call_router);
    expect(after.billing_engine).not.toBe(before.billing_engine);
    expect(await callRouter.routeCall('c', '911')).toBe('sips:emergency@psap.telecom.example.com');
    await until(
      () =>
        billingEngine.getAccountBalance('ACC-001').then(
          (b) => b,
          () => undefined,
        ),
      'billing to answer',
    );
  });

  it('killing db_pool restarts all three', async () => {
    sys = await boot();
    const before = pids();
    exit(before.db_pool!, 'kill');
    const after = await afterRestartOf('db_pool', before.db_pool!);
    await until(
      () => (whereis('billing_engine') !== before.billing_engine && whereis('billing_engine') ? true : undefined),
      'billing restart',
    );
    for (const n of NAMES) expect(whereis(n), n).not.toBe(before[n]);
    expect(after.db_pool).not.toBe(before.db_pool);
    // The new billing engine borrowed a connection from the new pool and its ledger still holds the data.
    expect((await billingEngine.chargeAccount('T-after-pool', 'ACC-001', 1)).balance).toBe(999_999);
  });

  it('more than 10 restarts within 60 s stops the whole tree', async () => {
    sys = await boot();
    const root = sys.app.pid;
    const down = exited(root);
    for (let i = 0; i < 11; i++) {
      const victim = await until(() => whereis('call_router'), 'call_router');
      exit(victim, 'kill');
      if (i < 10)
        await until(
          () => (whereis('call_router') && whereis('call_router') !== victim ? true : undefined),
          `restart ${i + 1}`,
        );
    }
    expect(await down).toBe('shutdown');
    expect(isProcessAlive(root)).toBe(false);
    for (const n of NAMES) expect(whereis(n), n).toBeUndefined();
  });
});

describe('startTelecom without a data directory', () => {
  it('fails to start, naming the server, the call and the store that needs the directory, and leaves nothing running', async () => {
    let error: unknown;
    try {
      const app = await startTelecom({});
      await app.stop();
    } catch (err) {
      error = err;
    }
    const reason = (error as { reason?: { shutdown?: { failedToStartChild?: string; reason?: unknown } } })?.reason;
    expect(reason?.shutdown?.failedToStartChild).toBe('db_pool');
    expect(String(reason?.shutdown?.reason)).toContain(
      'db_pool: startTelecom({dataDir}) is required: the store "store" is a file in it',
    );
    expect(pids()).toEqual({ db_pool: undefined, call_router: undefined, billing_engine: undefined });
  });
});
