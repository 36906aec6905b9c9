/**
 * A machine definition applied to stored entities (e.g. tickets) without a process per entity:
 * pure functions from (state, data, event, params) to the next state and data plus the effects
 * (metrics, notifications) the caller performs once the result is stored.
 *
 * Lifecycles have no process, so invoke and postpone are refused (there is nothing to call from
 * and no mailbox to retry in). State timeouts are not run here: a result that enters a state with
 * a state timeout carries `timeout` ({event, afterMs, to}) so a store can record the deadline, and
 * `applyTimeout` performs it when the deadline has passed (LifecycleStore.expireDue does both).
 */
import {
  compileDefinition,
  refusal,
  runActions,
  selectTransition,
  type ActionContext,
  type CompiledMachine,
  type EventParams,
  type MachineData,
} from './compile.js';
import type { Effect, MachineDefinition, RefusedEvent } from './definition.js';
import { MachineDefinitionError } from './validate.js';

export interface LifecycleEntity {
  readonly state: string;
  readonly data: Readonly<MachineData>;
}

export interface PendingTimeout {
  event: string;
  afterMs: number;
  to: string;
}

export interface Applied {
  state: string;
  data: MachineData;
  /** Transition effects, then the entered state's enter effects. */
  effects: Effect[];
  /** The reply action's value, or the new state's name. */
  reply: unknown;
  /** Whether the state changed (enter actions ran). */
  changed: boolean;
  /** Set when the state changed into one with a state timeout. */
  timeout?: PendingTimeout;
}

export type ApplyResult = { ok: Applied } | { error: RefusedEvent };

const NO_PARAMS: EventParams = Object.freeze({});
const lifecycleChecked = new WeakSet<CompiledMachine>();

/** @internal Compiles a definition for lifecycle use; throws MachineDefinitionError if it has invoke or postpone actions. */
export function compileLifecycle(def: MachineDefinition): CompiledMachine {
  const cm = compileDefinition(def);
  if (lifecycleChecked.has(cm)) return cm;
  const problems: string[] = [];
  if (cm.usesInvoke)
    problems.push('invoke actions need a process; a lifecycle applied to stored entities cannot run them');
  if (cm.usesPostpone)
    problems.push('postpone needs a mailbox; a lifecycle applied to stored entities cannot retry events');
  if (cm.handWritten.guards.size + cm.handWritten.actions.size > 0)
    problems.push('hand-written guards and actions run in a state machine process; a lifecycle cannot run them');
  if (problems.length > 0) throw new MachineDefinitionError(def.name, problems);
  lifecycleChecked.add(cm);
  return cm;
}

/** Throws MachineDefinitionError unless the definition can run as a lifecycle; returns it unchanged. */
export function validateLifecycleDefinition<D extends MachineDefinition>(def: D): D {
  compileLifecycle(def);
  return def;
}

/** A new entity: the initial state with its enter actions run, data = initial values overlaid by `overrides`. */
export function initialEntity(def: MachineDefinition, overrides?: Readonly<MachineData>): Applied {
  const cm = compileLifecycle(def);
  const data: MachineData = { ...cm.initial, ...overrides };
  const effects: Effect[] = [];
  const entered = enter(cm, def.initialState, data, effects);
  return withTimeout(cm, { state: def.initialState, data: entered, effects, reply: def.initialState, changed: true });
}

/** Applies one event. Refused events (undeclared, bad params, no transition whose guards hold) return the definition's unhandledError. */
export function applyEvent(
  def: MachineDefinition,
  entity: LifecycleEntity,
  event: string,
  params: EventParams = NO_PARAMS,
): ApplyResult {
  const cm = compileLifecycle(def);
  const { state } = entity;
  if (!def.states.some((s) => s.name === state))
    return { error: refusal(def, state, event, `${state} is not a state of ${def.name}`) };
  const ev = cm.events.get(event);
  if (ev === undefined) return { error: refusal(def, state, event, `${event} is not an event of ${def.name}`) };
  if (typeof params !== 'object' || params === null)
    return { error: refusal(def, state, event, 'params must be an object') };
  const bad = ev.check(params);
  if (bad !== undefined) return { error: refusal(def, state, event, bad) };
  const t = selectTransition(cm, state, event, params, entity.data as MachineData);
  if (t === undefined) return { error: refusal(def, state, event) };
  const ctx = context(params, { ...entity.data });
  // No invoke in a lifecycle (compileLifecycle), so the actions are synchronous.
  runActions(t.actions, ctx);
  const effects: Effect[] = ctx.effects ?? [];
  const reply = ctx.replied ? ctx.reply : t.to;
  if (t.to === state) return { ok: { state, data: ctx.data, effects, reply, changed: false } };
  const data = enter(cm, t.to, ctx.data, effects);
  return { ok: withTimeout(cm, { state: t.to, data, effects, reply, changed: true }) };
}

/**
 * Performs the state timeout named `event` of the entity's current state (the store calls this once
 * the deadline has passed). Returns undefined when the state has no such timeout (it was left, or
 * the definition changed), so a stale deadline is simply dropped.
 */
export function applyTimeout(def: MachineDefinition, entity: LifecycleEntity, event: string): Applied | undefined {
  const cm = compileLifecycle(def);
  const st = cm.timeouts.get(entity.state);
  if (st === undefined || st.event !== event) return undefined;
  const effects: Effect[] = [];
  if (st.to === entity.state)
    return { state: entity.state, data: { ...entity.data }, effects, reply: st.to, changed: false };
  const data = enter(cm, st.to, { ...entity.data }, effects);
  return withTimeout(cm, { state: st.to, data, effects, reply: st.to, changed: true });
}

function context(params: EventParams, data: MachineData): ActionContext {
  return {
    params,
    data,
    reply: undefined,
    replied: false,
    postpone: false,
    effects: undefined,
    error: undefined,
    invoke: undefined,
    hooks: undefined,
    event: '',
    state: '',
  };
}

function enter(cm: CompiledMachine, state: string, data: MachineData, effects: Effect[]): MachineData {
  const compiled = cm.enter.get(state);
  if (compiled === undefined) return data;
  const ctx = context(NO_PARAMS, data);
  runActions(compiled.actions, ctx);
  if (ctx.effects) effects.push(...ctx.effects);
  return ctx.data;
}

function withTimeout(cm: CompiledMachine, applied: Applied): Applied {
  const st = cm.timeouts.get(applied.state);
  if (st !== undefined) applied.timeout = { event: st.event, afterMs: st.timeoutMs, to: st.to };
  return applied;
}
