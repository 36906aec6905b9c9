/**
 * Lightweight processes: pid, mailbox, links, monitors, exit signals, trapExit,
 * and the scheduler that drains mailboxes.
 *
 * Scheduling: a process with mail is put once on the runtime's run queue; the
 * queue is drained in a microtask, each process handling a bounded batch before
 * the next gets a turn. After YIELD_EVERY messages without a macrotask turn the
 * next drain is scheduled with setImmediate, so I/O is never starved.
 *
 * A handler that returns a promise makes its process busy: it handles nothing
 * else until the promise settles (OTP's one-message-at-a-time semantics).
 */
import { ExitError, type ExitReason } from './exit-reason.js';
import { defaultLogger, type Logger } from './logger.js';
import { Mailbox } from './mailbox.js';
import { Registry } from './registry.js';
import { Down, Exit, MonitorRef } from './signals.js';
import { TimerHeap } from './timers.js';
import type { LoopMonitor } from './loop-monitor.js';
import { performance } from 'node:perf_hooks';

const BATCH = 128;
const DRAIN_BUDGET = 1024;
const YIELD_EVERY = 2048;

export class Pid {
  /** @internal */
  readonly proc: Process;
  readonly id: number;
  constructor(id: number, proc: Process) {
    this.id = id;
    this.proc = proc;
  }
  toString(): string {
    return `<0.${this.id}.0>`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/** A registered name or a pid: what OTP calls a server reference. */
export type ServerRef = Pid | string;

/** @internal How a process reacts to messages. May return a promise (the process is busy until it settles). */
export interface MessageHandler {
  handle(msg: unknown, proc: Process): unknown;
  /** Called once, synchronously, when the process dies (cancel timers, release resources). */
  onDeath?(reason: ExitReason): void;
}

/** @internal A request awaiting an answer from `owner`; rejected with the exit reason if `owner` dies first. */
export interface PendingCall {
  prevPending: PendingCall | undefined;
  nextPending: PendingCall | undefined;
  owner: Process | undefined;
  abandon(reason: ExitReason): void;
}

let current: Process | undefined;

const DEAD_HANDLER: MessageHandler = { handle() {} };

/** @internal */
export function currentProcess(): Process | undefined {
  return current;
}

/** @internal Runs `fn` with `proc` as the current process (self()) during its synchronous part. */
export function runAs<T>(proc: Process | undefined, fn: () => T): T {
  const prev = current;
  current = proc;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as { then?: unknown }).then === 'function';
}

/** @internal */
export class Process {
  readonly pid: Pid;
  readonly runtime: Runtime;
  alive = true;
  exitReason: ExitReason = undefined;
  trapExit = false;
  name: string | undefined;
  handler: MessageHandler;
  readonly mailbox = new Mailbox<unknown>();
  queued = false;
  busy = false;
  links: Set<Process> | undefined;
  monitors: Map<MonitorRef, Process> | undefined;
  exitWaiters: ((reason: ExitReason) => void)[] | undefined;
  pendingHead: PendingCall | undefined;
  private abortController: AbortController | undefined;
  readonly resume = (): void => {
    this.busy = false;
    if (this.alive && this.mailbox.size > 0) this.runtime.enqueue(this);
  };
  readonly crashAsync = (err: unknown): void => {
    this.busy = false;
    this.die(err);
  };

  constructor(runtime: Runtime, id: number, handler: MessageHandler) {
    this.runtime = runtime;
    this.pid = new Pid(id, this);
    this.handler = handler;
  }

  get signal(): AbortSignal {
    if (!this.abortController) {
      this.abortController = new AbortController();
      if (!this.alive) this.abortController.abort(this.exitReason);
    }
    return this.abortController.signal;
  }

  deliver(msg: unknown): void {
    if (!this.alive) return;
    this.mailbox.push(msg);
    if (!this.queued && !this.busy) this.runtime.enqueue(this);
  }

