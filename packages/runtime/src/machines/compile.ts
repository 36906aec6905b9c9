/**
 * Turns a MachineDefinition into closures ONCE per definition object (cached): transitions indexed
 * by (state, event) and sorted by priority, guards and actions as small functions, param checks per
 * event. DeclaredMachine and Lifecycle both run what this produces, so 80,000 machines of one
 * definition share every closure and keep only their own state and data.
 */
import { termEqual } from '../equal.js';
import {
  isHandWrittenGuard,
  type ActionDef,
  type Effect,
  type GuardDef,
  type HandWrittenEvent,
  type HandWrittenHooks,
  type MachineDefinition,
  type RefusedEvent,
  type StateTimeoutDef,
  type TransitionDef,
  type Comparator,
  type Literal,
} from './definition.js';
import { validateDefinition } from './validate.js';

export type MachineData = Record<string, unknown>;
export type EventParams = Readonly<Record<string, unknown>>;

/** Calls another server's operation; supplied by generated code. A result `{error: string}` aborts the transition. */
export type InvokeFn = (target: string, op: string, args: Record<string, unknown>) => unknown;

/** @internal The working state of one event's actions. `data` is a private copy when the actions write. */
export interface ActionContext {
  params: EventParams;
  data: MachineData;
  reply: unknown;
  replied: boolean;
  postpone: boolean;
  effects: Effect[] | undefined;
  /** Set by an invoke whose result is an error; the remaining actions do not run. */
  error: unknown;
  invoke: InvokeFn | undefined;
  /** The hand-written guards and actions (DeclaredMachineOptions.handWritten). */
  hooks: HandWrittenHooks | undefined;
  /** The trigger, as hand-written actions are told it: the event (or `$enter`) and the state. */
  event: string;
  state: string;
}

/** What enter actions are triggered by, as a hand-written action is told it. */
export const ENTER_EVENT = '$enter';

type CompiledAction = (ctx: ActionContext) => void | Promise<void>;
type Reader = (params: EventParams, data: MachineData) => unknown;
type Guard = (params: EventParams, data: MachineData, hooks: HandWrittenHooks | undefined) => boolean;

/** @internal */
export interface CompiledTransition {
  readonly def: TransitionDef;
  readonly to: string;
  readonly guard: Guard | undefined;
  readonly actions: readonly CompiledAction[];
  /** Whether any action writes data (the data is then copied before the actions run). */
  readonly writes: boolean;
}

/** @internal */
export interface CompiledActions {
  readonly actions: readonly CompiledAction[];
  readonly writes: boolean;
}

/** @internal */
export interface CompiledMachine {
  readonly def: MachineDefinition;
  readonly initial: Readonly<MachineData>;
  readonly table: ReadonlyMap<string, ReadonlyMap<string, readonly CompiledTransition[]>>;
  readonly events: ReadonlyMap<string, { kind: string; check: (params: EventParams) => string | undefined }>;
  readonly enter: ReadonlyMap<string, CompiledActions>;
  readonly timeouts: ReadonlyMap<string, StateTimeoutDef>;
  readonly terminal: ReadonlySet<string>;
  readonly usesInvoke: boolean;
  readonly usesPostpone: boolean;
  /** The hand-written guards and actions the definition names (each must be supplied to run it). */
  readonly handWritten: { readonly guards: ReadonlySet<string>; readonly actions: ReadonlySet<string> };
}

const cache = new WeakMap<MachineDefinition, CompiledMachine>();

