/**
 * GenServer: OTP's gen_server. Return values mirror OTP's tuples as objects:
 *
 *   init            -> {ok: state, continue?, timeout?} | {stop: reason} | {error: reason} | 'ignore'
 *                      ({error: reason}, OTP 26: the start returns it and the process exits 'normal')
 *   handleCall      -> {reply: value, state, continue?, timeout?}
 *                    | {noreply: state, continue?, timeout?}
 *                    | {stop: reason, reply?: value, state}
 *   handleCast/Info/Continue -> {noreply: state, continue?, timeout?} | {stop: reason, state}
 *
 * Any handler may return a promise of its result; the server handles nothing
 * else until it settles. A handler that throws or rejects crashes the server
 * with the thrown value as reason (terminate runs first, as in OTP).
 * `timeout` is OTP's inactivity timeout: if no message arrives within it,
 * handleInfo receives the string 'timeout'. A timeout of 0 fires only if no
 * message is waiting (OTP's `receive ... after 0`).
 */
import type { ExitReason } from './exit-reason.js';
import {
  Call,
  Cast,
  InitError,
  StopRequest,
  call,
  cast,
  endProcess,
  instantiate,
  isPromiseLike,
  reply,
  startGen,
  stop,
  type From,
  type GenHandler,
  type StartOptions,
  type StartResult,
} from './gen.js';
import { runAs, type Process, type ServerRef } from './process.js';
import { Exit } from './signals.js';
import { SysControl, SysRequest, type SysTarget } from './sys.js';
import type { DeadlineEntry, Timeout } from './timers.js';

type MaybePromise<T> = T | Promise<T>;

export interface Continuation {
  continue?: unknown;
  timeout?: number;
  hibernate?: boolean;
}

export type InitResult<S> = ({ ok: S } & Continuation) | { stop: ExitReason } | { error: ExitReason } | 'ignore';
export type CallResult<S, R = unknown> =
  ({ reply: R; state: S } & Continuation) | ({ noreply: S } & Continuation) | { stop: ExitReason; reply?: R; state: S };
export type NoReplyResult<S> = ({ noreply: S } & Continuation) | { stop: ExitReason; state: S };

export interface GenServerBehaviour<S = unknown, A = unknown, Req = unknown, Rep = unknown, Msg = unknown> {
  init(args: A): MaybePromise<InitResult<S>>;
  handleCall?(request: Req, from: From, state: S): MaybePromise<CallResult<S, Rep>>;
  handleCast?(msg: Msg, state: S): MaybePromise<NoReplyResult<S>>;
  handleInfo?(msg: unknown, state: S): MaybePromise<NoReplyResult<S>>;
  handleContinue?(cont: unknown, state: S): MaybePromise<NoReplyResult<S>>;
  terminate?(reason: ExitReason, state: S): unknown;
}

export type BehaviourLike<B extends object> = B | (new () => B);

class IdleTimeout implements DeadlineEntry {
  deadline = 0;
  seq = 0;
  armed = false;
  constructor(private readonly proc: Process) {}
  onDeadline(): void {
    this.proc.deliver(IDLE_TIMEOUT);
  }
}
const IDLE_TIMEOUT = Symbol('idleTimeout');

/** @internal */
export class GenServerHandler implements GenHandler, SysTarget {
  parent: Process | undefined;
  state: unknown;
  proc!: Process;
  readonly behaviour = 'gen_server';
  hibernating = false;
  private readonly sys = new SysControl();
  private idle: IdleTimeout | undefined;
  private pendingRelease: Continuation | undefined;
  private lastMessage: unknown;
  private readonly b: GenServerBehaviour;
  private readonly args: unknown;

  constructor(behaviour: GenServerBehaviour, args: unknown) {
    this.b = behaviour;
    this.args = args;
  }

