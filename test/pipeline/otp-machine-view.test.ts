/**
 * The OTP pack's machine view (packs/otp/view/machine.ts): flat rows in, the nested machine the
 * state-machine templates read out, with what it collects once (hand-written names, imports,
 * transitions alike but for their source, shared action lists). Rows are written as extract
 * gives them (null when unbound).
 */
import { describe, expect, it } from 'vitest';
import { views } from '../../packs/otp/view/index.js';
import { appMachinesView, machineView, paramKind } from '../../packs/otp/view/machine.js';
import type { Data } from '../../packs/otp/view/rows.js';

const M = { app_name: 'shop', machine_name: 'order' };
const machine = { app_name: 'shop', name: 'order', initial_state: 'new', unhandled_error: 'no', comment: null };
const t = (from_state: string, event_name: string, to_state: string, priority = 0) => ({
  ...M,
  from_state,
  event_name,
  to_state,
  priority,
});
const act = (from_state: string, event_name: string, position: number, extra: Record<string, unknown>) => ({
  ...M,
  from_state,
  event_name,
  priority: 0,
  position,
  action_kind: 'reply',
  field: null,
  value: null,
  hand_written: null,
  target_server: null,
  target_op: null,
  ...extra,
});
const param = (owner_name: string, param_name: string, extra: Record<string, unknown> = {}) => ({
  app_name: 'shop',
  owner_kind: 'event',
  container_name: 'order',
  owner_name,
  position: 1,
  param_name,
  type_name: 'String',
  ts_type: 'string',
  type_kind: 'primitive',
  ...extra,
});

const data = {
  machines: [machine, { ...machine, name: 'other' }],
  children: [
    { app_name: 'shop', start_name: 'order', sup_name: 'orders_sup', restart: 'temporary', instance_key: 'orderId' },
  ],
  states: ['new', 'paid', 'gone'].map((state_name) => ({ ...M, state_name, terminal: state_name === 'gone' })),
  events: [
    { ...M, event_name: 'pay', kind: 'call', reply_ts_type: 'string' },
    { ...M, event_name: 'cancel', kind: 'cast', reply_ts_type: null },
    { app_name: 'shop', machine_name: 'other', event_name: 'pay', kind: 'call', reply_ts_type: 'string' },
  ],
  params: [
    param('pay', 'amount', { type_name: 'MinorUnits', ts_type: 'number' }),
    param('pay', 'payer', { type_name: 'Customer', ts_type: 'Customer', type_kind: 'record', position: 2 }),
    param('cancel', 'why', { type_name: 'Reason', ts_type: 'Reason', type_kind: 'enum' }),
    { ...param('pay', 'amount'), owner_kind: 'operation', container_name: 'order' },
  ],
  dataFields: [{ ...M, field_name: 'tags', ts_type: 'JsonValue', type_kind: 'primitive', initial_value: null }],
  transitions: [
    t('new', 'pay', 'paid'),
    t('new', 'cancel', 'gone'),
    t('paid', 'cancel', 'gone'),
    t('paid', 'pay', 'paid', 1),
  ],
  guards: [
    { ...M, from_state: 'new', event_name: 'pay', priority: 0, hand_written: 'isTrusted' },
    {
      ...M,
      from_state: 'paid',
      event_name: 'pay',
      priority: 1,
      hand_written: null,
      left: 'event.amount',
      comparator: 'gt',
      right_value: 0,
    },
  ],
  actions: [
    act('new', 'cancel', 1, { action_kind: 'hand_written', hand_written: 'refund' }),
    act('new', 'cancel', 2, { action_kind: 'reply', value: 'cancelled' }),
    act('paid', 'cancel', 1, { action_kind: 'hand_written', hand_written: 'refund' }),
    act('paid', 'cancel', 2, { action_kind: 'reply', value: 'cancelled' }),
    act('new', 'pay', 1, { action_kind: 'hand_written', hand_written: 'Audit' }),
  ],
  enterActions: [{ ...M, state_name: 'gone', action_kind: 'hand_written', hand_written: 'archive' }],
  timeouts: [],
};

const view = () => machineView(data, machine).machine;

