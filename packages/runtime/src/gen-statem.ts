/**
 * StateMachine: OTP's gen_statem in handle_event_function mode, optionally with
 * state enter calls. Terms follow the runtime's encoding (exit-reason.ts):
 * atoms are OTP-spelled strings, tagged tuples are objects with camelCase keys,
 * and actions are tuples as in OTP.
 *
 *   init        -> {ok: state, data, actions?} | {stop: reason} | {error: reason} | 'ignore'
 *                  ({error: reason}, OTP 26: the start returns it and the process exits 'normal')
 *   handleEvent(eventType, event, state, data) ->
 *       {nextState: s, data?, actions?}         (data omitted: unchanged)
 *     | {keepState: data, actions?} | 'keep_state_and_data' | {keepStateAndData: true, actions?}
 *     | {repeatState: data, actions?} | 'repeat_state_and_data' | {repeatStateAndData: true, actions?}
 *     | {stop: reason, data?} | {stopAndReply: reason, replies: ReplyAction[], data?}
 *
 * Event types: {call: from} | 'cast' | 'info' | 'internal' | 'enter' (event is
 * the old state) | 'timeout' (event timeout) | 'state_timeout' | {timeout: name}.
 * Any handler may return a promise; nothing else is handled until it settles.
 */
import { ExitError, type ExitReason } from './exit-reason.js';
import { termEqual } from './equal.js';
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

export type EventType =
  { call: From } | 'cast' | 'info' | 'internal' | 'enter' | 'timeout' | 'state_timeout' | { timeout: unknown };
export type Time = number | 'infinity';
export type ReplyAction = ['reply', From, unknown];
export type TimeoutSpec = [Time, unknown?] | ['cancel'] | ['update', unknown];
export type Action =
  | 'postpone'
  | ['postpone', boolean]
  | ReplyAction
  | [
      'next_event',
      'internal' | 'cast' | 'info' | 'timeout' | 'state_timeout' | { timeout: unknown } | { call: From },
      unknown,
    ]
  | ['timeout', ...TimeoutSpec]
  | ['state_timeout', ...TimeoutSpec]
  | [{ timeout: unknown }, ...TimeoutSpec]
  | 'hibernate'
  | ['hibernate', boolean];

export type StateInitResult<S, D> =
  { ok: S; data: D; actions?: readonly Action[] } | { stop: ExitReason } | { error: ExitReason } | 'ignore';
export type EventResult<S, D> =
  | { nextState: S; data?: D; actions?: readonly Action[] }
  | { keepState: D; actions?: readonly Action[] }
  | 'keep_state_and_data'
  | { keepStateAndData: true; actions?: readonly Action[] }
  | { repeatState: D; actions?: readonly Action[] }
  | 'repeat_state_and_data'
  | { repeatStateAndData: true; actions?: readonly Action[] }
  | { stop: ExitReason; data?: D }
  | { stopAndReply: ExitReason; replies: readonly ReplyAction[]; data?: D };

export type CallbackMode = 'handle_event_function' | readonly ['handle_event_function', 'state_enter'];

export interface StateMachineBehaviour<S = unknown, D = unknown, A = unknown> {
  /** default 'handle_event_function' (no state enter calls) */
  callbackMode?: CallbackMode | (() => CallbackMode);
  init(args: A): MaybePromise<StateInitResult<S, D>>;
  handleEvent(eventType: EventType, event: unknown, state: S, data: D): MaybePromise<EventResult<S, D>>;
  terminate?(reason: ExitReason, state: S, data: D): unknown;
}

interface Ev {
  type: EventType;
  content: unknown;
  /** set for a zero timeout queued as an event: it counts only while still the current timer of its type */
  timer?: StatemTimer;
}

class StatemTimer implements DeadlineEntry {
  deadline = 0;
  seq = 0;
  armed = false;
  constructor(
    readonly proc: Process,
    readonly type: 'timeout' | 'state_timeout' | { timeout: unknown },
    public content: unknown,
  ) {}
  onDeadline(): void {
    this.proc.deliver(this);
  }
}

class Crash {
  constructor(readonly reason: unknown) {}
}

