/**
 * A state machine as the spec declares it: plain data that templates build from the query rows
 * (state_machines, states, events, params, data_fields, transitions, transition_guards,
 * transition_actions, invoke_bindings, state_enter_actions, state_timeouts). The interpreter
 * (compile.ts) gives it behaviour; one definition object serves every instance.
 */

/** A JSON literal as it appears in the spec (otp:value, otp:rightValue, otp:initialValue). */
export type Literal = string | number | boolean | null | readonly Literal[] | { readonly [k: string]: Literal };

export type Comparator = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'ne';

/** `event.<param>[.<sub>...]` reads the event's params; `data.<field>[.<sub>...]` reads the machine's data. */
export type Operand = `event.${string}` | `data.${string}`;

export interface StateDef {
  readonly name: string;
  /** No transition leaves a terminal state. */
  readonly terminal?: boolean;
}

export interface DataFieldDef {
  readonly name: string;
  /** Value at start (and what reset_field restores). */
  readonly initial: Literal;
}

export interface ParamDef {
  readonly name: string;
  /** The param's TypeScript type (the query's ts_type); 'string', 'number' and 'boolean' are checked at dispatch. */
  readonly type?: string;
  /*
   * The declared constraints, which the machine's client (MachineClient) checks before it sends
   * the event; a value that breaks them is refused with `error` (default: the unhandled error).
   */
  /** What the spec's type admits: a safe integer (Integer, MinorUnits, Timestamp), a finite number, a list of strings... */
  readonly kind?: 'string' | 'integer' | 'number' | 'boolean' | 'strings' | 'list' | 'record' | 'enum' | 'any';
  /** An enum's values. */
  readonly values?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly min?: number;
  readonly max?: number;
  /** A regular expression the (string) value must match. */
  readonly pattern?: string;
  readonly error?: string;
}

export type EventKind = 'call' | 'cast' | 'info';

export interface EventDef {
  readonly name: string;
  readonly kind: EventKind;
  readonly params?: readonly ParamDef[];
  readonly replyType?: string;
}

/** A declared comparison. Exactly one of `right` and `rightValue` is given. */
export interface ComparisonGuardDef {
  readonly left: Operand;
  readonly comparator: Comparator;
  readonly right?: Operand;
  readonly rightValue?: Literal;
  readonly handWritten?: undefined;
}

/**
 * A guard implemented by hand (otp:handWritten, the generation gap): the function of that name in
 * DeclaredMachineOptions.handWritten.guards decides, given the machine's data and the event.
 */
export interface HandWrittenGuardDef {
  readonly handWritten: string;
}

/** All guards of a transition must hold. */
export type GuardDef = ComparisonGuardDef | HandWrittenGuardDef;

export const isHandWrittenGuard = (g: GuardDef): g is HandWrittenGuardDef =>
  typeof (g as HandWrittenGuardDef).handWritten === 'string';

/** One argument of an invoke; with no source it is taken by name from the event params, then from data. */
export interface InvokeArgDef {
  readonly name: string;
  readonly fromParam?: string;
  readonly fromData?: string;
  readonly value?: Literal;
}

export type ActionDef =
  /** Exactly one of value, fromParam, fromData. */
  | {
      readonly kind: 'set_field';
      readonly field: string;
      readonly value?: Literal;
      readonly fromParam?: string;
      readonly fromData?: string;
    }
  | { readonly kind: 'increment_field'; readonly field: string }
  | { readonly kind: 'reset_field'; readonly field: string }
  | { readonly kind: 'reply'; readonly value: Literal }
  | { readonly kind: 'postpone' }
  | { readonly kind: 'emit_metric'; readonly metric: string }
  | { readonly kind: 'notify'; readonly topic: string }
  /**
   * Calls `invoke(target, op, args)` (supplied by generated code). `args` lists the target
   * operation's params in order; when omitted the event's params are passed as they are.
   * A result `{error: string, ...}` aborts the transition; the reply is stored into `field`.
   */
  | {
      readonly kind: 'invoke';
      readonly target: string;
      readonly op: string;
      readonly field?: string;
      readonly args?: readonly InvokeArgDef[];
    }
  /**
   * Runs the function of that name in DeclaredMachineOptions.handWritten.actions (the generation
   * gap). It is given the machine's data and the event; the data fields it returns are set.
   */
  | { readonly kind: 'hand_written'; readonly name: string };

