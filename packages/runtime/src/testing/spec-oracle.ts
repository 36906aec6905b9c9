/**
 * Test support: a second, deliberately simple evaluator of a state machine's declared transitions,
 * for the tests generated from a spec. It reads the transitions and guards exactly as the spec's
 * queries list them (rendered into the test as data), and shares no code with the machine's
 * compiler or with examples.ts, so a bug in how the runtime evaluates a guard (say `gte` acting as
 * `gt`) makes the generated tests fail instead of moving their expectations along with it.
 *
 * Semantics it implements, from the ontology: transitions of a (state, event) are tried in
 * ascending priority; the first whose guards all hold fires; none holding means the event is
 * refused. A guard compares `data.<field>` / `event.<param>` with another operand or a literal;
 * numbers are ordered with numbers, strings with strings, anything else is never ordered.
 * A hand-written guard (`handWritten`) is code the spec cannot see: the cases try it both ways
 * (`SpecCase.handWritten` says how it answers), and the test's machine is given guards that answer so.
 */

export interface SpecGuard {
  left?: string;
  comparator?: string;
  /** The name of a hand-written guard (then left and comparator are absent). */
  handWritten?: string;
  right?: string;
  rightValue?: unknown;
}

export interface SpecTransition {
  from: string;
  event: string;
  priority: number;
  to: string;
  guards: SpecGuard[];
}

/**
 * Transitions as a generated test lists them: those alike but for their source state in one row.
 * `from` is one state or several; `to` absent means each keeps its state; `priority` absent is 0,
 * `guards` absent none. specTransitions expands the rows into one SpecTransition per source state.
 */
export interface SpecTransitionRow {
  from: string | readonly string[];
  event: string;
  priority?: number;
  to?: string;
  guards?: SpecGuard[];
}

/** One SpecTransition per source state of each row, in the rows' order. */
export function specTransitions(rows: readonly SpecTransitionRow[]): SpecTransition[] {
  return rows.flatMap((r) =>
    (typeof r.from === 'string' ? [r.from] : r.from).map((from) => ({
      from,
      event: r.event,
      priority: r.priority ?? 0,
      to: r.to ?? from,
      guards: r.guards ?? [],
    })),
  );
}

export interface SpecMachine {
  /** Data field → declared initial value (null when none). */
  fields: Record<string, unknown>;
  /** Event → param name → declared TypeScript type. */
  params: Record<string, Record<string, string>>;
  transitions: SpecTransition[];
}

export interface SpecCase {
  data: Record<string, unknown>;
  params: Record<string, unknown>;
  /** The transition the spec says fires, or undefined when the spec says the event is refused. */
  fires: SpecTransition | undefined;
  /** How each hand-written guard of the step answers in this case. */
  handWritten: Record<string, boolean>;
}