/** @internal */
class StatemHandler implements GenHandler, SysTarget {
  parent: Process | undefined;
  proc!: Process;
  state: unknown;
  data: unknown;
  readonly behaviour = 'gen_statem';
  hibernating = false;
  private readonly sys = new SysControl();
  private stateEnter = false;
  private queue: Ev[] = [];
  private postponed: Ev[] = [];
  private eventTimer: StatemTimer | undefined;
  private stateTimer: StatemTimer | undefined;
  private readonly generic = new Map<unknown, StatemTimer>();
  /** timeout actions of the transition in progress: its event and all its state enter calls (OTP applies them at its end) */
  private transitionTimeouts: [EventType, unknown[]][] = [];

  constructor(
    private readonly b: StateMachineBehaviour,
    private readonly args: unknown,
  ) {}

  async init(proc: Process): Promise<StartResult | InitError> {
    this.proc = proc;
    const modeRaw = this.b.callbackMode;
    const mode = typeof modeRaw === 'function' ? modeRaw.call(this.b) : (modeRaw ?? 'handle_event_function');
    if (mode === 'handle_event_function') this.stateEnter = false;
    else if (
      Array.isArray(mode) &&
      mode[0] === 'handle_event_function' &&
      mode[1] === 'state_enter' &&
      mode.length === 2
    )
      this.stateEnter = true;
    else return { error: { badCallbackMode: mode } };
    let r: unknown = this.b.init(this.args);
    if (isPromiseLike(r)) r = await r;
    if (!proc.alive) return { error: proc.exitReason };
    if (r === 'ignore') return 'ignore';
    if (typeof r !== 'object' || r === null) return { error: { badReturnFromInit: r } };
    if ('stop' in r) return { error: (r as { stop: unknown }).stop };
    if ('error' in r) return new InitError((r as { error: unknown }).error);
    if (!('ok' in r)) return { error: { badReturnFromInit: r } };
    const init = r as { ok: unknown; data: unknown; actions?: readonly Action[] };
    this.state = init.ok;
    this.data = init.data;
    const parsed = this.parseActions(init.actions ?? [], false);
    if (parsed instanceof Crash) return { error: parsed.reason };
    // A postpone action from init is ignored, as in OTP: there is no event to postpone.
    for (const [from, value] of parsed.replies) reply(from, value);
    this.queue = [...(this.stateEnter ? [{ type: 'enter' as const, content: this.state }] : []), ...parsed.nextEvents];
    this.transitionTimeouts = parsed.timeouts;
    if (!this.stateEnter) this.endTransition();
    return { ok: proc.pid };
  }

  release(): void {
    const proc = this.proc;
    if (!proc.alive) return;
    const r = runAs(proc, () => this.drain());
    if (isPromiseLike(r)) r.then(proc.resume, proc.crashAsync);
    else proc.resume();
  }

  onDeath(): void {
    const timers = this.proc.runtime.timers;
    if (this.eventTimer) timers.cancel(this.eventTimer);
    if (this.stateTimer) timers.cancel(this.stateTimer);
    for (const t of this.generic.values()) timers.cancel(t);
    this.generic.clear();
  }

  /** [state, data], OTP's {State, Data}. */
  getSysState(): unknown {
    return [this.state, this.data];
  }

  setSysState(v: unknown): void {
    if (!Array.isArray(v) || v.length !== 2) throw new ExitError({ badStateData: v }, 'sys.replaceState');
    [this.state, this.data] = v as [unknown, unknown];
  }

  handle(msg: unknown): unknown {
    if (msg instanceof Call) {
      if ((msg.request instanceof SysRequest || this.sys.suspended) && this.sys.intercept(msg, this.proc, this, false))
        return undefined;
    } else if (
      this.sys.suspended &&
      this.sys.intercept(
        msg,
        this.proc,
        this,
        msg instanceof StopRequest ||
          (msg instanceof Exit && this.parent !== undefined && msg.from === this.parent.pid),
      )
    ) {
      return undefined;
    }
    if (this.hibernating) this.hibernating = false;
    let ev: Ev;
    if (msg instanceof Call) ev = { type: { call: msg }, content: msg.request };
    else if (msg instanceof Cast) ev = { type: 'cast', content: msg.msg };
    else if (msg instanceof StatemTimer) {
      if (!this.takeTimer(msg)) return undefined;
      ev = { type: msg.type, content: msg.content };
    } else if (msg instanceof StopRequest) return this.terminate(msg.reason);
    else if (msg instanceof Exit && this.parent && msg.from === this.parent.pid) return this.terminate(msg.reason);
    else ev = { type: 'info', content: msg };
    this.queue.push(ev);
    return this.drain();
  }

