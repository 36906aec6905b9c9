import { beforeEach, describe, expect, it } from 'vitest';
import {
  ExitError,
  GenServer,
  Failure,
  OperationTable,
  exited,
  failures,
  isProcessAlive,
  paramGuard,
  resetRuntime,
  self,
  type From,
  type GenServerBehaviour,
  type NoReplyResult,
  type Operation,
  type Pid,
} from '../../packages/runtime/src/index.js';
import { ok, sleep, waitFor } from './helpers.js';

const FAIL = failures({
  badarg: 'bad argument',
  bad_name: 'bad name',
  busy: 'busy',
  full: 'full',
  gone: 'gone',
  boom: 'boom',
});

/** A coded error as the patterns throw them (LedgerError, PoolError...). */
const coded = (code: string): Error => Object.assign(new Error(code), { code });

/** A server whose operations are a table; it counts what the table's hooks report. */
class Server implements GenServerBehaviour<Server, Record<string, Operation<Server>>> {
  pid!: Pid;
  table!: OperationTable<Server>;
  readonly log: string[] = [];
  readonly store = { kind: 'store' };
  /** A pattern instance whose methods operations delegate to as data. */
  readonly shelf = {
    taken: [] as unknown[][],
    take(...args: unknown[]): unknown {
      this.taken.push(args);
      const [what] = args;
      if (typeof what === 'string' && what.startsWith('throw:')) throw coded(what.slice(6));
      return what === 'none' ? undefined : `took ${String(what)}`;
    },
  };
  admit = true;
  allow = true;
  invalid = 0;
  failed = 0;
  succeeded = 0;
  init(ops: Record<string, Operation<Server>>): { ok: Server } {
    this.pid = self();
    this.table = new OperationTable<Server>(FAIL, ['store'], ops);
    return { ok: this };
  }
  handleCall(req: readonly unknown[], from: From): NoReplyResult<Server> {
    this.table.call(this, this.pid, from, req);
    return { noreply: this };
  }
  handleCast(req: readonly unknown[]): NoReplyResult<Server> {
    this.table.cast(this, this.pid, req);
    return { noreply: this };
  }
}

const hooks = {
  invalid: (s: Server) => s.invalid++,
  failed: (s: Server) => s.failed++,
  succeeded: (s: Server) => s.succeeded++,
};

const name = paramGuard('string', { minLength: 1 });

let server: Server;
const capture = (s: Server): void => {
  server = s;
};

/** Starts a server with the table, and captures its instance through an operation of its own. */
async function serve(ops: Record<string, Operation<Server>>): Promise<Pid> {
  const pid = ok(
    await GenServer.start(Server, {
      ...ops,
      $self: {
        run(this: Server) {
          capture(this);
        },
      },
    }),
  );
  await GenServer.call(pid, ['$self']);
  return pid;
}

beforeEach(() => resetRuntime());

describe('OperationTable: checks, in order', () => {
  it('refuses the first bad argument with its code, runs invalid(), and never calls the delegate', async () => {
    const calls: unknown[][] = [];
    const pid = await serve({
      greet: {
        params: [
          [name, 'bad_name'],
          [paramGuard('integer'), 'badarg'],
        ],
        run: (a) => void calls.push([...a]),
        ...hooks,
      },
    });
    expect(await GenServer.call(pid, ['greet', '', 'x'])).toBe(FAIL.bad_name);
    expect(await GenServer.call(pid, ['greet', 'ann', 1.5])).toBe(FAIL.badarg);
    expect(await GenServer.call(pid, ['greet', 'ann'])).toBe(FAIL.badarg); // a missing argument is undefined
    expect(calls).toEqual([]);
    expect([server.invalid, server.failed, server.succeeded]).toEqual([3, 0, 0]);
    expect(await GenServer.call(pid, ['greet', 'ann', 2, 'extra'])).toBeUndefined();
    expect(calls).toEqual([['ann', 2]]); // only the declared arguments reach the delegate
    expect(server.succeeded).toBe(1);
  });

  it('asks load shedders before the arguments and circuit breakers after them', async () => {
    const refusedBy: string[] = [];
    const pid = await serve({
      op: {
        shed: [{ pass: (s) => s.admit, refused: () => refusedBy.push('shed'), code: 'full' }],
        params: [[name, 'bad_name']],
        allow: [{ pass: (s) => s.allow, refused: () => refusedBy.push('breaker'), code: 'busy' }],
        run: () => 'ran',
        reply: 'value',
      },
    });
    server.admit = false;
    expect(await GenServer.call(pid, ['op', ''])).toBe(FAIL.full); // shed even with a bad argument
    server.admit = true;
    server.allow = false;
    expect(await GenServer.call(pid, ['op', ''])).toBe(FAIL.bad_name); // the argument first
    expect(await GenServer.call(pid, ['op', 'a'])).toBe(FAIL.busy);
    server.allow = true;
    expect(await GenServer.call(pid, ['op', 'a'])).toBe('ran');
    expect(refusedBy).toEqual(['shed', 'breaker']);
  });

  it('a gate without a code refuses without replying', async () => {
    const pid = await serve({ op: { shed: [{ pass: () => false }], run: () => 'ran', reply: 'value' } });
    await expect(GenServer.call(pid, ['op'], 50)).rejects.toMatchObject({ reason: 'timeout' });
  });
});

