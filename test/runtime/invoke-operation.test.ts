/**
 * operationInvoker: the invoke action a generated app module gives its state machines. It calls or
 * casts the declared operation with the arguments in declared order, turns a declared error into
 * {error, message}, and refuses an operation the table does not declare.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  Failure,
  GenServer,
  MemoryLogger,
  operationInvoker,
  resetRuntime,
  type StartResult,
} from '../../packages/runtime/src/index.js';

const seen: unknown[] = [];

async function startServer(): Promise<void> {
  const r: StartResult = await GenServer.startLink(
    {
      init: () => ({ ok: null }),
      handleCall: (req: unknown, _f, s: null) => {
        const [op, a, b] = req as [string, unknown, unknown];
        if (op === 'refuse') return { reply: new Failure('no_route'), state: s };
        return { reply: `${op}(${String(a)},${String(b)})`, state: s };
      },
      handleCast: (msg: unknown, s: null) => {
        seen.push(msg);
        return { noreply: s };
      },
    },
    null,
    { name: 'router' },
  );
  expect(r).toHaveProperty('ok');
}

const invoke = operationInvoker(
  {
    router: {
      route: { params: ['to', 'from'] },
      refuse: { params: [] },
      note: { cast: true, params: ['text'] },
    },
  },
  { no_route: 'no route is configured' },
);

beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
  seen.length = 0;
});

describe('operationInvoker', () => {
  it('calls the operation with the arguments in declared order, not in the order given', async () => {
    await startServer();
    expect(await invoke('router', 'route', { from: 'b', to: 'a' })).toBe('route(a,b)');
  });

  it("answers a declared error as {error, message} with the table's message", async () => {
    await startServer();
    expect(await invoke('router', 'refuse', {})).toEqual({ error: 'no_route', message: 'no route is configured' });
  });

  it('casts a cast operation and returns nothing', async () => {
    await startServer();
    expect(invoke('router', 'note', { text: 'hi' })).toBeUndefined();
    await invoke('router', 'route', { to: 1, from: 2 }); // a call after the cast: the cast has been handled
    expect(seen).toEqual([['note', 'hi']]);
  });

  it('refuses an undeclared server or operation, inherited names included', () => {
    expect(() => invoke('router', 'nope', {})).toThrow('invoke: router.nope is not a declared operation');
    expect(() => invoke('ghost', 'route', {})).toThrow('invoke: ghost.route is not a declared operation');
    expect(() => invoke('router', 'constructor', {})).toThrow('is not a declared operation');
    expect(() => invoke('constructor', 'call', {})).toThrow('is not a declared operation');
  });
});
