/**
 * MachineClient (what every generated machine module configures) and paramCheck (the declared
 * parameter constraints it checks before sending): refusals carry the declared code and the
 * application's message, bad parameters are never sent, a dead machine is UnavailableError.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GenServer,
  OperationError,
  UnavailableError,
  Failure,
  resetRuntime,
  unwrapStart,
  whereis,
} from '../../packages/runtime/src/index.js';
import {
  EventRefusedError,
  MachineClient,
  fromEach,
  invokeServer,
  stayIn,
  statesOf,
  metricsServer,
  paramCheck,
  type MachineDefinition,
  type ParamDef,
} from '../../packages/runtime/src/machines/index.js';

const ERRORS = {
  event_not_accepted: 'not accepted here',
  invalid_amount: 'the amount must be a whole number from 1 to 100',
  badarg: 'bad request',
} as const;

const def: MachineDefinition = {
  name: 'wallet',
  states: [{ name: 'open' }, { name: 'closed' }],
  initialState: 'open',
  dataFields: [
    { name: 'balance', initial: 0 },
    { name: 'owner', initial: '' },
  ],
  events: [
    {
      name: 'deposit',
      kind: 'call',
      params: [{ name: 'amount', type: 'number', kind: 'integer', min: 1, max: 100, error: 'invalid_amount' }],
    },
    { name: 'note', kind: 'cast', params: [{ name: 'text', type: 'string', kind: 'string', maxLength: 3 }] },
    { name: 'close', kind: 'call', params: [] },
  ],
  transitions: [
    {
      from: 'open',
      event: 'deposit',
      to: 'open',
      actions: [
        { kind: 'set_field', field: 'balance', fromParam: 'amount' },
        { kind: 'emit_metric', metric: 'deposits' },
      ],
    },
    { from: 'open', event: 'note', to: 'open', actions: [{ kind: 'set_field', field: 'owner', fromParam: 'text' }] },
    { from: 'open', event: 'close', to: 'closed' },
  ],
  unhandledError: { code: 'event_not_accepted', message: ERRORS.event_not_accepted },
};

beforeEach(() => resetRuntime());
afterEach(() => resetRuntime());

const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );

describe('paramCheck: the declared constraints of a parameter', () => {
  const check = (p: Omit<ParamDef, 'name'>) => paramCheck({ name: 'x', ...p });

  it('checks each kind the spec types map to', () => {
    const cases: [ParamDef['kind'], unknown[], unknown[]][] = [
      ['string', ['', 'a'], [1, null, undefined, ['a']]],
      ['integer', [0, -3, 2 ** 53 - 1], [1.5, 2 ** 53, '1', NaN]],
      ['number', [1.5, -2], [Infinity, NaN, '1']],
      ['boolean', [true, false], [0, 'true']],
      ['strings', [[], ['a', 'b']], [['a', 1], 'a']],
      ['list', [[], [1, {}]], [{}, 'a']],
      ['record', [{}, { a: 1 }], [null, [], 'a']],
      ['any', [null, 0, ''], [undefined]],
    ];
    for (const [kind, good, bad] of cases) {
      const ok = check({ kind });
      for (const v of good) expect(ok(v), `${kind} accepts ${JSON.stringify(v)}`).toBe(true);
      for (const v of bad) expect(ok(v), `${kind} refuses ${String(v)}`).toBe(false);
    }
    expect(check({})(undefined)).toBe(false);
    expect(check({})(null)).toBe(true);
  });

  it('checks lengths, bounds, patterns and enum values, inclusive', () => {
    const len = check({ kind: 'string', minLength: 1, maxLength: 3 });
    expect(['', 'a', 'abc', 'abcd'].map(len)).toEqual([false, true, true, false]);
    const num = check({ kind: 'integer', min: 0, max: 200 });
    expect([-1, 0, 200, 201].map(num)).toEqual([false, true, true, false]);
    const pat = check({ kind: 'string', pattern: '^[a-z]{2}$' });
    expect(['ab', 'abc', 'A1'].map(pat)).toEqual([true, false, false]);
    const en = check({ kind: 'enum', values: ['ok', 'error'] });
    expect(['ok', 'error', 'warn', 1].map(en)).toEqual([true, true, false, false]);
  });

  it('refuses (never throws on) a value without a length when a length is declared', () => {
    expect(check({ minLength: 1 })(null)).toBe(false);
    expect(check({ maxLength: 3 })(7)).toBe(false);
    expect(check({ min: 1 })('5')).toBe(false);
  });

  it('refuses a kind it does not know', () => {
    expect(() => paramCheck({ name: 'x', kind: 'date' as ParamDef['kind'] })).toThrow(/unknown kind date/);
  });
});

describe('MachineClient', () => {
  const client = new MachineClient<{ balance: number; owner: string }>(def, { errors: ERRORS });

  it('starts one instance per key, refusing a missing key with badarg', async () => {
    const pid = unwrapStart(await client.startLink(undefined, 'owner', 'ann'));
    expect(await client.state(pid)).toEqual({ state: 'open', data: { balance: 0, owner: 'ann' } });
    expect(await client.startLink(undefined, 'owner', '')).toEqual({ error: { badarg: 'owner' } });
    expect(await client.startLink(undefined, 'owner', 7)).toEqual({ error: { badarg: 'owner' } });
  });

  it('without a key starts the instance registered under the machine name', async () => {
    const pid = unwrapStart(await client.startLink(undefined));
    expect(whereis('wallet')).toBe(pid);
  });

  it('a call resolves with the reply and sends the declared params', async () => {
    const pid = unwrapStart(await client.startLink(undefined));
    expect(await client.call(pid, 'deposit', { amount: 40 })).toBe('open');
    expect((await client.state(pid)).data.balance).toBe(40);
  });

  it('a parameter that breaks its constraints is refused with its declared code, and nothing is sent', async () => {
    const hooks = {};
    const pid = unwrapStart(await client.startLink(hooks));
    for (const amount of [0, 101, 1.5, '5']) {
      const err = await rejection(client.call(pid, 'deposit', { amount }));
      expect(err).toBeInstanceOf(EventRefusedError);
      expect(err).toBeInstanceOf(OperationError);
      expect(err).toMatchObject({ server: 'wallet', operation: 'deposit', code: 'invalid_amount', state: undefined });
      expect((err as Error).message).toBe('wallet.deposit: invalid_amount: amount breaks its declared constraints');
    }
    expect(client.machine(hooks).stats.accepted + client.machine(hooks).stats.refused).toBe(0);
    expect(client.cast(pid, 'note', { text: 'toolong' })).toBe(false);
    expect(client.cast(pid, 'note', { text: 'ok' })).toBe(true);
    expect((await client.state(pid)).data.owner).toBe('ok');
  });

  it("a state's refusal rejects with the machine's code, its message and the state", async () => {
    const pid = unwrapStart(await client.startLink(undefined));
    expect(await client.call(pid, 'close')).toBe('closed');
    const err = await rejection(client.call(pid, 'deposit', { amount: 5 }));
    expect(err).toMatchObject({ name: 'EventRefusedError', code: 'event_not_accepted', state: 'closed' });
    expect((err as Error).message).toBe('wallet.deposit: event_not_accepted: not accepted here (state closed)');
  });

  it('a refusal code outside the error table becomes badarg', async () => {
    const odd = new MachineClient(
      { ...def, unhandledError: { code: 'not_in_table', message: 'odd' } },
      { errors: ERRORS },
    );
    const pid = unwrapStart(await odd.startLink(undefined, 'owner', 'a'));
    await odd.call(pid, 'close');
    const err = await rejection(odd.call(pid, 'close'));
    expect(err).toMatchObject({ code: 'badarg', state: 'closed' });
  });

  it('a machine that is not running rejects with UnavailableError', async () => {
    const pid = unwrapStart(await client.startLink(undefined, 'owner', 'b'));
    await client.call(pid, 'close'); // closed is not terminal, so stop it another way
    resetRuntime();
    const err = await rejection(client.call(pid, 'close'));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ server: 'wallet', operation: 'close', reason: 'noproc' });
    expect(await rejection(client.state(pid))).toMatchObject({ operation: '$state', reason: 'noproc' });
  });

  it('keeps one DeclaredMachine per hook set; the hooks win over the defaults', async () => {
    const counted: string[] = [];
    const byDefault: string[] = [];
    const withDefaults = new MachineClient(def, {
      errors: ERRORS,
      defaults: { metrics: { inc: (n) => void byDefault.push(n) } },
    });
    const hooks = { metrics: { inc: (n: string) => void counted.push(n) } };
    expect(withDefaults.machine(hooks)).toBe(withDefaults.machine(hooks));
    expect(withDefaults.machine()).toBe(withDefaults.machine(undefined));
    expect(withDefaults.machine(hooks)).not.toBe(withDefaults.machine());
    const a = unwrapStart(await withDefaults.startLink(hooks, 'owner', 'a'));
    const b = unwrapStart(await withDefaults.startLink(undefined, 'owner', 'b'));
    await withDefaults.call(a, 'deposit', { amount: 1 });
    await withDefaults.call(b, 'deposit', { amount: 2 });
    expect(counted).toEqual(['deposits']);
    expect(byDefault).toEqual(['deposits']);
  });
});

describe('MachineClient: what a generated module exports', () => {
  const client = new MachineClient<{ balance: number; owner: string }>(def, { errors: ERRORS });
  const deposit = client.callEvent<string, [amount: number]>('deposit');
  const close = client.callEvent<string>('close');
  const note = client.castEvent<[text: string]>('note');

  it('starter(key) starts the instance for an id; starter() the registered one', async () => {
    const start = client.starter('owner');
    const pid = unwrapStart(await start({}, 'ann'));
    expect(await client.state(pid)).toEqual({ state: 'open', data: { balance: 0, owner: 'ann' } });
    expect(await start({}, '')).toEqual({ error: { badarg: 'owner' } });
    const single = unwrapStart(await client.starter()());
    expect(whereis('wallet')).toBe(single);
  });

  it("starter and forHooks use the env's machine hooks", async () => {
    const counted: string[] = [];
    const env = { machineHooks: { metrics: { inc: (n: string) => void counted.push(n) } } };
    expect(client.forHooks(env)).toBe(client.machine(env.machineHooks));
    expect(client.forHooks()).toBe(client.machine());
    const pid = unwrapStart(await client.starter('owner')(env, 'bob'));
    await deposit(pid, 3);
    expect(counted).toEqual(['deposits']);
  });

  it('an event function sends its positional arguments as the declared params; one more is the timeout', async () => {
    const pid = unwrapStart(await client.starter('owner')({}, 'cy'));
    expect(await deposit(pid, 40)).toBe('open');
    expect(await deposit(pid, 2, 1000)).toBe('open');
    expect((await client.state(pid)).data.balance).toBe(2);
    expect(await rejection(deposit(pid, 0))).toMatchObject({ code: 'invalid_amount' });
    expect(note(pid, 'toolong')).toBe(false);
    expect(note(pid, 'ok')).toBe(true);
    expect((await client.state(pid)).data.owner).toBe('ok');
    expect(await close(pid, 2000)).toBe('closed');
  });

  it('the timeout argument bounds the call: a machine that cannot answer in time is UnavailableError', async () => {
    const pid = unwrapStart(
      await GenServer.start({ init: () => ({ ok: null }), handleCall: () => ({ noreply: null }) }, undefined),
    );
    const err = await rejection(close(pid, 20));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ server: 'wallet', operation: 'close', reason: 'timeout' });
  });

  it('a missing argument is undefined, which the declared check refuses before sending', async () => {
    const pid = unwrapStart(await client.starter('owner')({}, 'dee'));
    const loose = deposit as unknown as (ref: unknown) => Promise<string>;
    expect(await rejection(loose(pid))).toMatchObject({ code: 'invalid_amount' });
    expect((await client.state(pid)).data.balance).toBe(0);
  });

  it('refuses, when the module loads, an event the definition does not declare as that kind', () => {
    expect(() => client.callEvent('nope')).toThrow(TypeError);
    expect(() => client.callEvent('note')).toThrow(/wallet: no declared call event note/);
    expect(() => client.castEvent('deposit')).toThrow(/wallet: no declared cast or info event deposit/);
  });

  it('a parameter named __proto__ is an own property of the params, not the prototype', async () => {
    const odd = new MachineClient(
      {
        ...def,
        events: [{ name: 'note', kind: 'cast', params: [{ name: '__proto__', kind: 'string', maxLength: 3 }] }],
        transitions: [],
      },
      { errors: ERRORS },
    );
    expect(odd.castEvent<[p: unknown]>('note')('nobody' as never, 'toolong')).toBe(false);
  });
});

describe('invokeServer and metricsServer: the defaults generated machines configure', () => {
  const seen: unknown[] = [];
  beforeEach(async () => {
    seen.length = 0;
    unwrapStart(
      await GenServer.start(
        {
          init: () => ({ ok: null }),
          handleCall: (req: unknown) => {
            seen.push(req);
            const [op] = req as [string];
            return { reply: op === 'refuse' ? new Failure('no_route') : { got: req }, state: null };
          },
          handleCast: (msg: unknown) => {
            seen.push(msg);
            return { noreply: null };
          },
        },
        undefined,
        { name: 'target' },
      ),
    );
  });

  it('invokeServer calls the operation with the arguments in declared order; a Failure becomes {error}', async () => {
    expect(await invokeServer('target', 'route', { b: 2, a: 1 })).toEqual({ got: ['route', 2, 1] });
    expect(await invokeServer('target', 'refuse', {})).toEqual({ error: 'no_route' });
    expect(seen).toHaveLength(2);
  });

  it('metricsServer casts [op, name, labels, 1] to the server', async () => {
    const sink = metricsServer('target', 'inc');
    sink.inc('hits', { machine: 'm' });
    sink.inc('misses');
    await invokeServer('target', 'sync', {}); // a call after the casts: they have been handled
    expect(seen.slice(0, 2)).toEqual([
      ['inc', 'hits', { machine: 'm' }, 1],
      ['inc', 'misses', {}, 1],
    ]);
  });
});

describe('fromEach: one transition declared for several source states', () => {
  it('gives one TransitionDef per state, in order, each with the rest as given', () => {
    const guards = [{ left: 'event.amount', comparator: 'gte', rightValue: 1 }] as const;
    expect(fromEach(['a', 'b'], { event: 'go', to: 'c', priority: 2, guards })).toEqual([
      { from: 'a', event: 'go', to: 'c', priority: 2, guards },
      { from: 'b', event: 'go', to: 'c', priority: 2, guards },
    ]);
    expect(fromEach([], { event: 'go', to: 'c' })).toEqual([]);
  });
});

describe('stayIn: one transition that keeps its state, declared for several states', () => {
  it('gives one TransitionDef per state, from it to it, in order', () => {
    const actions = [{ kind: 'reset_field', field: 'n' }] as const;
    expect(stayIn(['a', 'b'], { event: 'tick', priority: 3, actions })).toEqual([
      { from: 'a', event: 'tick', to: 'a', priority: 3, actions },
      { from: 'b', event: 'tick', to: 'b', priority: 3, actions },
    ]);
    expect(stayIn([], { event: 'tick' })).toEqual([]);
  });
});

describe('statesOf: the StateDefs of a list of state names', () => {
  it('gives one StateDef per name, in order, terminal only where named', () => {
    expect(statesOf(['open', 'held', 'closed'], ['closed'])).toEqual([
      { name: 'open' },
      { name: 'held' },
      { name: 'closed', terminal: true },
    ]);
    expect(statesOf(['a', 'b'])).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(statesOf([])).toEqual([]);
  });

  it('refuses a terminal name that is not a state, and a state named twice', () => {
    expect(() => statesOf(['open'], ['closed'])).toThrow(/terminal state "closed" is not a state/);
    expect(() => statesOf(['open', 'open'])).toThrow(/state "open" is named twice/);
  });

  it('makes the same definition as the StateDefs written out', () => {
    const written: MachineDefinition = { ...def, states: [{ name: 'open' }, { name: 'closed', terminal: true }] };
    const derived: MachineDefinition = { ...def, states: statesOf(['open', 'closed'], ['closed']) };
    expect(derived).toEqual(written);
  });
});
