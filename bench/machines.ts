/**
 * Declared state machines at the autonomics scale: one JSON line per workload.
 *   machines_start   10,000 tenants x 8 governors = 80,000 machines under 8 simple_one_for_one
 *                    supervisors (restart temporary); wall time, RSS, heap per machine
 *   machines_cast    events cast round-robin across all machines; events/s until all are handled
 *   machines_call    events sent as calls round-robin by 100 concurrent callers; events/s, p50/p99
 * Targets: start <= 5 s and <= 1 GB RSS; >= 100,000 events/s.
 * Run compiled: node dist/bench/machines.js   (TENANTS=n to scale)
 */
import { Samples } from './lib/samples.js';
import { Supervisor, resetRuntime, silentLogger, unwrapStart, type Pid } from '@ggen-ts/runtime';
import { DeclaredMachine, castEvent, sendEvent, type MachineDefinition } from '@ggen-ts/runtime';

const TENANTS = Number(process.env.TENANTS ?? 10_000);
const CAST_ROUNDS = 11;
const CALL_ROUNDS = 5;
const CALLERS = 100;

const notAccepted = {
  code: 'event_not_accepted',
  message: 'the governor does not accept this event in its current state',
};

/** The entitlement governor's shape (specs/autonomics.ttl). */
function entitlementShape(name: string): MachineDefinition {
  return {
    name,
    states: [{ name: 'pending' }, { name: 'active' }, { name: 'suspended' }, { name: 'revoked', terminal: true }],
    initialState: 'pending',
    dataFields: [
      { name: 'suspensions', initial: 0 },
      { name: 'maxSuspensions', initial: 3 },
    ],
    events: [
      { name: 'activate', kind: 'call', params: [], replyType: 'string' },
      { name: 'suspend', kind: 'call', params: [{ name: 'reason', type: 'string' }], replyType: 'string' },
      { name: 'reinstate', kind: 'call', params: [], replyType: 'string' },
      { name: 'revoke', kind: 'call', params: [], replyType: 'string' },
    ],
    transitions: [
      { from: 'pending', event: 'activate', to: 'active' },
      { from: 'pending', event: 'revoke', to: 'revoked' },
      {
        from: 'active',
        event: 'suspend',
        to: 'suspended',
        priority: 0,
        guards: [{ left: 'data.suspensions', comparator: 'lt', right: 'data.maxSuspensions' }],
        actions: [{ kind: 'increment_field', field: 'suspensions' }],
      },
      { from: 'active', event: 'suspend', to: 'revoked', priority: 1 },
      { from: 'suspended', event: 'reinstate', to: 'active' },
      { from: 'active', event: 'revoke', to: 'revoked' },
      { from: 'suspended', event: 'revoke', to: 'revoked' },
    ],
    enterActions: {
      active: [{ kind: 'notify', topic: `${name}.active` }],
      suspended: [
        { kind: 'notify', topic: `${name}.suspended` },
        { kind: 'emit_metric', metric: `${name}_suspensions` },
      ],
      revoked: [
        { kind: 'notify', topic: `${name}.revoked` },
        { kind: 'emit_metric', metric: `${name}_revocations` },
      ],
    },
    stateTimeouts: [
      { inState: 'pending', timeoutMs: 86400000, event: 'activation_expired', to: 'revoked' },
      { inState: 'suspended', timeoutMs: 2592000000, event: 'suspension_expired', to: 'revoked' },
    ],
    unhandledError: notAccepted,
  };
}

