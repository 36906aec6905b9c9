/**
 * Requests whose replies are collected later: OTP's gen_server:send_request/2,
 * receive_response/2, wait_response/2 and check_response/2 (also gen_statem's).
 *
 *   const id = sendRequest(ref, req);          // never blocks, never throws
 *   await receiveResponse(id, 100)             // {reply: value} | 'timeout' | {error: [reason, ref]}
 *
 * receiveResponse abandons the request when its timeout expires: a reply that comes later
 * is dropped (the server still handles the request). waitResponse leaves it pending, so it
 * can be waited for again. checkResponse looks without waiting: 'no_reply' while pending.
 * {error: [reason, ref]} is OTP's {error, {Reason, ServerRef}}: 'noproc', or the exit
 * reason of a server that died before replying.
 */
import { ExitError, type ExitReason } from './exit-reason.js';
import { Call } from './gen.js';
import { currentProcess, getRuntime, resolveRef, type ServerRef } from './process.js';
import type { Timeout } from './timers.js';

export type Response<R = unknown> = { reply: R } | { error: [ExitReason, ServerRef] };

/** OTP's request_id(): the handle of one request sent with sendRequest. */
export class RequestId {
  /** @internal */
  outcome: Response | undefined;
  /** @internal set once receiveResponse gave up on it: later replies are dropped */
  abandoned = false;
  /** @internal */
  call: Call | undefined;
  private waiters: (() => void)[] | undefined;

  constructor(readonly serverRef: ServerRef) {}

  /** @internal */
  settle(r: Response): void {
    if (this.outcome !== undefined || this.abandoned) return;
    this.outcome = r;
    const w = this.waiters;
    this.waiters = undefined;
    if (w) for (const f of w) f();
  }

  /** @internal */
  onSettle(f: () => void): void {
    (this.waiters ??= []).push(f);
  }

  /** @internal */
  offSettle(f: () => void): void {
    const w = this.waiters;
    if (!w) return;
    const i = w.indexOf(f);
    if (i >= 0) w.splice(i, 1);
  }
}

/** Sends `request` as a call and returns at once (OTP's send_request/2). */
export function sendRequest(ref: ServerRef, request: unknown): RequestId {
  const id = new RequestId(ref);
  const proc = resolveRef(ref);
  if (!proc) {
    id.settle({ error: ['noproc', ref] });
    return id;
  }
  const caller = currentProcess();
  const c = new Call(request, caller?.pid);
  c.resolve = (v: unknown) => id.settle({ reply: v });
  c.reject = (err: unknown) => id.settle({ error: [err instanceof ExitError ? err.reason : err, ref] });
  id.call = c;
  proc.addPending(c);
  proc.deliver(c);
  return id;
}

/** The response if it has come, else 'no_reply' (OTP's check_response/2, without a mailbox to look in). */
export function checkResponse<R = unknown>(id: RequestId): Response<R> | 'no_reply' {
  return (id.outcome as Response<R> | undefined) ?? 'no_reply';
}

/** Waits up to `timeout` ms for the response; on timeout the request is abandoned (OTP's receive_response/2). */
export function receiveResponse<R = unknown>(
  id: RequestId,
  timeout: Timeout = 'infinity',
): Promise<Response<R> | 'timeout'> {
  return waitFor<R>(id, timeout, true);
}

/** Like receiveResponse, but a timeout leaves the request pending (OTP's wait_response/2). */
export function waitResponse<R = unknown>(
  id: RequestId,
  timeout: Timeout = 'infinity',
): Promise<Response<R> | 'timeout'> {
  return waitFor<R>(id, timeout, false);
}

function waitFor<R>(id: RequestId, timeout: Timeout, abandonOnTimeout: boolean): Promise<Response<R> | 'timeout'> {
  if (id.outcome !== undefined) return Promise.resolve(id.outcome as Response<R>);
  const giveUp = (): 'timeout' => {
    if (abandonOnTimeout) abandon(id);
    return 'timeout';
  };
  if (id.abandoned || timeout === 0) return Promise.resolve(giveUp());
  return new Promise((resolve) => {
    const timers = (id.call?.owner?.runtime ?? getRuntime()).timers;
    const timer =
      timeout === 'infinity'
        ? undefined
        : timers.after(timeout, () => {
            id.offSettle(done);
            resolve(giveUp());
          });
    const done = (): void => {
      if (timer) timers.cancel(timer);
      resolve(id.outcome as Response<R>);
    };
    id.onSettle(done);
  });
}

function abandon(id: RequestId): void {
  id.abandoned = true;
  const c = id.call;
  if (c && !c.done) {
    c.done = true;
    c.owner?.removePending(c);
  }
}
