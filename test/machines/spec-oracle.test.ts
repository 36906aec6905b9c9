import { describe, expect, it } from 'vitest';
import {
  specCases,
  specExample,
  specOutcome,
  specRefusal,
  specTransitions,
  type SpecMachine,
} from '../../packages/runtime/src/testing/index.js';

const spec: SpecMachine = {
  fields: { failed: 0, due: 10, name: 'a' },
  params: { pay: { amount: 'number' }, fail: {}, rename: { to: 'string' } },
  transitions: [
    { from: 'past_due', event: 'fail', priority: 1, to: 'past_due', guards: [] },
    {
      from: 'past_due',
      event: 'fail',
      priority: 0,
      to: 'delinquent',
      guards: [{ left: 'data.failed', comparator: 'gte', rightValue: 2 }],
    },
    {
      from: 'past_due',
      event: 'pay',
      priority: 0,
      to: 'current',
      guards: [{ left: 'event.amount', comparator: 'gte', right: 'data.due' }],
    },
    {
      from: 's',
      event: 'rename',
      priority: 0,
      to: 't',
      guards: [{ left: 'event.to', comparator: 'ne', right: 'data.name' }],
    },
  ],
};

describe('spec oracle', () => {
  it('tries transitions in ascending priority; the first whose guards hold fires', () => {
    expect(specOutcome(spec, 'past_due', 'fail', { failed: 2 }, {})?.to).toBe('delinquent');
    expect(specOutcome(spec, 'past_due', 'fail', { failed: 1 }, {})?.to).toBe('past_due');
  });

  it('gte holds at equality, gt does not', () => {
    expect(specOutcome(spec, 'past_due', 'pay', { due: 10 }, { amount: 10 })?.to).toBe('current');
    expect(specOutcome(spec, 'past_due', 'pay', { due: 10 }, { amount: 9 })).toBeUndefined();
    const gt: SpecMachine = {
      ...spec,
      transitions: [
        { from: 'a', event: 'e', priority: 0, to: 'b', guards: [{ left: 'data.x', comparator: 'gt', rightValue: 2 }] },
      ],
    };
    expect(specOutcome(gt, 'a', 'e', { x: 2 }, {})).toBeUndefined();
    expect(specOutcome(gt, 'a', 'e', { x: 3 }, {})?.to).toBe('b');
  });

  it('never orders values of different kinds; eq and ne compare values', () => {
    expect(specOutcome(spec, 'past_due', 'pay', { due: 10 }, { amount: '11' })).toBeUndefined();
    expect(specOutcome(spec, 's', 'rename', { name: 'a' }, { to: 'a' })).toBeUndefined();
    expect(specOutcome(spec, 's', 'rename', { name: 'a' }, { to: 'b' })?.to).toBe('t');
  });

  it('cases cover the boundary of every literal and initial value, with the spec outcome of each', () => {
    const cases = specCases(spec, 'past_due', 'fail');
    expect(cases.map((c) => [c.data.failed, c.fires?.to])).toEqual([
      [-1, 'past_due'],
      [0, 'past_due'],
      [1, 'past_due'],
      [2, 'delinquent'],
      [3, 'delinquent'],
      [9, 'delinquent'],
      [10, 'delinquent'],
      [11, 'delinquent'],
    ]);
    expect(specCases(spec, 'past_due', 'fail', 2)).toHaveLength(2);
  });

  it('the first example of a guarded transition sits on its boundary', () => {
    expect(specExample(spec, 'past_due', 'fail', 0)?.data.failed).toBe(2);
    const pay = specExample(spec, 'past_due', 'pay', 0)!;
    expect(pay.params.amount).toBe(pay.data.due);
    expect(specRefusal(spec, 'past_due', 'pay')).toBeDefined();
    expect(specRefusal(spec, 'past_due', 'fail')).toBeUndefined();
    expect(specExample(spec, 'past_due', 'fail', 7)).toBeUndefined();
  });
});

describe('specTransitions: the rows a generated test lists', () => {
  it('gives one transition per source state, in order; absent to keeps the state, absent priority is 0', () => {
    const guards = [{ left: 'event.n', comparator: 'gt', rightValue: 1 }];
    expect(
      specTransitions([
        { from: 'a', event: 'go', to: 'b' },
        { from: ['a', 'b'], event: 'tick', priority: 2, guards },
        { from: ['b', 'c'], event: 'stop', to: 'd', priority: 1 },
      ]),
    ).toEqual([
      { from: 'a', event: 'go', priority: 0, to: 'b', guards: [] },
      { from: 'a', event: 'tick', priority: 2, to: 'a', guards },
      { from: 'b', event: 'tick', priority: 2, to: 'b', guards },
      { from: 'b', event: 'stop', priority: 1, to: 'd', guards: [] },
      { from: 'c', event: 'stop', priority: 1, to: 'd', guards: [] },
    ]);
    expect(specTransitions([{ from: [], event: 'go', to: 'b' }])).toEqual([]);
  });
});
