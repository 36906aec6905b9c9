/**
 * DeclaredMachine: a StateMachine behaviour (handle_event_function + state_enter) that interprets
 * a MachineDefinition. One DeclaredMachine object serves every instance of its definition; each
 * process holds only its state name and data.
 *
 * Events arrive as `{event, params}` through StateMachine.call/cast (or as plain messages for
 * info events). Transitions from the current state on the event are tried by priority; the first
 * whose guards all hold fires. No match: a call is answered with the definition's unhandledError
 * ({error, message, state, event}) and the machine keeps its state and data; a cast is dropped and
 * counted. An invoke that returns `{error}` aborts the transition the same way (the caller gets
 * that error); an invoke that throws crashes the machine, as any fault in a process does.
 *
 * A matched call without a reply action is answered with the new state's name.
 */
import type { ChildSpec, RestartType, Shutdown } from '../child-spec.js';
import type { From, StartOptions, StartResult } from '../gen.js';
import {
  isCallEvent,
  StateMachine,
  type Action,
  type EventResult,
  type EventType,
  type StateInitResult,
  type StateMachineBehaviour,
} from '../gen-statem.js';
import type { ServerRef } from '../process.js';
import type { Timeout } from '../timers.js';
import {
  ENTER_EVENT,
  compileDefinition,
  refusal,
  runActions,
  selectTransition,
  type ActionContext,
  type CompiledMachine,
  type CompiledTransition,
  type EventParams,
  type InvokeFn,
  type MachineData,
} from './compile.js';
import type { Effect, HandWrittenHooks, MachineDefinition, RefusedEvent } from './definition.js';

/** Where emit_metric goes; MetricsCollector fits. */
export interface MetricsSink {
  inc(name: string, labels?: Readonly<Record<string, string>>): void;
}

export interface NotifyPayload {
  machine: string;
  /** The state the machine is in (or is entering) when the notification is made. */
  state: string;
  data: Readonly<MachineData>;
}

/** Where notify goes. */
export type Notifier = (topic: string, payload: NotifyPayload) => void;

/** An event that did not change the machine and had no caller to tell (or an enter action that failed). */
export interface DroppedEvent {
  machine: string;
  state: string;
  event: string;
  reason: 'refused' | 'aborted' | 'enter_aborted';
  error: unknown;
}

export interface DeclaredMachineOptions {
  /** Required when the definition has invoke actions. */
  invoke?: InvokeFn;
  /**
   * The hand-written guards and actions (otp:handWritten), by name; every one the definition names
   * is required. Generated code passes the user's module (the generation gap) here.
   */
  handWritten?: HandWrittenHooks;
  metrics?: MetricsSink;
  notify?: Notifier;
  /** Called for every dropped cast/info and every failed enter action (they are counted in stats either way). */
  onDropped?: (event: DroppedEvent) => void;
  /**
   * A terminal state (otp:terminal) stops the process with reason 'normal' once its enter actions
   * have run. Default true; false keeps the machine running in its terminal state (to inspect it).
   */
  stopOnTerminal?: boolean;
  /** State timeouts by timeout event name, replacing the definition's timeoutMs (e.g. short idle timeouts in tests). */
  timeoutOverrides?: Readonly<Record<string, number>>;
}

/** Counters shared by every instance of one DeclaredMachine. */
export interface MachineStats {
  /** Events that fired a transition. */
  accepted: number;
  /** Calls answered with the unhandled error. */
  refused: number;
  /** Casts and info messages that matched no transition, or whose transition was aborted. */
  dropped: number;
  /** Transitions aborted by an invoke error (calls and casts). */
  aborted: number;
  /** Enter actions stopped by an invoke error (the state had already changed). */
  enterErrors: number;
  /** Metrics sinks or notifiers that threw (the machine carries on). */
  sinkErrors: number;
}

/** An event as delivered to a declared machine. */
export interface MachineEvent {
  event: string;
  params?: EventParams;
}

export interface MachineSnapshot<D = MachineData> {
  state: string;
  data: D;
}

/** The request currentState() sends; not an event of any machine. */
const CURRENT_STATE = Object.freeze({ currentState: true });
const NO_PARAMS: EventParams = Object.freeze({});

export class DeclaredMachine implements StateMachineBehaviour<string, MachineData, Readonly<MachineData> | undefined> {
  readonly callbackMode = ['handle_event_function', 'state_enter'] as const;
  readonly definition: MachineDefinition;
  readonly stats: MachineStats = { accepted: 0, refused: 0, dropped: 0, aborted: 0, enterErrors: 0, sinkErrors: 0 };
  private readonly cm: CompiledMachine;
  private readonly opts: DeclaredMachineOptions;
  private readonly labels: Readonly<Record<string, string>>;
  /** Per state: the state_timeout action armed on entering it (built once). */
  private readonly timeoutActions = new Map<string, readonly Action[]>();