describe('OperationTable: replies', () => {
  it("replies 'ok', the delegate's value (also when unset), or undefined, as the operation declares", async () => {
    const pid = await serve({
      a: { run: () => 41, reply: 'ok' },
      b: { run: () => 42, reply: 'value' },
      c: { run: () => 43, reply: 'none' },
      d: { run: () => 44 },
    });
    expect(await GenServer.call(pid, ['a'])).toBe('ok');
    expect(await GenServer.call(pid, ['b'])).toBe(42);
    expect(await GenServer.call(pid, ['c'])).toBeUndefined();
    expect(await GenServer.call(pid, ['d'])).toBe(44);
  });

  it('replies onMissing for an undefined or null value, counting it as a failure', async () => {
    let value: unknown = null;
    const pid = await serve({ find: { run: () => value, onMissing: 'gone', reply: 'value', ...hooks } });
    expect(await GenServer.call(pid, ['find'])).toBe(FAIL.gone);
    value = undefined;
    expect(await GenServer.call(pid, ['find'])).toBe(FAIL.gone);
    value = 0;
    expect(await GenServer.call(pid, ['find'])).toBe(0);
    expect([server.failed, server.succeeded]).toEqual([2, 1]);
  });

  it('replies when a promise settles, while the server keeps taking requests', async () => {
    let resolve!: (v: unknown) => void;
    const pid = await serve({
      slow: { run: () => new Promise((r) => (resolve = r)), reply: 'value' },
      fast: { run: () => 'fast', reply: 'value' },
    });
    const slow = GenServer.call(pid, ['slow']);
    expect(await GenServer.call(pid, ['fast'])).toBe('fast');
    resolve('slow');
    expect(await slow).toBe('slow');
  });

  it('replies a declared code thrown or rejected as its Failure, and runs failed()', async () => {
    const pid = await serve({
      sync: {
        run: () => {
          throw coded('busy');
        },
        raises: ['busy'],
        ...hooks,
      },
      async: { run: () => Promise.reject(coded('busy')), raises: ['busy'], ...hooks },
    });
    expect(await GenServer.call(pid, ['sync'])).toBe(FAIL.busy);
    expect(await GenServer.call(pid, ['async'])).toBe(FAIL.busy);
    expect(server.failed).toBe(2);
    expect(isProcessAlive(pid)).toBe(true);
  });
});

