/**
 * Tenants are isolated (a crashed tenant machine is gone alone; temporary children are not
 * restarted) and a functional supervisor that exceeds its restart intensity escalates to the
 * one_for_all root, which restarts the whole tree.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Pid, Supervisor, exit, isProcessAlive, whereis } from '../../packages/runtime/src/index.js';
import {
  entitlementGovernor,
  quotaSlaGovernor,
  receiptStore,
  startEntitlementGovernorChild,
  startQuotaSlaGovernorChild,
} from '../../generated/autonomics/index.js';
import { verifyRecovery } from '../../generated/autonomics/chaos.js';
import { boot, until, type Running } from './helpers.js';

let run: Running | undefined;

afterEach(async () => {
  await run?.cleanup();
  run = undefined;
});

const TENANTS = 20;

/** Running children in start order (whichChildren lists the newest first, as OTP does). */
async function children(sup: string): Promise<Pid[]> {
  return (await Supervisor.whichChildren(sup))
    .map((c) => c.pid)
    .filter((p): p is Pid => p instanceof Pid)
    .reverse();
}

describe('tenant isolation', () => {
  for (const how of ['kill', 'crash'] as const) {
    it(`a ${how} of one tenant's machine leaves every other tenant untouched`, async () => {
      run = await boot();
      const ents: Pid[] = [];
      const quotas: Pid[] = [];
      for (let t = 0; t < TENANTS; t++) {
        ents.push(await startEntitlementGovernorChild(`tenant-${t}`));
        quotas.push(await startQuotaSlaGovernorChild(`tenant-${t}`));
      }
      // Give every tenant a distinct state to check afterwards.
      for (let t = 0; t < TENANTS; t++) {
        if (t % 2 === 0) await entitlementGovernor.activate(ents[t]!);
        quotaSlaGovernor.usageReported(quotas[t]!, t * 5);
      }
      const before = await Promise.all(ents.map((p) => entitlementGovernor.state(p)));
      const quotaBefore = await Promise.all(quotas.map((p) => quotaSlaGovernor.state(p)));
      const entSup = whereis('entitlement_sup')!;
      const victim = 7;
      exit(ents[victim]!, how === 'kill' ? 'kill' : new Error('tenant 7 governor crashed'));
      await until(
        async () => !(await children('entitlement_sup')).includes(ents[victim]!),
        'the crashed machine to leave its supervisor',
      );

      expect(isProcessAlive(ents[victim]!)).toBe(false);
      // temporary: not restarted; the supervisor itself is unaffected.
      expect(await children('entitlement_sup')).toEqual(ents.filter((_, i) => i !== victim));
      expect(whereis('entitlement_sup')).toBe(entSup);
      for (let t = 0; t < TENANTS; t++) {
        if (t === victim) continue;
        expect(await entitlementGovernor.state(ents[t]!)).toEqual(before[t]);
      }
      expect(await Promise.all(quotas.map((p) => quotaSlaGovernor.state(p)))).toEqual(quotaBefore);
      // The tenant can be started afresh, from its initial state.
      const again = await startEntitlementGovernorChild(`tenant-${victim}`);
      expect((await entitlementGovernor.state(again)).state).toBe('pending');
      // Chaos recovery accepts a tree of state-machine workers (they answer the ping).
      expect(await verifyRecovery({ timeoutMs: 2000 })).toMatchObject({ ok: true });
    });
  }
});

describe('escalation', () => {
  it('a functional supervisor past its intensity makes the one_for_all root restart everything', async () => {
    run = await boot();
    const tenant = await startEntitlementGovernorChild('tenant-x');
    const top = new Map((await Supervisor.whichChildren('autonomics_sup')).map((c) => [c.id, c.pid]));
    const rootPid = whereis('autonomics_sup');
    await receiptStore.storeReceipt({
      executionId: 'before-escalation',
      tenant: 'tenant-x',
      timestamp: 1,
      kind: 'decision',
      payload: null,
    });
    // receipt_ledger_sup allows 5 restarts in 60 s; the 6th kill of receipt_store escalates.
    for (let i = 0; i < 6; i++) {
      const pid = whereis('receipt_store');
      if (pid === undefined) break;
      exit(pid, 'kill');
      await until(
        () => whereis('receipt_store') !== undefined && whereis('receipt_store') !== pid,
        `receipt_store to come back (kill ${i + 1})`,
      );
    }
    await until(async () => {
      const now = await Supervisor.whichChildren('autonomics_sup').catch(() => []);
      return now.length === 4 && now.every((c) => c.pid instanceof Pid && c.pid !== top.get(c.id));
    }, 'the root to restart all four children');
    expect(whereis('autonomics_sup')).toBe(rootPid);
    const after = await Supervisor.whichChildren('autonomics_sup');
    expect(after.map((c) => c.id)).toEqual([
      'observability_sup',
      'cluster_sup',
      'receipt_ledger_sup',
      'governance_sup',
    ]);
    for (const c of after) expect(c.pid, `${String(c.id)} restarted`).not.toBe(top.get(c.id));
    // Everything under the old governance_sup went with it, tenants included; the new tree works.
    expect(isProcessAlive(tenant)).toBe(false);
    expect(await children('entitlement_sup')).toEqual([]);
    // The durable ledger reopens with what it held.
    expect(await receiptStore.count()).toBe(1);
    expect(await verifyRecovery({ timeoutMs: 5000 })).toMatchObject({ ok: true });
  });
});