  constructor(def: MachineDefinition, opts: DeclaredMachineOptions = {}) {
    this.cm = compileDefinition(def);
    this.definition = def;
    if (this.cm.usesInvoke && typeof opts.invoke !== 'function') {
      throw new TypeError(
        `machine ${def.name}: the definition has invoke actions, so options.invoke must be a function`,
      );
    }
    const missing = [
      ...[...this.cm.handWritten.guards]
        .filter((n) => typeof opts.handWritten?.guards?.[n] !== 'function')
        .map((n) => `guard ${n}`),
      ...[...this.cm.handWritten.actions]
        .filter((n) => typeof opts.handWritten?.actions?.[n] !== 'function')
        .map((n) => `action ${n}`),
    ];
    if (missing.length > 0) {
      throw new TypeError(
        `machine ${def.name}: the definition names hand-written ${missing.join(', ')}, so options.handWritten must supply ${missing.length === 1 ? 'it' : 'them'}`,
      );
    }
    this.opts = opts;
    this.labels = Object.freeze({ machine: def.name });
    for (const [state, st] of this.cm.timeouts) {
      // The runtime's deadline heap holds delays of any length (days-long timeouts included).
      const override = opts.timeoutOverrides?.[st.event];
      if (override !== undefined && (!Number.isSafeInteger(override) || override < 0)) {
        throw new RangeError(
          `machine ${def.name}: timeoutOverrides.${st.event} must be a whole number of ms, got ${String(override)}`,
        );
      }
      const action: Action = ['state_timeout', override ?? st.timeoutMs, st.event];
      this.timeoutActions.set(state, Object.freeze([action]));
    }
  }

  init(overrides: Readonly<MachineData> | undefined): StateInitResult<string, MachineData> {
    const data: MachineData = overrides === undefined ? { ...this.cm.initial } : { ...this.cm.initial, ...overrides };
    return { ok: this.definition.initialState, data };
  }

  handleEvent(
    type: EventType,
    content: unknown,
    state: string,
    data: MachineData,
  ): EventResult<string, MachineData> | Promise<EventResult<string, MachineData>> {
    if (type === 'enter') return this.enter(state, data);
    if (type === 'state_timeout') return this.timeout(state, content);
    const from = isCallEvent(type) ? type.call : undefined;
    if (content === CURRENT_STATE) {
      return from
        ? { keepStateAndData: true, actions: [['reply', from, { state, data } satisfies MachineSnapshot]] }
        : 'keep_state_and_data';
    }
    if (typeof content !== 'object' || content === null || typeof (content as MachineEvent).event !== 'string') {
      // ['$ping'] is what generated servers answer for health checks and chaos recovery; machines answer it too.
      if (from && Array.isArray(content) && content[0] === '$ping')
        return { keepStateAndData: true, actions: [['reply', from, 'pong']] };
      return this.refuse(from, state, '?', 'not an event ({event, params})');
    }
    const { event, params: given } = content as MachineEvent;
    const params = given ?? NO_PARAMS;
    const ev = this.cm.events.get(event);
    if (ev === undefined) return this.refuse(from, state, event, `${event} is not an event of ${this.definition.name}`);
    if (typeof params !== 'object' || params === null)
      return this.refuse(from, state, event, 'params must be an object');
    const bad = ev.check(params);
    if (bad !== undefined) return this.refuse(from, state, event, bad);
    const t = selectTransition(this.cm, state, event, params, data, this.opts.handWritten);
    if (t === undefined) return this.refuse(from, state, event, undefined);
    const ctx: ActionContext = {
      params,
      data: t.writes ? { ...data } : data,
      reply: undefined,
      replied: false,
      postpone: false,
      effects: undefined,
      error: undefined,
      invoke: this.opts.invoke,
      hooks: this.opts.handWritten,
      event,
      state,
    };
    const r = runActions(t.actions, ctx);
    if (r !== undefined) return r.then(() => this.fire(t, ctx, from, state, event));
    return this.fire(t, ctx, from, state, event);
  }

  /** Starts one instance; `overrides` replace initial data (e.g. {tenantId}). */
  start(overrides?: Readonly<MachineData>, opts?: StartOptions): Promise<StartResult> {
    return StateMachine.start(this, overrides, opts);
  }

  startLink(overrides?: Readonly<MachineData>, opts?: StartOptions): Promise<StartResult> {
    return StateMachine.startLink(this, overrides, opts);
  }

  /** A child spec for a simple_one_for_one supervisor: Supervisor.startChild(sup, [overrides]). Restart defaults to temporary. */
  childSpec(opts: { id?: unknown; restart?: RestartType; shutdown?: Shutdown } = {}): ChildSpec {
    return {
      id: opts.id ?? this.definition.name,
      start: (overrides?: Readonly<MachineData>) => this.startLink(overrides),
      restart: opts.restart ?? 'temporary',
      shutdown: opts.shutdown ?? 5000,
      type: 'worker',
    };
  }