  /** A fired timer counts only if it is still the current one for its slot. */
  private takeTimer(t: StatemTimer): boolean {
    if (t.type === 'timeout') {
      if (this.eventTimer !== t) return false;
      this.eventTimer = undefined;
    } else if (t.type === 'state_timeout') {
      if (this.stateTimer !== t) return false;
      this.stateTimer = undefined;
    } else {
      const name = this.genericKey(t.type.timeout);
      if (this.generic.get(name) !== t) return false;
      this.generic.delete(name);
    }
    return true;
  }

  /** A generic timeout's name is a term: an equal name given by another object is the same timer. */
  private genericKey(name: unknown): unknown {
    if (typeof name !== 'object' || name === null) return name;
    for (const k of this.generic.keys()) if (termEqual(k, name)) return k;
    return name;
  }

  /** Runs queued events (enter calls, inserted and retried events) until none is left. */
  private drain(): unknown {
    while (this.queue.length > 0 && this.proc.alive) {
      const ev = this.queue.shift()!;
      if (ev.timer && !this.takeTimer(ev.timer)) continue;
      const r = this.step(ev);
      if (r !== undefined) return (r as Promise<unknown>).then(() => this.drain());
    }
    return undefined;
  }

  private step(ev: Ev): unknown {
    if (ev.type !== 'enter' && this.eventTimer) {
      this.proc.runtime.timers.cancel(this.eventTimer);
      this.eventTimer = undefined;
    }
    let r: unknown;
    try {
      r = this.b.handleEvent(ev.type, ev.content, this.state, this.data);
    } catch (err) {
      return this.terminate(err);
    }
    if (isPromiseLike(r)) {
      return r.then(
        (res) => this.apply(ev, res),
        (err) => this.terminate(err),
      );
    }
    return this.apply(ev, r);
  }

  private apply(ev: Ev, r: unknown): unknown {
    if (!this.proc.alive) return undefined;
    const isEnter = ev.type === 'enter';
    let nextState = this.state;
    let nextData = this.data;
    let actions: readonly Action[] = [];
    let repeat = false;
    if (r === 'keep_state_and_data') {
      // nothing changes
    } else if (r === 'repeat_state_and_data') {
      repeat = true;
    } else if (typeof r === 'object' && r !== null) {
      const o = r as Record<string, unknown>;
      if ('stop' in o) {
        if ('data' in o) this.data = o.data;
        return this.terminate(o.stop);
      }
      if ('stopAndReply' in o) {
        if ('data' in o) this.data = o.data;
        for (const a of (o.replies as ReplyAction[] | undefined) ?? []) {
          if (!Array.isArray(a) || a[0] !== 'reply' || !(a[1] instanceof Call)) return this.terminate({ badAction: a });
          reply(a[1], a[2]);
        }
        return this.terminate(o.stopAndReply);
      }
      if ('nextState' in o) {
        nextState = o.nextState;
        if ('data' in o) nextData = o.data;
      } else if ('keepState' in o) nextData = o.keepState;
      else if ('keepStateAndData' in o) {
        // nothing changes
      } else if ('repeatState' in o) {
        nextData = o.repeatState;
        repeat = true;
      } else if ('repeatStateAndData' in o) repeat = true;
      else return this.terminate({ badReturnFromStateFunction: r });
      actions = (o.actions as readonly Action[] | undefined) ?? [];
    } else {
      return this.terminate({ badReturnFromStateFunction: r });
    }

    const changed = !termEqual(nextState, this.state);
    if (isEnter && changed) return this.terminate({ badStateEnterReturnFromStateFunction: r });
    const parsed = this.parseActions(actions, isEnter);
    if (parsed instanceof Crash) return this.terminate(parsed.reason);

    for (const [from, value] of parsed.replies) reply(from, value);
    if (parsed.postpone) this.postponed.push(ev);
    const oldState = this.state;
    this.state = nextState;
    this.data = nextData;
    const front: Ev[] = [];
    if (changed) {
      if (this.stateTimer) {
        this.proc.runtime.timers.cancel(this.stateTimer);
        this.stateTimer = undefined;
      }
      if (this.stateEnter) front.push({ type: 'enter', content: oldState });
      front.push(...parsed.nextEvents, ...this.postponed);
      this.postponed = [];
    } else {
      // A repeated enter call from an enter call keeps the OldState it was given.
      if (repeat && this.stateEnter) front.push({ type: 'enter', content: isEnter ? ev.content : oldState });
      front.push(...parsed.nextEvents);
    }
    if (front.length > 0) this.queue = front.concat(this.queue);
    for (const t of parsed.timeouts) this.transitionTimeouts.push(t);
    if (parsed.hibernate) this.hibernate();
    // The transition goes on through its enter calls; its timeouts take effect at its end.
    if (front[0]?.type !== 'enter') this.endTransition();
    return undefined;
  }

