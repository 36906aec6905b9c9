/**
 * Chat benchmark (generated/chat on the runtime, real WebSockets on 127.0.0.1), one JSON line per
 * workload. The server runs here; the clients run in their own process (bench/chat-client.ts).
 *   concurrent_sessions   SESSIONS connections opened, authenticated and held, each with its own
 *                         session process; time to open and to join 10-member rooms
 *   idle_session_memory   server RSS and heap growth per held idle session (after GC)
 *   room_round_trip       send_message until all 9 other members of the 10-member room have it,
 *                         at SESSIONS held sessions: p50/p95/p99 (target p95 <= 10 ms)
 *   throughput            messages/s at saturation: senders in many rooms with a window of
 *                         unacknowledged messages each; every message is durable before its ack
 * Run through `npm run bench:chat`, which raises the fd limit. CHAT_BENCH_SESSIONS (default 10000)
 * and BENCH_MS (throughput duration, default 3000) tune it; the whole run is bounded.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Supervisor, resetRuntime, silentLogger } from '@ggen-ts/runtime';
import { round } from './lib/samples.js';

const SESSIONS = Number(process.env.CHAT_BENCH_SESSIONS ?? 10_000);
const DURATION_MS = Number(process.env.BENCH_MS ?? 3000);
const DEADLINE_MS = 170_000;
process.env.CHAT_JWT_SECRET ??= 'chat-bench-secret-0123456789abcdef-0123456789';

const { startChat } = await import('../generated/chat/index.js');

const hardStop = setTimeout(() => {
  console.error('bench:chat: over its time budget, stopping');
  process.exit(2);
}, DEADLINE_MS);
hardStop.unref();

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

function memory(): { rss: number; heap: number } {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external + m.arrayBuffers };
}

function phase(child: ChildProcess, name: string, ...args: number[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { phase: string; ok?: Record<string, number>; error?: string }): void => {
      if (m.phase !== name) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (m.error !== undefined) reject(new Error(`client ${name}: ${m.error}`));
      else resolve(m.ok as Record<string, number>);
    };
    const onExit = (code: number | null): void => reject(new Error(`client exited (${code}) during ${name}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ phase: name, args });
  });
}

const emit = (line: Record<string, unknown>): void => console.log(JSON.stringify(line));

resetRuntime({ logger: silentLogger });
const dataDir = mkdtempSync(join(tmpdir(), 'ggen-bench-chat-'));
// All 10,000 sessions come from one client process on one address, and the throughput phase sends
// as fast as acks come back: lift the spec's per-address and per-connection rate limits here.
const app = await startChat({
  dataDir,
  port: 0,
  intensity: 1000,
  gatewayLimits: {
    maxConnections: 20_000,
    maxConnectionsPerAddress: 20_000,
    messagesPerSecond: 1_000_000,
    messageBurst: 1_000_000,
  },
});
let child: ChildProcess | undefined;
try {
  const before = memory();
  child = fork(fileURLToPath(new URL('./chat-client.js', import.meta.url)), [], {
    env: { ...process.env, CHAT_BENCH_PORT: String(app.port) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  const c = await phase(child, 'connect', SESSIONS);
  const held = app.hub.size;
  const processes = (await Supervisor.countChildren('session_sup')).active;
  emit({
    workload: 'concurrent_sessions',
    sessions: held,
    session_processes: processes,
    connect_auth_s: round((c.connectMs as number) / 1000),
    sessions_per_s: round(SESSIONS / ((c.connectMs as number) / 1000)),
    join_room_s: round((c.joinMs as number) / 1000),
  });

  const after = memory();
  emit({
    workload: 'idle_session_memory',
    sessions: held,
    rss_bytes_per_session: Math.round((after.rss - before.rss) / held),
    heap_bytes_per_session: Math.round((after.heap - before.heap) / held),
    target_bytes: 5120,
    gc_exposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
  });

  for (const inFlight of [1, 50]) {
    const r = await phase(child, 'latency', inFlight === 1 ? 2000 : 5000, inFlight);
    emit({
      workload: 'room_round_trip',
      room_members: 10,
      sessions: held,
      in_flight: inFlight,
      ...r,
      elapsedMs: round(r.elapsedMs as number),
      target_p95_us: 10_000,
    });
  }

  const cpu0 = process.cpuUsage();
  const t = await phase(child, 'throughput', 500, 8, DURATION_MS);
  const secs = (t.elapsedMs as number) / 1000;
  const cpu = process.cpuUsage(cpu0);
  emit({
    workload: 'throughput',
    sessions: held,
    senders: t.senders,
    window: t.window,
    messages_per_s: Math.round((t.acked as number) / secs),
    deliveries_per_s: Math.round((t.delivered as number) / secs),
    acked: t.acked,
    seconds: round(secs),
    // Server process CPU over the phase (100 = one core busy): near 100 means the single event loop is the limit.
    server_cpu_pct: Math.round(((cpu.user + cpu.system) / 1000 / (t.elapsedMs as number)) * 100),
    client_cpu_pct: t.clientCpuPct,
  });

  await phase(child, 'close');
} finally {
  child?.kill();
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });
  clearTimeout(hardStop);
}