/** The quota/SLA governor's shape: guarded priorities up, state timeouts stepping back down. */
function quotaShape(name: string): MachineDefinition {
  const levels = ['within_limits', 'warning', 'throttled', 'blocked'];
  const up = (from: string, to: string, priority: number, at?: string) => ({
    from,
    event: 'usage_reported',
    to,
    priority,
    ...(at
      ? { guards: [{ left: 'event.used' as const, comparator: 'gte' as const, right: `data.${at}` as const }] }
      : {}),
    actions: [{ kind: 'set_field' as const, field: 'used', fromParam: 'used' }],
  });
  return {
    name,
    states: levels.map((s) => ({ name: s })),
    initialState: 'within_limits',
    dataFields: [
      { name: 'used', initial: 0 },
      { name: 'warnAt', initial: 80 },
      { name: 'throttleAt', initial: 95 },
      { name: 'blockAt', initial: 100 },
    ],
    events: [
      { name: 'usage_reported', kind: 'cast', params: [{ name: 'used', type: 'number' }] },
      { name: 'reset', kind: 'call', params: [], replyType: 'string' },
    ],
    transitions: [
      ...levels.flatMap((from) => [
        up(from, 'blocked', 0, 'blockAt'),
        up(from, 'throttled', 1, 'throttleAt'),
        up(from, 'warning', 2, 'warnAt'),
        up(from, from, 3),
      ]),
      ...levels.map((from) => ({
        from,
        event: 'reset',
        to: 'within_limits',
        actions: [{ kind: 'reset_field' as const, field: 'used' }],
      })),
    ],
    enterActions: {
      warning: [{ kind: 'notify', topic: `${name}.warning` }],
      throttled: [
        { kind: 'notify', topic: `${name}.throttled` },
        { kind: 'emit_metric', metric: `${name}_throttles` },
      ],
      blocked: [
        { kind: 'notify', topic: `${name}.blocked` },
        { kind: 'emit_metric', metric: `${name}_blocks` },
      ],
    },
    stateTimeouts: [
      { inState: 'warning', timeoutMs: 60000, event: 'warning_cleared', to: 'within_limits' },
      { inState: 'throttled', timeoutMs: 120000, event: 'throttle_cleared', to: 'warning' },
      { inState: 'blocked', timeoutMs: 300000, event: 'block_cleared', to: 'throttled' },
    ],
    unhandledError: notAccepted,
  };
}

const now = (): bigint => process.hrtime.bigint();
const mb = (bytes: number): number => Math.round(bytes / 1048576);

interface Governor {
  machine: DeclaredMachine;
  quota: boolean;
}

/** The event a machine gets in a given round; rounds keep every machine on valid transitions. */
function eventFor(g: Governor, round: number, tenant: number): [string, Record<string, unknown>] {
  if (g.quota) return ['usage_reported', { used: [50, 85, 97, 100, 20, 81][(round + tenant) % 6]! }];
  if (round === 0) return ['activate', {}];
  return round % 2 === 1 ? ['suspend', { reason: 'bench' }] : ['reinstate', {}];
}

