import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MemoryLogger,
  MetricsCollector,
  Supervisor,
  exited,
  isProcessAlive,
  resetRuntime,
  unwrapStart,
  type Pid,
} from '../../packages/runtime/src/index.js';
import {
  DeclaredMachine,
  castEvent,
  currentState,
  sendEvent,
  type DroppedEvent,
  type MachineDefinition,
  type NotifyPayload,
} from '../../packages/runtime/src/machines/index.js';
import { entitlement, quotaSla, ticket } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NOT_ACCEPTED = { code: 'event_not_accepted', message: 'not accepted here' };

let logger: MemoryLogger;
beforeEach(() => {
  logger = new MemoryLogger();
  resetRuntime({ logger });
});
afterEach(() => {
  resetRuntime();
});

function recorder() {
  const notes: [string, string][] = [];
  const notify = (topic: string, p: NotifyPayload) => void notes.push([topic, p.state]);
  return { notes, notify };
}

async function waitForState(pid: Pid, state: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await currentState(pid)).state === state) return;
    await sleep(5);
  }
  throw new Error(`never reached ${state}; at ${(await currentState(pid)).state}`);
}

describe('DeclaredMachine: entitlement governor', () => {
  it('takes every declared transition and answers calls with the new state', async () => {
    const m = new DeclaredMachine(entitlement);
    const a = unwrapStart(await m.start({ tenantId: 't1' }));
    expect(await currentState(a)).toEqual({
      state: 'pending',
      data: { suspensions: 0, maxSuspensions: 3, tenantId: 't1' },
    });
    expect(await sendEvent(a, 'activate')).toBe('active');
    expect(await sendEvent(a, 'suspend', { reason: 'abuse' })).toBe('suspended');
    expect(await sendEvent(a, 'reinstate')).toBe('active');
    expect(await sendEvent(a, 'revoke')).toBe('revoked');
    // revoked is terminal (otp:terminal): the machine stops normally once it is entered.
    expect(await exited(a)).toBe('normal');

    const b = unwrapStart(await m.start());
    expect(await sendEvent(b, 'revoke')).toBe('revoked');
    const c = unwrapStart(await m.start());
    await sendEvent(c, 'activate');
    await sendEvent(c, 'suspend', { reason: 'x' });
    expect(await sendEvent(c, 'revoke')).toBe('revoked');
    expect(m.stats).toMatchObject({ accepted: 8, refused: 0 });
  });

  it('the guarded transition wins until its guard fails, then the next priority fires (third suspension revokes)', async () => {
    // Kept running past its terminal state, to read the data it ends with.
    const m = new DeclaredMachine(entitlement, { stopOnTerminal: false });
    const pid = unwrapStart(await m.start({ maxSuspensions: 2 }));
    await sendEvent(pid, 'activate');
    expect(await sendEvent(pid, 'suspend', { reason: 'a' })).toBe('suspended');
    await sendEvent(pid, 'reinstate');
    expect(await sendEvent(pid, 'suspend', { reason: 'b' })).toBe('suspended');
    await sendEvent(pid, 'reinstate');
    expect(await sendEvent(pid, 'suspend', { reason: 'c' })).toBe('revoked');
    expect((await currentState(pid)).data).toMatchObject({ suspensions: 2 });
  });

  it('refuses an event the state does not accept with the declared error, keeps state and data, and keeps running', async () => {
    const m = new DeclaredMachine(entitlement);
    const pid = unwrapStart(await m.start());
    const before = await currentState(pid);
    expect(await sendEvent(pid, 'reinstate')).toEqual({
      error: 'event_not_accepted',
      message: 'the governor does not accept this event in its current state',
      state: 'pending',
      event: 'reinstate',
    });
    expect(await sendEvent(pid, 'launch')).toMatchObject({
      error: 'event_not_accepted',
      message: expect.stringMatching(/launch is not an event of entitlement_governor/),
    });
    await sendEvent(pid, 'activate');
    expect(await sendEvent(pid, 'suspend')).toMatchObject({
      error: 'event_not_accepted',
      state: 'active',
      message: expect.stringMatching(/missing parameter reason/),
    });
    expect(await sendEvent(pid, 'suspend', { reason: 7 })).toMatchObject({
      error: 'event_not_accepted',
      message: expect.stringMatching(/parameter reason must be a string/),
    });
    expect(await currentState(pid)).toEqual({ state: 'active', data: before.data });
    expect(isProcessAlive(pid)).toBe(true);
    expect(m.stats.refused).toBe(4);
    expect(logger.ofKind('processCrashed')).toEqual([]);
  });

  it('drops and counts a cast that matches no transition, telling onDropped', async () => {
    const dropped: DroppedEvent[] = [];
    const m = new DeclaredMachine(entitlement, { onDropped: (d) => dropped.push(d) });
    const pid = unwrapStart(await m.start());
    castEvent(pid, 'reinstate');
    castEvent(pid, 'activate');
    expect((await currentState(pid)).state).toBe('active');
    expect(m.stats.dropped).toBe(1);
    expect(dropped).toEqual([
      {
        machine: 'entitlement_governor',
        state: 'pending',
        event: 'reinstate',
        reason: 'refused',
        error: expect.objectContaining({ error: 'event_not_accepted' }),
      },
    ]);
  });

  it('runs enter actions on the initial state and on every change, but not on keep-state transitions', async () => {
    const { notes, notify } = recorder();
    const metrics = new MetricsCollector();
    const m = new DeclaredMachine(ticket, { notify, metrics });
    const pid = unwrapStart(await m.start());
    await sendEvent(pid, 'assign', { agentId: 'a1' });
    await sendEvent(pid, 'assign', { agentId: 'a2' });
    await sendEvent(pid, 'start');
    await sendEvent(pid, 'resolve', { resolution: 'fixed' });
    expect(notes).toEqual([
      ['ticket.open', 'open'],
      ['ticket.assigned', 'assigned'],
      ['ticket.resolved', 'resolved'],
    ]);
    expect(metrics.value('tickets_resolved', { machine: 'ticket_lifecycle' })).toBe(1);
    expect((await currentState(pid)).data).toMatchObject({ agentId: 'a2', resolution: 'fixed' });
  });

  it('emit_metric and notify in transition actions reach their sinks after the transition', async () => {
    const { notes, notify } = recorder();
    const metrics = new MetricsCollector();
    const def: MachineDefinition = {
      ...entitlement,
      transitions: entitlement.transitions.map((t) =>
        t.event === 'activate'
          ? {
              ...t,
              actions: [
                { kind: 'emit_metric', metric: 'activations' },
                { kind: 'notify', topic: 'activating' },
              ],
            }
          : t,
      ),
    };
    const pid = unwrapStart(await new DeclaredMachine(def, { notify, metrics }).start());
    await sendEvent(pid, 'activate');
    expect(metrics.value('activations', { machine: 'entitlement_governor' })).toBe(1);
    expect(notes).toEqual([
      ['activating', 'active'],
      ['entitlement.active', 'active'],
    ]);
  });

  it('a throwing sink is counted and does not take the machine down', async () => {
    const m = new DeclaredMachine(entitlement, {
      notify: () => {
        throw new Error('sink down');
      },
    });
    const pid = unwrapStart(await m.start());
    expect(await sendEvent(pid, 'activate')).toBe('active');
    expect(m.stats.sinkErrors).toBe(1);
    expect(isProcessAlive(pid)).toBe(true);
  });
});

