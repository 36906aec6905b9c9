/**
 * The generated chaos module on the autonomics tree, whose workers include per-tenant state
 * machines: seeded random kills (servers are restarted, temporary tenant machines are not) and
 * verifyRecovery after each; the services answer afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor, whereis } from '../../packages/runtime/src/index.js';
import {
  alertManager,
  clusterMgr,
  receiptStore,
  startEntitlementGovernorChild,
  startQuotaSlaGovernorChild,
} from '../../generated/autonomics/index.js';
import { killRandomWorker, verifyRecovery } from '../../generated/autonomics/chaos.js';
import { boot, type Running } from './helpers.js';

let run: Running | undefined;
afterEach(async () => {
  await run?.cleanup();
  run = undefined;
});

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('chaos on the autonomics tree', () => {
  it('recovers from 40 seeded kills of servers and tenant machines', async () => {
    // Raised limits: this test is about recovery, not about giving up (escalation is tested elsewhere).
    run = await boot({ intensity: 1000 });
    for (let t = 0; t < 10; t++) {
      await startEntitlementGovernorChild(`tenant-${t}`);
      await startQuotaSlaGovernorChild(`tenant-${t}`);
    }
    const random = seeded(42);
    const killed: string[] = [];
    const governorSups = [whereis('entitlement_sup'), whereis('quota_sla_sup')];
    for (let i = 0; i < 40; i++) {
      const k = await killRandomWorker({ random });
      // Dynamic children have no id (undefined, as in OTP); name them by their supervisor.
      killed.push(governorSups.includes(k.supervisor) ? 'tenant_governor' : String(k.id));
      const verdict = await verifyRecovery({ timeoutMs: 5000 });
      expect(verdict, `after killing ${String(k.id)}`).toMatchObject({ ok: true });
    }
    // Both kinds of worker were hit.
    expect(killed.some((id) => id.endsWith('_governor'))).toBe(true);
    expect(killed.some((id) => !id.endsWith('_governor'))).toBe(true);
    const tenantsLeft =
      (await Supervisor.countChildren('entitlement_sup')).workers +
      (await Supervisor.countChildren('quota_sla_sup')).workers;
    expect(tenantsLeft).toBe(20 - killed.filter((id) => id.endsWith('_governor')).length);
    expect(await receiptStore.count()).toBe(0);
    expect(await alertManager.active()).toEqual([]);
    expect((await clusterMgr.members()).length).toBe(1);
  });
});
