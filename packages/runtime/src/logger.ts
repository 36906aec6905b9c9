/**
 * Structured runtime reports (OTP's supervisor progress/error reports and
 * gen_server crash reports) go through a Logger. The default logger writes
 * error-level events to stderr, and is silent under vitest or NODE_ENV=test.
 */
import type { Pid } from './process.js';

export type RuntimeEvent =
  | { kind: 'childStarted'; supervisor: Pid; id: unknown; pid: Pid }
  | { kind: 'childTerminated'; supervisor: Pid; id: unknown; pid: Pid; reason: unknown }
  | { kind: 'childRestarted'; supervisor: Pid; id: unknown; pid: Pid }
  | { kind: 'startError'; supervisor: Pid; id: unknown; reason: unknown }
  | { kind: 'intensityExceeded'; supervisor: Pid; id: unknown; reason: 'reached_max_restart_intensity' }
  | { kind: 'shutdownError'; supervisor: Pid; id: unknown; pid: Pid; reason: unknown }
  | { kind: 'processCrashed'; pid: Pid; name: string | undefined; reason: unknown; lastMessage?: unknown }
  | { kind: 'unexpectedMessage'; pid: Pid; message: unknown }
  /** a handler (pid set) or other code (pid undefined) blocked the event loop past a LoopMonitor's bound */
  | { kind: 'loopBlocked'; pid: Pid | undefined; name: string | undefined; ms: number; lastMessage?: unknown };

export interface Logger {
  log(event: RuntimeEvent): void;
}

const ERROR_KINDS = new Set<RuntimeEvent['kind']>([
  'childTerminated',
  'startError',
  'intensityExceeded',
  'shutdownError',
  'processCrashed',
  'loopBlocked',
]);

export function isErrorEvent(event: RuntimeEvent): boolean {
  return ERROR_KINDS.has(event.kind);
}

export const silentLogger: Logger = { log() {} };

export const stderrLogger: Logger = {
  log(event) {
    if (!isErrorEvent(event)) return;
    const { kind, ...rest } = event;
    const fields = Object.entries(rest)
      .map(
        ([k, v]) =>
          `${k}=${v instanceof Error ? (v.stack ?? String(v)) : typeof v === 'object' && v !== null ? safeJson(v) : String(v)}`,
      )
      .join(' ');
    process.stderr.write(`[runtime] ${kind} ${fields}\n`);
  },
};

function safeJson(v: object): string {
  try {
    return typeof (v as { toString?: unknown }).toString === 'function' && (v as object).constructor?.name === 'Pid'
      ? String(v)
      : JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Keeps every event in memory; handy for tests that assert on reports. */
export class MemoryLogger implements Logger {
  readonly events: RuntimeEvent[] = [];
  log(event: RuntimeEvent): void {
    this.events.push(event);
  }
  ofKind<K extends RuntimeEvent['kind']>(kind: K): Extract<RuntimeEvent, { kind: K }>[] {
    return this.events.filter((e): e is Extract<RuntimeEvent, { kind: K }> => e.kind === kind);
  }
}

export function defaultLogger(): Logger {
  const env = process.env;
  return env.VITEST || env.NODE_ENV === 'test' ? silentLogger : stderrLogger;
}