  /** Handles up to `max` messages; returns how many. Never throws. */
  runBatch(max: number): number {
    if (this.runtime.loopMonitor) return this.runBatchTimed(max);
    let n = 0;
    const prev = current;
    current = this;
    const mailbox = this.mailbox;
    while (n < max && this.alive && !this.busy && mailbox.size > 0) {
      const msg = mailbox.shift();
      n++;
      let r: unknown;
      try {
        r = this.handler.handle(msg, this);
      } catch (err) {
        this.die(err);
        break;
      }
      if (r !== undefined && isThenable(r)) {
        this.busy = true;
        r.then(this.resume, this.crashAsync);
      }
    }
    current = prev;
    return n;
  }

  /** runBatch while a LoopMonitor watches: each handler call is timed (loop-monitor.ts). */
  private runBatchTimed(max: number): number {
    let n = 0;
    const prev = current;
    current = this;
    const mailbox = this.mailbox;
    const monitor = this.runtime.loopMonitor!;
    while (n < max && this.alive && !this.busy && mailbox.size > 0) {
      const msg = mailbox.shift();
      n++;
      let r: unknown;
      const t0 = performance.now();
      try {
        r = this.handler.handle(msg, this);
      } catch (err) {
        monitor.handlerRan(this.pid, this.name, performance.now() - t0, msg);
        this.die(err);
        break;
      }
      monitor.handlerRan(this.pid, this.name, performance.now() - t0, msg);
      if (r !== undefined && isThenable(r)) {
        this.busy = true;
        r.then(this.resume, this.crashAsync);
      }
    }
    current = prev;
    return n;
  }

  addPending(call: PendingCall): void {
    call.owner = this;
    call.prevPending = undefined;
    call.nextPending = this.pendingHead;
    if (this.pendingHead) this.pendingHead.prevPending = call;
    this.pendingHead = call;
  }

  removePending(call: PendingCall): void {
    if (call.owner !== this) return;
    if (call.prevPending) call.prevPending.nextPending = call.nextPending;
    else this.pendingHead = call.nextPending;
    if (call.nextPending) call.nextPending.prevPending = call.prevPending;
    call.prevPending = call.nextPending = undefined;
    call.owner = undefined;
  }

  link(other: Process): void {
    if (other === this) return;
    (this.links ??= new Set()).add(other);
    (other.links ??= new Set()).add(this);
  }

  unlink(other: Process): void {
    this.links?.delete(other);
    other.links?.delete(this);
  }

  /** An exit signal arriving from `from` (OTP semantics for trapping, 'normal' and 'kill'). */
  exitSignal(from: Process | undefined, reason: ExitReason, viaLink: boolean): void {
    if (!this.alive) return;
    if (reason === 'kill' && !viaLink) {
      this.die('killed');
    } else if (this.trapExit) {
      this.deliver(new Exit(from?.pid, reason));
    } else if (reason === 'normal') {
      if (from === this && !viaLink) this.die('normal');
    } else {
      this.die(reason);
    }
  }

  /** The process is dead from this instant: mailbox dropped, pending calls rejected, links and monitors told. */
  die(reason: ExitReason): void {
    if (!this.alive) return;
    this.alive = false;
    this.exitReason = reason;
    this.mailbox.clear();
    this.runtime.forget(this);
    if (this.abortController) this.abortController.abort(reason);
    try {
      this.handler.onDeath?.(reason);
    } catch {
      // cleanup failures cannot change the exit reason
    }
    // Pids outlive their processes; do not let them pin a dead process's state.
    this.handler = DEAD_HANDLER;
    let call = this.pendingHead;
    this.pendingHead = undefined;
    while (call) {
      const next = call.nextPending;
      call.prevPending = call.nextPending = undefined;
      call.owner = undefined;
      call.abandon(reason);
      call = next;
    }
    const links = this.links;
    this.links = undefined;
    if (links) {
      for (const other of links) {
        other.links?.delete(this);
        other.exitSignal(this, reason, true);
      }
    }
    const monitors = this.monitors;
    this.monitors = undefined;
    if (monitors) for (const [ref, watcher] of monitors) watcher.deliver(new Down(ref, this.pid, reason));
    const waiters = this.exitWaiters;
    this.exitWaiters = undefined;
    if (waiters) for (const w of waiters) w(reason);
  }
}

export interface RuntimeOptions {
  logger?: Logger;
}

/** Owns the process table, the name registry, the run queue and the single timer heap. */
export class Runtime {
  readonly timers = new TimerHeap();
  readonly registry = new Registry();
  logger: Logger;
  /** set while a LoopMonitor watches this runtime: handler calls are timed */
  loopMonitor: LoopMonitor | undefined;
  private readonly table = new Map<number, Process>();
  private nextId = 1;
  private runQueue: (Process | undefined)[] = [];
  private rqHead = 0;
  private drainScheduled = false;
  private sinceYield = 0;
  private readonly drainTask = (): void => this.drain();
  private readonly immediateTask = (): void => {
    this.sinceYield = 0;
    this.drain();
  };

