/**
 * @ggen-ts/runtime/testing's serverSuite and supervisionSuite, driven through a recording test
 * framework: they define the cases the generated tests had spelled out (same names), and a case
 * fails when the server or tree under test is not as declared.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BADARG_MESSAGE,
  Failure,
  GenServer,
  MemoryLogger,
  OperationError,
  SupervisionTree,
  Protocol,
  errorTable,
  messageTypes,
  resetRuntime,
  startApplication,
  type FieldDecl,
  type StartResult,
} from '../../packages/runtime/src/index.js';
import {
  declaredFromRows,
  protocolSuite,
  serverSuite,
  supervisionSuite,
} from '../../packages/runtime/src/testing/index.js';

/** A framework that records the suite's tree of cases and runs them on demand, hooks included. */
function recorder() {
  const cases: [name: string, run: () => unknown][] = [];
  const hooks = {
    beforeAll: [] as (() => unknown)[],
    afterAll: [] as (() => unknown)[],
    beforeEach: [] as (() => unknown)[],
    afterEach: [] as (() => unknown)[],
  };
  let prefix = '';
  const t = {
    describe(name: string, body: () => void) {
      const outer = prefix;
      prefix = `${outer}${name} > `;
      body();
      prefix = outer;
    },
    it(name: string, run: () => unknown) {
      cases.push([prefix + name, run]);
    },
    expect,
    beforeAll: (fn: () => unknown) => hooks.beforeAll.push(fn),
    afterAll: (fn: () => unknown) => hooks.afterAll.push(fn),
    beforeEach: (fn: () => unknown) => hooks.beforeEach.push(fn),
    afterEach: (fn: () => unknown) => hooks.afterEach.push(fn),
  };
  /** Runs every case (the hooks around them) and answers each case's name with 'ok' or its error. */
  async function run(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const h of hooks.beforeAll) await h();
    try {
      for (const [name, body] of cases) {
        for (const h of hooks.beforeEach) await h();
        try {
          await body();
          out[name] = 'ok';
        } catch (err) {
          out[name] = (err as Error).message.split('\n')[0]!;
        } finally {
          for (const h of hooks.afterEach) await h();
        }
      }
    } finally {
      for (const h of hooks.afterAll) await h();
    }
    return out;
  }
  return { t, cases, run };
}

beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
});

/** A server 'router' answering ping, and route(key) from `routes`; it refuses a key that is not a non-empty string only when `strict`. */
function startRouter(strict: boolean, routes: Record<string, string>) {
  return async () =>
    startApplication(
      () =>
        GenServer.startLink(
          {
            init: () => ({ ok: null }),
            handleCall: (req: unknown, _f, s: null) => {
              const [op, key] = req as [string, unknown];
              if (op === '$ping') return { reply: 'pong', state: s };
              if (strict && (typeof key !== 'string' || key === '')) return { reply: { bad: 'invalid_key' }, state: s };
              return { reply: routes[String(key)] ?? { bad: 'no_route' }, state: s };
            },
          },
          null,
          { name: 'router' },
        ) as Promise<StartResult>,
    );
}

/** The router's client: a declared refusal rejects with OperationError, as a generated client does. */
const client = {
  ping: async () => 'pong',
  route: async (key: unknown) => {
    const { call } = await import('../../packages/runtime/src/index.js');
    const r = await call<unknown>('router', ['route', key]);
    if (typeof r === 'object' && r !== null && 'bad' in r)
      throw new OperationError('router', 'route', String(r.bad), 'refused');
    return r;
  },
};

const spec = (strict: boolean, routes: Record<string, string>) => ({
  server: 'router',
  start: startRouter(strict, routes),
  client,
  params: [['route', [{ name: 'key', type: 'string', minLength: 1, error: 'invalid_key' }]]] as [
    string,
    { name: string; type: string; minLength: number; error: string }[],
  ][],
  routes: [{ op: 'route', lead: [], routes: [['911', 'sip:psap'] as [string, string]], onMissing: 'no_route' }],
});

