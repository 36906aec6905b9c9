/**
 * Startup check of a MachineDefinition: everything the interpreter relies on. SHACL should have
 * caught these in the spec already; a definition that slipped through (hand-written, or a
 * template bug) must fail before the first machine starts, not on some tenant's third event.
 */
import type { ActionDef, EventDef, Literal, MachineDefinition, TransitionDef } from './definition.js';

export class MachineDefinitionError extends Error {
  readonly problems: readonly string[];
  constructor(machine: string, problems: readonly string[]) {
    super(`machine ${machine}: invalid definition:\n  - ${problems.join('\n  - ')}`);
    this.name = 'MachineDefinitionError';
    this.problems = problems;
  }
}

const COMPARATORS = new Set(['gt', 'gte', 'lt', 'lte', 'eq', 'ne']);
const EVENT_KINDS = new Set(['call', 'cast', 'info']);
const ACTION_KINDS = new Set([
  'set_field',
  'increment_field',
  'reset_field',
  'reply',
  'postpone',
  'emit_metric',
  'notify',
  'invoke',
  'hand_written',
]);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isName = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
const q = (x: unknown): string => JSON.stringify(x) ?? String(x);

function isLiteral(x: unknown, depth = 0): x is Literal {
  if (depth > 32) return false;
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return true;
  if (typeof x === 'number') return Number.isFinite(x);
  if (Array.isArray(x)) return x.every((v) => isLiteral(v, depth + 1));
  if (isObj(x) && Object.getPrototypeOf(x) === Object.prototype)
    return Object.values(x).every((v) => isLiteral(v, depth + 1));
  return false;
}

/** Throws MachineDefinitionError listing every problem; returns the definition unchanged otherwise. */
export function validateDefinition<D extends MachineDefinition>(def: D): D {
  const problems = definitionProblems(def);
  if (problems.length > 0) throw new MachineDefinitionError(isObj(def) && isName(def.name) ? def.name : '?', problems);
  return def;
}