  constructor(opts: RuntimeOptions = {}) {
    this.logger = opts.logger ?? defaultLogger();
  }

  /** @internal */
  newProcess(handler: MessageHandler): Process {
    const proc = new Process(this, this.nextId++, handler);
    this.table.set(proc.pid.id, proc);
    return proc;
  }

  /** @internal */
  forget(proc: Process): void {
    this.table.delete(proc.pid.id);
    if (proc.name !== undefined) this.registry.remove(proc.name, proc.pid);
  }

  get processCount(): number {
    return this.table.size;
  }

  processes(): Pid[] {
    return [...this.table.values()].map((p) => p.pid);
  }

  /** @internal */
  enqueue(proc: Process): void {
    proc.queued = true;
    this.runQueue.push(proc);
    if (!this.drainScheduled) this.scheduleDrain();
  }

  private scheduleDrain(): void {
    this.drainScheduled = true;
    if (this.sinceYield >= YIELD_EVERY) setImmediate(this.immediateTask);
    else queueMicrotask(this.drainTask);
  }

  private drain(): void {
    let budget = DRAIN_BUDGET;
    const rq = this.runQueue;
    while (this.rqHead < rq.length && budget > 0) {
      const proc = rq[this.rqHead]!;
      rq[this.rqHead++] = undefined;
      proc.queued = false;
      if (!proc.alive || proc.busy) continue;
      const n = proc.runBatch(BATCH);
      budget -= n;
      this.sinceYield += n;
      if (proc.alive && !proc.busy && !proc.queued && proc.mailbox.size > 0) {
        proc.queued = true;
        rq.push(proc);
      }
    }
    if (this.rqHead === rq.length) {
      rq.length = 0;
      this.rqHead = 0;
      this.drainScheduled = false;
    } else {
      if (this.rqHead > 1024) {
        this.runQueue = rq.slice(this.rqHead);
        this.rqHead = 0;
      }
      this.scheduleDrain();
    }
  }

  resolve(ref: ServerRef): Process | undefined {
    if (ref instanceof Pid) return ref.proc.runtime === this && ref.proc.alive ? ref.proc : undefined;
    const pid = this.registry.whereis(ref);
    return pid?.proc.alive ? pid.proc : undefined;
  }

