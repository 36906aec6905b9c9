/**
 * Autonomics benchmark on the GENERATED tree (generated/autonomics), one JSON line per workload:
 *   tenants_start     TENANTS x 8 governors started through the generated start<Governor>Child
 *                     functions (simple_one_for_one, temporary): wall time, RSS (target <= 5 s, <= 1 GB)
 *   governor_events   events across all those machines through the generated typed clients:
 *                     100 concurrent callers for call events, casts for cast events, drained before
 *                     the clock stops (target >= 100,000 events/s)
 *   receipt_insert    receiptStore.storeReceipt, durable (WAL, synchronous=FULL) with group commit,
 *                     at 256 concurrent callers (target >= 10,000 receipts/s)
 *   receipt_query     receiptStore.queryByTenant (first page of 20) over FILL receipts in 10,000
 *                     tenants: p50/p99 (target p99 <= 10 ms). The fill beyond the measured inserts
 *                     goes straight into the same database file with ReceiptStore.insertMany.
 * Env: TENANTS (10000), ROUNDS (5), INSERTS (100000), FILL (1000000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiptStore, resetRuntime, silentLogger, type Pid } from '@ggen-ts/runtime';
import * as app from '../generated/autonomics/index.js';
import { Samples } from './lib/samples.js';

const TENANTS = Number(process.env.TENANTS ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const INSERTS = Number(process.env.INSERTS ?? 100_000);
const FILL = Number(process.env.FILL ?? 1_000_000);
const QUERY_TENANTS = 10_000;
const CALLERS = 100;
const mb = (b: number) => Math.round(b / 1048576);
const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;

type Send = (pid: Pid, round: number) => Promise<unknown> | boolean;

/** One governor: how to start it for a tenant, and the event it gets in each round (valid cycles, so nothing is refused). */
interface Governor {
  name: string;
  start: (tenantId: string) => Promise<Pid>;
  send: Send;
  cast: boolean;
}

const g = app;
const GOVERNORS: Governor[] = [
  {
    name: 'entitlement',
    start: g.startEntitlementGovernorChild,
    cast: false,
    send: (p, r) =>
      r === 0
        ? g.entitlementGovernor.activate(p)
        : r % 2
          ? g.entitlementGovernor.suspend(p, 'bench')
          : g.entitlementGovernor.reinstate(p),
  },
  {
    name: 'billing',
    start: g.startBillingGovernorChild,
    cast: false,
    send: (p, r) => (r % 2 === 0 ? g.billingGovernor.paymentFailed(p, 100) : g.billingGovernor.paymentReceived(p, 100)),
  },
  {
    name: 'product_catalog',
    start: g.startProductCatalogGovernorChild,
    cast: false,
    send: (p, r) =>
      r === 0
        ? g.productCatalogGovernor.publish(p)
        : r % 2
          ? g.productCatalogGovernor.deprecate(p)
          : g.productCatalogGovernor.republish(p),
  },
  {
    name: 'subscription',
    start: g.startSubscriptionGovernorChild,
    cast: false,
    send: (p, r) => (r === 0 ? g.subscriptionGovernor.convert(p) : g.subscriptionGovernor.renew(p)),
  },
  {
    name: 'customer_account',
    start: g.startCustomerAccountGovernorChild,
    cast: false,
    send: (p) => g.customerAccountGovernor.issueCode(p, '123456'),
  },
  {
    name: 'quota_sla',
    start: g.startQuotaSlaGovernorChild,
    cast: true,
    send: (p, r) => g.quotaSlaGovernor.usageReported(p, [50, 85, 97, 100, 20][r % 5]!),
  },
  {
    name: 'compliance_audit',
    start: g.startComplianceAuditGovernorChild,
    cast: false,
    send: (p, r) => (r % 2 === 0 ? g.complianceAuditGovernor.openReview(p) : g.complianceAuditGovernor.passReview(p)),
  },
  {
    name: 'multi_tenant',
    start: g.startGovernorLifecycleChild,
    cast: true,
    send: (p, r) =>
      r === 0 ? g.governorLifecycle.booted(p) : g.governorLifecycle.pressure(p, [10, 65, 80, 92, 99][r % 5]!),
  },
];