  private parseActions(
    actions: readonly Action[],
    isEnter: boolean,
  ):
    | Crash
    | {
        replies: [From, unknown][];
        postpone: boolean;
        nextEvents: Ev[];
        timeouts: [EventType, unknown[]][];
        hibernate: boolean;
      } {
    const replies: [From, unknown][] = [];
    const nextEvents: Ev[] = [];
    const timeouts: [EventType, unknown[]][] = [];
    let postpone = false;
    let hibernate = false;
    if (!Array.isArray(actions)) return new Crash({ badActionList: actions });
    for (const a of actions as unknown[]) {
      if (a === 'postpone' || (Array.isArray(a) && a[0] === 'postpone' && typeof a[1] === 'boolean')) {
        if (isEnter) return new Crash({ badStateEnterAction: a });
        postpone = a === 'postpone' ? true : (a as [string, boolean])[1];
      } else if (a === 'hibernate' || (Array.isArray(a) && a[0] === 'hibernate' && typeof a[1] === 'boolean')) {
        hibernate = a === 'hibernate' ? true : (a as [string, boolean])[1];
      } else if (Array.isArray(a) && a[0] === 'reply' && a[1] instanceof Call) {
        replies.push([a[1], a[2]]);
      } else if (Array.isArray(a) && a[0] === 'next_event' && a.length === 3 && isInsertableType(a[1])) {
        if (isEnter) return new Crash({ badStateEnterAction: a });
        nextEvents.push({ type: a[1] as EventType, content: a[2] });
      } else if (
        Array.isArray(a) &&
        (a[0] === 'timeout' || a[0] === 'state_timeout' || isGenericName(a[0])) &&
        isTimeoutSpec(a.slice(1))
      ) {
        timeouts.push([a[0] as EventType, a.slice(1)]);
      } else {
        return new Crash({ badAction: a });
      }
    }
    return { replies, postpone, nextEvents, timeouts, hibernate };
  }

  /** See GenServer's hibernate: the mailbox's storage is compacted and Sys.getStatus reports hibernating. */
  private hibernate(): void {
    this.hibernating = true;
    this.proc.mailbox.compact();
  }

  /** Applies the transition's timeout actions: for each type only the last one counts (OTP's loop_timeouts). */
  private endTransition(): void {
    const all = this.transitionTimeouts;
    if (all.length === 0) return;
    this.transitionTimeouts = [];
    const last: [EventType, unknown[]][] = [];
    for (let i = all.length - 1; i >= 0; i--) {
      const t = all[i]!;
      if (!last.some((seen) => sameTimeoutType(seen[0], t[0]))) last.push(t);
    }
    this.applyTimeouts(last.reverse());
  }