describe('serverSuite', () => {
  it('defines the ping, refusal and route cases under the names the generated tests had', async () => {
    const r = recorder();
    serverSuite(r.t, spec(true, { '911': 'sip:psap' }));
    expect(r.cases.map(([n]) => n)).toEqual([
      'router is running > answers a ping',
      'router.route refuses bad input with its declared code > key: invalid_key',
      'router.route answers every declared route > 911 -> sip:psap',
      'router.route answers every declared route > an undeclared key: no_route',
    ]);
    expect(Object.values(await r.run())).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('fails the refusal case of a server that lets a bad value through, and the route case of a wrong route', async () => {
    const r = recorder();
    serverSuite(r.t, spec(false, { '911': 'sip:elsewhere', '': 'x', '42': 'y', null: 'z' }));
    const got = await r.run();
    expect(got['router.route refuses bad input with its declared code > key: invalid_key']).toMatch(
      /expected the operation to be refused/,
    );
    expect(got['router.route answers every declared route > 911 -> sip:psap']).toMatch(/sip:elsewhere/);
    expect(got['router is running > answers a ping']).toBe('ok');
  });

  it('fails the ping case when no process is registered under the server name', async () => {
    const r = recorder();
    serverSuite(r.t, { server: 'nobody', start: async () => ({ stop: async () => undefined }), client });
    expect(Object.values(await r.run())[0]).not.toBe('ok');
  });
});

/** An app whose one supervisor, root (one_for_all, 5 in 1000 ms), runs two idle workers: a, and b with shutdown 2000. */
function demoApp() {
  const worker = (): Promise<StartResult> =>
    GenServer.startLink({ init: () => ({ ok: null }), handleCall: (_r, _f, s) => ({ reply: s, state: s }) }, null);
  const tree = new SupervisionTree({
    root: {
      flags: { strategy: 'one_for_all', intensity: 5, periodMs: 1000 },
      children: [
        { id: 'a', start: worker },
        { id: 'b', start: worker, shutdown: 2000 },
      ],
    },
  });
  return { app: 'demo', start: () => startApplication(() => tree.start('root', {})), tree };
}

describe('supervisionSuite', () => {
  const declared = (shutdownB: number) => ({
    root: {
      flags: { strategy: 'one_for_all' as const, intensity: 5, periodMs: 1000, autoShutdown: 'never' },
      children: [
        { id: 'a', restart: 'permanent', shutdown: 5000, type: 'worker' },
        { id: 'b', restart: 'permanent', shutdown: shutdownB, type: 'worker' },
      ],
    },
  });
  const app = demoApp();

  it("runs each supervisor's cases against the running tree, and the tree declares exactly the spec's supervisors", async () => {
    const r = recorder();
    supervisionSuite(r.t, { ...app, declared: declared(2000) });
    const got = await r.run();
    expect(Object.keys(got)).toEqual([
      'the supervision tree > declares the supervisors the spec declares',
      'root: the declared tree > is one_for_all, at most 5 restarts in 1000 ms',
      'root: the declared tree > starts its children in the declared order with the declared specs',
      'root: the declared tree > restarts per one_for_all when the first child dies',
      'root: the declared tree > restarts per one_for_all when the last child dies',
    ]);
    expect(Object.values(got)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('fails when a child spec or the set of supervisors differs from the declaration', async () => {
    const r = recorder();
    supervisionSuite(r.t, { ...app, declared: { ...declared(5000), extra_sup: declared(5000).root } });
    const got = await r.run();
    expect(got['the supervision tree > declares the supervisors the spec declares']).not.toBe('ok');
    expect(got['root: the declared tree > starts its children in the declared order with the declared specs']).not.toBe(
      'ok',
    );
    expect(got['root: the declared tree > is one_for_all, at most 5 restarts in 1000 ms']).toBe('ok');
  });
});

describe('supervisionSuite from rows', () => {
  const flags = { root: ['one_for_all', 5, 1000, 'never'] } as const;
  const rows = (shutdownB: number) =>
    [
      ['root', 'a', 'permanent', 5000, 'worker'],
      ['root', 'b', 'permanent', shutdownB, 'worker'],
    ] as const;

  it('reads the same declaration from rows as from the nested form', () => {
    expect(declaredFromRows({ flags, children: rows(2000) })).toEqual({
      root: {
        flags: { strategy: 'one_for_all', intensity: 5, periodMs: 1000, autoShutdown: 'never' },
        children: [
          { id: 'a', restart: 'permanent', shutdown: 5000, type: 'worker' },
          { id: 'b', restart: 'permanent', shutdown: 2000, type: 'worker' },
        ],
      },
    });
    const starts = { root: [async () => Promise.reject(new Error('unused'))] };
    expect(declaredFromRows({ flags, children: [], starts }).root!.starts).toBe(starts.root);
  });

  it('refuses a child row whose supervisor has no flags row', () => {
    expect(() => declaredFromRows({ flags, children: [['other', 'x', 'permanent', 5000, 'worker']] })).toThrow(
      'child x: its supervisor other has no flags row',
    );
  });

  it('runs the same cases, failing when a child spec differs from its row', async () => {
    const app = demoApp();
    const good = recorder();
    supervisionSuite(good.t, { ...app, flags, children: rows(2000) });
    expect(Object.values(await good.run())).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    const bad = recorder();
    supervisionSuite(bad.t, { ...app, flags, children: rows(5000) });
    const got = await bad.run();
    expect(got['root: the declared tree > starts its children in the declared order with the declared specs']).not.toBe(
      'ok',
    );
  });
});

describe('protocolSuite', () => {
  const declared = {
    inbound: [
      [
        'send',
        'send_message',
        [
          ['room', 'string', 4],
          ['seq', 'integer?'],
        ],
      ],
      ['bye', null, []],
    ],
    outbound: [['ack', [['seq', 'integer']]]],
  } as const;
  const protocolOf = (fields: Record<string, FieldDecl>) =>
    new Protocol({
      maxFrameBytes: 64,
      messages: [
        ...messageTypes('client_to_server', { send: fields, bye: {} }),
        ...messageTypes('server_to_client', { ack: { seq: 'integer' } }),
      ],
    });

  it('expands the rows into the cases the generated test had (same names), all passing on a protocol as declared', async () => {
    const r = recorder();
    const protocol = protocolOf({ room: { type: 'string', maxLength: 4 }, seq: { type: 'integer', required: false } });
    protocolSuite(r.t, { protocol, events: { send: 'send_message' }, ...declared });
    expect(await r.run()).toEqual({
      'inbound send > accepts a frame with every declared field, only in its own direction': 'ok',
      'inbound send > refuses an undeclared field': 'ok',
      'inbound send > room: string, at most 4': 'ok',
      'inbound send > seq: integer, optional': 'ok',
      'inbound send > is delivered as the session event send_message': 'ok',
      'inbound bye > accepts a frame with every declared field, only in its own direction': 'ok',
      'inbound bye > refuses an undeclared field': 'ok',
      'outbound ack > accepts a frame with every declared field, only in its own direction': 'ok',
      'outbound ack > refuses an undeclared field': 'ok',
      'outbound ack > seq: integer': 'ok',
      'frames that are not messages > refuses non-JSON, non-objects, a missing or unknown type, and frames over the size limit':
        'ok',
    });
  });

  it('fails the cases of a field whose limit, optionality or event differs from the declaration', async () => {
    const r = recorder();
    const protocol = protocolOf({ room: { type: 'string', maxLength: 5 }, seq: 'integer' });
    protocolSuite(r.t, { protocol, events: { send: 'send' }, ...declared });
    const out = await r.run();
    expect(out['inbound send > room: string, at most 4']).not.toBe('ok');
    expect(out['inbound send > seq: integer, optional']).not.toBe('ok');
    expect(out['inbound send > is delivered as the session event send_message']).not.toBe('ok');
    expect(out['inbound send > refuses an undeclared field']).toBe('ok');
  });
});

describe('errorTable', () => {
  it("adds the runtime's badarg after the declared codes and makes one frozen Failure per code", () => {
    const { ERRORS, FAIL } = errorTable({ no_route: 'no route', busy: 'busy' });
    expect(Object.keys(ERRORS)).toEqual(['no_route', 'busy', 'badarg']);
    expect(ERRORS.badarg).toBe(BADARG_MESSAGE);
    expect(Object.isFrozen(ERRORS)).toBe(true);
    expect(FAIL.no_route).toBeInstanceOf(Failure);
    expect(FAIL.badarg.code).toBe('badarg');
    expect(Object.isFrozen(FAIL)).toBe(true);
  });

  it('keeps the message of a badarg the spec declares itself', () => {
    const { ERRORS } = errorTable({ badarg: 'declared here', other: 'x' });
    expect(ERRORS).toEqual({ badarg: 'declared here', other: 'x' });
  });
});
