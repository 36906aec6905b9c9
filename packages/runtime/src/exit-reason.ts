/**
 * Exit reasons, mirroring OTP's terms.
 *
 * Encoding rule used across the runtime: an OTP atom is a string spelled as in
 * OTP ('normal', 'shutdown', 'killed', 'noproc', 'timeout', 'not_found', ...);
 * a tagged tuple is an object whose tag is a camelCase key
 * ({shutdown: term}, {alreadyStarted: pid}, {failedToStartChild: id, reason}).
 * A crash carries the thrown value itself (usually an Error) as its reason.
 */
export type ExitReason =
  'normal' | 'shutdown' | 'killed' | 'kill' | 'noproc' | 'timeout' | ShutdownTuple | Error | unknown;

export interface ShutdownTuple {
  shutdown: unknown;
}

export function shutdownWith(term: unknown): ShutdownTuple {
  return { shutdown: term };
}

export function isShutdownTuple(reason: unknown): reason is ShutdownTuple {
  return typeof reason === 'object' && reason !== null && !(reason instanceof Error) && 'shutdown' in reason;
}

export function isNormalExit(reason: unknown): boolean {
  return reason === 'normal';
}

/** `normal`, `shutdown` or `{shutdown, _}`: the exits OTP neither reports nor restarts for transient children. */
export function isCleanExit(reason: unknown): boolean {
  return reason === 'normal' || reason === 'shutdown' || isShutdownTuple(reason);
}

export function formatReason(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  try {
    return JSON.stringify(reason, (_k, v: unknown) =>
      v instanceof Error
        ? `${v.name}: ${v.message}`
        : typeof v === 'object' && v !== null && 'id' in v && v.constructor?.name === 'Pid'
          ? String(v)
          : v,
    );
  } catch {
    return String(reason);
  }
}

/**
 * What a failed call, stop or receive rejects with. `reason` is the OTP exit
 * reason: 'timeout', 'noproc', 'calling_self', or the exit reason of the
 * process that died before replying.
 */
export class ExitError extends Error {
  readonly reason: ExitReason;
  constructor(reason: ExitReason, context?: string) {
    super(`${context ? context + ': ' : ''}exit ${formatReason(reason)}`);
    this.name = 'ExitError';
    this.reason = reason;
  }
}