describe('DeclaredMachine: guards', () => {
  const comparators = ['gt', 'gte', 'lt', 'lte', 'eq', 'ne'] as const;
  const def: MachineDefinition = {
    name: 'guards',
    states: [{ name: 's' }],
    initialState: 's',
    dataFields: [
      { name: 'y', initial: 5 },
      { name: 'label', initial: 'm' },
    ],
    events: [
      ...comparators.map((c) => ({ name: `event_${c}`, kind: 'call' as const, params: [{ name: 'x' }] })),
      ...comparators.map((c) => ({ name: `data_${c}`, kind: 'call' as const, params: [] })),
      { name: 'set', kind: 'call', params: [{ name: 'y' }] },
      { name: 'both', kind: 'call', params: [{ name: 'x' }] },
    ],
    transitions: [
      ...comparators.flatMap((c) => [
        {
          from: 's',
          event: `event_${c}`,
          to: 's',
          priority: 0,
          guards: [{ left: 'event.x' as const, comparator: c, right: 'data.y' as const }],
          actions: [{ kind: 'reply' as const, value: true }],
        },
        { from: 's', event: `event_${c}`, to: 's', priority: 1, actions: [{ kind: 'reply' as const, value: false }] },
        {
          from: 's',
          event: `data_${c}`,
          to: 's',
          priority: 0,
          guards: [{ left: 'data.y' as const, comparator: c, rightValue: 5 }],
          actions: [{ kind: 'reply' as const, value: true }],
        },
        { from: 's', event: `data_${c}`, to: 's', priority: 1, actions: [{ kind: 'reply' as const, value: false }] },
      ]),
      { from: 's', event: 'set', to: 's', actions: [{ kind: 'set_field', field: 'y', fromParam: 'y' }] },
      {
        from: 's',
        event: 'both',
        to: 's',
        guards: [
          { left: 'event.x', comparator: 'gt', rightValue: 0 },
          { left: 'event.x', comparator: 'lt', right: 'data.y' },
        ],
        actions: [{ kind: 'reply', value: 'in range' }],
      },
    ],
    unhandledError: NOT_ACCEPTED,
  };
  const expected: Record<(typeof comparators)[number], [boolean, boolean, boolean]> = {
    // x = 4, 5, 6 against y = 5
    gt: [false, false, true],
    gte: [false, true, true],
    lt: [true, false, false],
    lte: [true, true, false],
    eq: [false, true, false],
    ne: [true, false, true],
  };

  it('evaluates every comparator with an event operand against a data operand', async () => {
    const pid = unwrapStart(await new DeclaredMachine(def).start());
    for (const c of comparators) {
      const got = [];
      for (const x of [4, 5, 6]) got.push(await sendEvent(pid, `event_${c}`, { x }));
      expect([c, got]).toEqual([c, expected[c]]);
    }
  });

  it('evaluates every comparator with a data operand against a literal', async () => {
    const pid = unwrapStart(await new DeclaredMachine(def).start());
    for (const [y, col] of [
      [4, 0],
      [5, 1],
      [6, 2],
    ] as const) {
      await sendEvent(pid, 'set', { y });
      for (const c of comparators) expect([c, y, await sendEvent(pid, `data_${c}`)]).toEqual([c, y, expected[c][col]]);
    }
  });

  it('compares strings, never orders values of different kinds, and compares records by value', async () => {
    const pid = unwrapStart(await new DeclaredMachine(def).start());
    await sendEvent(pid, 'set', { y: 'b' });
    expect(await sendEvent(pid, 'event_lt', { x: 'a' })).toBe(true);
    expect(await sendEvent(pid, 'event_gt', { x: 'a' })).toBe(false);
    await sendEvent(pid, 'set', { y: 5 });
    for (const c of ['gt', 'gte', 'lt', 'lte'] as const)
      expect(await sendEvent(pid, `event_${c}`, { x: '5' })).toBe(false);
    expect(await sendEvent(pid, 'event_eq', { x: '5' })).toBe(false);
    expect(await sendEvent(pid, 'event_ne', { x: '5' })).toBe(true);
    await sendEvent(pid, 'set', { y: { a: [1, 2] } });
    expect(await sendEvent(pid, 'event_eq', { x: { a: [1, 2] } })).toBe(true);
    expect(await sendEvent(pid, 'event_ne', { x: { a: [1, 3] } })).toBe(true);
  });

  it('requires every guard of a transition to hold', async () => {
    const pid = unwrapStart(await new DeclaredMachine(def).start());
    expect(await sendEvent(pid, 'both', { x: 3 })).toBe('in range');
    expect(await sendEvent(pid, 'both', { x: 0 })).toMatchObject({ error: 'event_not_accepted' });
    expect(await sendEvent(pid, 'both', { x: 5 })).toMatchObject({ error: 'event_not_accepted' });
  });
});

