/**
 * Autonomics mechanisms benchmark. Prints one JSON line per workload.
 *   node dist/bench/autonomics-mechanisms.js [--fill 1000000] [--tenants 10000]
 * Uses a temp dir on the real disk (os.tmpdir()), removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ReceiptStore, type ReceiptInput } from '@ggen-ts/runtime';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Deterministic PRNG so runs are comparable. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const receipt = (i: number, tenants: number): ReceiptInput => ({
  executionId: `exec-${i}`,
  tenant: `tenant-${i % tenants}`,
  timestamp: 1_700_000_000_000 + i,
  kind: 'action',
  payload: { action: 'scale', replicas: i % 7, ok: true },
});

const us = (ms: number) => Math.round(ms * 1000);

async function insertGroupCommit(dir: string, clients: number, total: number): Promise<void> {
  const store = ReceiptStore.open({ path: join(dir, 'gc.db') });
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const s = performance.now();
        await store.insert(receipt(i, 10_000));
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  await store.close();
  console.log(
    JSON.stringify({
      workload: 'receipt_insert_group_commit',
      durable: 'wal+synchronous=full',
      clients,
      receipts: total,
      ops_per_s: Math.round(total / secs),
      p50_us: us(pct(lat, 50)),
      p99_us: us(pct(lat, 99)),
    }),
  );
}

async function insertMany(dir: string, batch: number, total: number): Promise<void> {
  const store = ReceiptStore.open({ path: join(dir, 'many.db') });
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i += batch) {
    const rs = Array.from({ length: Math.min(batch, total - i) }, (_, k) => receipt(i + k, 10_000));
    const s = performance.now();
    await store.insertMany(rs);
    lat.push(performance.now() - s);
  }
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  await store.close();
  console.log(
    JSON.stringify({
      workload: 'receipt_insert_many',
      durable: 'wal+synchronous=full',
      batch,
      receipts: total,
      ops_per_s: Math.round(total / secs),
      batch_p50_us: us(pct(lat, 50)),
      batch_p99_us: us(pct(lat, 99)),
    }),
  );
}

async function queryByTenant(dir: string, fill: number, tenants: number, queries: number): Promise<void> {
  const store = ReceiptStore.open({ path: join(dir, 'fill.db') });
  const chunk = 100_000;
  const f0 = performance.now();
  for (let i = 0; i < fill; i += chunk) {
    await store.insertMany(Array.from({ length: Math.min(chunk, fill - i) }, (_, k) => receipt(i + k, tenants)));
  }
  const fillSecs = (performance.now() - f0) / 1000;
  const rand = mulberry32(42);
  const lat: number[] = [];
  let rows = 0;
  for (let q = 0; q < queries; q++) {
    const tenant = `tenant-${Math.floor(rand() * tenants)}`;
    const s = performance.now();
    rows += store.byTenant(tenant, { limit: 100 }).receipts.length;
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  const count = store.count();
  await store.close();
  console.log(
    JSON.stringify({
      workload: 'receipt_query_by_tenant',
      receipts: count,
      tenants,
      limit: 100,
      queries,
      avg_rows: Math.round(rows / queries),
      fill_s: Number(fillSecs.toFixed(1)),
      p50_us: us(pct(lat, 50)),
      p99_us: us(pct(lat, 99)),
    }),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'ggen-bench-autonomics-'));
try {
  await insertGroupCommit(dir, arg('clients', 256), arg('inserts', 50_000));
  await insertMany(dir, arg('batch', 1000), arg('inserts', 50_000));
  await queryByTenant(dir, arg('fill', 1_000_000), arg('tenants', 10_000), arg('queries', 5_000));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