describe('otp view: machine', () => {
  it('keeps only this machine, its events with their parameters in order', () => {
    const v = view();
    expect(v.events.map((e) => [e.name, e.kind, e.replyType])).toEqual([
      ['pay', 'call', 'string'],
      ['cancel', 'cast', null],
    ]);
    expect(v.events[0]!.params.map((p) => [p.row.param_name, p.kind])).toEqual([
      ['amount', 'integer'],
      ['payer', 'record'],
    ]);
    expect(v.states.map((s) => s.state_name)).toEqual(['new', 'paid', 'gone']);
  });

  it('names its instance key and the supervisors that start it', () => {
    const v = view();
    expect(v.key).toBe('orderId');
    expect(v.keyIsField).toBe(false);
    expect(v.starters.map((c) => c.sup_name)).toEqual(['orders_sup']);
    expect(machineView({ ...data, children: [] }, machine).machine.key).toBeNull();
  });

  it('maps each spec type to the kind the runtime checks', () => {
    const p = (type_name: string, type_kind = 'primitive') => paramKind({ type_name, type_kind });
    expect(
      ['String', 'Integer', 'MinorUnits', 'Timestamp', 'Number', 'Boolean', 'StringList'].map((n) => p(n)),
    ).toEqual(['string', 'integer', 'integer', 'integer', 'number', 'boolean', 'strings']);
    expect([p('Ids', 'list'), p('Customer', 'record'), p('Reason', 'enum'), p('Json')]).toEqual([
      'list',
      'record',
      'enum',
      null,
    ]);
  });

  it('collects the hand-written guards and actions once each, sorted as the templates sort, with where they are used', () => {
    const v = view();
    expect(v.hwGuards.map((g) => [g.name, g.events])).toEqual([['isTrusted', ['pay']]]);
    expect(v.hwActions.map((a) => [a.name, a.events, a.enters.map((e) => e.state_name)])).toEqual([
      ['archive', [], ['gone']],
      ['Audit', ['pay'], []],
      ['refund', ['cancel'], []],
    ]);
    expect(v.hwActions.find((a) => a.name === 'refund')!.transitions.map((r) => r.from_state)).toEqual(['new', 'paid']);
    expect(v.hasHandWritten).toBe(true);
    expect(v.hwEnterActions).toBe(true);
  });

  it('lists the named types it imports once, and the enums whose values its checks read', () => {
    const v = view();
    expect(v.typeImports).toEqual(['Customer', 'JsonValue', 'Reason']);
    expect(v.paramTypeImports).toEqual(['Customer', 'Reason']);
    expect(v.enumImports).toEqual(['Reason']);
  });

  it('groups transitions alike but for their source, in first-seen order; the rest stay one each', () => {
    const v = view();
    expect(v.transitions).toHaveLength(4);
    expect(v.entries.map((e) => [e.from, e.row.event_name, e.row.priority])).toEqual([
      [['new'], 'pay', 0],
      [['new', 'paid'], 'cancel', 0],
      [['paid'], 'pay', 1],
    ]);
    // Different guards keep transitions apart even with the same event and target.
    expect(v.entries[2]!.guards.map((g) => g.comparator)).toEqual(['gt']);
  });

  it('declares transitions left alone that keep their state, alike but for it, once (stayIn)', () => {
    const ticks = {
      ...data,
      transitions: [
        ...data.transitions,
        t('new', 'tick', 'new', 2),
        t('paid', 'tick', 'paid', 2),
        t('gone', 'tick', 'paid', 3),
        t('paid', 'nudge', 'paid', 2),
        t('new', 'poke', 'paid'),
        t('paid', 'poke', 'paid'),
      ],
    };
    const v = machineView(ticks, machine).machine;
    expect(v.entries.slice(3).map((e) => [e.from, e.row.event_name, e.row.to_state, e.stay])).toEqual([
      [['new', 'paid'], 'tick', 'new', true],
      [['gone'], 'tick', 'paid', false],
      [['paid'], 'nudge', 'paid', false],
      // paid -> paid joins new -> paid: one target for both (fromEach), not a stay.
      [['new', 'paid'], 'poke', 'paid', false],
    ]);
    expect([v.usesFromEach, v.usesStayIn]).toEqual([true, true]);
    // paid -> paid (pay, priority 1) keeps its state too, but alone: no stayIn entry needed.
    expect([view().usesFromEach, view().usesStayIn]).toEqual([true, false]);
  });

  it('declares a parameter once when several events declare it alike, with a unique name', () => {
    const room = { pattern: '^[a-z]+$', invalid_error: 'bad_room' };
    const shared = {
      ...data,
      events: [...data.events, { ...M, event_name: 'join', kind: 'call', reply_ts_type: 'string' }],
      params: [
        ...data.params,
        param('cancel', 'roomId', { ...room, position: 2 }),
        param('join', 'roomId', room),
        // The same name with another constraint is another ParamDef.
        param('join', 'payer', { type_name: 'Customer', ts_type: 'Customer', type_kind: 'record', position: 2 }),
        param('join', 'amount', { type_name: 'MinorUnits', ts_type: 'number', min_value: 1, position: 3 }),
      ],
      transitions: [...data.transitions, t('new', 'join', 'new')],
    };
    const v = machineView(shared, machine).machine;
    expect(v.sharedParams.map((s) => [s.name, s.param.row.param_name])).toEqual([
      ['PAYER_PARAM', 'payer'],
      ['ROOM_ID_PARAM', 'roomId'],
    ]);
    const byEvent = Object.fromEntries(v.events.map((e) => [e.name, e.params.map((p) => p.shared)]));
    expect(byEvent).toEqual({
      pay: [null, 'PAYER_PARAM'],
      cancel: [null, 'ROOM_ID_PARAM'],
      join: ['ROOM_ID_PARAM', 'PAYER_PARAM', null],
    });
    expect(view().sharedParams).toEqual([]);
  });

  it('declares an action list once when several entries repeat it, with a unique name', () => {
    const twice = {
      ...data,
      transitions: [...data.transitions, t('gone', 'cancel', 'new')],
      actions: [
        ...data.actions,
        act('gone', 'cancel', 1, { action_kind: 'hand_written', hand_written: 'refund' }),
        act('gone', 'cancel', 2, { action_kind: 'reply', value: 'cancelled' }),
      ],
    };
    const v = machineView(twice, machine).machine;
    expect(v.sharedActions.map((s) => [s.name, s.actions.map((a) => a.row.action_kind)])).toEqual([
      ['CANCEL_ACTIONS', ['hand_written', 'reply']],
    ]);
    expect(v.entries.filter((e) => e.shared === 'CANCEL_ACTIONS')).toHaveLength(2);
    // One action that is not an invoke is not worth a constant: the single-action pay list stays inline.
    expect(v.entries.find((e) => e.row.event_name === 'pay')!.shared).toBeNull();
    // The reply a call answers is the last reply action.
    expect(v.transitions[1]!.reply?.value).toBe('cancelled');
  });

  it("names a shared list from its event as a safe constant, never one of the machine's own", () => {
    const rename = (r: { event_name: string }) =>
      r.event_name === 'cancel' ? { ...r, event_name: "1 o'clock; x" } : r;
    const hostile = {
      ...data,
      transitions: [...data.transitions, t('gone', 'cancel', 'new')].map(rename),
      actions: [
        ...data.actions,
        act('gone', 'cancel', 1, { action_kind: 'hand_written', hand_written: 'refund' }),
        act('gone', 'cancel', 2, { action_kind: 'reply', value: 'cancelled' }),
      ].map(rename),
      guards: data.guards.map(rename),
    };
    expect(machineView(hostile, machine).machine.sharedActions.map((a) => a.name)).toEqual(['_1_O_CLOCK_X_ACTIONS']);
    // A machine named like the constant keeps its own name: the list gets the next one.
    const twice = {
      ...data,
      transitions: [...data.transitions, t('gone', 'cancel', 'new')],
      actions: [
        ...data.actions,
        act('gone', 'cancel', 1, { action_kind: 'hand_written', hand_written: 'refund' }),
        act('gone', 'cancel', 2, { action_kind: 'reply', value: 'cancelled' }),
      ],
    };
    const moved: Data = Object.fromEntries(
      Object.entries(twice).map(([q, rows]) => [
        q,
        (rows as Data[string]).map((r) => ('machine_name' in r ? { ...r, machine_name: 'cancel_actions' } : r)),
      ]),
    );
    const v = machineView(moved, { ...machine, name: 'cancel_actions' }).machine;
    expect(v.sharedActions.map((a) => a.name)).toEqual(['CANCEL_ACTIONS_2']);
  });

  it('is the view of every state-machine template, and needs its for_each row', () => {
    for (const name of [
      'otp/state-machine.ts.njk',
      'otp/state-machine-handwritten.ts.njk',
      'otp/state-machine-handwritten-stub.ts.njk',
    ])
      expect(views[name as keyof typeof views]).toBe(machineView);
    expect(() => machineView(data, undefined)).toThrow(/for_each: machines/);
    // The hand-written templates iterate machine_handwritten.rq, whose rows name the machine machine_name.
    expect(machineView(data, { app_name: 'shop', machine_name: 'order' }).machine.name).toBe('order');
  });

  it("is per application for the machines' test table: each of the app's machines in the rows' order, no other app's", () => {
    expect(views['otp/machines.test.ts.njk']).toBe(appMachinesView);
    const both = { ...data, machines: [...data.machines, { ...machine, app_name: 'depot', name: 'crate' }] };
    const shop = appMachinesView(both, { app_name: 'shop' });
    expect(shop.app).toBe('shop');
    expect(shop.machines.map((m) => m.name)).toEqual(['order', 'other']);
    expect(JSON.stringify(shop.machines[0])).toBe(JSON.stringify(view()));
    expect(shop.machines[1]!.events.map((e) => e.name)).toEqual(['pay']);
    expect(appMachinesView(both, { app_name: 'depot' }).machines.map((m) => m.name)).toEqual(['crate']);
    expect(appMachinesView(both, { app_name: 'none' }).machines).toEqual([]);
    expect(() => appMachinesView(data, undefined)).toThrow(/for_each: apps/);
  });

  it("declares the machines' shared constants once per app: alike ones are one, unlike ones of one name get the next", () => {
    const two = (machine_name: string, extra: Record<string, unknown> = {}) => [
      { ...param('pay', 'amount', extra), container_name: machine_name },
      { ...param('tip', 'amount', extra), container_name: machine_name },
    ];
    const events = (machine_name: string) =>
      ['pay', 'tip'].map((event_name) => ({
        app_name: 'shop',
        machine_name,
        event_name,
        kind: 'cast',
        reply_ts_type: null,
      }));
    const shop: Data = {
      ...data,
      machines: [
        { ...machine, name: 'a' },
        { ...machine, name: 'b' },
        { ...machine, name: 'c' },
      ],
      events: [...events('a'), ...events('b'), ...events('c')],
      params: [...two('a'), ...two('b'), ...two('c', { min_length: 1 })],
      transitions: [],
      actions: [],
      guards: [],
      enterActions: [],
    };
    const v = appMachinesView(shop, { app_name: 'shop' });
    expect(v.sharedParams.map((p) => [p.name, p.param.row.min_length ?? null])).toEqual([
      ['AMOUNT_PARAM', null],
      ['AMOUNT_PARAM_2', 1],
    ]);
    const uses = (name: string) =>
      v.machines.find((m) => m.name === name)!.events.flatMap((e) => e.params.map((p) => p.shared));
    expect(uses('a')).toEqual(['AMOUNT_PARAM', 'AMOUNT_PARAM']);
    expect(uses('b')).toEqual(['AMOUNT_PARAM', 'AMOUNT_PARAM']);
    expect(uses('c')).toEqual(['AMOUNT_PARAM_2', 'AMOUNT_PARAM_2']);
    // A constant never takes a machine's own name: a machine named amount_param keeps AMOUNT_PARAM.
    const named = appMachinesView(
      { ...shop, machines: [{ ...machine, name: 'amount_param' }, ...shop.machines] },
      { app_name: 'shop' },
    );
    expect(named.sharedParams.map((p) => p.name)).toEqual(['AMOUNT_PARAM_2', 'AMOUNT_PARAM_3']);
  });

  it('is a function of the rows: the same data gives equal views', () => {
    expect(JSON.stringify(view())).toBe(JSON.stringify(machineView(data, machine).machine));
  });
});
