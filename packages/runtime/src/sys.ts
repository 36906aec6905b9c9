/**
 * OTP's sys module for GenServer, StateMachine and Supervisor processes: introspection
 * and control through system messages, handled by the behaviour itself between
 * ordinary messages.
 *
 *   Sys.getState(ref)            -> the server's state; [state, data] for a StateMachine
 *   Sys.getStatus(ref)           -> SysStatus (behaviour, running | suspended, hibernating, state, queue length)
 *   Sys.suspend(ref)             -> while suspended only system messages are handled; the rest wait, in order
 *   Sys.resume(ref)
 *   Sys.replaceState(ref, fn)    -> fn(state) becomes the state and is returned; a throwing fn leaves
 *                                   the state as it was and rejects with {callbackFailed: error}
 *
 * Every function takes a timeout (default 5000 ms, as in OTP) and rejects with ExitError
 * ('noproc', 'timeout', or the process's exit reason) like a call.
 */
import { ExitError, type ExitReason } from './exit-reason.js';
import { Call, call, reply } from './gen.js';
import type { Pid, Process, ServerRef } from './process.js';
import type { Timeout } from './timers.js';

/** @internal The request of a Call that is a system message. */
export class SysRequest {
  constructor(
    readonly op: 'getState' | 'getStatus' | 'suspend' | 'resume' | 'replaceState',
    readonly fn?: (state: unknown) => unknown,
  ) {}
}

export interface SysStatus {
  pid: Pid;
  name: string | undefined;
  behaviour: 'gen_server' | 'gen_statem';
  /** OTP's SysState */
  status: 'running' | 'suspended';
  /** true from a hibernate return until the next message arrives */
  hibernating: boolean;
  /** the state as getState returns it */
  state: unknown;
  messageQueueLen: number;
  parent: Pid | undefined;
}

/** @internal What a behaviour's handler exposes to system messages. */
export interface SysTarget {
  readonly behaviour: SysStatus['behaviour'];
  readonly parent: Process | undefined;
  hibernating: boolean;
  getSysState(): unknown;
  /** Sets the state from what getSysState returned (replaced). */
  setSysState(state: unknown): void;
}

/**
 * @internal Per-process suspension: messages that arrive while suspended wait here and go
 * back to the front of the mailbox, in arrival order, on resume.
 */
export class SysControl {
  suspended = false;
  private held: unknown[] = [];

  /**
   * Handles `msg` if it is a system message, or holds it while suspended (unless `urgent`).
   * Returns true if the behaviour must not handle it. Callers check `suspended || msg instanceof Call` first.
   */
  intercept(msg: unknown, proc: Process, target: SysTarget, urgent: boolean): boolean {
    if (msg instanceof Call && msg.request instanceof SysRequest) {
      this.system(msg, msg.request, proc, target);
      return true;
    }
    // A stop request and the parent's exit signal are handled even while suspended, as in OTP.
    if (this.suspended && !urgent) {
      this.held.push(msg);
      return true;
    }
    return false;
  }

  private system(from: Call, req: SysRequest, proc: Process, target: SysTarget): void {
    switch (req.op) {
      case 'getState':
        reply(from, target.getSysState());
        return;
      case 'getStatus':
        reply(from, {
          pid: proc.pid,
          name: proc.name,
          behaviour: target.behaviour,
          status: this.suspended ? 'suspended' : 'running',
          hibernating: target.hibernating,
          state: target.getSysState(),
          messageQueueLen: proc.mailbox.size + this.held.length,
          parent: target.parent?.pid,
        } satisfies SysStatus);
        return;
      case 'suspend':
        this.suspended = true;
        reply(from, 'ok');
        return;
      case 'resume': {
        this.suspended = false;
        const held = this.held;
        this.held = [];
        if (held.length > 0) {
          const later = proc.mailbox.clear();
          for (const m of held) proc.mailbox.push(m);
          for (const m of later) proc.mailbox.push(m);
        }
        reply(from, 'ok');
        return;
      }
      case 'replaceState': {
        let next: unknown;
        try {
          next = req.fn!(target.getSysState());
          // A state of the wrong shape (gen_statem: not [state, data]) fails like a throwing fn, as
          // in OTP (sys:do_replace_state catches the behaviour's system_replace_state badmatch).
          target.setSysState(next);
        } catch (err) {
          reply(from, new SysFailure({ callbackFailed: err }));
          return;
        }
        reply(from, next);
        return;
      }
    }
  }
}

class SysFailure {
  constructor(readonly reason: ExitReason) {}
}

async function sysCall<T>(ref: ServerRef, req: SysRequest, timeout: Timeout): Promise<T> {
  const r = await call<unknown>(ref, req, timeout);
  if (r instanceof SysFailure) throw new ExitError(r.reason, `sys.${req.op}`);
  return r as T;
}

export const Sys = {
  /** The server's state (OTP's sys:get_state/2); [state, data] for a StateMachine. */
  getState<S = unknown>(ref: ServerRef, timeout: Timeout = 5000): Promise<S> {
    return sysCall<S>(ref, new SysRequest('getState'), timeout);
  },
  /** OTP's sys:get_status/2, as an object. */
  getStatus(ref: ServerRef, timeout: Timeout = 5000): Promise<SysStatus> {
    return sysCall<SysStatus>(ref, new SysRequest('getStatus'), timeout);
  },
  /** Only system messages are handled until resume; calls and casts wait in order. */
  suspend(ref: ServerRef, timeout: Timeout = 5000): Promise<'ok'> {
    return sysCall<'ok'>(ref, new SysRequest('suspend'), timeout);
  },
  resume(ref: ServerRef, timeout: Timeout = 5000): Promise<'ok'> {
    return sysCall<'ok'>(ref, new SysRequest('resume'), timeout);
  },
  /** Replaces the state with fn(state) and resolves it; a throwing fn leaves the state as it was ({callbackFailed: err}). */
  replaceState<S = unknown>(ref: ServerRef, fn: (state: S) => S, timeout: Timeout = 5000): Promise<S> {
    return sysCall<S>(ref, new SysRequest('replaceState', fn as (s: unknown) => unknown), timeout);
  },
};