describe('DeclaredMachine: quota and SLA governor', () => {
  it('tries transitions in priority order: the highest level whose guard holds wins', async () => {
    const { notes, notify } = recorder();
    const m = new DeclaredMachine(quotaSla(60_000), { notify });
    const pid = unwrapStart(await m.start());
    castEvent(pid, 'usage_reported', { used: 50 });
    expect(await currentState(pid)).toMatchObject({ state: 'within_limits', data: { used: 50 } });
    castEvent(pid, 'usage_reported', { used: 120 });
    expect(await currentState(pid)).toMatchObject({ state: 'blocked', data: { used: 120 } });
    expect(notes.map((n) => n[0])).toEqual(['quota.blocked']);
    expect(await sendEvent(pid, 'reset')).toBe('within_limits');
    castEvent(pid, 'usage_reported', { used: 96 });
    expect(await currentState(pid)).toMatchObject({ state: 'throttled' });
    castEvent(pid, 'usage_reported', { used: 81 });
    expect(await currentState(pid)).toMatchObject({ state: 'warning', data: { used: 81 } });
  });

  it('state timeouts step back down one level at a time, running enter actions on the way', async () => {
    const { notes, notify } = recorder();
    const pid = unwrapStart(await new DeclaredMachine(quotaSla(15), { notify }).start());
    castEvent(pid, 'usage_reported', { used: 100 });
    await waitForState(pid, 'within_limits');
    expect(notes.map((n) => n[0])).toEqual(['quota.blocked', 'quota.throttled', 'quota.warning']);
    expect((await currentState(pid)).data).toMatchObject({ used: 100 });
  });

  const timed: MachineDefinition = {
    name: 'timed',
    states: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
    initialState: 'a',
    dataFields: [{ name: 'pokes', initial: 0 }],
    events: [
      { name: 'go', kind: 'call', params: [] },
      { name: 'poke', kind: 'cast', params: [] },
    ],
    transitions: [
      { from: 'a', event: 'go', to: 'b' },
      { from: 'a', event: 'poke', to: 'a', actions: [{ kind: 'increment_field', field: 'pokes' }] },
    ],
    enterActions: { a: [{ kind: 'notify', topic: 'entered a' }] },
    stateTimeouts: [{ inState: 'a', timeoutMs: 30, event: 'a_expired', to: 'c' }],
    unhandledError: NOT_ACCEPTED,
  };

  it('a state change cancels the state timeout', async () => {
    const pid = unwrapStart(await new DeclaredMachine(timed).start());
    expect(await sendEvent(pid, 'go')).toBe('b');
    await sleep(90);
    expect((await currentState(pid)).state).toBe('b');
  });

  it('timeoutOverrides replaces a state timeout by its event name, and refuses a bad value', async () => {
    const pid = unwrapStart(await new DeclaredMachine(timed, { timeoutOverrides: { a_expired: 0 } }).start());
    await waitForState(pid, 'c');
    const slow = unwrapStart(await new DeclaredMachine(timed, { timeoutOverrides: { a_expired: 60_000 } }).start());
    await sleep(90);
    expect((await currentState(slow)).state).toBe('a');
    expect(() => new DeclaredMachine(timed, { timeoutOverrides: { a_expired: -1 } })).toThrow(
      /timeoutOverrides.a_expired/,
    );
  });

  it('keep-state transitions neither re-run enter actions nor re-arm the state timeout', async () => {
    const { notes, notify } = recorder();
    const pid = unwrapStart(await new DeclaredMachine(timed, { notify }).start());
    // Poking every 10 ms for 120 ms would hold the timeout off forever if each poke re-armed it.
    let state = 'a';
    for (let i = 0; i < 12 && state === 'a'; i++) {
      castEvent(pid, 'poke');
      await sleep(10);
      state = (await currentState(pid)).state;
    }
    expect(state).toBe('c');
    expect(notes).toEqual([['entered a', 'a']]);
    expect((await currentState(pid)).data.pokes).toBeGreaterThan(0);
  });

  it('a state timeout longer than a 32-bit timer does not fire early', async () => {
    const pid = unwrapStart(await new DeclaredMachine(entitlement).start());
    await sendEvent(pid, 'activate');
    await sendEvent(pid, 'suspend', { reason: 'x' });
    await sleep(20);
    expect((await currentState(pid)).state).toBe('suspended');
  });
});

