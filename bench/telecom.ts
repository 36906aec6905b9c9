/**
 * Telecom benchmark (generated/telecom on the runtime), one JSON line per workload:
 *   route_call       routeCall at 1 and 100 concurrent callers: calls/s, p50/p99 latency
 *   charge_account   chargeAccount at 1 and 64 concurrent callers, durable (WAL, synchronous=full,
 *                    group commit): txn/s, p50/p99 latency
 *   restart          kill(call_router) until the new call_router answers routeCall: p50/p99. Runs on
 *                    the declared tree (intensity 10 per 60 s), so a fresh tree is booted per 9 kills.
 * BENCH_MS sets each throughput workload's duration (default 2000).
 */
import { Samples } from './lib/samples.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exit, resetRuntime, silentLogger, whereis } from '@ggen-ts/runtime';
import { billingEngine, callRouter, startTelecom, type TelecomHandle } from '../generated/telecom/index.js';

const DURATION_MS = Number(process.env.BENCH_MS ?? 2000);
const KILL_BATCHES = Number(process.env.BENCH_RESTART_BATCHES ?? 30);

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;

async function withTree<T>(fn: (app: TelecomHandle) => Promise<T>): Promise<T> {
  resetRuntime({ logger: silentLogger });
  const dataDir = mkdtempSync(join(tmpdir(), 'ggen-bench-telecom-'));
  const app = await startTelecom({ dataDir });
  try {
    return await fn(app);
  } finally {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function closedLoop(
  clients: number,
  op: (client: number, i: number) => Promise<unknown>,
): Promise<{ ops: number; elapsedMs: number; samples: Samples }> {
  const samples = new Samples();
  let ops = 0;
  const start = performance.now();
  const deadline = start + DURATION_MS;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = nowUs();
        await op(c, i);
        samples.add(nowUs() - t0);
        ops++;
      }
    }),
  );
  return { ops, elapsedMs: performance.now() - start, samples };
}

function line(
  workload: string,
  extra: Record<string, unknown>,
  r: { ops: number; elapsedMs: number; samples: Samples },
): void {
  console.log(
    JSON.stringify({
      workload,
      ...extra,
      ops_per_s: Math.round(r.ops / (r.elapsedMs / 1000)),
      p50_us: r.samples.percentile(50),
      p99_us: r.samples.percentile(99),
      ops: r.ops,
    }),
  );
}

async function routeCall(clients: number): Promise<void> {
  await withTree(async () => {
    await closedLoop(clients, () => callRouter.routeCall('CALL-BENCH', '1-800-FORTUNE')); // a first pass warms up the JIT; only the second is reported
    const r = await closedLoop(clients, () => callRouter.routeCall('CALL-BENCH', '1-800-FORTUNE'));
    line('route_call', { clients }, r);
  });
}

async function chargeAccount(clients: number): Promise<void> {
  await withTree(async () => {
    const r = await closedLoop(clients, (c, i) => billingEngine.chargeAccount(`B-${clients}-${c}-${i}`, 'ACC-001', 1));
    line('charge_account', { clients, durable: true, journal: 'wal', synchronous: 'full' }, r);
  });
}

async function answersAgain(old: unknown): Promise<void> {
  for (let i = 0; ; i++) {
    const pid = whereis('call_router');
    if (pid !== undefined && pid !== old) {
      try {
        await callRouter.routeCall('CALL-R', '911');
        return;
      } catch {
        // not answering yet
      }
    }
    // Let the supervisor's restart (microtasks) run; fall back to a macrotask now and then.
    if (i % 256 === 255) await new Promise((r) => setImmediate(r));
    else await Promise.resolve();
  }
}

async function restart(): Promise<void> {
  const samples = new Samples();
  for (let b = 0; b < KILL_BATCHES; b++) {
    await withTree(async () => {
      for (let k = 0; k < 9; k++) {
        const victim = whereis('call_router')!;
        await callRouter.routeCall('CALL-W', '911');
        const t0 = nowUs();
        exit(victim, 'kill');
        await answersAgain(victim);
        samples.add(nowUs() - t0);
        // Let billing_engine (restarted after call_router by rest_for_one) settle before the next kill.
        for (let i = 0; i < 1000 && whereis('billing_engine') === undefined; i++)
          await new Promise((r) => setTimeout(r, 1));
        await billingEngine.getAccountBalance('ACC-001');
      }
    });
  }
  console.log(
    JSON.stringify({
      workload: 'restart',
      child: 'call_router',
      kills: samples.count,
      tree: 'declared intensity (10 per 60 s): a fresh tree per 9 kills',
      p50_us: samples.percentile(50),
      p99_us: samples.percentile(99),
    }),
  );
}

await routeCall(1);
await routeCall(100);
await chargeAccount(1);
await chargeAccount(64);
await restart();
