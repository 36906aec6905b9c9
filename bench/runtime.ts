/**
 * Runtime benchmark: one JSON line per workload.
 *   cast              casts/s to a no-op server
 *   call_sequential   one caller, awaits each call; ops/s, p50/p99 latency
 *   call_concurrent   100 callers in parallel; ops/s, p50/p99 latency
 *   restart           kill a supervised child, time until its replacement answers a call
 */
import { Samples } from './lib/samples.js';
import {
  GenServer,
  Supervisor,
  exit,
  resetRuntime,
  self,
  silentLogger,
  unwrapStart,
  type GenServerBehaviour,
  type Pid,
} from '@ggen-ts/runtime';

const DURATION_MS = Number(process.env.BENCH_MS ?? 2000);

const noop: GenServerBehaviour<number, number> = {
  init: (n) => ({ ok: n }),
  handleCall: (_req, _from, s) => ({ reply: s, state: s }),
  handleCast: (_msg, s) => ({ noreply: s }),
};

const now = (): bigint => process.hrtime.bigint();

async function benchCast(): Promise<void> {
  resetRuntime({ logger: silentLogger });
  const pid = unwrapStart(await GenServer.start(noop, 0));
  const batch = 10_000;
  let sent = 0;
  const end = Date.now() + DURATION_MS;
  const t0 = now();
  while (Date.now() < end) {
    for (let i = 0; i < batch; i++) GenServer.cast(pid, i);
    sent += batch;
    // A call after each batch waits until the server has handled every cast before it.
    await GenServer.call(pid, 'sync', 'infinity');
  }
  const secs = Number(now() - t0) / 1e9;
  console.log(JSON.stringify({ workload: 'cast', ops_per_s: Math.round(sent / secs) }));
}

async function benchCallSequential(): Promise<void> {
  resetRuntime({ logger: silentLogger });
  const pid = unwrapStart(await GenServer.start(noop, 0));
  for (let i = 0; i < 50_000; i++) await GenServer.call(pid, i);
  const samples = new Samples(1 << 20);
  let n = 0;
  const end = Date.now() + DURATION_MS;
  const t0 = now();
  while (Date.now() < end) {
    for (let i = 0; i < 1000; i++) {
      const s = now();
      await GenServer.call(pid, i);
      samples.add(Number(now() - s) / 1000);
    }
    n += 1000;
  }
  const secs = Number(now() - t0) / 1e9;
  console.log(JSON.stringify({ workload: 'call_sequential', ops_per_s: Math.round(n / secs), ...samples.summary() }));
}

async function benchCallConcurrent(clients: number): Promise<void> {
  resetRuntime({ logger: silentLogger });
  const pid = unwrapStart(await GenServer.start(noop, 0));
  const samples = new Samples(1 << 20);
  let n = 0;
  let end = Date.now() + 300;
  const client = async (record: boolean): Promise<void> => {
    while (Date.now() < end) {
      for (let i = 0; i < 100; i++) {
        const s = now();
        await GenServer.call(pid, i);
        if (record) {
          samples.add(Number(now() - s) / 1000);
          n++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, () => client(false)));
  end = Date.now() + DURATION_MS;
  const t0 = now();
  await Promise.all(Array.from({ length: clients }, () => client(true)));
  const secs = Number(now() - t0) / 1e9;
  console.log(
    JSON.stringify({ workload: 'call_concurrent', clients, ops_per_s: Math.round(n / secs), ...samples.summary() }),
  );
}

async function benchRestart(): Promise<void> {
  resetRuntime({ logger: silentLogger });
  let onStart: ((pid: Pid) => void) | undefined;
  const worker: GenServerBehaviour<number, number> = {
    ...noop,
    init: (n) => {
      onStart?.(self());
      return { ok: n };
    },
  };
  const sup = unwrapStart(
    await Supervisor.start({ strategy: 'one_for_one', intensity: 1_000_000, period: 1 }, [
      { id: 'worker', start: () => GenServer.startLink(worker, 0) },
    ]),
  );
  let pid = (await Supervisor.whichChildren(sup))[0]!.pid as Pid;
  const samples = new Samples(1 << 20);
  const end = Date.now() + DURATION_MS;
  while (Date.now() < end) {
    const replaced = new Promise<Pid>((resolve) => (onStart = resolve));
    const s = now();
    exit(pid, 'kill');
    const next = await replaced;
    await GenServer.call(next, 'ping');
    samples.add(Number(now() - s) / 1000);
    if (next === pid) throw new Error('restart did not replace the worker');
    pid = next;
  }
  console.log(JSON.stringify({ workload: 'restart', ...samples.summary() }));
}

async function main(): Promise<void> {
  await benchCast();
  await benchCallSequential();
  await benchCallConcurrent(100);
  await benchRestart();
  resetRuntime({ logger: silentLogger });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