/** Validates and compiles a definition; the same object is compiled once. */
export function compileDefinition(def: MachineDefinition): CompiledMachine {
  const hit = cache.get(def);
  if (hit) return hit;
  validateDefinition(def);
  const initial: MachineData = {};
  for (const f of def.dataFields) initial[f.name] = f.initial;
  Object.freeze(initial);
  let usesInvoke = false;
  let usesPostpone = false;
  const hwGuards = new Set<string>();
  const hwActions = new Set<string>();
  const compileActions = (list: readonly ActionDef[] | undefined): CompiledActions => {
    const actions: CompiledAction[] = [];
    let writes = false;
    for (const a of list ?? []) {
      if (a.kind === 'invoke') usesInvoke = true;
      if (a.kind === 'postpone') usesPostpone = true;
      if (a.kind === 'hand_written') hwActions.add(a.name);
      if (
        a.kind === 'hand_written' ||
        a.kind === 'set_field' ||
        a.kind === 'increment_field' ||
        a.kind === 'reset_field' ||
        (a.kind === 'invoke' && a.field !== undefined)
      )
        writes = true;
      actions.push(compileAction(a, initial));
    }
    return { actions, writes };
  };

  const table = new Map<string, Map<string, CompiledTransition[]>>();
  const sorted = [...def.transitions].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
  for (const t of sorted) {
    let byEvent = table.get(t.from);
    if (!byEvent) table.set(t.from, (byEvent = new Map()));
    let list = byEvent.get(t.event);
    if (!list) byEvent.set(t.event, (list = []));
    const { actions, writes } = compileActions(t.actions);
    for (const g of t.guards ?? []) if (isHandWrittenGuard(g)) hwGuards.add(g.handWritten);
    list.push({ def: t, to: t.to, guard: compileGuards(t.guards ?? [], t.event, t.from), actions, writes });
  }

  const events = new Map<string, { kind: string; check: (params: EventParams) => string | undefined }>();
  for (const e of def.events) events.set(e.name, { kind: e.kind, check: compileParamCheck(e.params ?? []) });

  const enter = new Map<string, CompiledActions>();
  for (const [state, list] of Object.entries(def.enterActions ?? {}))
    if (list.length > 0) enter.set(state, compileActions(list));
  const timeouts = new Map<string, StateTimeoutDef>();
  for (const st of def.stateTimeouts ?? []) timeouts.set(st.inState, st);
  const terminal = new Set(def.states.filter((s) => s.terminal === true).map((s) => s.name));

  const compiled: CompiledMachine = {
    def,
    initial,
    table,
    events,
    enter,
    timeouts,
    terminal,
    usesInvoke,
    usesPostpone,
    handWritten: { guards: hwGuards, actions: hwActions },
  };
  cache.set(def, compiled);
  return compiled;
}

/** @internal The first transition (by priority) from `state` on `event` whose guards all hold. */
export function selectTransition(
  cm: CompiledMachine,
  state: string,
  event: string,
  params: EventParams,
  data: MachineData,
  hooks?: HandWrittenHooks,
): CompiledTransition | undefined {
  const list = cm.table.get(state)?.get(event);
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    if (t.guard === undefined || t.guard(params, data, hooks)) return t;
  }
  return undefined;
}

/** @internal Runs actions from index `i`; returns a promise only if an invoke went async. Stops at the first error. */
export function runActions(actions: readonly CompiledAction[], ctx: ActionContext, i = 0): void | Promise<void> {
  for (; i < actions.length; i++) {
    const r = actions[i]!(ctx);
    if (r !== undefined) {
      const next = i + 1;
      return r.then(() => (ctx.error === undefined ? runActions(actions, ctx, next) : undefined));
    }
    if (ctx.error !== undefined) return;
  }
}

/** @internal */
export function refusal(def: MachineDefinition, state: string, event: string, detail?: string): RefusedEvent {
  return {
    error: def.unhandledError.code,
    message: detail === undefined ? def.unhandledError.message : `${def.unhandledError.message}: ${detail}`,
    state,
    event,
  };
}

/** A result of an invoke that aborts the transition: an object with a string `error`. */
export function isErrorResult(r: unknown): r is { error: string } {
  return typeof r === 'object' && r !== null && typeof (r as { error?: unknown }).error === 'string';
}

