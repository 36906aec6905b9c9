/**
 * Test support: the suite a state machine's generated test runs, from its spec's declarations
 * (rendered into the test as data). Every expectation comes from the spec oracle
 * (spec-oracle.ts), never from the machine's compiled guards; the machine under test is the
 * generated definition, started in each state by machineStarter.
 *
 * The cases, one `it` each: every declared transition fires as declared (with the reply a call
 * declares, else the state reached); in every state, every event with no unguarded transition is
 * refused with the unhandled error and the machine keeps its state, data and process; an event
 * the machine does not declare is refused; every boundary case of a guarded step goes where the
 * spec says; every state timeout steps to its target.
 *
 * The test framework is passed in (vitest's describe, it, expect, beforeAll, afterAll), so the
 * runtime does not depend on it.
 */
import { isProcessAlive, resetRuntime } from '../process.js';
import { castEvent, currentState, sendEvent } from '../machines/declared-machine.js';
import type { MachineDefinition } from '../machines/definition.js';
import { machineStarter } from './machine.js';
import {
  specCases,
  specExample,
  specRefusal,
  specTransitions,
  type SpecMachine,
  type SpecTransition,
  type SpecTransitionRow,
} from './spec-oracle.js';

/** The matchers the suite uses (vitest's expect provides them). */
export interface SuiteAssertion {
  toEqual(expected: unknown): void;
  toBe(expected: unknown): void;
  toMatchObject(expected: object): void;
  toBeDefined(): void;
  toBeGreaterThan(n: number): void;
}

/** The test framework: vitest's functions of these names fit. */
export interface SuiteApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>): void;
  expect(actual: unknown, message?: string): SuiteAssertion;
  beforeAll(fn: () => void): void;
  afterAll(fn: () => void): void;
}

/** A machine's declarations as its spec's queries list them: the oracle's input and the cases' tables. */
export interface SpecMachineSuite extends Omit<SpecMachine, 'transitions'> {
  /** The declared transitions, one row for those alike but for their source (specTransitions expands them). */
  transitions: readonly SpecTransitionRow[];
  name: string;
  /** The code an event a state does not accept is refused with. */
  unhandledError: string;
  /** The declared states, in the spec's order. */
  states: string[];
  /** The declared events and their kind: a call is answered; the others are cast. */
  events: [event: string, kind: string][];
  /** What a call event's transition answers when the spec declares a reply action (its last one); the others answer the state they reach. */
  replies?: [from: string, event: string, priority: number, reply: unknown][];
  /** The declared state timeouts. */
  timeouts?: [state: string, ms: number, event: string, to: string][];
  /** The names of the hand-written guards and actions (otp:handWritten) the definition requires. */
  handWritten?: { guards: string[]; actions: string[] };
}

const CALL_TIMEOUT = 5000;

/**
 * Defines the suite of `def` against `spec`. Hand-written guards answer as the case under test
 * says (the oracle tries each both ways); hand-written actions change nothing: the tests check the
 * machine as the spec declares it, the user's own code is theirs to test.
 */