  /** Kills every process and clears timers and names. */
  shutdown(): void {
    for (const proc of [...this.table.values()]) proc.die('killed');
    this.timers.clear();
    this.registry.clear();
  }
}

let active = new Runtime();

export function getRuntime(): Runtime {
  return active;
}

/** Kills everything in the active runtime and installs a fresh one (for test isolation). */
export function resetRuntime(opts: RuntimeOptions = {}): Runtime {
  active.shutdown();
  active = new Runtime(opts);
  return active;
}

function runtimeOf(ref: ServerRef): Runtime {
  return ref instanceof Pid ? ref.proc.runtime : active;
}

/** @internal Looks a ref up in the runtime it belongs to. */
export function resolveRef(ref: ServerRef): Process | undefined {
  return runtimeOf(ref).resolve(ref);
}

// ---- public primitives ----

/** The current process's pid. Valid in a handler's synchronous part; capture it before the first await. */
export function self(): Pid {
  if (!current) throw new ExitError('not_a_process', 'self()');
  return current.pid;
}

export function selfOrUndefined(): Pid | undefined {
  return current?.pid;
}

/** AbortSignal of the current process: aborted the instant it dies, so in-flight async work can stop. */
export function abortSignal(): AbortSignal {
  if (!current) throw new ExitError('not_a_process', 'abortSignal()');
  return current.signal;
}

export interface ProcessContext {
  readonly self: Pid;
  readonly signal: AbortSignal;
  /** Next message (optionally the first matching `match`); rejects with the exit reason if the process dies. */
  receive<T = unknown>(match?: (msg: unknown) => boolean): Promise<T>;
  trapExit(flag: boolean): void;
  /** Runs `fn` as this process, so links made in its synchronous part (startLink, spawnLink) attach here. */
  run<T>(fn: () => T): T;
  link(pid: Pid): void;
  unlink(pid: Pid): void;
  monitor(ref: ServerRef): MonitorRef;
}

class FunctionHandler implements MessageHandler {
  private readonly buffer = new Mailbox<unknown>();
  private waiter:
    | { match: ((m: unknown) => boolean) | undefined; resolve: (m: unknown) => void; reject: (e: unknown) => void }
    | undefined;
  private static readonly NONE = Symbol('none');

  handle(msg: unknown): void {
    const w = this.waiter;
    if (w && (!w.match || w.match(msg))) {
      this.waiter = undefined;
      w.resolve(msg);
    } else {
      this.buffer.push(msg);
    }
  }

  receive(proc: Process, match: ((m: unknown) => boolean) | undefined): Promise<unknown> {
    if (!proc.alive) return Promise.reject(new ExitError(proc.exitReason, 'receive'));
    if (this.buffer.size > 0) {
      const m = match ? this.buffer.take(match, FunctionHandler.NONE) : this.buffer.shift();
      if (m !== FunctionHandler.NONE) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      this.waiter = { match, resolve, reject };
    });
  }

  onDeath(reason: ExitReason): void {
    const w = this.waiter;
    this.waiter = undefined;
    this.buffer.clear();
    if (w) w.reject(new ExitError(reason, 'receive'));
  }
}

export interface SpawnOptions {
  link?: boolean;
  trapExit?: boolean;
  name?: string;
  /** 'monitor' is not supported here; use monitor() after spawning. */
}

/**
 * Spawns a process running `fn`. It exits 'normal' when `fn` returns, and with
 * the thrown value if it throws or rejects.
 */
export function spawn(fn: (ctx: ProcessContext) => unknown, opts: SpawnOptions = {}): Pid {
  const parent = current;
  const rt = parent?.runtime ?? active;
  const handler = new FunctionHandler();
  const proc = rt.newProcess(handler);
  if (opts.trapExit) proc.trapExit = true;
  if (opts.name !== undefined) registerProc(proc, opts.name);
  if (opts.link && parent) parent.link(proc);
  const ctx: ProcessContext = {
    self: proc.pid,
    get signal() {
      return proc.signal;
    },
    receive: <T>(match?: (m: unknown) => boolean) => handler.receive(proc, match) as Promise<T>,
    trapExit: (flag: boolean) => {
      proc.trapExit = flag;
    },
    run: <T>(f: () => T) => runAs(proc, f),
    link: (pid: Pid) => runAs(proc, () => link(pid)),
    unlink: (pid: Pid) => runAs(proc, () => unlink(pid)),
    monitor: (ref: ServerRef) => runAs(proc, () => monitor(ref)),
  };
  let result: unknown;
  try {
    result = runAs(proc, () => fn(ctx));
  } catch (err) {
    proc.die(err);
    return proc.pid;
  }
  Promise.resolve(result).then(
    () => proc.die('normal'),
    (err: unknown) => proc.die(err),
  );
  return proc.pid;
}

export function spawnLink(fn: (ctx: ProcessContext) => unknown, opts: Omit<SpawnOptions, 'link'> = {}): Pid {
  return spawn(fn, { ...opts, link: true });
}

