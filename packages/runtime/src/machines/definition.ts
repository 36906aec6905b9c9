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
}

export type EventKind = 'call' | 'cast' | 'info';

export interface EventDef {
  readonly name: string;
  readonly kind: EventKind;
  readonly params?: readonly ParamDef[];
  readonly replyType?: string;
}

/** All guards of a transition must hold. Exactly one of `right` and `rightValue` is given. */
export interface GuardDef {
  readonly left: Operand;
  readonly comparator: Comparator;
  readonly right?: Operand;
  readonly rightValue?: Literal;
}

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
    };

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

/** What a refused event answers: the definition's unhandledError, with where it was refused. */
export interface RefusedEvent {
  error: string;
  message: string;
  state: string;
  event: string;
}

/** A side effect an accepted event produced, in order (transition actions, then enter actions). */
export type Effect = { kind: 'metric'; metric: string } | { kind: 'notify'; topic: string };