async function main(): Promise<void> {
  resetRuntime({ logger: silentLogger });
  const dataDir = mkdtempSync(join(tmpdir(), 'ggen-bench-autonomics-'));
  let notifications = 0;
  let metrics = 0;
  const handle = await app.startAutonomics({
    dataDir,
    machineHooks: { notify: () => void notifications++, metrics: { inc: () => void metrics++ } },
  });
  try {
    // ---- tenants_start ----
    globalThis.gc?.();
    const pids: Pid[][] = GOVERNORS.map(() => new Array<Pid>(TENANTS));
    const t0 = performance.now();
    const CHUNK = 2000;
    for (let base = 0; base < TENANTS; base += CHUNK) {
      const jobs: Promise<void>[] = [];
      for (let t = base; t < Math.min(TENANTS, base + CHUNK); t++) {
        GOVERNORS.forEach((gov, gi) => jobs.push(gov.start(`tenant-${t}`).then((pid) => void (pids[gi]![t] = pid))));
      }
      await Promise.all(jobs);
    }
    const startMs = performance.now() - t0;
    globalThis.gc?.();
    const mem = process.memoryUsage();
    const machines = TENANTS * GOVERNORS.length;
    console.log(
      JSON.stringify({
        workload: 'tenants_start',
        tenants: TENANTS,
        machines,
        wall_ms: Math.round(startMs),
        machines_per_s: Math.round(machines / (startMs / 1000)),
        rss_mb: mb(mem.rss),
        heap_mb: mb(mem.heapUsed),
      }),
    );

    // ---- governor_events ----
    {
      const calls = GOVERNORS.map((x, i) => [x, i] as const).filter(([x]) => !x.cast);
      const casts = GOVERNORS.map((x, i) => [x, i] as const).filter(([x]) => x.cast);
      const samples = new Samples(1 << 20);
      let refused = 0;
      let sent = 0;
      const t1 = performance.now();
      for (let round = 0; round < ROUNDS; round++) {
        for (const [gov, gi] of casts)
          for (let t = 0; t < TENANTS; t++) if (gov.send(pids[gi]![t]!, round) === true) sent++;
        let next = 0;
        const total = TENANTS * calls.length;
        await Promise.all(
          Array.from({ length: CALLERS }, async () => {
            for (;;) {
              const i = next++;
              if (i >= total) return;
              const [gov, gi] = calls[i % calls.length]!;
              const t = (i / calls.length) | 0;
              const s = nowUs();
              try {
                await gov.send(pids[gi]![t]!, round);
              } catch {
                refused++;
              }
              samples.add(nowUs() - s);
              sent++;
            }
          }),
        );
      }
      // The casts are done once every cast machine has answered a call queued behind them.
      await Promise.all(
        casts.flatMap(([gov, gi]) =>
          pids[gi]!.map((p) => (gov.name === 'quota_sla' ? g.quotaSlaGovernor.state(p) : g.governorLifecycle.state(p))),
        ),
      );
      const secs = (performance.now() - t1) / 1000;
      console.log(
        JSON.stringify({
          workload: 'governor_events',
          machines,
          rounds: ROUNDS,
          events: sent,
          events_per_s: Math.round(sent / secs),
          callers: CALLERS,
          refused,
          call_p50_us: samples.percentile(50),
          call_p99_us: samples.percentile(99),
          rss_mb: mb(process.memoryUsage().rss),
        }),
      );
    }

    // ---- receipt_insert ----
    {
      const samples = new Samples(1 << 18);
      let next = 0;
      const t2 = performance.now();
      await Promise.all(
        Array.from({ length: 256 }, async () => {
          for (;;) {
            const i = next++;
            if (i >= INSERTS) return;
            const s = nowUs();
            const r = await app.receiptStore.storeReceipt({
              executionId: `exec-${i}`,
              tenant: `tenant-${i % QUERY_TENANTS}`,
              timestamp: 1_700_000_000_000 + i,
              kind: 'governor.decision',
              payload: { i, verdict: 'allow' },
            });
            if (!r.inserted) throw new Error(`exec-${i} was not inserted`);
            samples.add(nowUs() - s);
          }
        }),
      );
      const secs = (performance.now() - t2) / 1000;
      console.log(
        JSON.stringify({
          workload: 'receipt_insert',
          receipts: INSERTS,
          callers: 256,
          receipts_per_s: Math.round(INSERTS / secs),
          durable: 'wal+synchronous=full',
          p50_us: samples.percentile(50),
          p99_us: samples.percentile(99),
        }),
      );
    }
  } finally {
    await handle.stop();
  }

  // ---- receipt_query ---- (fill the same file directly, then query through a fresh tree)
  {
    const store = ReceiptStore.open({ path: join(dataDir, 'autonomics-receipts.db') });
    const BATCH = 5000;
    for (let base = INSERTS; base < FILL; base += BATCH) {
      const batch = [];
      for (let i = base; i < Math.min(FILL, base + BATCH); i++)
        batch.push({
          executionId: `exec-${i}`,
          tenant: `tenant-${i % QUERY_TENANTS}`,
          timestamp: 1_700_000_000_000 + i,
          kind: 'governor.decision',
          payload: { i, verdict: i % 3 ? 'allow' : 'deny' },
        });
      await store.insertMany(batch);
    }
    await store.close();
    resetRuntime({ logger: silentLogger });
    const h = await app.startAutonomics({ dataDir });
    try {
      const total = await app.receiptStore.count();
      const samples = new Samples();
      let seed = 12345;
      for (let q = 0; q < 10_000; q++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const s = nowUs();
        const page = await app.receiptStore.queryByTenant(`tenant-${seed % QUERY_TENANTS}`, { limit: 20 });
        samples.add(nowUs() - s);
        if (page.receipts.length !== 20) throw new Error('short page');
      }
      console.log(
        JSON.stringify({
          workload: 'receipt_query',
          receipts: total,
          tenants: QUERY_TENANTS,
          queries: 10_000,
          page: 20,
          p50_us: samples.percentile(50),
          p99_us: samples.percentile(99),
        }),
      );
    } finally {
      await h.stop();
    }
  }
  console.error(JSON.stringify({ notifications, metrics }));
  rmSync(dataDir, { recursive: true, force: true });
  resetRuntime();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