  private fire(
    t: CompiledTransition,
    ctx: ActionContext,
    from: From | undefined,
    state: string,
    event: string,
  ): EventResult<string, MachineData> {
    if (ctx.error !== undefined) {
      this.stats.aborted++;
      if (from) return { keepStateAndData: true, actions: [['reply', from, ctx.error]] };
      this.drop(state, event, 'aborted', ctx.error);
      return 'keep_state_and_data';
    }
    this.stats.accepted++;
    if (ctx.effects !== undefined) this.flush(ctx.effects, t.to, ctx.data);
    let actions: readonly Action[] | undefined;
    if (ctx.postpone) actions = ['postpone'];
    else if (from) actions = [['reply', from, ctx.replied ? ctx.reply : t.to]];
    // A transition back to its own source keeps the state: no enter actions, the state timeout runs on.
    if (t.to === state) return actions ? { keepState: ctx.data, actions } : { keepState: ctx.data };
    return actions ? { nextState: t.to, data: ctx.data, actions } : { nextState: t.to, data: ctx.data };
  }

  private enter(
    state: string,
    data: MachineData,
  ): EventResult<string, MachineData> | Promise<EventResult<string, MachineData>> {
    const compiled = this.cm.enter.get(state);
    if (compiled === undefined) return this.entered(state, data);
    const ctx: ActionContext = {
      params: NO_PARAMS,
      data: compiled.writes ? { ...data } : data,
      reply: undefined,
      replied: false,
      postpone: false,
      effects: undefined,
      error: undefined,
      invoke: this.opts.invoke,
      hooks: this.opts.handWritten,
      event: ENTER_EVENT,
      state,
    };
    const r = runActions(compiled.actions, ctx);
    if (r !== undefined) return r.then(() => this.afterEnter(state, data, ctx));
    return this.afterEnter(state, data, ctx);
  }

  private afterEnter(state: string, data: MachineData, ctx: ActionContext): EventResult<string, MachineData> {
    if (ctx.error !== undefined) {
      // The state has changed already; the failed enter actions leave data and effects as they were.
      this.stats.enterErrors++;
      this.drop(state, `enter ${state}`, 'enter_aborted', ctx.error);
      return this.entered(state, data);
    }
    if (ctx.effects !== undefined) this.flush(ctx.effects, state, ctx.data);
    return this.entered(state, ctx.data);
  }

  private entered(state: string, data: MachineData): EventResult<string, MachineData> {
    if (this.opts.stopOnTerminal !== false && this.cm.terminal.has(state)) return { stop: 'normal', data };
    const timeout = this.timeoutActions.get(state);
    return timeout ? { keepState: data, actions: timeout } : { keepState: data };
  }

  private timeout(state: string, content: unknown): EventResult<string, MachineData> {
    const st = this.cm.timeouts.get(state);
    if (st === undefined || st.event !== content) return 'keep_state_and_data';
    this.stats.accepted++;
    return st.to === state ? 'keep_state_and_data' : { nextState: st.to };
  }

  private refuse(
    from: From | undefined,
    state: string,
    event: string,
    detail: string | undefined,
  ): EventResult<string, MachineData> {
    const err: RefusedEvent = refusal(this.definition, state, event, detail);
    if (from) {
      this.stats.refused++;
      return { keepStateAndData: true, actions: [['reply', from, err]] };
    }
    this.drop(state, event, 'refused', err);
    return 'keep_state_and_data';
  }

  private drop(state: string, event: string, reason: DroppedEvent['reason'], error: unknown): void {
    if (reason !== 'enter_aborted') this.stats.dropped++;
    const hook = this.opts.onDropped;
    if (hook) {
      try {
        hook({ machine: this.definition.name, state, event, reason, error });
      } catch {
        this.stats.sinkErrors++;
      }
    }
  }

  private flush(effects: readonly Effect[], state: string, data: MachineData): void {
    const { metrics, notify } = this.opts;
    for (const e of effects) {
      try {
        if (e.kind === 'metric') metrics?.inc(e.metric, this.labels);
        else notify?.(e.topic, { machine: this.definition.name, state, data });
      } catch {
        this.stats.sinkErrors++;
      }
    }
  }
}

/** Sends an event as a call; resolves with the transition's reply, the unhandled error, or an invoke's error. */
export function sendEvent<R = unknown>(
  ref: ServerRef,
  event: string,
  params: EventParams = NO_PARAMS,
  timeout: Timeout = 'infinity',
): Promise<R> {
  return StateMachine.call<R>(ref, { event, params } satisfies MachineEvent, timeout);
}

/** Sends an event as a cast (fire and forget). */
export function castEvent(ref: ServerRef, event: string, params: EventParams = NO_PARAMS): void {
  StateMachine.cast(ref, { event, params } satisfies MachineEvent);
}

/** The machine's current state and data (a built-in call, not an event of the definition). */
export function currentState<D = MachineData>(
  ref: ServerRef,
  timeout: Timeout = 'infinity',
): Promise<MachineSnapshot<D>> {
  return StateMachine.call<MachineSnapshot<D>>(ref, CURRENT_STATE, timeout);
}
