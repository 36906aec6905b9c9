// Throughput and latency of the runtime patterns. Prints one JSON line per workload.
// Ledger workloads are durable (WAL, synchronous=full) on a temp dir on the real disk
// (override with BENCH_DIR; never point it at tmpfs such as /dev/shm, which has no fsync cost).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CircuitBreaker, Ledger, RoutingTable } from '@ggen-ts/runtime';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Whole microseconds, except below 10 µs where the fraction is the signal. */
function roundUs(us: number): number {
  return us < 10 ? Number(us.toFixed(3)) : Math.round(us);
}

function report(
  workload: string,
  clients: number,
  ops: number,
  elapsedNs: bigint,
  latenciesUs: number[],
  extra: Record<string, unknown> = {},
): void {
  const sorted = Float64Array.from(latenciesUs).sort();
  const seconds = Number(elapsedNs) / 1e9;
  console.log(
    JSON.stringify({
      workload,
      clients,
      ops_per_s: Math.round(ops / seconds),
      p50_us: roundUs(percentile(sorted, 50)),
      p99_us: roundUs(percentile(sorted, 99)),
      ops,
      seconds: Number(seconds.toFixed(2)),
      ...extra,
    }),
  );
}

async function chargeWorkload(clients: number): Promise<void> {
  const base = process.env['BENCH_DIR'] ?? tmpdir();
  const dir = mkdtempSync(join(base, 'ggen-bench-ledger-'));
  try {
    const accounts = Array.from({ length: 64 }, (_, i) => ({
      id: `ACC-${String(i).padStart(3, '0')}`,
      openingBalance: 1_000_000_000_000,
    }));
    const ledger = await Ledger.open({ database: join(dir, 'ledger.db'), currency: 'USD', accounts, floor: 0 });
    const latencies: number[] = [];
    let ops = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(Math.round(SECONDS * 1e9));
    const worker = async (c: number): Promise<void> => {
      for (let i = 0; process.hrtime.bigint() < deadline; i++) {
        const t0 = process.hrtime.bigint();
        await ledger.charge(`c${c}-${i}`, accounts[(c + i) % accounts.length]!.id, (i % 500) + 1);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
        ops++;
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, c) => worker(c)));
    const elapsed = process.hrtime.bigint() - start;
    const chain = await ledger.verifyChain();
    if (!chain.ok) throw new Error(`bench ledger failed verification: ${JSON.stringify(chain)}`);
    await ledger.close();
    report('charge_account', clients, ops, elapsed, latencies, { durable: 'wal+synchronous=full', dir: base });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sync hot-path patterns: latency is the mean per op over batches of BATCH, since one op is below timer resolution. */
function syncWorkload(workload: string, op: (i: number) => void): void {
  const BATCH = 1000;
  const latencies: number[] = [];
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(Math.min(SECONDS, 2) * 1e9));
  while (process.hrtime.bigint() < deadline) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < BATCH; j++) op(ops + j);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1000 / BATCH);
    ops += BATCH;
  }
  report(workload, 1, ops, process.hrtime.bigint() - start, latencies, {
    latency: `mean per op over batches of ${BATCH}`,
  });
}

const breaker = new CircuitBreaker({ errorThreshold: 0.5, windowMs: 60_000, minRequests: 20, openMs: 5_000 });
syncWorkload('circuit_breaker_allow_record', (i) => {
  if (breaker.allow()) {
    if (i % 10 === 0) breaker.recordFailure();
    else breaker.recordSuccess();
  }
});

const table = new RoutingTable();
for (let i = 0; i < 100_000; i++) table.add(`1-800-${String(i).padStart(7, '0')}`, `sip:t${i}@example.com`);
const numbers = Array.from({ length: 4096 }, (_, i) => `1-800-${String((i * 7919) % 100_000).padStart(7, '0')}`);
syncWorkload('route_lookup_100k', (i) => {
  if (table.lookup(numbers[i & 4095]!) === undefined) throw new Error('route missing');
});

await chargeWorkload(1);
await chargeWorkload(64);
