/**
 * Example inputs for a declared machine's transitions, found by search rather than written by
 * hand: which data and event params make a given transition fire (and every higher-priority one
 * of its (state, event) step through), or make none fire. Generated tests use them to exercise
 * every declared transition and refusal of a spec on the real machine, whatever its guards say.
 *
 * The search tries, for each operand the step's guards read, values taken from the definition
 * itself (initial data, guard literals, each +-1) and checks candidates with the same compiled
 * guards the machine runs, so an example is exactly what the interpreter accepts.
 */
import { compileDefinition, selectTransition, type EventParams, type MachineData } from './compile.js';
import {
  isHandWrittenGuard,
  type HandWrittenHooks,
  type Literal,
  type MachineDefinition,
  type TransitionDef,
} from './definition.js';

export interface TransitionExample {
  data: MachineData;
  params: EventParams;
}

/** Most combinations tried per step (a step's guards rarely read more than three operands). */
const MAX_TRIES = 100_000;

function paramType(def: MachineDefinition, event: string, name: string): string | undefined {
  return def.events.find((e) => e.name === event)?.params?.find((p) => p.name === name)?.type;
}

function defaultParam(type: string | undefined): unknown {
  if (type === 'number') return 0;
  if (type === 'boolean') return false;
  return 'x';
}

/** Candidate values per operand for the guards of (state, event), plus base data and params. */
function space(
  def: MachineDefinition,
  state: string,
  event: string,
): { base: TransitionExample; operands: string[]; values: unknown[][] } {
  const group = def.transitions.filter((t) => t.from === state && t.event === event);
  const numbers = new Set<number>([0, 1]);
  const strings = new Set<string>(['x', 'y']);
  const addLiteral = (v: Literal | undefined) => {
    if (typeof v === 'number') [v - 1, v, v + 1].forEach((n) => numbers.add(n));
    else if (typeof v === 'string') strings.add(v);
  };
  for (const f of def.dataFields) addLiteral(f.initial);
  for (const t of group) for (const g of t.guards ?? []) if (!isHandWrittenGuard(g)) addLiteral(g.rightValue);
  const data: MachineData = {};
  for (const f of def.dataFields) data[f.name] = f.initial;
  const params: Record<string, unknown> = {};
  const ev = def.events.find((e) => e.name === event);
  for (const p of ev?.params ?? []) params[p.name] = defaultParam(p.type);
  const operands: string[] = [];
  for (const t of group) {
    for (const g of t.guards ?? []) {
      if (isHandWrittenGuard(g)) continue;
      for (const o of [g.left, g.right]) if (o !== undefined && !operands.includes(o)) operands.push(o);
    }
  }
  const values = operands.map((o) => {
    const [where, name] = o.split('.', 2) as [string, string];
    const sample = where === 'event' ? defaultParam(paramType(def, event, name)) : data[name];
    if (typeof sample === 'number') return [...numbers].sort((a, b) => a - b);
    if (typeof sample === 'boolean') return [false, true];
    if (typeof sample === 'string') return [...strings].sort();
    return [sample];
  });
  return { base: { data, params }, operands, values };
}

function* assignments(values: unknown[][]): Generator<unknown[]> {
  const idx = values.map(() => 0);
  if (values.some((v) => v.length === 0)) return;
  for (;;) {
    yield idx.map((i, k) => values[k]![i]);
    let k = values.length - 1;
    while (k >= 0 && ++idx[k]! === values[k]!.length) idx[k--] = 0;
    if (k < 0) return;
  }
}

function search(
  def: MachineDefinition,
  state: string,
  event: string,
  accept: (picked: TransitionDef | undefined) => boolean,
  hooks: HandWrittenHooks | undefined,
): TransitionExample | undefined {
  const cm = compileDefinition(def);
  const { base, operands, values } = space(def, state, event);
  let tries = 0;
  for (const a of assignments(values)) {
    if (++tries > MAX_TRIES) return undefined;
    const data: MachineData = { ...base.data };
    const params: Record<string, unknown> = { ...base.params };
    operands.forEach((o, i) => {
      const [where, name] = o.split('.', 2) as [string, string];
      (where === 'event' ? params : data)[name] = a[i];
    });
    if (accept(selectTransition(cm, state, event, params, data, hooks)?.def)) return { data, params };
  }
  return undefined;
}

/**
 * Data and params under which `t` is the transition its (from, event) step selects; undefined if none was found (e.g. shadowed by a higher-priority transition).
 * Hand-written guards are not searched: they are asked (`hooks`, as the machine is given them).
 */
export function transitionExample(
  def: MachineDefinition,
  t: TransitionDef,
  hooks?: HandWrittenHooks,
): TransitionExample | undefined {
  if (!def.transitions.includes(t))
    throw new TypeError(
      `transitionExample: the transition is not one of ${def.name}'s (pass an element of definition.transitions)`,
    );
  return search(def, t.from, t.event, (picked) => picked === t, hooks);
}

/** Data and params under which `event` in `state` matches no transition (refused); undefined if some transition always fires. */
export function refusalExample(
  def: MachineDefinition,
  state: string,
  event: string,
  hooks?: HandWrittenHooks,
): TransitionExample | undefined {
  return search(def, state, event, (picked) => picked === undefined, hooks);
}