describe('DeclaredMachine: postpone', () => {
  const door: MachineDefinition = {
    name: 'door',
    states: [{ name: 'locked' }, { name: 'open' }],
    initialState: 'locked',
    dataFields: [{ name: 'uses', initial: 0 }],
    events: [
      { name: 'use', kind: 'call', params: [] },
      { name: 'unlock', kind: 'call', params: [] },
      { name: 'noop', kind: 'call', params: [] },
    ],
    transitions: [
      { from: 'locked', event: 'use', to: 'locked', actions: [{ kind: 'postpone' }] },
      { from: 'locked', event: 'noop', to: 'locked' },
      { from: 'locked', event: 'unlock', to: 'open' },
      {
        from: 'open',
        event: 'use',
        to: 'open',
        actions: [
          { kind: 'increment_field', field: 'uses' },
          { kind: 'reply', value: 'used' },
        ],
      },
    ],
    unhandledError: NOT_ACCEPTED,
  };

  it('retries a postponed call after the next state change, not after a keep-state event', async () => {
    const pid = unwrapStart(await new DeclaredMachine(door).start());
    let answered: unknown;
    const use = sendEvent(pid, 'use').then((r) => (answered = r));
    expect(await sendEvent(pid, 'noop')).toBe('locked');
    expect(answered).toBeUndefined();
    expect(await sendEvent(pid, 'unlock')).toBe('open');
    expect(await use).toBe('used');
    expect((await currentState(pid)).data.uses).toBe(1);
  });
});