function read(op: string, data: Record<string, unknown>, params: Record<string, unknown>): unknown {
  const [where, ...path] = op.split('.');
  let v: unknown = where === 'event' ? params : data;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function holds(comparator: string, a: unknown, b: unknown): boolean {
  const bothNumbers = typeof a === 'number' && typeof b === 'number';
  const bothStrings = typeof a === 'string' && typeof b === 'string';
  switch (comparator) {
    case 'eq':
      return JSON.stringify(a) === JSON.stringify(b);
    case 'ne':
      return JSON.stringify(a) !== JSON.stringify(b);
    case 'lt':
      return (bothNumbers || bothStrings) && (a as number) < (b as number);
    case 'lte':
      return (bothNumbers || bothStrings) && !((a as number) > (b as number));
    case 'gt':
      return (bothNumbers || bothStrings) && (b as number) < (a as number);
    case 'gte':
      return (bothNumbers || bothStrings) && !((a as number) < (b as number));
    default:
      throw new Error(`spec oracle: unknown comparator ${comparator}`);
  }
}

/** What the spec says happens to `event` in `state` with this data and these params. */
export function specOutcome(
  spec: SpecMachine,
  state: string,
  event: string,
  data: Record<string, unknown>,
  params: Record<string, unknown>,
  handWritten: Record<string, boolean> = {},
): SpecTransition | undefined {
  const group = spec.transitions
    .filter((t) => t.from === state && t.event === event)
    .sort((x, y) => x.priority - y.priority);
  return group.find((t) =>
    t.guards.every((g) =>
      g.handWritten !== undefined
        ? handWritten[g.handWritten] === true
        : holds(
            g.comparator!,
            read(g.left!, data, params),
            g.right !== undefined ? read(g.right, data, params) : g.rightValue,
          ),
    ),
  );
}

const sampleOf = (type: string | undefined): unknown => (type === 'number' ? 0 : type === 'boolean' ? false : 'x');

/**
 * Cases for (state, event): every combination of boundary values for the operands its guards read
 * (each numeric literal and initial value, one below and one above; each string literal; both
 * booleans), in ascending order, each with the outcome the spec declares. At most `limit` cases.
 */
export function specCases(spec: SpecMachine, state: string, event: string, limit = 10_000): SpecCase[] {
  const group = spec.transitions.filter((t) => t.from === state && t.event === event);
  const baseParams: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(spec.params[event] ?? {})) baseParams[name] = sampleOf(type);
  const numbers = [0, 1];
  const strings = ['x', 'y'];
  const literal = (v: unknown): void => {
    if (typeof v === 'number') numbers.push(v - 1, v, v + 1);
    if (typeof v === 'string') strings.push(v);
  };
  Object.values(spec.fields).forEach(literal);
  for (const t of group) for (const g of t.guards) literal(g.rightValue);
  const operands = [
    ...new Set(
      group.flatMap((t) =>
        t.guards.flatMap((g) =>
          g.handWritten !== undefined ? [] : g.right !== undefined ? [g.left!, g.right] : [g.left!],
        ),
      ),
    ),
  ];
  const hand = [
    ...new Set(group.flatMap((t) => t.guards.flatMap((g) => (g.handWritten !== undefined ? [g.handWritten] : [])))),
  ];
  const choices = operands.map((op) => {
    const sample = read(op, spec.fields, baseParams);
    if (typeof sample === 'number') return [...new Set(numbers)].sort((a, b) => a - b);
    if (typeof sample === 'string') return [...new Set(strings)].sort();
    if (typeof sample === 'boolean') return [false, true];
    return [sample];
  });
  const cases: SpecCase[] = [];
  const answer = (
    j: number,
    data: Record<string, unknown>,
    params: Record<string, unknown>,
    hw: Record<string, boolean>,
  ): void => {
    if (cases.length >= limit) return;
    if (j === hand.length) {
      cases.push({ data, params, fires: specOutcome(spec, state, event, data, params, hw), handWritten: hw });
      return;
    }
    for (const v of [true, false]) answer(j + 1, data, params, { ...hw, [hand[j]!]: v });
  };
  const pick = (i: number, data: Record<string, unknown>, params: Record<string, unknown>): void => {
    if (cases.length >= limit) return;
    if (i === operands.length) {
      answer(0, data, params, {});
      return;
    }
    const [where, name] = operands[i]!.split('.') as [string, string];
    for (const v of choices[i]!) {
      if (where === 'event') pick(i + 1, data, { ...params, [name]: v });
      else pick(i + 1, { ...data, [name]: v }, params);
    }
  };
  pick(0, { ...spec.fields }, baseParams);
  return cases;
}

/** The first case (in specCases order) in which the spec says the transition of this priority fires. */
export function specExample(spec: SpecMachine, state: string, event: string, priority: number): SpecCase | undefined {
  return specCases(spec, state, event).find((c) => c.fires?.priority === priority);
}

/** The first case in which the spec says the event is refused in that state. */
export function specRefusal(spec: SpecMachine, state: string, event: string): SpecCase | undefined {
  return specCases(spec, state, event).find((c) => c.fires === undefined);
}