function path(p: string): (o: unknown) => unknown {
  const parts = p.split('.');
  if (parts.length === 1) {
    const k = parts[0]!;
    return (o) => (o as Record<string, unknown>)[k];
  }
  return (o) => {
    let v = o;
    for (const k of parts) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    return v;
  };
}

function operand(op: string): Reader {
  const dot = op.indexOf('.');
  const read = path(op.slice(dot + 1));
  return op.startsWith('event.') ? (params) => read(params) : (_params, data) => read(data);
}

const ordered = (a: unknown, b: unknown): boolean =>
  (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
const same = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && termEqual(a, b));

/** Values of different kinds are never ordered: gt/gte/lt/lte are false for them (fail closed). */
const COMPARE: Readonly<Record<Comparator, (a: unknown, b: unknown) => boolean>> = {
  gt: (a, b) => ordered(a, b) && (a as number) > (b as number),
  gte: (a, b) => ordered(a, b) && (a as number) >= (b as number),
  lt: (a, b) => ordered(a, b) && (a as number) < (b as number),
  lte: (a, b) => ordered(a, b) && (a as number) <= (b as number),
  eq: same,
  ne: (a, b) => !same(a, b),
};

/** The hook of that name, or a TypeError (the machine crashes: it cannot decide without it). */
function hook<F>(table: { readonly [name: string]: F } | undefined, kind: string, name: string): F {
  const fn = table !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;
  if (typeof fn !== 'function') throw new TypeError(`hand-written ${kind} ${name}: no implementation was supplied`);
  return fn;
}

function compileGuards(guards: readonly GuardDef[], event: string, state: string): CompiledTransition['guard'] {
  const fns = guards.map((g): Guard => {
    if (isHandWrittenGuard(g)) {
      const name = g.handWritten;
      return (params, data, hooks) => {
        const fn = hook(hooks?.guards, 'guard', name) as (d: unknown, e: HandWrittenEvent) => unknown;
        const r = fn(Object.freeze({ ...data }), Object.freeze({ event, state, params }));
        // Fail closed: only a real boolean decides (a Promise or a truthy string would always let it through).
        if (typeof r !== 'boolean')
          throw new TypeError(`hand-written guard ${name} returned ${r === null ? 'null' : typeof r}, not a boolean`);
        return r;
      };
    }
    const left = operand(g.left);
    const cmp = COMPARE[g.comparator];
    if (g.right !== undefined) {
      const right = operand(g.right);
      return (p: EventParams, d: MachineData) => cmp(left(p, d), right(p, d));
    }
    const value = g.rightValue;
    return (p: EventParams, d: MachineData) => cmp(left(p, d), value);
  });
  if (fns.length === 0) return undefined;
  if (fns.length === 1) return fns[0];
  return (p, d, h) => {
    for (const f of fns) if (!f(p, d, h)) return false;
    return true;
  };
}

const PRIMITIVE = new Set(['string', 'number', 'boolean']);

function compileParamCheck(params: readonly { name: string; type?: string }[]): (p: EventParams) => string | undefined {
  if (params.length === 0) return () => undefined;
  return (p) => {
    for (const d of params) {
      const v = p[d.name];
      if (v === undefined) return `missing parameter ${d.name}`;
      if (d.type !== undefined && PRIMITIVE.has(d.type) && typeof v !== d.type)
        return `parameter ${d.name} must be a ${d.type}`;
    }
    return undefined;
  };
}