/** Sends an exit signal to `pid` (OTP's exit/2). 'kill' is untrappable and kills at once with reason 'killed'. */
export function exit(pid: Pid, reason: ExitReason): void {
  pid.proc.exitSignal(current, reason, false);
}

/** Links the current process to `pid`. Linking to a dead process sends the caller an exit signal 'noproc'. */
export function link(pid: Pid): void {
  if (!current) throw new ExitError('not_a_process', 'link()');
  if (!pid.proc.alive) {
    current.exitSignal(pid.proc, 'noproc', true);
    return;
  }
  current.link(pid.proc);
}

export function unlink(pid: Pid): void {
  if (!current) throw new ExitError('not_a_process', 'unlink()');
  current.unlink(pid.proc);
}

/** Monitors `ref` from the current process; a Down message arrives when it dies (reason 'noproc' if already dead). */
export function monitor(ref: ServerRef): MonitorRef {
  const watcher = current;
  if (!watcher) throw new ExitError('not_a_process', 'monitor()');
  const target = ref instanceof Pid ? ref.proc : watcher.runtime.resolve(ref);
  if (!target) {
    const dead = ref instanceof Pid ? ref : watcher.pid;
    const mref = new MonitorRef(dead);
    watcher.deliver(new Down(mref, dead, 'noproc'));
    return mref;
  }
  const mref = new MonitorRef(target.pid);
  if (!target.alive) {
    watcher.deliver(new Down(mref, target.pid, 'noproc'));
  } else {
    (target.monitors ??= new Map()).set(mref, watcher);
  }
  return mref;
}

export function demonitor(ref: MonitorRef): void {
  ref.target.proc.monitors?.delete(ref);
}

/** Resolves with the exit reason once `pid` has died (at once if it is dead already). Never rejects. */
export function exited(pid: Pid): Promise<ExitReason> {
  const proc = pid.proc;
  if (!proc.alive) return Promise.resolve(proc.exitReason);
  return new Promise((resolve) => {
    (proc.exitWaiters ??= []).push(resolve);
  });
}

/** OTP's process_flag(trap_exit, Flag) for the current process; returns the old value. */
export function processFlag(flag: 'trapExit', value: boolean): boolean {
  if (!current) throw new ExitError('not_a_process', 'processFlag()');
  if (flag !== 'trapExit') throw new ExitError({ badarg: flag }, 'processFlag()');
  const old = current.trapExit;
  current.trapExit = value;
  return old;
}

/** Sends `msg` to a pid or registered name (OTP's `!`). Sending to a dead pid is a no-op; an unknown name throws badarg. */
export function send(dest: ServerRef, msg: unknown): void {
  if (dest instanceof Pid) {
    dest.proc.deliver(msg);
    return;
  }
  const proc = active.resolve(dest);
  if (!proc) throw new ExitError({ badarg: dest }, 'send');
  proc.deliver(msg);
}

/** OTP's process_info(Pid, message_queue_len): messages waiting in the mailbox (0 for a dead process). */
export function messageQueueLen(pid: Pid): number {
  return pid.proc.alive ? pid.proc.mailbox.size : 0;
}

export function isProcessAlive(pid: Pid): boolean {
  return pid.proc.alive;
}

/** @internal */
export function registerProc(proc: Process, name: string): void {
  if (!proc.alive || proc.name !== undefined || !proc.runtime.registry.add(name, proc.pid)) {
    throw new ExitError({ badarg: name }, 'register');
  }
  proc.name = name;
}

export function register(name: string, pid: Pid): true {
  registerProc(pid.proc, name);
  return true;
}

export function unregister(name: string): true {
  const pid = active.registry.whereis(name);
  if (!pid) throw new ExitError({ badarg: name }, 'unregister');
  active.registry.remove(name);
  pid.proc.name = undefined;
  return true;
}

export function whereis(name: string): Pid | undefined {
  const pid = active.registry.whereis(name);
  return pid?.proc.alive ? pid : undefined;
}

export function registered(): string[] {
  return active.registry.names();
}