describe('DeclaredMachine: invoke', () => {
  const session: MachineDefinition = {
    name: 'chat_session',
    states: [{ name: 'connecting' }, { name: 'authenticated' }, { name: 'active' }, { name: 'closed', terminal: true }],
    initialState: 'connecting',
    dataFields: [
      { name: 'connectionId', initial: '' },
      { name: 'userId', initial: '' },
      { name: 'claims', initial: null },
      { name: 'lastMessage', initial: null },
      { name: 'messagesSent', initial: 0 },
    ],
    events: [
      { name: 'auth', kind: 'call', params: [{ name: 'token', type: 'string' }], replyType: 'string' },
      { name: 'join_room', kind: 'call', params: [{ name: 'roomId', type: 'string' }], replyType: 'string' },
      { name: 'send_message', kind: 'call', params: [{ name: 'roomId' }, { name: 'body' }], replyType: 'string' },
      { name: 'logout', kind: 'call', params: [] },
    ],
    transitions: [
      {
        from: 'connecting',
        event: 'auth',
        to: 'authenticated',
        actions: [
          { kind: 'invoke', target: 'auth_server', op: 'verifyAccess', field: 'claims', args: [{ name: 'token' }] },
          { kind: 'set_field', field: 'userId', fromData: 'claims.sub' },
          {
            kind: 'invoke',
            target: 'presence_server',
            op: 'connect',
            args: [{ name: 'userId' }, { name: 'connectionId' }],
          },
          { kind: 'reply', value: 'auth_ok' },
        ],
      },
      { from: 'authenticated', event: 'join_room', to: 'active', actions: [{ kind: 'reply', value: 'joined' }] },
      {
        from: 'active',
        event: 'send_message',
        to: 'active',
        actions: [
          {
            kind: 'invoke',
            target: 'message_store',
            op: 'append',
            field: 'lastMessage',
            args: [{ name: 'roomId' }, { name: 'senderId', fromData: 'userId' }, { name: 'body' }],
          },
          { kind: 'increment_field', field: 'messagesSent' },
          { kind: 'emit_metric', metric: 'chat_messages' },
          { kind: 'reply', value: 'ack' },
        ],
      },
      { from: 'active', event: 'logout', to: 'closed' },
    ],
    enterActions: {
      closed: [{ kind: 'invoke', target: 'presence_server', op: 'disconnect', args: [{ name: 'userId' }] }],
    },
    unhandledError: NOT_ACCEPTED,
  };

  function services(fail: Record<string, unknown> = {}) {
    const calls: [string, string, Record<string, unknown>][] = [];
    const invoke = async (target: string, op: string, args: Record<string, unknown>) => {
      calls.push([target, op, args]);
      await Promise.resolve();
      const key = `${target}.${op}`;
      if (key in fail) {
        const f = fail[key];
        if (f instanceof Error) throw f;
        return f;
      }
      if (key === 'auth_server.verifyAccess') return { sub: `user-${String(args.token)}` };
      if (key === 'message_store.append') return { seq: calls.length };
      return 'ok';
    };
    return { calls, invoke };
  }

  it('stores invoke replies into fields, binds args from params and data, and replies', async () => {
    const { calls, invoke } = services();
    const metrics = new MetricsCollector();
    const pid = unwrapStart(await new DeclaredMachine(session, { invoke, metrics }).start({ connectionId: 'c9' }));
    expect(await sendEvent(pid, 'auth', { token: 'tok' })).toBe('auth_ok');
    expect(await sendEvent(pid, 'join_room', { roomId: 'r1' })).toBe('joined');
    expect(await sendEvent(pid, 'send_message', { roomId: 'r1', body: 'hi' })).toBe('ack');
    expect(calls).toEqual([
      ['auth_server', 'verifyAccess', { token: 'tok' }],
      ['presence_server', 'connect', { userId: 'user-tok', connectionId: 'c9' }],
      ['message_store', 'append', { roomId: 'r1', senderId: 'user-tok', body: 'hi' }],
    ]);
    expect(await currentState(pid)).toMatchObject({
      state: 'active',
      data: { claims: { sub: 'user-tok' }, userId: 'user-tok', lastMessage: { seq: 3 }, messagesSent: 1 },
    });
    expect(metrics.value('chat_messages', { machine: 'chat_session' })).toBe(1);
  });

  it('an invoke error aborts the transition: no state or data change, later actions skipped, the caller gets the error', async () => {
    const { calls, invoke } = services({
      'presence_server.connect': { error: 'presence_unavailable', message: 'try later' },
    });
    const m = new DeclaredMachine(session, { invoke });
    const pid = unwrapStart(await m.start());
    const before = await currentState(pid);
    expect(await sendEvent(pid, 'auth', { token: 'tok' })).toEqual({
      error: 'presence_unavailable',
      message: 'try later',
    });
    expect(await currentState(pid)).toEqual(before);
    expect(calls).toHaveLength(2);
    expect(m.stats.aborted).toBe(1);
    expect(isProcessAlive(pid)).toBe(true);
  });

  it('an invoke error in enter actions keeps the new state, skips the rest and is reported', async () => {
    const dropped: DroppedEvent[] = [];
    const { invoke } = services({ 'presence_server.disconnect': { error: 'gone' } });
    const m = new DeclaredMachine(session, { invoke, onDropped: (d) => dropped.push(d), stopOnTerminal: false });
    const pid = unwrapStart(await m.start());
    await sendEvent(pid, 'auth', { token: 't' });
    await sendEvent(pid, 'join_room', { roomId: 'r' });
    expect(await sendEvent(pid, 'logout')).toBe('closed');
    expect((await currentState(pid)).state).toBe('closed');
    expect(m.stats.enterErrors).toBe(1);
    expect(dropped).toEqual([
      expect.objectContaining({ reason: 'enter_aborted', state: 'closed', error: { error: 'gone' } }),
    ]);
  });

  it('a terminal state stops the process normally once its enter actions have run (otp:terminal)', async () => {
    const { calls, invoke } = services();
    const pid = unwrapStart(await new DeclaredMachine(session, { invoke }).start());
    await sendEvent(pid, 'auth', { token: 't' });
    await sendEvent(pid, 'join_room', { roomId: 'r' });
    expect(await sendEvent(pid, 'logout')).toBe('closed');
    expect(await exited(pid)).toBe('normal');
    expect(calls.at(-1)).toEqual(['presence_server', 'disconnect', { userId: 'user-t' }]);
  });

  it('stopOnTerminal: false keeps the process running in its terminal state', async () => {
    const { invoke } = services();
    const pid = unwrapStart(await new DeclaredMachine(session, { invoke, stopOnTerminal: false }).start());
    await sendEvent(pid, 'auth', { token: 't' });
    await sendEvent(pid, 'join_room', { roomId: 'r' });
    expect(await sendEvent(pid, 'logout')).toBe('closed');
    expect((await currentState(pid)).state).toBe('closed');
    expect(isProcessAlive(pid)).toBe(true);
  });

  it('refuses to build a machine with invoke actions but no invoke function', () => {
    expect(() => new DeclaredMachine(session)).toThrow(
      /chat_session: the definition has invoke actions, so options.invoke must be a function/,
    );
  });

  it('1,000 tenants under a simple_one_for_one supervisor: a throwing invoke kills only its own machine', async () => {
    const { invoke } = services();
    const throwing = async (target: string, op: string, args: Record<string, unknown>) => {
      if (args.token === 'poison') throw new Error('auth backend exploded');
      return invoke(target, op, args);
    };
    const m = new DeclaredMachine(session, { invoke: throwing });
    const sup = unwrapStart(
      await Supervisor.startLink({ strategy: 'simple_one_for_one', intensity: 10, period: 60 }, [m.childSpec()]),
    );
    const pids: Pid[] = [];
    for (let i = 0; i < 1000; i++)
      pids.push(((await Supervisor.startChild(sup, [{ connectionId: `tenant-${i}` }])) as { ok: Pid }).ok);
    await Promise.all(pids.map((p, i) => (i === 500 ? undefined : sendEvent(p, 'auth', { token: `t${i}` }))));
    const victim = pids[500]!;
    await expect(sendEvent(victim, 'auth', { token: 'poison' })).rejects.toMatchObject({
      reason: expect.objectContaining({ message: 'auth backend exploded' }),
    });
    expect(isProcessAlive(victim)).toBe(false);
    expect(isProcessAlive(sup)).toBe(true);
    expect((await Supervisor.countChildren(sup)).active).toBe(999);
    const states = await Promise.all(pids.filter((p) => p !== victim).map((p) => currentState(p)));
    expect(
      states.every((s, i) => s.state === 'authenticated' && s.data.connectionId === `tenant-${i < 500 ? i : i + 1}`),
    ).toBe(true);
    expect(logger.ofKind('processCrashed')).toHaveLength(1);
  });
});
