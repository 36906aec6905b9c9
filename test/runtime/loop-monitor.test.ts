/**
 * The seeds' cpu_spike fault: a handler that computes for long blocks every process on the
 * event loop. The LoopMonitor names the process and how long it blocked.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GenServer,
  LoopMonitor,
  MemoryLogger,
  monitorLoop,
  resetRuntime,
  type LoopBlock,
} from '../../packages/runtime/src/index.js';
import { ok, sleep, waitFor } from './helpers.js';

let logger: MemoryLogger;
let monitor: LoopMonitor | undefined;
beforeEach(() => {
  logger = new MemoryLogger();
  resetRuntime({ logger });
});
afterEach(() => monitor?.stop());

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: the cpu_spike
  }
}

const spiky = {
  init: () => ({ ok: null }),
  handleCast: (ms: number) => {
    spin(ms);
    return { noreply: null };
  },
};

describe('LoopMonitor (cpu_spike)', () => {
  it('names the process whose handler blocked the loop past the bound, and for how long', async () => {
    const blocks: LoopBlock[] = [];
    monitor = monitorLoop({ boundMs: 30, onBlocked: (b) => blocks.push(b) });
    const pid = ok(await GenServer.start(spiky, null, { name: 'spiky' }));
    GenServer.cast(pid, 120);
    await waitFor(() => blocks.some((b) => b.pid === pid), 'a report naming the process');
    const mine = blocks.find((b) => b.pid === pid)!;
    expect(mine.name).toBe('spiky');
    expect(mine.ms).toBeGreaterThanOrEqual(120);
    expect(logger.ofKind('loopBlocked').some((e) => e.pid === pid && e.ms >= 120)).toBe(true);
    expect(monitor.stats().blocks).toBeGreaterThanOrEqual(1);
  });

  it('does not report a handler that stays under the bound', async () => {
    monitor = monitorLoop({ boundMs: 200 });
    const pid = ok(await GenServer.start(spiky, null));
    GenServer.cast(pid, 5);
    await sleep(30);
    expect(logger.ofKind('loopBlocked').filter((e) => e.pid === pid)).toEqual([]);
  });

  it('reports a block outside any handler with no pid', async () => {
    const blocks: LoopBlock[] = [];
    monitor = monitorLoop({ boundMs: 30, onBlocked: (b) => blocks.push(b) });
    await sleep(20);
    setTimeout(() => spin(150), 0);
    await waitFor(() => blocks.some((b) => b.pid === undefined && b.ms >= 100), 'an unattributed report', 3000);
    expect(monitor.stats().maxMs).toBeGreaterThanOrEqual(100);
  });

  it('is off unless started, and stop() turns handler timing off', async () => {
    monitor = monitorLoop({ boundMs: 10 });
    monitor.stop();
    const pid = ok(await GenServer.start(spiky, null));
    GenServer.cast(pid, 40);
    await sleep(60);
    expect(logger.ofKind('loopBlocked')).toEqual([]);
  });

  it('refuses a bound that is not a positive number', () => {
    expect(() => new LoopMonitor({ boundMs: 0 })).toThrow(/boundMs/);
    expect(() => new LoopMonitor({ boundMs: Number.NaN })).toThrow(/boundMs/);
  });
});
