/**
 * Machinery shared by GenServer and StateMachine (OTP's gen module): calls and
 * their From handles, casts, stop requests, and the synchronous start protocol.
 */
import { ExitError, isCleanExit, type ExitReason } from './exit-reason.js';
import type { DeadlineEntry, Timeout } from './timers.js';
import {
  currentProcess,
  getRuntime,
  Pid,
  resolveRef,
  runAs,
  type MessageHandler,
  type PendingCall,
  type Process,
  type ServerRef,
  exited,
  registerProc,
} from './process.js';
import { termEqual } from './equal.js';

/**
 * A call in flight. It is the message put in the server's mailbox, the `from`
 * handed to the handler, the deadline-heap entry for its timeout, and a link in
 * the server's list of unanswered calls.
 */
export class Call implements DeadlineEntry, PendingCall {
  deadline = 0;
  seq = 0;
  armed = false;
  prevPending: PendingCall | undefined = undefined;
  nextPending: PendingCall | undefined = undefined;
  owner: Process | undefined = undefined;
  done = false;
  readonly request: unknown;
  resolve!: (value: unknown) => void;
  reject!: (err: unknown) => void;
  /** The calling process, when the call was made from one. */
  readonly caller: Pid | undefined;

  constructor(request: unknown, caller: Pid | undefined) {
    this.request = request;
    this.caller = caller;
  }

  onDeadline(): void {
    if (this.done) return;
    this.done = true;
    this.owner?.removePending(this);
    this.reject(new ExitError('timeout', 'call'));
  }

  abandon(reason: ExitReason): void {
    if (this.done) return;
    this.done = true;
    if (this.armed) this.ownerRuntimeTimers?.cancel(this);
    this.reject(new ExitError(reason, 'call'));
  }

  /** @internal set when a timeout is armed */
  ownerRuntimeTimers: { cancel(e: DeadlineEntry): void } | undefined = undefined;
}

/** Opaque handle for replying to a call later (OTP's From). */
export type From = Call;

export class Cast {
  constructor(readonly msg: unknown) {}
}

export class StopRequest {
  constructor(readonly reason: ExitReason) {}
}

/** What start/startLink resolve with, mirroring OTP's {ok, Pid} | ignore | {error, Reason}. */
export type StartResult = { ok: Pid } | 'ignore' | { error: ExitReason };

export function isStartOk(r: unknown): r is { ok: Pid } {
  return typeof r === 'object' && r !== null && 'ok' in r && (r as { ok: unknown }).ok instanceof Pid;
}

/** Unwraps {ok: pid}; throws an ExitError carrying the reason otherwise ('ignore' included). */
export function unwrapStart(r: StartResult): Pid {
  if (isStartOk(r)) return r.ok;
  throw new ExitError(r === 'ignore' ? 'ignore' : r.error, 'start');
}

export interface StartOptions {
  /** Registers the process under this name before init runs. */
  name?: string;
  /** Milliseconds init may take before the start fails with 'timeout' and the process is killed. */
  timeout?: Timeout;
}

/**
 * Sends `request` to the server and waits for its reply. Rejects with an
 * ExitError whose reason is 'noproc' (no such process), 'timeout', or the
 * server's exit reason if it dies before replying. A late reply is dropped.
 */
export function call<R = unknown>(ref: ServerRef, request: unknown, timeout: Timeout = 5000): Promise<R> {
  const proc = resolveRef(ref);
  if (!proc) return Promise.reject(new ExitError('noproc', 'call'));
  const caller = currentProcess();
  if (proc === caller) return Promise.reject(new ExitError('calling_self', 'call'));
  const c = new Call(request, caller?.pid);
  const p = new Promise<R>((resolve, reject) => {
    c.resolve = resolve as (v: unknown) => void;
    c.reject = reject;
  });
  proc.addPending(c);
  if (timeout !== 'infinity') {
    const timers = proc.runtime.timers;
    c.ownerRuntimeTimers = timers;
    timers.schedule(c, timeout);
  }
  proc.deliver(c);
  return p;
}

/** Answers a call (OTP's reply/2). Returns false if the call was already answered, timed out or abandoned. */
export function reply(from: From, value: unknown): boolean {
  if (from.done) return false;
  from.done = true;
  from.owner?.removePending(from);
  if (from.armed) from.ownerRuntimeTimers?.cancel(from);
  from.resolve(value);
  return true;
}

/** Fire-and-forget. Casting to a dead process or an unknown name is silently dropped, as in OTP. */
export function cast(ref: ServerRef, msg: unknown): void {
  const proc = resolveRef(ref);
  if (proc) proc.deliver(new Cast(msg));
}

/**
 * Orderly stop (OTP's gen_server:stop/3): the server runs terminate(reason) and
 * exits. Resolves once it is dead; rejects 'noproc' if it was not alive, or with
 * the actual reason if it exited with another one.
 */