async function main(): Promise<void> {
  resetRuntime({ logger: silentLogger });
  let notifications = 0;
  let metrics = 0;
  const sinks = { notify: () => void notifications++, metrics: { inc: () => void metrics++ } };
  const governors: Governor[] = [];
  for (let i = 0; i < 8; i++) {
    const quota = i % 2 === 1;
    const name = `${quota ? 'quota' : 'entitlement'}_governor_${i}`;
    governors.push({ machine: new DeclaredMachine(quota ? quotaShape(name) : entitlementShape(name), sinks), quota });
  }

  // ---- start ----
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = now();
  const sups: Pid[] = [];
  for (const g of governors) {
    sups.push(
      unwrapStart(
        await Supervisor.startLink({ strategy: 'simple_one_for_one', intensity: 10, period: 60 }, [
          g.machine.childSpec({ restart: 'temporary', shutdown: 5000 }),
        ]),
      ),
    );
  }
  const pids: Pid[][] = governors.map(() => new Array<Pid>(TENANTS));
  const CHUNK = 2000;
  for (let base = 0; base < TENANTS; base += CHUNK) {
    const jobs: Promise<void>[] = [];
    for (let gi = 0; gi < governors.length; gi++) {
      for (let t = base; t < Math.min(TENANTS, base + CHUNK); t++) {
        // maxSuspensions is raised so the bench's suspend/reinstate rounds never reach the terminal state.
        const overrides = governors[gi]!.quota
          ? { tenantId: `tenant-${t}` }
          : { tenantId: `tenant-${t}`, maxSuspensions: 1_000_000 };
        jobs.push(
          Supervisor.startChild(sups[gi]!, [overrides]).then((r) => {
            if (!('ok' in r) || r.ok === undefined) throw new Error(`start failed: ${JSON.stringify(r)}`);
            pids[gi]![t] = r.ok;
          }),
        );
      }
    }
    await Promise.all(jobs);
  }
  const startMs = Number(now() - t0) / 1e6;
  globalThis.gc?.();
  const mem = process.memoryUsage();
  const total = TENANTS * governors.length;
  console.log(
    JSON.stringify({
      workload: 'machines_start',
      machines: total,
      wall_ms: Math.round(startMs),
      machines_per_s: Math.round(total / (startMs / 1000)),
      rss_mb: mb(mem.rss),
      heap_mb: mb(mem.heapUsed),
      heap_bytes_per_machine: Math.round((mem.heapUsed - heap0) / total),
    }),
  );

  const handled = (): number =>
    governors.reduce((n, g) => n + g.machine.stats.accepted + g.machine.stats.dropped + g.machine.stats.refused, 0);

  // ---- casts ----
  {
    const before = handled();
    const expected = CAST_ROUNDS * total;
    const t1 = now();
    for (let round = 0; round < CAST_ROUNDS; round++) {
      for (let t = 0; t < TENANTS; t++) {
        for (let gi = 0; gi < governors.length; gi++) {
          const [event, params] = eventFor(governors[gi]!, round, t);
          castEvent(pids[gi]![t]!, event, params);
        }
      }
      // Let the machines drain this round before queueing the next (bounded mailboxes, as a real feed would be).
      while (handled() - before < (round + 1) * total) await new Promise((r) => setImmediate(r));
    }
    const secs = Number(now() - t1) / 1e9;
    const dropped = governors.reduce((n, g) => n + g.machine.stats.dropped, 0);
    const rss = process.memoryUsage().rss;
    globalThis.gc?.();
    const mem = process.memoryUsage();
    console.log(
      JSON.stringify({
        workload: 'machines_cast',
        machines: total,
        events: expected,
        events_per_s: Math.round(expected / secs),
        dropped,
        rss_mb: mb(rss),
        rss_after_gc_mb: globalThis.gc ? mb(mem.rss) : undefined,
        heap_after_gc_mb: globalThis.gc ? mb(mem.heapUsed) : undefined,
      }),
    );
  }

  // ---- calls ----
  {
    const samples = new Samples(1 << 20);
    const events = CALL_ROUNDS * total;
    let next = 0;
    let refused = 0;
    const caller = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= events) return;
        const round = (i / total) | 0;
        const slot = i % total;
        const gi = slot % governors.length;
        const t = (slot / governors.length) | 0;
        const g = governors[gi]!;
        // Odd cast rounds left entitlement machines active; continue suspend/reinstate from there.
        const [event, params] = g.quota
          ? round % 2 === 0
            ? (['reset', {}] as const)
            : eventFor(g, round, t)
          : eventFor(g, round + 1, t);
        const s = now();
        const reply = await sendEvent(pids[gi]![t]!, event, params);
        samples.add(Number(now() - s) / 1000);
        if (typeof reply === 'object') refused++;
      }
    };
    const t2 = now();
    await Promise.all(Array.from({ length: CALLERS }, caller));
    const secs = Number(now() - t2) / 1e9;
    console.log(
      JSON.stringify({
        workload: 'machines_call',
        machines: total,
        clients: CALLERS,
        events,
        events_per_s: Math.round(events / secs),
        refused,
        ...samples.summary(),
      }),
    );
  }
  console.error(JSON.stringify({ notifications, metrics }));
  resetRuntime();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