export type ActionKind = ActionDef['kind'];

export interface TransitionDef {
  readonly from: string;
  readonly event: string;
  readonly to: string;
  /** Lower is tried first; default 0. */
  readonly priority?: number;
  readonly guards?: readonly GuardDef[];
  readonly actions?: readonly ActionDef[];
}

/**
 * The StateDefs of a machine's state names, in the order given; those named in `terminal` are
 * terminal. How a definition takes its states from the one list (`as const`) its State type is read
 * from. A terminal name that is not one of `names`, or a name given twice, throws.
 */
export function statesOf(names: readonly string[], terminal: readonly string[] = []): StateDef[] {
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length > 0) throw new TypeError(`statesOf: state ${JSON.stringify(twice[0])} is named twice`);
  const unknown = terminal.filter((t) => !names.includes(t));
  if (unknown.length > 0) throw new TypeError(`statesOf: terminal state ${JSON.stringify(unknown[0])} is not a state`);
  return names.map((name) => (terminal.includes(name) ? { name, terminal: true } : { name }));
}

/**
 * The same transition from each of `states`: how a definition says that several states handle an
 * event alike (same target, priority, guards and actions). Plain data, one TransitionDef per state.
 */
export function fromEach(states: readonly string[], t: Omit<TransitionDef, 'from'>): TransitionDef[] {
  return states.map((from) => ({ from, ...t }));
}

/**
 * One transition whose target is its own source, declared for several states: a TransitionDef per
 * state, from it back to it (exactly as if each were written with `to` its `from`), in the order given.
 */
export function stayIn(states: readonly string[], t: Omit<TransitionDef, 'from' | 'to'>): TransitionDef[] {
  return states.map((s) => ({ from: s, ...t, to: s }));
}

export interface StateTimeoutDef {
  readonly inState: string;
  readonly timeoutMs: number;
  /** The timeout's event name (otp:timeoutEvent); it is not one of the declared events. */
  readonly event: string;
  readonly to: string;
}

export interface UnhandledErrorDef {
  readonly code: string;
  readonly message: string;
}

export interface MachineDefinition {
  readonly name: string;
  readonly states: readonly StateDef[];
  readonly initialState: string;
  readonly dataFields: readonly DataFieldDef[];
  readonly events: readonly EventDef[];
  readonly transitions: readonly TransitionDef[];
  /** Actions run on entering a state (in order), keyed by state name. */
  readonly enterActions?: { readonly [state: string]: readonly ActionDef[] };
  readonly stateTimeouts?: readonly StateTimeoutDef[];
  readonly unhandledError: UnhandledErrorDef;
}

/**
 * What a hand-written guard or action is told about its trigger: the event (a transition's), or
 * `$enter` for an enter action; the state the machine is in (the transition's source, or the state
 * being entered); and the event's params (none on enter).
 */
export interface HandWrittenEvent<E extends string = string, P = Readonly<Record<string, unknown>>> {
  readonly event: E;
  readonly state: string;
  readonly params: P;
}

/** A hand-written guard: true lets the transition fire. It must not change `data`. */
export type HandWrittenGuard<D = Readonly<Record<string, unknown>>, E extends HandWrittenEvent = HandWrittenEvent> = (
  data: D,
  event: E,
) => boolean;

/**
 * A hand-written action: returns the data fields to change (or nothing), possibly asynchronously.
 * It must not change `data` itself. A throw (or rejection) crashes the machine, as any fault in a
 * process does; its supervisor restarts it.
 */
export type HandWrittenAction<
  D = Readonly<Record<string, unknown>>,
  E extends HandWrittenEvent = HandWrittenEvent,
  U = Record<string, unknown>,
> = (data: D, event: E) => U | void | Promise<U | void>;

/** The hand-written guards and actions a definition names, by name. */
export interface HandWrittenHooks {
  // Method-style members: a hook typed for one machine's data and events is accepted here.
  readonly guards?: { readonly [name: string]: (data: never, event: never) => boolean };
  readonly actions?: { readonly [name: string]: (data: never, event: never) => unknown };
}

/** What a refused event answers: the definition's unhandledError, with where it was refused. */
export interface RefusedEvent {
  error: string;
  message: string;
  state: string;
  event: string;
}

/** A side effect an accepted event produced, in order (transition actions, then enter actions). */
export type Effect = { kind: 'metric'; metric: string } | { kind: 'notify'; topic: string };