  async init(proc: Process): Promise<StartResult | InitError> {
    this.proc = proc;
    let r: unknown = this.b.init(this.args);
    if (isPromiseLike(r)) r = await r;
    if (!proc.alive) return { error: proc.exitReason };
    if (r === 'ignore') return 'ignore';
    if (typeof r === 'object' && r !== null) {
      if ('stop' in r) return { error: (r as { stop: unknown }).stop };
      if ('error' in r) return new InitError((r as { error: unknown }).error);
      if ('ok' in r) {
        const ok = r as { ok: unknown } & Continuation;
        this.state = ok.ok;
        this.pendingRelease = ok;
        return { ok: proc.pid };
      }
    }
    return { error: { badReturnValue: r } };
  }

  release(): void {
    const proc = this.proc;
    const ok = this.pendingRelease ?? {};
    this.pendingRelease = undefined;
    if (!proc.alive) return;
    let r: unknown;
    runAs(proc, () => {
      try {
        r = this.after(ok);
      } catch (err) {
        r = this.crash(err);
      }
    });
    if (isPromiseLike(r)) r.then(proc.resume, proc.crashAsync);
    else proc.resume();
  }

  onDeath(): void {
    if (this.idle) this.proc.runtime.timers.cancel(this.idle);
  }

  getSysState(): unknown {
    return this.state;
  }

  setSysState(state: unknown): void {
    this.state = state;
  }

  handle(msg: unknown): unknown {
    if (msg instanceof Call) {
      if ((msg.request instanceof SysRequest || this.sys.suspended) && this.sys.intercept(msg, this.proc, this, false))
        return undefined;
    } else if (
      this.sys.suspended &&
      this.sys.intercept(msg, this.proc, this, msg instanceof StopRequest || this.fromParent(msg))
    ) {
      return undefined;
    }
    if (this.hibernating) this.hibernating = false;
    if (this.idle?.armed) this.proc.runtime.timers.cancel(this.idle);
    if (msg instanceof Call) return this.onCall(msg);
    if (msg instanceof Cast) return this.onNoreply(this.b.handleCast, msg.msg, 'handleCast');
    if (msg instanceof StopRequest) return this.terminate(msg.reason);
    if (this.fromParent(msg)) return this.terminate((msg as Exit).reason);
    if (msg === IDLE_TIMEOUT) msg = 'timeout';
    if (!this.b.handleInfo) {
      this.proc.runtime.logger.log({ kind: 'unexpectedMessage', pid: this.proc.pid, message: msg });
      return undefined;
    }
    return this.onNoreply(this.b.handleInfo, msg, 'handleInfo');
  }

  private fromParent(msg: unknown): boolean {
    return msg instanceof Exit && this.parent !== undefined && msg.from === this.parent.pid;
  }

  private onCall(c: Call): unknown {
    this.lastMessage = c.request;
    const fn = this.b.handleCall;
    if (!fn) return this.crash({ undef: 'handleCall' });
    let r: unknown;
    try {
      r = fn.call(this.b, c.request, c, this.state);
    } catch (err) {
      return this.crash(err);
    }
    if (isPromiseLike(r))
      return r.then(
        (res) => this.applyCall(c, res),
        (err) => this.crash(err),
      );
    return this.applyCall(c, r);
  }

  private applyCall(c: Call, r: unknown): unknown {
    if (typeof r === 'object' && r !== null) {
      if ('stop' in r) {
        const s = r as { stop: ExitReason; state: unknown; reply?: unknown };
        this.state = s.state;
        if ('reply' in s) reply(c, s.reply);
        return this.terminate(s.stop);
      }
      if ('reply' in r) {
        const s = r as { reply: unknown; state: unknown } & Continuation;
        this.state = s.state;
        reply(c, s.reply);
        return s.continue !== undefined || s.timeout !== undefined || s.hibernate ? this.after(s) : undefined;
      }
      if ('noreply' in r) {
        const s = r as { noreply: unknown } & Continuation;
        this.state = s.noreply;
        return s.continue !== undefined || s.timeout !== undefined || s.hibernate ? this.after(s) : undefined;
      }
    }
    return this.crash({ badReturnValue: r });
  }