describe('OperationTable: declared as data', () => {
  it("a delegate [field, method] calls the server's field's method with the checked arguments", async () => {
    const pid = await serve({
      take: {
        params: [
          [name, 'bad_name'],
          [paramGuard('integer'), 'badarg'],
        ],
        delegate: ['shelf', 'take'],
      },
    });
    expect(await GenServer.call(pid, ['take', 'book', 2, 'extra'])).toBe('took book');
    expect(await GenServer.call(pid, ['take', '', 2])).toBe(FAIL.bad_name);
    expect(server.shelf.taken).toEqual([['book', 2]]);
  });

  it("derives the codes a throw may carry: raises, each parameter's code but badarg, onMissing", async () => {
    const pid = await serve({
      take: {
        params: [
          [name, 'bad_name'],
          [paramGuard('any'), 'badarg'],
        ],
        delegate: ['shelf', 'take'],
        onMissing: 'gone',
        raises: ['busy'],
        ...hooks,
      },
    });
    expect(await GenServer.call(pid, ['take', 'throw:bad_name', 1])).toBe(FAIL.bad_name);
    expect(await GenServer.call(pid, ['take', 'throw:gone', 1])).toBe(FAIL.gone);
    expect(await GenServer.call(pid, ['take', 'throw:busy', 1])).toBe(FAIL.busy);
    expect(await GenServer.call(pid, ['take', 'none', 1])).toBe(FAIL.gone);
    expect(server.failed).toBe(4);
    // badarg is the runtime's own refusal of a bad argument: a delegate throwing it is a bug.
    const reason = await GenServer.call(pid, ['take', 'throw:badarg', 1]).catch((e: unknown) => e);
    expect((reason as ExitError).reason).toMatchObject({ code: 'badarg' });
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('refuses an operation with both run and delegate, or neither, and raises the application does not know', () => {
    expect(() => new OperationTable<Server>(FAIL, [], { a: { run: () => 1, delegate: ['shelf', 'take'] } })).toThrow(
      /a has both run and delegate/,
    );
    expect(() => new OperationTable<Server>(FAIL, [], { a: {} })).toThrow(/a has neither run nor delegate/);
    expect(() => new OperationTable<Server>(FAIL, [], { a: { run: () => 1, raises: ['nope'] } })).toThrow(/code nope/);
    // @ts-expect-error -- the field must be a member of the server, the method a function of it
    expect(() => new OperationTable<Server>(FAIL, [], { a: { delegate: ['shelf', 'taken'] } })).not.toThrow();
  });
});

describe('OperationTable: let it crash', () => {
  it('an undeclared error thrown by the delegate crashes the server with it', async () => {
    const err = coded('boom'); // a code the application knows, but this operation does not declare
    const pid = await serve({
      op: {
        run: () => {
          throw err;
        },
        raises: ['busy'],
        ...hooks,
      },
    });
    const reason = await GenServer.call(pid, ['op']).catch((e: unknown) => e);
    expect(reason).toBeInstanceOf(ExitError);
    expect((reason as ExitError).reason).toBe(err);
    expect(isProcessAlive(pid)).toBe(false);
    expect(server.failed).toBe(0);
  });

  it('an undeclared rejection exits the server with it as the reason', async () => {
    const err = new Error('disk gone');
    const pid = await serve({ op: { run: () => Promise.reject(err) } });
    const down = exited(pid);
    await expect(GenServer.call(pid, ['op'])).rejects.toBeInstanceOf(ExitError);
    expect(await down).toBe(err);
  });
});

describe('OperationTable: dispatch', () => {
  it('answers $ping, lends only the listed instances, and refuses anything else as badarg', async () => {
    const pid = await serve({
      run: { run: () => 'ran', reply: 'value' },
      tell: {
        cast: true,
        run() {
          this.log.push('told');
        },
      },
    });
    expect(await GenServer.call(pid, ['$ping'])).toBe('pong');
    expect(await GenServer.call(pid, ['$handle', 'store'])).toEqual({ kind: 'store' });
    for (const req of [
      ['$handle', 'log'],
      ['$handle', 'constructor'],
      ['nope'],
      ['toString'],
      ['__proto__'],
      [42],
      [],
      ['tell'],
    ])
      expect(await GenServer.call(pid, req)).toBe(FAIL.badarg);
    expect(server.log).toEqual([]); // a call naming a cast does not run it
  });

  it('runs a cast without replying, and drops a cast naming a call or nothing', async () => {
    const ran: string[] = [];
    const pid = await serve({
      a: { run: () => ran.push('a') },
      b: { cast: true, params: [[name, 'bad_name']], run: ([x]) => ran.push(`b:${String(x)}`) },
    });
    for (const msg of [['a'], ['b', 'x'], ['b', ''], ['nope'], ['toString']]) GenServer.cast(pid, msg);
    await waitFor(() => ran.length > 0);
    await sleep(10);
    expect(ran).toEqual(['b:x']);
    expect(isProcessAlive(pid)).toBe(true);
  });

  it('refuses to build a table whose codes the application does not know', () => {
    expect(() => new OperationTable(FAIL, [], { a: { run: () => 1, onMissing: 'nope' } })).toThrow(
      /no Failure for code nope/,
    );
    expect(() => new OperationTable(FAIL, [], { a: { params: [[name, 'typo']], run: () => 1 } })).toThrow(/typo/);
    expect(
      () => new OperationTable(FAIL, [], { a: { shed: [{ pass: () => true, code: 'x' }], run: () => 1 } }),
    ).toThrow(/code x/);
    expect(() => new OperationTable({ ok: new Failure('ok') }, [], { a: { run: () => 1 } })).toThrow(/badarg/);
  });
});

describe('paramGuard', () => {
  const cases: [string, ReturnType<typeof paramGuard>, unknown[], unknown[]][] = [
    ['string', paramGuard('string'), ['', 'a'], [1, null, undefined, ['a']]],
    ['string length 2..3', paramGuard('string', { minLength: 2, maxLength: 3 }), ['ab', 'abc'], ['a', 'abcd', 12]],
    ['string pattern', paramGuard('string', { pattern: '^[a-z]+$' }), ['abc'], ['ab1', '', 7]],
    ['integer 1..10', paramGuard('integer', { min: 1, max: 10 }), [1, 10], [0, 11, 1.5, NaN, Infinity, '5', 2 ** 53]],
    ['number', paramGuard('number', { min: 0 }), [0, 0.5], [-0.1, NaN, Infinity, '1']],
    ['boolean', paramGuard('boolean'), [true, false], [0, 'true', null]],
    ['stringList', paramGuard('stringList', { minLength: 1 }), [['a'], ['a', 'b']], [[], [1], 'a', { length: 1 }]],
    ['list', paramGuard('list', { maxLength: 1 }), [[], [1]], [[1, 2], 'a', { length: 0 }]],
    ['record', paramGuard('record'), [{}, { a: 1 }], [null, [], 'a']],
    ['enum', paramGuard(['on', 'off']), ['on', 'off'], ['ON', 'toString', 1]],
    ['any', paramGuard('any'), [null, 0, ''], [undefined]],
  ];
  for (const [label, guard, good, bad] of cases)
    it(`${label}: accepts each good value and refuses each bad one`, () => {
      expect(good.map(guard)).toEqual(good.map(() => true));
      expect(bad.map(guard)).toEqual(bad.map(() => false));
    });
});
