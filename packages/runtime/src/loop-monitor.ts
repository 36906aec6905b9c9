/**
 * OTP's cpu_spike fault on one event loop. Erlang preempts a process that computes for
 * long; JavaScript cannot: a handler that runs for seconds blocks every process. What the
 * runtime can do is notice and name the culprit:
 *
 *  - every handler call (the synchronous part of handle_call/cast/info, handleEvent, ...)
 *    is timed while a monitor is on; one that runs past `boundMs` is reported as
 *    {kind: 'loopBlocked', pid, name, ms, lastMessage} to the runtime's logger and `onBlocked`;
 *  - a drift timer catches blocking outside any handler (a promise continuation after an
 *    await, a timer callback, non-process code): reported with pid undefined;
 *  - node:perf_hooks' monitorEventLoopDelay keeps the loop's delay histogram (stats()).
 *
 * The report comes after the block, never during it: nothing can interrupt a running
 * handler. Off by default; timing costs two clock reads per message while on.
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { Pid, Runtime } from './process.js';
import { getRuntime } from './process.js';

export interface LoopBlock {
  /** the process whose handler blocked the loop; undefined when the block was outside any handler */
  pid: Pid | undefined;
  name: string | undefined;
  /** how long the loop was blocked, in milliseconds */
  ms: number;
  /** the message the handler was handling */
  lastMessage?: unknown;
}

export interface LoopMonitorOptions {
  /** a handler or loop stall longer than this is reported; default 100 ms */
  boundMs?: number;
  onBlocked?: (block: LoopBlock) => void;
  /** the runtime to watch; default the active one */
  runtime?: Runtime;
}

export interface LoopDelayStats {
  /** event loop delay percentiles since start (or the last reset), in ms */
  meanMs: number;
  p99Ms: number;
  maxMs: number;
  /** reports made */
  blocks: number;
}

export class LoopMonitor {
  readonly boundMs: number;
  private readonly runtime: Runtime;
  private readonly onBlocked: ((b: LoopBlock) => void) | undefined;
  private histogram: IntervalHistogram | undefined;
  private drift: NodeJS.Timeout | undefined;
  private expected = 0;
  private blocks = 0;
  /** when the last handler-attributed report ended, so the drift check does not report it again */
  private attributedUntil = 0;

  constructor(opts: LoopMonitorOptions = {}) {
    const bound = opts.boundMs ?? 100;
    if (!(typeof bound === 'number' && Number.isFinite(bound) && bound > 0))
      throw new RangeError(`LoopMonitor: boundMs must be a positive number, got ${String(bound)}`);
    this.boundMs = bound;
    this.runtime = opts.runtime ?? getRuntime();
    this.onBlocked = opts.onBlocked;
  }

  start(): this {
    if (this.drift) return this;
    this.runtime.loopMonitor = this;
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    const tick = Math.max(1, Math.floor(this.boundMs / 2));
    this.expected = performance.now() + tick;
    this.drift = setInterval(() => {
      const now = performance.now();
      const late = now - this.expected;
      this.expected = now + tick;
      if (late > this.boundMs && now - late > this.attributedUntil)
        this.report({ pid: undefined, name: undefined, ms: Math.round(late) });
    }, tick);
    this.drift.unref();
    return this;
  }

  stop(): void {
    if (this.drift) clearInterval(this.drift);
    this.drift = undefined;
    this.histogram?.disable();
    if (this.runtime.loopMonitor === this) this.runtime.loopMonitor = undefined;
  }

  stats(): LoopDelayStats {
    const h = this.histogram;
    const ms = (ns: number): number => (Number.isFinite(ns) ? ns / 1e6 : 0);
    return {
      meanMs: h ? ms(h.mean) : 0,
      p99Ms: h ? ms(h.percentile(99)) : 0,
      maxMs: h ? ms(h.max) : 0,
      blocks: this.blocks,
    };
  }

  /** @internal Called by the scheduler after a handler ran for `ms`. */
  handlerRan(pid: Pid, name: string | undefined, ms: number, lastMessage: unknown): void {
    if (ms <= this.boundMs) return;
    this.attributedUntil = performance.now();
    this.report({ pid, name, ms: Math.round(ms), lastMessage });
  }

  private report(block: LoopBlock): void {
    this.blocks++;
    this.runtime.logger.log({ kind: 'loopBlocked', ...block });
    try {
      this.onBlocked?.(block);
    } catch {
      // a failing callback must not break the scheduler
    }
  }
}

/** Starts a LoopMonitor on the active runtime (or opts.runtime). */
export function monitorLoop(opts: LoopMonitorOptions = {}): LoopMonitor {
  return new LoopMonitor(opts).start();
}
