/**
 * Hand-written guards and actions (the generation gap) in the runtime's machine mechanism: the
 * definition names them, DeclaredMachine runs the functions it is given, and anything wrong about
 * them fails closed (missing at construction, a non-boolean guard, a field that is not declared).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryLogger, exited, isProcessAlive, resetRuntime, unwrapStart } from '../../packages/runtime/src/index.js';
import {
  DeclaredMachine,
  MachineDefinitionError,
  applyEvent,
  currentState,
  definitionProblems,
  initialEntity,
  refusalExample,
  sendEvent,
  transitionExample,
  type HandWrittenEvent,
  type MachineDefinition,
} from '../../packages/runtime/src/machines/index.js';
import { specCases, specExample, specRefusal, type SpecMachine } from '../../packages/runtime/src/testing/index.js';

const payment: MachineDefinition = {
  name: 'payment',
  states: [{ name: 'pending' }, { name: 'authorized' }, { name: 'declined' }],
  initialState: 'pending',
  dataFields: [
    { name: 'limit', initial: 100 },
    { name: 'attempts', initial: 0 },
    { name: 'last', initial: null },
  ],
  events: [{ name: 'authorize', kind: 'call', params: [{ name: 'amount', type: 'number' }] }],
  transitions: [
    {
      from: 'pending',
      event: 'authorize',
      to: 'authorized',
      priority: 0,
      guards: [{ handWritten: 'withinLimit' }],
      actions: [
        { kind: 'hand_written', name: 'remember' },
        { kind: 'increment_field', field: 'attempts' },
      ],
    },
  ],
  enterActions: { authorized: [{ kind: 'hand_written', name: 'stamp' }] },
  unhandledError: { code: 'declined', message: 'not authorized' },
};

type Data = { limit: number; attempts: number; last: unknown };
const seen: Array<[Data, HandWrittenEvent]> = [];
const hooks = {
  guards: {
    withinLimit: (d: Data, e: HandWrittenEvent<string, { amount: number }>) => {
      seen.push([d, e]);
      return e.params.amount <= d.limit;
    },
  },
  actions: {
    remember: (d: Data, e: HandWrittenEvent<string, { amount: number }>) => ({
      last: { amount: e.params.amount, was: d.attempts },
    }),
    stamp: async (_d: Data, e: HandWrittenEvent) => {
      await new Promise((r) => setTimeout(r, 1));
      return { limit: e.state === 'authorized' ? 0 : -1 };
    },
  },
};

beforeEach(() => {
  seen.length = 0;
  resetRuntime({ logger: new MemoryLogger() });
});
afterEach(() => resetRuntime());

describe('DeclaredMachine: hand-written guards and actions', () => {
  it('asks the hand-written guard with the data and the event, and refuses when it says no', async () => {
    const m = new DeclaredMachine(payment, { handWritten: hooks });
    const pid = unwrapStart(await m.start());
    expect(await sendEvent(pid, 'authorize', { amount: 101 })).toMatchObject({ error: 'declined', state: 'pending' });
    expect(seen).toEqual([
      [
        { limit: 100, attempts: 0, last: null },
        { event: 'authorize', state: 'pending', params: { amount: 101 } },
      ],
    ]);
    expect(Object.isFrozen(seen[0]![0])).toBe(true);
    expect(await currentState(pid)).toEqual({ state: 'pending', data: { limit: 100, attempts: 0, last: null } });
    expect(await sendEvent(pid, 'authorize', { amount: 100 })).toBe('authorized');
    // remember ran before increment_field (declared order), then the async enter action stamped it.
    expect(await currentState(pid)).toEqual({
      state: 'authorized',
      data: { limit: 0, attempts: 1, last: { amount: 100, was: 0 } },
    });
  });

  it('refuses to construct without every hand-written function the definition names', () => {
    expect(() => new DeclaredMachine(payment)).toThrow(
      /names hand-written guard withinLimit, action remember, action stamp, so options.handWritten must supply them/,
    );
    expect(
      () =>
        new DeclaredMachine(payment, {
          handWritten: { guards: hooks.guards, actions: { remember: hooks.actions.remember } },
        }),
    ).toThrow(/hand-written action stamp, so options.handWritten must supply it/);
  });

  it('crashes the machine when a guard answers anything but a boolean (a Promise is not a yes)', async () => {
    const m = new DeclaredMachine(payment, {
      handWritten: {
        guards: { withinLimit: () => Promise.resolve(false) as unknown as boolean },
        actions: hooks.actions,
      },
    });
    const pid = unwrapStart(await m.start());
    await expect(sendEvent(pid, 'authorize', { amount: 1 })).rejects.toThrow();
    expect(await exited(pid)).toBeDefined();
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('crashes the machine when an action returns a field the machine does not declare, changing nothing', async () => {
    const m = new DeclaredMachine(payment, {
      handWritten: { guards: hooks.guards, actions: { ...hooks.actions, remember: () => ({ balance: 5 }) } },
    });
    const pid = unwrapStart(await m.start());
    await expect(sendEvent(pid, 'authorize', { amount: 1 })).rejects.toThrow();
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('validates hand-written names in a definition', () => {
    const bad = {
      ...payment,
      transitions: [
        {
          ...payment.transitions[0]!,
          guards: [{ handWritten: '' }, { handWritten: 'x', left: 'data.limit', comparator: 'gt', rightValue: 1 }],
          actions: [{ kind: 'hand_written', name: 'not a name' }],
        },
      ],
    };
    expect(definitionProblems(bad)).toEqual([
      'transition pending --authorize--> authorized: guard 1: handWritten must name a function (an identifier), got ""',
      'transition pending --authorize--> authorized: guard 2: a hand-written guard has no left, comparator, rightValue',
      'transition pending --authorize--> authorized: action 1 (hand_written): name must name a function (an identifier), got "not a name"',
    ]);
  });

  it('a lifecycle (no process) refuses a definition with hand-written code', () => {
    expect(() => initialEntity(payment)).toThrow(MachineDefinitionError);
    expect(() => applyEvent(payment, { state: 'pending', data: {} }, 'authorize', { amount: 1 })).toThrow(
      /hand-written guards and actions run in a state machine process/,
    );
  });

  it('examples ask the hand-written guard they are given', () => {
    const t = payment.transitions[0]!;
    expect(transitionExample(payment, t, { guards: { withinLimit: () => true } })).toBeDefined();
    expect(transitionExample(payment, t, { guards: { withinLimit: () => false } })).toBeUndefined();
    expect(refusalExample(payment, 'pending', 'authorize', { guards: { withinLimit: () => false } })).toBeDefined();
  });
});

describe('spec oracle: a hand-written guard is tried both ways', () => {
  const spec: SpecMachine = {
    fields: { limit: 100 },
    params: { authorize: { amount: 'number' } },
    transitions: [
      { from: 'pending', event: 'authorize', priority: 0, to: 'authorized', guards: [{ handWritten: 'withinLimit' }] },
      {
        from: 'pending',
        event: 'authorize',
        priority: 1,
        to: 'review',
        guards: [{ left: 'event.amount', comparator: 'gt', rightValue: 1000 }],
      },
    ],
  };
  it('fires the hand-written transition when the guard says yes, and falls through when it says no', () => {
    expect(specExample(spec, 'pending', 'authorize', 0)?.handWritten).toEqual({ withinLimit: true });
    const review = specExample(spec, 'pending', 'authorize', 1)!;
    expect(review.handWritten).toEqual({ withinLimit: false });
    expect(review.params.amount).toBeGreaterThan(1000);
    const refused = specRefusal(spec, 'pending', 'authorize')!;
    expect(refused.handWritten).toEqual({ withinLimit: false });
    expect(refused.params.amount as number).toBeLessThanOrEqual(1000);
    const cases = specCases(spec, 'pending', 'authorize');
    expect(cases.filter((c) => c.handWritten.withinLimit).every((c) => c.fires?.to === 'authorized')).toBe(true);
  });
});