function compileAction(a: ActionDef, initial: Readonly<MachineData>): CompiledAction {
  switch (a.kind) {
    case 'set_field': {
      const f = a.field;
      if (a.fromParam !== undefined) {
        const read = path(a.fromParam);
        return (ctx) => void (ctx.data[f] = read(ctx.params));
      }
      if (a.fromData !== undefined) {
        const read = path(a.fromData);
        return (ctx) => void (ctx.data[f] = read(ctx.data));
      }
      const v = a.value;
      return (ctx) => void (ctx.data[f] = v);
    }
    case 'increment_field': {
      const f = a.field;
      return (ctx) => {
        const v = ctx.data[f];
        if (typeof v !== 'number') throw new TypeError(`increment_field ${f}: value is ${typeof v}, not a number`);
        ctx.data[f] = v + 1;
      };
    }
    case 'reset_field': {
      const f = a.field;
      const v = initial[f];
      return (ctx) => void (ctx.data[f] = v);
    }
    case 'reply': {
      const v = a.value;
      return (ctx) => {
        ctx.reply = v;
        ctx.replied = true;
      };
    }
    case 'postpone':
      return (ctx) => void (ctx.postpone = true);
    case 'emit_metric': {
      const e: Effect = Object.freeze({ kind: 'metric', metric: a.metric });
      return (ctx) => void (ctx.effects ??= []).push(e);
    }
    case 'notify': {
      const e: Effect = Object.freeze({ kind: 'notify', topic: a.topic });
      return (ctx) => void (ctx.effects ??= []).push(e);
    }
    case 'invoke': {
      const { target, op, field } = a;
      const args = compileArgs(a.args);
      const store = (ctx: ActionContext, r: unknown): void => {
        if (isErrorResult(r)) ctx.error = r;
        else if (field !== undefined) ctx.data[field] = r;
      };
      return (ctx) => {
        if (ctx.invoke === undefined) throw new Error(`invoke ${target}.${op}: no invoke function was supplied`);
        const r = ctx.invoke(target, op, args(ctx));
        if (r !== null && typeof (r as { then?: unknown })?.then === 'function')
          return (r as Promise<unknown>).then((v) => store(ctx, v));
        store(ctx, r);
        return undefined;
      };
    }
    case 'hand_written': {
      const name = a.name;
      const fields = new Set(Object.keys(initial));
      const store = (ctx: ActionContext, r: unknown): void => {
        if (r === undefined) return;
        if (typeof r !== 'object' || r === null || Array.isArray(r))
          throw new TypeError(
            `hand-written action ${name} returned ${typeof r}; return the data fields to change, or nothing`,
          );
        for (const [k, v] of Object.entries(r)) {
          if (!fields.has(k))
            throw new TypeError(`hand-written action ${name} returned ${k}, which is not a data field`);
          ctx.data[k] = v;
        }
      };
      return (ctx) => {
        const fn = hook(ctx.hooks?.actions, 'action', name) as (d: unknown, e: HandWrittenEvent) => unknown;
        const r = fn(
          Object.freeze({ ...ctx.data }),
          Object.freeze({ event: ctx.event, state: ctx.state, params: ctx.params }),
        );
        if (r !== null && typeof (r as { then?: unknown })?.then === 'function')
          return (r as Promise<unknown>).then((v) => store(ctx, v));
        store(ctx, r);
        return undefined;
      };
    }
  }
}

function compileArgs(
  args: readonly { name: string; fromParam?: string; fromData?: string; value?: Literal }[] | undefined,
): (ctx: ActionContext) => Record<string, unknown> {
  if (args === undefined) return (ctx) => ({ ...ctx.params });
  const readers = args.map((arg): [string, (ctx: ActionContext) => unknown] => {
    const n = arg.name;
    if (arg.fromParam !== undefined) {
      const read = path(arg.fromParam);
      return [n, (ctx) => read(ctx.params)];
    }
    if (arg.fromData !== undefined) {
      const read = path(arg.fromData);
      return [n, (ctx) => read(ctx.data)];
    }
    if (arg.value !== undefined) {
      const v = arg.value;
      return [n, () => v];
    }
    // By name: the event's param first, then the data field of that name.
    return [n, (ctx) => (ctx.params[n] !== undefined ? ctx.params[n] : ctx.data[n])];
  });
  return (ctx) => {
    const out: Record<string, unknown> = {};
    for (const [n, read] of readers) out[n] = read(ctx);
    return out;
  };
}