export function machineSuite(t: SuiteApi, def: MachineDefinition, declared: SpecMachineSuite): void {
  const { describe, it, expect } = t;
  const spec = { ...declared, transitions: specTransitions(declared.transitions) };
  const N = spec.name;
  const refused = spec.unhandledError;
  let answers: Record<string, boolean> = {};
  const hw = spec.handWritten;
  const handWritten =
    hw !== undefined && hw.guards.length + hw.actions.length > 0
      ? {
          guards: Object.fromEntries(hw.guards.map((n) => [n, () => answers[n] === true])),
          actions: Object.fromEntries(hw.actions.map((n) => [n, () => undefined])),
        }
      : undefined;
  const startIn = machineStarter(def, handWritten ? { handWritten } : {});
  const isCall = (event: string): boolean => spec.events.some(([e, kind]) => e === event && kind === 'call');
  const replyOf = (tr: SpecTransition): unknown =>
    (spec.replies ?? []).find(
      ([from, event, priority]) => from === tr.from && event === tr.event && priority === tr.priority,
    )?.[3] ?? tr.to;

  t.beforeAll(() => resetRuntime());
  t.afterAll(() => resetRuntime());

  if (spec.transitions.length > 0)
    describe(`${N}: every declared transition fires as declared`, () => {
      for (const tr of spec.transitions) {
        const guarded = tr.guards.length > 0 ? ` [priority ${tr.priority}, ${tr.guards.length} guard(s)]` : '';
        it(`${tr.from} --${tr.event}${guarded}--> ${tr.to}`, async () => {
          const example = specExample(spec, tr.from, tr.event, tr.priority);
          expect(example, 'the spec makes this transition fire for some boundary data and params').toBeDefined();
          const pid = await startIn(tr.from, example!.data);
          answers = example!.handWritten;
          if (isCall(tr.event))
            expect(await sendEvent(pid, tr.event, example!.params, CALL_TIMEOUT)).toEqual(replyOf(tr));
          else castEvent(pid, tr.event, example!.params);
          expect((await currentState(pid, CALL_TIMEOUT)).state).toBe(tr.to);
        });
      }
    });

  describe(`${N}: events a state does not accept are refused with ${refused}, and the machine keeps running`, () => {
    for (const state of spec.states) {
      for (const [event] of spec.events) {
        const group = spec.transitions.filter((tr) => tr.from === state && tr.event === event);
        if (group.some((tr) => tr.guards.length === 0)) continue;
        it(`${state} refuses ${event}${group.length > 0 ? ' when no guard holds' : ''}`, async () => {
          const example = specRefusal(spec, state, event);
          expect(example, 'the spec refuses this event for some boundary data and params').toBeDefined();
          const pid = await startIn(state, example!.data);
          answers = example!.handWritten;
          if (isCall(event))
            expect(await sendEvent(pid, event, example!.params, CALL_TIMEOUT)).toMatchObject({
              error: refused,
              state,
              event,
            });
          else castEvent(pid, event, example!.params);
          expect(await currentState(pid, CALL_TIMEOUT)).toEqual({ state, data: example!.data });
          expect(isProcessAlive(pid)).toBe(true);
        });
      }
    }
    it('refuses an event it does not declare', async () => {
      const pid = await startIn(def.initialState, {});
      expect(await sendEvent(pid, 'no_such_event', {}, CALL_TIMEOUT)).toMatchObject({
        error: refused,
        event: 'no_such_event',
      });
      expect(isProcessAlive(pid)).toBe(true);
    });
  });

  const guarded = spec.transitions.filter((tr) => tr.guards.length > 0);
  if (guarded.length > 0)
    describe(`${N}: every boundary case of a guarded step goes where the spec says`, () => {
      for (const from of new Set(guarded.map((tr) => tr.from))) {
        for (const event of new Set(guarded.filter((tr) => tr.from === from).map((tr) => tr.event))) {
          it(`${from} on ${event}`, async () => {
            const cases = specCases(spec, from, event, 48);
            expect(cases.length).toBeGreaterThan(1);
            for (const c of cases) {
              const pid = await startIn(from, c.data);
              answers = c.handWritten;
              if (isCall(event)) {
                const reply = await sendEvent(pid, event, c.params, CALL_TIMEOUT);
                if (c.fires === undefined) expect(reply, JSON.stringify(c)).toMatchObject({ error: refused });
              } else castEvent(pid, event, c.params);
              expect((await currentState(pid, CALL_TIMEOUT)).state, JSON.stringify(c)).toBe(c.fires?.to ?? from);
            }
          });
        }
      }
    });

  const timeouts = spec.timeouts ?? [];
  if (timeouts.length > 0)
    describe(`${N}: state timeouts step to their declared state`, () => {
      for (const [state, ms, event, to] of timeouts) {
        it(`${state} after ${ms} ms (${event}) --> ${to}`, async () => {
          const pid = await startIn(state, {}, 5);
          let now = (await currentState(pid, CALL_TIMEOUT)).state;
          for (let i = 0; i < 2000 && now === state; i++) {
            await new Promise((r) => setTimeout(r, 2));
            now = (await currentState(pid, CALL_TIMEOUT)).state;
          }
          expect(now).toBe(to);
        });
      }
    });
}