  private onNoreply(fn: ((msg: unknown, state: unknown) => unknown) | undefined, msg: unknown, what: string): unknown {
    this.lastMessage = msg;
    if (!fn) return this.crash({ undef: what });
    let r: unknown;
    try {
      r = fn.call(this.b, msg, this.state);
    } catch (err) {
      return this.crash(err);
    }
    if (isPromiseLike(r))
      return r.then(
        (res) => this.applyNoreply(res),
        (err) => this.crash(err),
      );
    return this.applyNoreply(r);
  }

  private applyNoreply(r: unknown): unknown {
    if (typeof r === 'object' && r !== null) {
      if ('stop' in r) {
        const s = r as { stop: ExitReason; state: unknown };
        this.state = s.state;
        return this.terminate(s.stop);
      }
      if ('noreply' in r) {
        const s = r as { noreply: unknown } & Continuation;
        this.state = s.noreply;
        return s.continue !== undefined || s.timeout !== undefined || s.hibernate ? this.after(s) : undefined;
      }
    }
    return this.crash({ badReturnValue: r });
  }

  /** Continue steps run before any queued message; then the inactivity timeout is armed. */
  private after(opts: Continuation): unknown {
    if (opts.continue !== undefined) return this.onNoreply(this.b.handleContinue, opts.continue, 'handleContinue');
    if (opts.hibernate) this.hibernate();
    if (opts.timeout !== undefined && this.proc.alive) {
      // OTP's `receive ... after 0`: a message already waiting is handled instead and the
      // timeout never fires; with an empty mailbox it fires at once.
      if (opts.timeout <= 0) {
        if (this.proc.mailbox.size === 0) this.proc.deliver(IDLE_TIMEOUT);
      } else this.proc.runtime.timers.schedule((this.idle = new IdleTimeout(this.proc)), opts.timeout);
    }
    return undefined;
  }

  /**
   * OTP's hibernate: there is no heap or stack to discard in JavaScript; the mailbox's storage
   * is compacted and Sys.getStatus reports hibernating until the next message arrives.
   */
  private hibernate(): void {
    this.hibernating = true;
    this.proc.mailbox.compact();
  }

  private crash(err: unknown): unknown {
    return this.terminate(err);
  }

  /** Runs terminate(reason, state), reports abnormal exits, and ends the process. */
  terminate(reason: ExitReason): unknown {
    const cb = this.b.terminate;
    return endProcess(this.proc, reason, cb && (() => cb.call(this.b, reason, this.state)), this.lastMessage);
  }
}

function startServer(
  behaviour: BehaviourLike<GenServerBehaviour>,
  args: unknown,
  opts: StartOptions,
  link: boolean,
): Promise<StartResult> {
  return startGen(new GenServerHandler(instantiate(behaviour), args), opts, link);
}

export const GenServer = {
  /** Starts a server not linked to the caller. */
  start<S, A>(
    behaviour: BehaviourLike<GenServerBehaviour<S, A>>,
    args: A,
    opts: StartOptions = {},
  ): Promise<StartResult> {
    return startServer(behaviour as BehaviourLike<GenServerBehaviour>, args, opts, false);
  },
  /** Starts a server linked to the calling process (if called from one). */
  startLink<S, A>(
    behaviour: BehaviourLike<GenServerBehaviour<S, A>>,
    args: A,
    opts: StartOptions = {},
  ): Promise<StartResult> {
    return startServer(behaviour as BehaviourLike<GenServerBehaviour>, args, opts, true);
  },
  call<R = unknown>(ref: ServerRef, request: unknown, timeoutMs: Timeout = 5000): Promise<R> {
    return call<R>(ref, request, timeoutMs);
  },
  cast(ref: ServerRef, msg: unknown): void {
    cast(ref, msg);
  },
  reply(from: From, value: unknown): boolean {
    return reply(from, value);
  },
  stop(ref: ServerRef, reason: ExitReason = 'normal', timeout: Timeout = 'infinity'): Promise<void> {
    return stop(ref, reason, timeout);
  },
};