  private applyTimeouts(timeouts: [EventType, unknown[]][]): void {
    const timers = this.proc.runtime.timers;
    const zero: StatemTimer[] = [];
    for (const [type, spec] of timeouts) {
      const current = this.slot(type);
      if (spec[0] === 'cancel') {
        if (current) timers.cancel(current);
        this.setSlot(type, undefined);
        continue;
      }
      if (spec[0] === 'update') {
        if (current && current.armed) {
          current.content = spec[1];
          continue;
        }
        // Updating a timer that is not running fires it at once, as in OTP.
        if (current) timers.cancel(current);
        const t = new StatemTimer(this.proc, type as StatemTimer['type'], spec[1]);
        this.setSlot(type, t);
        zero.push(t);
        continue;
      }
      const time = spec[0] as Time;
      if (current) timers.cancel(current);
      this.setSlot(type, undefined);
      if (time === 'infinity') continue;
      const t = new StatemTimer(this.proc, type as StatemTimer['type'], spec[1]);
      this.setSlot(type, t);
      if (time <= 0) zero.push(t);
      else timers.schedule(t, time);
    }
    // A zero timeout is queued after the events already queued and before any event not yet
    // received (the mailbox). Any queued event cancels a zero event timeout: the first live event
    // ahead of it does so when it runs (step), and takeTimer then drops it. A queued zero timeout
    // that is no longer current is no event (OTP drops a cancelled zero timeout from its queue).
    for (const t of zero) {
      this.queue.push({ type: t.type, content: t.content, timer: t });
    }
  }

  private slot(type: EventType): StatemTimer | undefined {
    if (type === 'timeout') return this.eventTimer;
    if (type === 'state_timeout') return this.stateTimer;
    return this.generic.get(this.genericKey((type as { timeout: unknown }).timeout));
  }

  private setSlot(type: EventType, t: StatemTimer | undefined): void {
    if (type === 'timeout') this.eventTimer = t;
    else if (type === 'state_timeout') this.stateTimer = t;
    else if (t) this.generic.set(this.genericKey((type as { timeout: unknown }).timeout), t);
    else this.generic.delete(this.genericKey((type as { timeout: unknown }).timeout));
  }

  terminate(reason: ExitReason): unknown {
    const cb = this.b.terminate;
    return endProcess(this.proc, reason, cb && (() => cb.call(this.b, reason, this.state, this.data)));
  }
}

/** next_event takes every event type but 'enter', as in OTP: timeout types included. */
function isInsertableType(t: unknown): boolean {
  if (t === 'internal' || t === 'cast' || t === 'info' || t === 'timeout' || t === 'state_timeout') return true;
  if (isGenericName(t)) return true;
  return typeof t === 'object' && t !== null && (t as { call?: unknown }).call instanceof Call;
}

function sameTimeoutType(a: EventType, b: EventType): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return termEqual((a as { timeout: unknown }).timeout, (b as { timeout: unknown }).timeout);
}

function isGenericName(head: unknown): boolean {
  return (
    typeof head === 'object' &&
    head !== null &&
    !Array.isArray(head) &&
    'timeout' in head &&
    Object.keys(head).length === 1
  );
}

function isTimeoutSpec(spec: unknown[]): boolean {
  const t = spec[0];
  if (t === 'cancel') return spec.length === 1;
  if (t === 'update') return spec.length === 2;
  return (t === 'infinity' || (typeof t === 'number' && Number.isFinite(t) && t >= 0)) && spec.length <= 2;
}

/** Narrows an event type to a call, giving access to its From. */
export function isCallEvent(type: EventType): type is { call: From } {
  return typeof type === 'object' && type !== null && 'call' in type;
}

/** The name of a generic timeout event type, or undefined for any other event type. */
export function genericTimeoutName(type: EventType): unknown {
  return typeof type === 'object' && type !== null && 'timeout' in type ? type.timeout : undefined;
}

export const StateMachine = {
  start<S, D, A>(
    behaviour: StateMachineBehaviour<S, D, A> | (new () => StateMachineBehaviour<S, D, A>),
    args: A,
    opts: StartOptions = {},
  ): Promise<StartResult> {
    return startGen(new StatemHandler(instantiate(behaviour) as StateMachineBehaviour, args), opts, false);
  },
  startLink<S, D, A>(
    behaviour: StateMachineBehaviour<S, D, A> | (new () => StateMachineBehaviour<S, D, A>),
    args: A,
    opts: StartOptions = {},
  ): Promise<StartResult> {
    return startGen(new StatemHandler(instantiate(behaviour) as StateMachineBehaviour, args), opts, true);
  },
  /** The default timeout is 'infinity', as in OTP's gen_statem. */
  call<R = unknown>(ref: ServerRef, request: unknown, timeoutMs: Timeout = 'infinity'): Promise<R> {
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
