import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whereis } from '../../packages/runtime/src/index.js';
import { billingEngine, callRouter, dbPool, OperationError } from '../../generated/telecom/index.js';
import { boot, OPENING, type Running } from './helpers.js';

let sys: Running;
let pids: unknown[];
beforeAll(async () => {
  sys = await boot();
  pids = ['db_pool', 'call_router', 'billing_engine'].map((n) => whereis(n));
});
afterAll(async () => {
  await sys.cleanup();
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OperationError);
    return (err as OperationError).code;
  }
  throw new Error('expected an OperationError');
}

describe('call_router', () => {
  it('routes a declared number and refuses an unknown one with no_route', async () => {
    expect(await callRouter.routeCall('CALL-001', '1-800-FORTUNE')).toBe('sip:fortune@telecom.example.com');
    expect(await code(callRouter.routeCall('CALL-002', '1-800-NOBODY'))).toBe('no_route');
  });

  it('adds a route, validates its target, and counts what it did', async () => {
    // the spec: routeCall increments routed on success and failed on an error; addRoute counts nothing
    const before = await callRouter.getMetrics();
    expect(await callRouter.addRoute('1-800-CUSTOM', 'sip:custom@example.com')).toBe('ok');
    expect(await callRouter.routeCall('CALL-003', '1-800-CUSTOM')).toBe('sip:custom@example.com');
    expect(await code(callRouter.addRoute('1-800-BAD', 'http://example.com'))).toBe('invalid_target');
    expect(await callRouter.getMetrics()).toEqual({
      routed: before.routed + 1,
      failed: before.failed,
      dropped: 0,
      circuitBreaks: 0,
    });
    expect(await code(callRouter.routeCall('CALL-004', '1-800-NOBODY'))).toBe('no_route');
    expect(await callRouter.getMetrics()).toEqual({
      routed: before.routed + 1,
      failed: before.failed + 1,
      dropped: 0,
      circuitBreaks: 0,
    });
  });

  it('once enabled, the breaker opens after a failure-dominated window and says circuit_open', async () => {
    expect(await callRouter.enableCircuitBreaker()).toBe('ok');
    for (let i = 0; i < 25; i++) await callRouter.routeCall(`C-${i}`, '0-NONE').catch(() => undefined);
    expect(await code(callRouter.routeCall('C-x', '911'))).toBe('circuit_open');
    expect((await callRouter.getMetrics()).circuitBreaks).toBe(1);
  });
});

describe('billing_engine', () => {
  it('charges, is idempotent by txnId, and refuses a reused txnId with other terms', async () => {
    const first = await billingEngine.chargeAccount('TXN-1', 'ACC-002', 1_000);
    expect(first).toEqual({ txnId: 'TXN-1', account: 'ACC-002', amount: 1_000, balance: OPENING['ACC-002']! - 1_000 });
    expect(await billingEngine.chargeAccount('TXN-1', 'ACC-002', 1_000)).toEqual(first);
    expect((await billingEngine.getAccountBalance('ACC-002')).balance).toBe(OPENING['ACC-002']! - 1_000);
    expect(await code(billingEngine.chargeAccount('TXN-1', 'ACC-002', 2_000))).toBe('txn_conflict');
  });

  it('refuses negative, zero and fractional amounts', async () => {
    for (const amount of [-1, 0, 1.5, Number.NaN])
      expect(await code(billingEngine.chargeAccount(`TXN-A${amount}`, 'ACC-001', amount))).toBe('invalid_amount');
  });

  it('refuses an unknown account on every operation that takes one', async () => {
    expect(await code(billingEngine.chargeAccount('TXN-U', 'ACC-999', 1))).toBe('unknown_account');
    expect(await code(billingEngine.getAccountBalance('ACC-999'))).toBe('unknown_account');
    expect(await code(billingEngine.getAuditLog('ACC-999'))).toBe('unknown_account');
  });

  it('refuses a charge below the floor and leaves the balance alone', async () => {
    expect(await code(billingEngine.chargeAccount('TXN-F', 'ACC-003', 1))).toBe('insufficient_funds');
    expect(await billingEngine.getAccountBalance('ACC-003')).toEqual({ balance: 0, currency: 'USD' });
  });

  it('refunds once; an unknown or already refunded transaction is refused', async () => {
    await billingEngine.chargeAccount('TXN-R', 'ACC-001', 500);
    const refund = await billingEngine.refundTransaction('TXN-R', 'customer request');
    expect(refund).toMatchObject({ txnId: 'TXN-R', account: 'ACC-001', amount: 500, reason: 'customer request' });
    expect(await code(billingEngine.refundTransaction('TXN-R', 'again'))).toBe('already_refunded');
    expect(await code(billingEngine.refundTransaction('TXN-NOPE', 'why'))).toBe('unknown_transaction');
    expect(await code(billingEngine.verifyTransaction('TXN-NOPE'))).toBe('unknown_transaction');
    expect(await billingEngine.verifyTransaction('TXN-R')).toBe('valid');
  });

  it('keeps a hash-chained audit log per account', async () => {
    const log = await billingEngine.getAuditLog('ACC-001');
    expect(log[0]).toMatchObject({ kind: 'open', amount: OPENING['ACC-001'] });
    expect(log.map((e) => e.kind)).toEqual(['open', 'charge', 'refund']);
    expect(log.at(-1)!.balanceAfter).toBe((await billingEngine.getAccountBalance('ACC-001')).balance);
  });
});

describe('refusals', () => {
  it('restarted nothing: every server kept its pid', () => {
    expect(['db_pool', 'call_router', 'billing_engine'].map((n) => whereis(n))).toEqual(pids);
    expect(pids.every((p) => p !== undefined)).toBe(true);
  });
});

describe('db_pool', () => {
  it('reports its pool, one connection lent to the billing engine', async () => {
    expect(await dbPool.getPoolStats()).toEqual({ size: 8, idle: 7, inUse: 1, waiting: 0 });
  });
});