export async function stop(
  ref: ServerRef,
  reason: ExitReason = 'normal',
  timeout: Timeout = 'infinity',
): Promise<void> {
  const proc = resolveRef(ref);
  if (!proc) throw new ExitError('noproc', 'stop');
  const done = exited(proc.pid);
  proc.deliver(new StopRequest(reason));
  let actual: ExitReason;
  if (timeout === 'infinity') {
    actual = await done;
  } else {
    let timer: DeadlineEntry | undefined;
    const timedOut = new Promise<typeof TIMED_OUT>((res) => {
      timer = proc.runtime.timers.after(timeout, () => res(TIMED_OUT));
    });
    const r = await Promise.race([done, timedOut]);
    proc.runtime.timers.cancel(timer!);
    if (r === TIMED_OUT) throw new ExitError('timeout', 'stop');
    actual = r;
  }
  if (!termEqual(actual, reason)) throw new ExitError(actual, 'stop');
}

const TIMED_OUT = Symbol('timedOut');

/**
 * @internal init returned {error: reason} (OTP 26's {error, Reason}): the start returns
 * {error: reason} and the process exits 'normal', where {stop: reason} exits with reason.
 */
export class InitError {
  constructor(readonly reason: ExitReason) {}
}

/** @internal A gen handler that runs an init step. */
export interface GenHandler extends MessageHandler {
  /** Runs init; resolves with {ok} (running), 'ignore', {error} or an InitError. Must leave proc dead unless {ok}. */
  init(proc: Process): Promise<StartResult | InitError>;
  /** Called once init succeeded and the start was acknowledged: runs any post-init step, then opens the mailbox. */
  release(): void;
  parent: Process | undefined;
}

/**
 * @internal The synchronous start protocol (proc_lib:start_link): spawn, register,
 * link to the caller, run init while the mailbox is held, report the outcome.
 */
export async function startGen(handler: GenHandler, opts: StartOptions, linkToCaller: boolean): Promise<StartResult> {
  const parent = linkToCaller ? currentProcess() : undefined;
  const rt = parent?.runtime ?? getRuntime();
  if (opts.name !== undefined) {
    const existing = rt.registry.whereis(opts.name);
    if (existing && existing.proc.alive) return { error: { alreadyStarted: existing } };
  }
  const proc = rt.newProcess(handler);
  handler.parent = parent;
  if (opts.name !== undefined) registerProc(proc, opts.name);
  if (parent) parent.link(proc);
  proc.busy = true;
  let timer: DeadlineEntry | undefined;
  let timedOut = false;
  if (opts.timeout !== undefined && opts.timeout !== 'infinity') {
    timer = rt.timers.after(opts.timeout, () => {
      timedOut = true;
      if (parent) proc.unlink(parent);
      proc.die('killed');
    });
  }
  const initResult = runAs(proc, () => handler.init(proc)).catch((err: unknown): StartResult => ({ error: err }));
  // An init that never settles must not hang the starter once the process is dead (killed, timed out).
  const outcome = await Promise.race([initResult, exited(proc.pid).then((reason): StartResult => ({ error: reason }))]);
  if (timer) rt.timers.cancel(timer);
  if (timedOut) return { error: 'timeout' };
  const result: StartResult = outcome instanceof InitError ? { error: outcome.reason } : outcome;
  if (!proc.alive) return result === 'ignore' || isStartOk(result) ? { error: proc.exitReason } : result;
  if (!isStartOk(result)) {
    // OTP: 'ignore' and {error, Reason} exit 'normal'; {stop, Reason} exits with Reason.
    if (parent) proc.unlink(parent);
    proc.die(result === 'ignore' || outcome instanceof InitError ? 'normal' : result.error);
  } else {
    handler.release();
  }
  return result;
}

/** @internal Instantiates class behaviours, passes objects through. */
export function instantiate<B extends object>(behaviour: B | (new () => B)): B {
  return typeof behaviour === 'function' ? new (behaviour as new () => B)() : behaviour;
}

export function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Ends a behaviour's process: runs its terminate callback (when it has one), then dies with
 * `reason`, or with the callback's own error if it throws or rejects. Abnormal exits are
 * reported. Returns the callback's promise when it is async, so the caller can await it.
 */
export function endProcess(
  proc: Process,
  reason: ExitReason,
  callback: (() => unknown) | undefined,
  lastMessage?: unknown,
): unknown {
  if (!proc.alive) return undefined;
  let final = reason;
  const finish = (): void => {
    if (!isCleanExit(final)) {
      proc.runtime.logger.log({
        kind: 'processCrashed',
        pid: proc.pid,
        name: proc.name,
        reason: final,
        ...(lastMessage !== undefined ? { lastMessage } : {}),
      });
    }
    proc.die(final);
  };
  if (!callback) {
    finish();
    return undefined;
  }
  let r: unknown;
  try {
    r = callback();
  } catch (err) {
    final = err;
    finish();
    return undefined;
  }
  if (isPromiseLike(r)) {
    return r.then(finish, (err: unknown) => {
      final = err;
      finish();
    });
  }
  finish();
  return undefined;
}
