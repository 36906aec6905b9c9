import { afterAll, describe, expect, it } from 'vitest';
import {
  billingEngine,
  callRouter,
  OperationError,
  UnavailableError,
  type ChargeResult,
} from '../../generated/telecom/index.js';
import { cascadeFailure, killRandomWorker, verifyRecovery } from '../../generated/telecom/chaos.js';
import { boot, OPENING, seeded, verifyChain, type Running } from './helpers.js';

const KILLS = 100;
let sys: Running | undefined;
afterAll(async () => {
  await sys?.cleanup();
});

/** The only acceptable failures: a declared refusal, or a server that was down or died mid-call. */
function clear(err: unknown): 'refused' | 'unavailable' {
  if (err instanceof OperationError) return 'refused';
  if (err instanceof UnavailableError) return 'unavailable';
  throw new Error(`unclear failure: ${String(err)}`, { cause: err });
}

describe('chaos: 100 random kills under routeCall and chargeAccount load', () => {
  it('every call succeeds or fails clearly, the tree recovers every time, and no acknowledged charge is lost or doubled', async () => {
    // Intensity raised for this run only: 100 kills in a few seconds would exceed the declared 10 per 60 s by design.
    sys = await boot({ intensity: 10_000 });
    let stop = false;
    const outcomes = { routed: 0, refused: 0, unavailable: 0 };
    const acknowledged = new Map<string, ChargeResult>();

    const router = async (): Promise<void> => {
      while (!stop) {
        try {
          expect(await callRouter.routeCall('CALL', '1-800-SUPPORT', 200)).toBe('sip:support@telecom.example.com');
          outcomes.routed++;
        } catch (err) {
          outcomes[clear(err)]++;
          await new Promise((r) => setTimeout(r, 1));
        }
      }
    };
    let next = 0;
    const charger = async (): Promise<void> => {
      while (!stop) {
        const txnId = `CHAOS-${next++}`;
        // Retry with the same txnId until it is acknowledged: idempotency makes the retry safe.
        for (;;) {
          try {
            const r = await billingEngine.chargeAccount(txnId, 'ACC-001', 1, 2000);
            acknowledged.set(txnId, r);
            break;
          } catch (err) {
            const kind = clear(err);
            outcomes[kind]++;
            // storage_error: the pool under the ledger was killed before COMMIT; declared as not acknowledged.
            if (kind === 'refused' && (err as OperationError).code !== 'storage_error') throw err;
            await new Promise((r) => setTimeout(r, 1));
          }
        }
      }
    };
    const load = [...Array.from({ length: 4 }, router), ...Array.from({ length: 8 }, charger)];

    const random = seeded(0xc4a05);
    const victims = new Map<string, number>();
    for (let i = 0; i < KILLS; i++) {
      const killed = i % 10 === 9 ? await cascadeFailure() : await killRandomWorker({ random });
      victims.set(String(killed.id), (victims.get(String(killed.id)) ?? 0) + 1);
      const verdict = await verifyRecovery({ timeoutMs: 3000 });
      expect(verdict, `after kill ${i + 1} (${String(killed.id)})`).toMatchObject({ ok: true, workers: 3 });
      await new Promise((r) => setTimeout(r, 2));
    }
    stop = true;
    await Promise.all(load);

    expect(victims.size).toBe(3);
    expect(outcomes.routed).toBeGreaterThan(0);
    expect(acknowledged.size).toBeGreaterThan(0);

    // Every acknowledged charge is in the ledger exactly once, and nothing else charged ACC-001.
    const log = await billingEngine.getAuditLog('ACC-001');
    const charges = log.filter((e) => e.kind === 'charge');
    const counts = new Map<string, number>();
    for (const e of charges) counts.set(e.txnId!, (counts.get(e.txnId!) ?? 0) + 1);
    for (const txnId of acknowledged.keys()) expect(counts.get(txnId), txnId).toBe(1);
    for (const [txnId, n] of counts) expect(n, txnId).toBe(1);
    // A charge whose reply was lost to a kill was retried to acknowledgement, so the ledger holds exactly the acknowledged set.
    expect(counts.size).toBe(acknowledged.size);

    // Each balance is its opening balance plus its ledger.
    for (const [account, opening] of Object.entries(OPENING)) {
      const entries = await billingEngine.getAuditLog(account);
      const net = entries.reduce(
        (sum, e) => sum + (e.kind === 'charge' ? -e.amount : e.kind === 'refund' ? e.amount : 0),
        0,
      );
      expect((await billingEngine.getAccountBalance(account)).balance, account).toBe(opening + net);
    }
    expect((await billingEngine.getAccountBalance('ACC-001')).balance).toBe(OPENING['ACC-001']! - acknowledged.size);

    await sys.app.stop();
    expect(await verifyChain(sys.dataDir)).toMatchObject({ ok: true });
  });
});