/** Every problem of a definition, in a stable order (empty when it can run). */
export function definitionProblems(def: unknown): string[] {
  const p: string[] = [];
  if (!isObj(def)) return ['definition must be an object'];
  if (!isName(def.name)) p.push(`name must be a non-empty string, got ${q(def.name)}`);

  const states = new Map<string, boolean>();
  if (!Array.isArray(def.states) || def.states.length === 0) p.push('states must be a non-empty array');
  else
    def.states.forEach((s: unknown, i: number) => {
      if (!isObj(s) || !isName(s.name)) return p.push(`states[${i}]: name must be a non-empty string`);
      if (states.has(s.name)) return p.push(`state ${q(s.name)} is declared twice`);
      if (s.terminal !== undefined && typeof s.terminal !== 'boolean')
        p.push(`state ${s.name}: terminal must be a boolean`);
      states.set(s.name, s.terminal === true);
    });
  if (!isName(def.initialState) || !states.has(def.initialState))
    p.push(`initialState ${q(def.initialState)} is not a declared state`);

  const fields = new Map<string, unknown>();
  if (!Array.isArray(def.dataFields)) p.push('dataFields must be an array');
  else
    def.dataFields.forEach((f: unknown, i: number) => {
      if (!isObj(f) || !isName(f.name)) return p.push(`dataFields[${i}]: name must be a non-empty string`);
      if (fields.has(f.name)) return p.push(`data field ${q(f.name)} is declared twice`);
      if (!('initial' in f) || !isLiteral(f.initial))
        p.push(`data field ${f.name}: initial must be a JSON literal, got ${q(f.initial)}`);
      fields.set(f.name, f.initial);
    });

  const events = new Map<string, EventDef>();
  if (!Array.isArray(def.events)) p.push('events must be an array');
  else
    def.events.forEach((e: unknown, i: number) => {
      if (!isObj(e) || !isName(e.name)) return p.push(`events[${i}]: name must be a non-empty string`);
      if (events.has(e.name)) return p.push(`event ${q(e.name)} is declared twice`);
      if (!EVENT_KINDS.has(e.kind as string))
        p.push(`event ${e.name}: kind must be call, cast or info, got ${q(e.kind)}`);
      if (e.params !== undefined) {
        if (!Array.isArray(e.params)) p.push(`event ${e.name}: params must be an array`);
        else {
          const seen = new Set<string>();
          e.params.forEach((pa: unknown, j: number) => {
            if (!isObj(pa) || !isName(pa.name))
              return p.push(`event ${e.name}: params[${j}]: name must be a non-empty string`);
            if (seen.has(pa.name)) p.push(`event ${e.name}: param ${q(pa.name)} is declared twice`);
            seen.add(pa.name);
          });
        }
      }
      events.set(e.name, e as unknown as EventDef);
    });

  const ue = def.unhandledError;
  if (!isObj(ue) || !isName(ue.code) || typeof ue.message !== 'string')
    p.push('unhandledError must be {code: non-empty string, message: string}');

  const paramsOf = (ev: string): Set<string> => new Set((events.get(ev)?.params ?? []).map((x) => x.name));
  const checkOperand = (where: string, op: unknown, ev: string | undefined): void => {
    if (typeof op !== 'string')
      return void p.push(`${where}: operand must be "event.<param>" or "data.<field>", got ${q(op)}`);
    const [head, first] = op.split('.');
    if (head === 'data' && isName(first)) {
      if (!fields.has(first)) p.push(`${where}: ${op} reads unknown data field ${q(first)}`);
    } else if (head === 'event' && isName(first)) {
      if (ev === undefined) p.push(`${where}: ${op} reads an event param, but there is no event here`);
      else if (events.has(ev) && !paramsOf(ev).has(first))
        p.push(`${where}: ${op} reads param ${q(first)}, which event ${ev} does not declare`);
    } else p.push(`${where}: operand must be "event.<param>" or "data.<field>", got ${q(op)}`);
  };
  const checkGuard = (where: string, g: unknown, ev: string): void => {
    if (!isObj(g)) return void p.push(`${where}: guard must be an object`);
    if (g.handWritten !== undefined) {
      if (typeof g.handWritten !== 'string' || !IDENT.test(g.handWritten))
        p.push(`${where}: handWritten must name a function (an identifier), got ${q(g.handWritten)}`);
      const extra = ['left', 'comparator', 'right', 'rightValue'].filter((k) => g[k] !== undefined);
      if (extra.length > 0) p.push(`${where}: a hand-written guard has no ${extra.join(', ')}`);
      return;
    }
    checkOperand(`${where}: left`, g.left, ev);
    if (!COMPARATORS.has(g.comparator as string))
      p.push(`${where}: comparator must be one of gt, gte, lt, lte, eq, ne, got ${q(g.comparator)}`);
    const hasRight = g.right !== undefined;
    const hasValue = 'rightValue' in g && g.rightValue !== undefined;
    if (hasRight === hasValue) p.push(`${where}: exactly one of right and rightValue is required`);
    if (hasRight) checkOperand(`${where}: right`, g.right, ev);
    if (hasValue && !isLiteral(g.rightValue)) p.push(`${where}: rightValue must be a JSON literal`);
  };
  const checkField = (where: string, f: unknown): boolean => {
    if (!isName(f)) return (p.push(`${where}: field must be a non-empty string`), false);
    if (!fields.has(f)) return (p.push(`${where}: unknown data field ${q(f)}`), false);
    return true;
  };
  const checkDataPath = (where: string, path: unknown): void => {
    if (!isName(path)) return void p.push(`${where}: fromData must be a non-empty path`);
    const first = path.split('.')[0]!;
    if (!fields.has(first)) p.push(`${where}: fromData ${q(path)} reads unknown data field ${q(first)}`);
  };
  const checkParam = (where: string, name: unknown, ev: string | undefined): void => {
    if (!isName(name)) return void p.push(`${where}: fromParam must be a non-empty string`);
    if (ev === undefined) return void p.push(`${where}: fromParam ${q(name)} needs an event, and there is none here`);
    if (events.has(ev) && !paramsOf(ev).has(name.split('.')[0]!))
      p.push(`${where}: fromParam ${q(name)} is not a param of event ${ev}`);
  };
  const checkActions = (where: string, actions: unknown, ev: string | undefined): ActionDef[] => {
    if (actions === undefined) return [];
    if (!Array.isArray(actions)) return (p.push(`${where}: actions must be an array`), []);
    actions.forEach((a: unknown, i: number) => {
      const w = `${where}: action ${i + 1}`;
      if (!isObj(a) || !ACTION_KINDS.has(a.kind as string))
        return p.push(`${w}: kind must be one of ${[...ACTION_KINDS].join(', ')}, got ${q(isObj(a) ? a.kind : a)}`);
      switch (a.kind) {
        case 'set_field': {
          checkField(`${w} (set_field)`, a.field);
          const sources = ['value', 'fromParam', 'fromData'].filter((k) => a[k] !== undefined);
          if (sources.length !== 1)
            p.push(
              `${w} (set_field ${String(a.field)}): exactly one of value, fromParam, fromData is required, got ${sources.length === 0 ? 'none' : sources.join(', ')}`,
            );
          if (a.value !== undefined && !isLiteral(a.value)) p.push(`${w} (set_field): value must be a JSON literal`);
          if (a.fromParam !== undefined) checkParam(`${w} (set_field)`, a.fromParam, ev);
          if (a.fromData !== undefined) checkDataPath(`${w} (set_field)`, a.fromData);
          break;
        }
        case 'increment_field':
          if (checkField(`${w} (increment_field)`, a.field) && typeof fields.get(a.field as string) !== 'number') {
            p.push(`${w} (increment_field): data field ${String(a.field)} must have a numeric initial value`);
          }
          break;
        case 'reset_field':
          checkField(`${w} (reset_field)`, a.field);
          break;
        case 'reply':
          if (!('value' in a) || !isLiteral(a.value)) p.push(`${w} (reply): value must be a JSON literal`);
          break;
        case 'emit_metric':
          if (!isName(a.metric)) p.push(`${w} (emit_metric): metric must be a non-empty string`);
          break;
        case 'hand_written':
          if (typeof a.name !== 'string' || !IDENT.test(a.name))
            p.push(`${w} (hand_written): name must name a function (an identifier), got ${q(a.name)}`);
          break;
        case 'notify':
          if (!isName(a.topic)) p.push(`${w} (notify): topic must be a non-empty string`);
          break;
        case 'invoke': {
          if (!isName(a.target) || !isName(a.op)) p.push(`${w} (invoke): target and op must be non-empty strings`);
          if (a.field !== undefined) checkField(`${w} (invoke)`, a.field);
          if (a.args !== undefined) {
            if (!Array.isArray(a.args)) p.push(`${w} (invoke): args must be an array`);
            else {
              const seen = new Set<string>();
              a.args.forEach((arg: unknown, j: number) => {
                const wa = `${w} (invoke ${String(a.target)}.${String(a.op)}) arg ${j + 1}`;
                if (!isObj(arg) || !isName(arg.name)) return p.push(`${wa}: name must be a non-empty string`);
                if (seen.has(arg.name)) p.push(`${wa}: ${arg.name} is bound twice`);
                seen.add(arg.name);
                const sources = ['value', 'fromParam', 'fromData'].filter((k) => arg[k] !== undefined);
                if (sources.length > 1) p.push(`${wa} (${arg.name}): at most one of value, fromParam, fromData`);
                if (arg.fromParam !== undefined) checkParam(wa, arg.fromParam, ev);
                if (arg.fromData !== undefined) checkDataPath(wa, arg.fromData);
                if (arg.value !== undefined && !isLiteral(arg.value)) p.push(`${wa}: value must be a JSON literal`);
              });
            }
          }
          break;
        }
      }
    });
    return actions as ActionDef[];
  };

  const seenKeys = new Map<string, TransitionDef[]>();
  if (!Array.isArray(def.transitions)) p.push('transitions must be an array');
  else
    def.transitions.forEach((t: unknown, i: number) => {
      if (!isObj(t)) return p.push(`transitions[${i}] must be an object`);
      const where = `transition ${String(t.from)} --${String(t.event)}--> ${String(t.to)}`;
      if (!isName(t.from) || !states.has(t.from)) p.push(`${where}: unknown source state ${q(t.from)}`);
      else if (states.get(t.from)) p.push(`${where}: ${t.from} is terminal; no transition may leave it`);
      if (!isName(t.to) || !states.has(t.to)) p.push(`${where}: unknown target state ${q(t.to)}`);
      if (!isName(t.event) || !events.has(t.event)) p.push(`${where}: unknown event ${q(t.event)}`);
      const priority = t.priority ?? 0;
      if (!Number.isInteger(priority) || (priority as number) < 0)
        p.push(`${where}: priority must be an integer >= 0, got ${q(t.priority)}`);
      const ev = isName(t.event) ? t.event : undefined;
      if (t.guards !== undefined && !Array.isArray(t.guards)) p.push(`${where}: guards must be an array`);
      else (t.guards as unknown[] | undefined)?.forEach((g, j) => checkGuard(`${where}: guard ${j + 1}`, g, ev ?? ''));
      const actions = checkActions(where, t.actions, ev);
      const replies = actions.filter((a) => isObj(a) && a.kind === 'reply').length;
      const postpones = actions.filter((a) => isObj(a) && a.kind === 'postpone').length;
      if (replies > 1) p.push(`${where}: at most one reply action, got ${replies}`);
      if (postpones > 1) p.push(`${where}: at most one postpone action, got ${postpones}`);
      if (replies > 0 && postpones > 0)
        p.push(`${where}: a postponed event cannot also reply (it is answered when retried)`);
      const kind = ev !== undefined ? events.get(ev)?.kind : undefined;
      if (replies > 0 && kind !== undefined && kind !== 'call')
        p.push(`${where}: reply action on ${kind} event ${ev}, which has no caller`);
      const key = `${String(t.from)}\u0000${String(t.event)}`;
      const group = seenKeys.get(key) ?? [];
      if (group.some((o) => (o.priority ?? 0) === priority))
        p.push(
          `${where}: another transition from ${String(t.from)} on ${String(t.event)} has priority ${String(priority)}`,
        );
      group.push(t as unknown as TransitionDef);
      seenKeys.set(key, group);
    });
  for (const group of seenKeys.values()) {
    const sorted = [...group].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
    const open = sorted.findIndex((t) => (t.guards ?? []).length === 0);
    if (open >= 0 && open < sorted.length - 1) {
      const t = sorted[open]!;
      const shadowed = sorted.slice(open + 1).map((s) => `${s.to} (priority ${s.priority ?? 0})`);
      p.push(
        `transition ${t.from} --${t.event}--> ${t.to}: has no guard at priority ${t.priority ?? 0}, so ${shadowed.join(', ')} can never fire`,
      );
    }
  }

  if (def.enterActions !== undefined) {
    if (!isObj(def.enterActions)) p.push('enterActions must be an object keyed by state name');
    else
      for (const [state, actions] of Object.entries(def.enterActions)) {
        const where = `enter actions of ${state}`;
        if (!states.has(state)) p.push(`${where}: unknown state ${q(state)}`);
        for (const a of checkActions(where, actions, undefined)) {
          if (isObj(a) && (a.kind === 'reply' || a.kind === 'postpone'))
            p.push(`${where}: ${a.kind} is not allowed on enter (there is no event to answer or retry)`);
        }
      }
  }

  if (def.stateTimeouts !== undefined) {
    if (!Array.isArray(def.stateTimeouts)) p.push('stateTimeouts must be an array');
    else {
      const seen = new Set<string>();
      def.stateTimeouts.forEach((st: unknown, i: number) => {
        if (!isObj(st)) return p.push(`stateTimeouts[${i}] must be an object`);
        const where = `state timeout ${String(st.event)} in ${String(st.inState)}`;
        if (!isName(st.inState) || !states.has(st.inState)) p.push(`${where}: unknown state ${q(st.inState)}`);
        else if (states.get(st.inState)) p.push(`${where}: ${st.inState} is terminal; no timeout may leave it`);
        else if (seen.has(st.inState))
          p.push(`${where}: ${st.inState} already has a state timeout (a state has one state timer)`);
        if (isName(st.inState)) seen.add(st.inState);
        if (!isName(st.to) || !states.has(st.to)) p.push(`${where}: unknown target state ${q(st.to)}`);
        if (!isName(st.event)) p.push(`${where}: event must be a non-empty string`);
        if (typeof st.timeoutMs !== 'number' || !Number.isInteger(st.timeoutMs) || st.timeoutMs <= 0)
          p.push(`${where}: timeoutMs must be an integer > 0, got ${q(st.timeoutMs)}`);
      });
    }
  }
  return p;
}
