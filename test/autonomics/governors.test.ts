/**
 * The generated governors running under the generated tree, driven through their typed clients:
 * the lifecycles the issue names, refusals that keep the machine running, bad parameters refused
 * before they are sent, and the notify/emit_metric hooks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exited, isProcessAlive } from '../../packages/runtime/src/index.js';
import {
  OperationError,
  billingGovernor,
  customerAccountGovernor,
  entitlementGovernor,
  governorLifecycle,
  quotaSlaGovernor,
  startBillingGovernorChild,
  startCustomerAccountGovernorChild,
  startEntitlementGovernorChild,
  startGovernorLifecycleChild,
  startQuotaSlaGovernorChild,
} from '../../generated/autonomics/index.js';
import { boot, refusal, type Running } from './helpers.js';

let run: Running;
const notified: Array<{ topic: string; machine: string; state: string; tenant: unknown }> = [];
const metrics: string[] = [];

beforeEach(async () => {
  notified.length = 0;
  metrics.length = 0;
  run = await boot({
    machineHooks: {
      notify: (topic, p) => notified.push({ topic, machine: p.machine, state: p.state, tenant: p.data.tenantId }),
      metrics: { inc: (name) => void metrics.push(name) },
    },
  });
});

afterEach(async () => {
  await run.cleanup();
});

describe('entitlement: pending → active → suspended → revoked', () => {
  it('walks the declared lifecycle and the third suspension revokes', async () => {
    const pid = await startEntitlementGovernorChild('tenant-1');
    expect(await entitlementGovernor.state(pid)).toEqual({
      state: 'pending',
      data: { suspensions: 0, maxSuspensions: 3, tenantId: 'tenant-1' },
    });
    expect(await entitlementGovernor.activate(pid)).toBe('active');
    for (let i = 1; i <= 3; i++) {
      expect(await entitlementGovernor.suspend(pid, 'late payment')).toBe('suspended');
      expect(await entitlementGovernor.reinstate(pid)).toBe('active');
    }
    expect(await entitlementGovernor.suspend(pid, 'fourth strike')).toBe('revoked');
    // revoked is terminal (otp:terminal): the governor stops normally once it is entered.
    expect(await exited(pid)).toBe('normal');
    expect(notified.filter((n) => n.machine === 'entitlement_governor').map((n) => n.topic)).toEqual([
      'entitlement.active',
      ...Array.from({ length: 3 }, () => ['entitlement.suspended', 'entitlement.active']).flat(),
      'entitlement.revoked',
    ]);
    expect(notified.every((n) => n.tenant === 'tenant-1')).toBe(true);
    expect(metrics).toEqual([
      'entitlement_suspensions',
      'entitlement_suspensions',
      'entitlement_suspensions',
      'entitlement_revocations',
    ]);
  });

  it('refuses what a state does not accept with event_not_accepted and keeps its state', async () => {
    const pid = await startEntitlementGovernorChild('tenant-2');
    const err = await entitlementGovernor.reinstate(pid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect(err).toMatchObject({
      code: 'event_not_accepted',
      server: 'entitlement_governor',
      operation: 'reinstate',
      state: 'pending',
    });
    expect((err as Error).message).toBe(
      'entitlement_governor.reinstate: event_not_accepted: the governor does not accept this event in its current state (state pending)',
    );
    expect(await refusal(entitlementGovernor.suspend(pid, 'x'))).toBe('event_not_accepted');
    expect(await entitlementGovernor.revoke(pid, 'fraud')).toBe('revoked');
    // revoked is terminal: nothing leaves it, and the governor stops normally.
    expect(await exited(pid)).toBe('normal');
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('refuses parameters that break their declared constraints before sending them', async () => {
    const pid = await startEntitlementGovernorChild('tenant-3');
    await entitlementGovernor.activate(pid);
    expect(await refusal(entitlementGovernor.suspend(pid, ''))).toBe('event_not_accepted');
    expect(await refusal(entitlementGovernor.suspend(pid, 42 as unknown as string))).toBe('event_not_accepted');
    expect((await entitlementGovernor.state(pid)).state).toBe('active');
  });
});

describe('quota_sla: within_limits → warning → throttled → blocked', () => {
  it('escalates on usage reports (casts) and reset steps back to within_limits', async () => {
    const pid = await startQuotaSlaGovernorChild('tenant-q');
    expect(quotaSlaGovernor.usageReported(pid, 50)).toBe(true);
    expect((await quotaSlaGovernor.state(pid)).state).toBe('within_limits');
    quotaSlaGovernor.usageReported(pid, 85);
    expect(await quotaSlaGovernor.state(pid)).toMatchObject({ state: 'warning', data: { used: 85 } });
    quotaSlaGovernor.usageReported(pid, 96);
    expect((await quotaSlaGovernor.state(pid)).state).toBe('throttled');
    quotaSlaGovernor.usageReported(pid, 100);
    expect((await quotaSlaGovernor.state(pid)).state).toBe('blocked');
    expect(await quotaSlaGovernor.reset(pid)).toBe('within_limits');
    expect(await quotaSlaGovernor.state(pid)).toMatchObject({ state: 'within_limits', data: { used: 0 } });
    expect(metrics).toEqual(['quota_throttles', 'quota_blocks']);
  });

  it('does not send a negative usage and refuses reset where it is not declared', async () => {
    const pid = await startQuotaSlaGovernorChild('tenant-q2');
    expect(quotaSlaGovernor.usageReported(pid, -1)).toBe(false);
    expect(quotaSlaGovernor.usageReported(pid, 1.5)).toBe(false);
    expect(await refusal(quotaSlaGovernor.reset(pid))).toBe('event_not_accepted');
  });
});

describe('the shared governor lifecycle: boot → stable → warning → intervening → degraded → refusing', () => {
  it('escalates by pressure thresholds and recovers to stable', async () => {
    const pid = await startGovernorLifecycleChild('tenant-g');
    governorLifecycle.pressure(pid, 99);
    expect(await governorLifecycle.state(pid)).toMatchObject({ state: 'boot', data: { pressure: 0 } }); // not booted: dropped
    governorLifecycle.booted(pid);
    const seen: string[] = [];
    for (const level of [10, 65, 80, 92, 99]) {
      governorLifecycle.pressure(pid, level);
      seen.push((await governorLifecycle.state(pid)).state);
    }
    expect(seen).toEqual(['stable', 'warning', 'intervening', 'degraded', 'refusing']);
    expect(await governorLifecycle.recovered(pid)).toBe('stable');
    expect(await refusal(governorLifecycle.recovered(pid))).toBe('event_not_accepted');
    expect(governorLifecycle.pressure(pid, 101)).toBe(false);
  });
});

describe('billing and customer account: guards and reply actions', () => {
  it('billing: a payment covering the balance restores current; a short one is refused', async () => {
    const pid = await startBillingGovernorChild('tenant-b');
    expect(await billingGovernor.paymentFailed(pid, 5000)).toBe('past_due');
    expect(await billingGovernor.paymentFailed(pid, 5000)).toBe('past_due');
    expect(await billingGovernor.paymentFailed(pid, 5000)).toBe('delinquent');
    expect(await refusal(billingGovernor.paymentReceived(pid, 4999))).toBe('event_not_accepted');
    expect(await billingGovernor.paymentReceived(pid, 5000)).toBe('current');
    expect((await billingGovernor.state(pid)).data).toMatchObject({ balanceDue: 0, failedPayments: 0 });
  });

  it('customer account: wrong codes are answered by reply actions, the third closes the account', async () => {
    const pid = await startCustomerAccountGovernorChild('tenant-c');
    expect(await customerAccountGovernor.issueCode(pid, '123456')).toBe('unverified');
    expect(await customerAccountGovernor.verify(pid, '000000')).toBe('wrong_code');
    expect(await customerAccountGovernor.verify(pid, '000001')).toBe('wrong_code');
    expect(await customerAccountGovernor.verify(pid, '000002')).toBe('attempts_exhausted');
    // closed is terminal: the account's governor stops normally.
    expect(await exited(pid)).toBe('normal');
  });
});
