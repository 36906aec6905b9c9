/**
 * OTP features users reach for, each tested against what OTP's suites assert for it:
 * sys (gen_server_SUITE get_state / replace_state / sys1), {ok, Pid, Info} from a child
 * start (supervisor_SUITE extra_return), which_children order (supervisor_SUITE
 * sup_start_ignore_child), hibernate (gen_server_SUITE hibernate), and send_request /
 * receive_response (gen_server_SUITE send_request).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ExitError,
  GenServer,
  MemoryLogger,
  Pid,
  StateMachine,
  Supervisor,
  Sys,
  checkResponse,
  exit,
  receiveResponse,
  resetRuntime,
  sendRequest,
  waitResponse,
  type From,
  type GenServerBehaviour,
} from '../../packages/runtime/src/index.js';
import { ok, sleep } from './helpers.js';

beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
});

/** A counter: call 'get' answers the count, cast 'inc' adds one; {delay: ms} answers after ms. */
const counter: GenServerBehaviour<number, number> = {
  init: (n) => ({ ok: n }),
  handleCall: (req: unknown, from: From, n: number) => {
    if (typeof req === 'object' && req !== null && 'delay' in req) {
      setTimeout(() => GenServer.reply(from, n), (req as { delay: number }).delay);
      return { noreply: n };
    }
    if (req === 'hibernate') return { reply: n, state: n, hibernate: true };
    return { reply: n, state: n };
  },
  handleCast: (_msg: unknown, n: number) => ({ noreply: n + 1 }),
};

describe('sys (gen_server_SUITE get_state, replace_state, sys1)', () => {
  it('get_state and replace_state read and replace a gen_server state', async () => {
    const pid = ok(await GenServer.start(counter, 5));
    expect(await Sys.getState(pid)).toBe(5);
    expect(await Sys.replaceState<number>(pid, (n) => n * 10)).toBe(50);
    expect(await GenServer.call(pid, 'get')).toBe(50);
    // A throwing replace function leaves the state as it was.
    const err = await Sys.replaceState(pid, () => {
      throw new Error('nope');
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitError);
    expect((err as ExitError).reason).toMatchObject({ callbackFailed: expect.any(Error) });
    expect(await Sys.getState(pid)).toBe(50);
    expect(pid.proc.alive).toBe(true);
  });

  it('get_state of a gen_statem is [state, data]; replace_state replaces both', async () => {
    const pid = ok(
      await StateMachine.start(
        { init: () => ({ ok: 'idle', data: { n: 1 } }), handleEvent: () => 'keep_state_and_data' },
        null,
      ),
    );
    expect(await Sys.getState(pid)).toEqual(['idle', { n: 1 }]);
    expect(await Sys.replaceState(pid, () => ['busy', { n: 2 }])).toEqual(['busy', { n: 2 }]);
    expect(await Sys.getState(pid)).toEqual(['busy', { n: 2 }]);
  });

  it('sys1: suspend holds calls and casts until resume, which handles them in order', async () => {
    const pid = ok(await GenServer.start(counter, 0));
    expect(await Sys.suspend(pid)).toBe('ok');
    GenServer.cast(pid, 'inc');
    const during = GenServer.call(pid, 'get');
    GenServer.cast(pid, 'inc');
    let answered = false;
    void during.then(() => (answered = true));
    await sleep(20);
    expect(answered).toBe(false);
    const status = await Sys.getStatus(pid);
    expect(status).toMatchObject({ pid, behaviour: 'gen_server', status: 'suspended', state: 0, messageQueueLen: 3 });
    expect(await Sys.resume(pid)).toBe('ok');
    expect(await during).toBe(1);
    expect(await GenServer.call(pid, 'get')).toBe(2);
    expect((await Sys.getStatus(pid)).status).toBe('running');
  });

  it('a suspended server still stops when asked', async () => {
    const pid = ok(await GenServer.start(counter, 0));
    await Sys.suspend(pid);
    await GenServer.stop(pid);
    expect(pid.proc.alive).toBe(false);
  });

  it('sys calls on a dead process reject noproc', async () => {
    const pid = ok(await GenServer.start(counter, 0));
    exit(pid, 'kill');
    await expect(Sys.getState(pid)).rejects.toMatchObject({ reason: 'noproc' });
  });

  it('works on a supervisor (it is a gen_server)', async () => {
    const sup = ok(await Supervisor.start({}, []));
    expect((await Sys.getStatus(sup)).behaviour).toBe('gen_server');
  });
});

describe('hibernate (gen_server_SUITE hibernate)', () => {
  it('a server that returns hibernate is reported hibernating until its next message', async () => {
    const pid = ok(await GenServer.start(counter, 3));
    expect((await Sys.getStatus(pid)).hibernating).toBe(false);
    expect(await GenServer.call(pid, 'hibernate')).toBe(3);
    expect((await Sys.getStatus(pid)).hibernating).toBe(true);
    expect(await GenServer.call(pid, 'get')).toBe(3);
    expect((await Sys.getStatus(pid)).hibernating).toBe(false);
  });

  it('a gen_statem hibernate action is accepted and reported', async () => {
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: null }),
          handleEvent: (type: unknown, ev: unknown) =>
            typeof type === 'object' && type !== null && 'call' in type
              ? {
                  keepStateAndData: true as const,
                  actions: [
                    ['reply', (type as { call: From }).call, ev],
                    ...(ev === 'sleep' ? (['hibernate'] as const) : []),
                  ],
                }
              : 'keep_state_and_data',
        },
        null,
      ),
    );
    expect(await StateMachine.call(pid, 'sleep')).toBe('sleep');
    expect((await Sys.getStatus(pid)).hibernating).toBe(true);
    expect(await StateMachine.call(pid, 'wake')).toBe('wake');
    expect((await Sys.getStatus(pid)).hibernating).toBe(false);
  });
});

describe('supervisor (supervisor_SUITE extra_return, sup_start_ignore_child)', () => {
  it('extra_return: a start function returning {ok, Pid, Info} gives {ok: pid, info} to startChild and restartChild', async () => {
    const start = async () => {
      const r = await GenServer.startLink(counter, 0);
      return { ok: (r as { ok: Pid }).ok, info: 'extra_return' };
    };
    const sup = ok(await Supervisor.start({}, []));
    const r = await Supervisor.startChild(sup, { id: 'c', start });
    expect(r).toEqual({ ok: expect.any(Pid), info: 'extra_return' });
    expect(await Supervisor.terminateChild(sup, 'c')).toBe('ok');
    expect(await Supervisor.restartChild(sup, 'c')).toEqual({ ok: expect.any(Pid), info: 'extra_return' });
    // plain {ok: pid} carries no info key
    const plain = await Supervisor.startChild(sup, { id: 'd', start: () => GenServer.startLink(counter, 0) });
    expect(Object.keys(plain)).toEqual(['ok']);
  });

  it('sup_start_ignore_child: which_children lists the newest child first', async () => {
    const sup = ok(await Supervisor.start({}, [{ id: 'child0', start: () => GenServer.startLink(counter, 0) }]));
    expect(await Supervisor.startChild(sup, { id: 'child1', start: () => 'ignore' })).toEqual({ ok: undefined });
    const c2 = await Supervisor.startChild(sup, { id: 'child2', start: () => GenServer.startLink(counter, 0) });
    expect(await Supervisor.whichChildren(sup)).toEqual([
      { id: 'child2', pid: (c2 as { ok: Pid }).ok, type: 'worker' },
      { id: 'child1', pid: undefined, type: 'worker' },
      { id: 'child0', pid: expect.any(Pid), type: 'worker' },
    ]);
  });

  it('simple_one_for_one: which_children lists the newest child first', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'simple_one_for_one' }, [
        { id: 'w', start: () => GenServer.startLink(counter, 0) },
      ]),
    );
    const a = (await Supervisor.startChild(sup, [])) as { ok: Pid };
    const b = (await Supervisor.startChild(sup, [])) as { ok: Pid };
    expect((await Supervisor.whichChildren(sup)).map((c) => c.pid)).toEqual([b.ok, a.ok]);
  });
});

describe('send_request (gen_server_SUITE send_request)', () => {
  it('collects replies later, in any order', async () => {
    const pid = ok(await GenServer.start(counter, 7));
    const slow = sendRequest(pid, { delay: 30 });
    const fast = sendRequest(pid, 'get');
    expect(await receiveResponse(fast, 1000)).toEqual({ reply: 7 });
    expect(checkResponse(slow)).toBe('no_reply');
    expect(await receiveResponse(slow, 1000)).toEqual({ reply: 7 });
    expect(checkResponse(slow)).toEqual({ reply: 7 });
  });

  it('receive_response with a timeout returns timeout and abandons the request; wait_response keeps it', async () => {
    const pid = ok(await GenServer.start(counter, 1));
    const waited = sendRequest(pid, { delay: 40 });
    expect(await waitResponse(waited, 5)).toBe('timeout');
    expect(await waitResponse(waited, 1000)).toEqual({ reply: 1 });

    const abandoned = sendRequest(pid, { delay: 40 });
    expect(await receiveResponse(abandoned, 5)).toBe('timeout');
    await sleep(60);
    expect(checkResponse(abandoned)).toBe('no_reply'); // the late reply was dropped
    expect(await receiveResponse(abandoned, 0)).toBe('timeout');
    expect(pid.proc.pendingHead).toBeUndefined();
  });

  it('a timeout of 0 answers at once: the reply if it has come, else timeout', async () => {
    const pid = ok(await GenServer.start(counter, 2));
    const id = sendRequest(pid, 'get');
    expect(await receiveResponse(id, 0)).toBe('timeout');
    const id2 = sendRequest(pid, 'get');
    await sleep(5);
    expect(await receiveResponse(id2, 0)).toEqual({ reply: 2 });
  });

  it('errors: noproc for a dead server, the exit reason for one that dies before replying', async () => {
    const pid = ok(await GenServer.start(counter, 0));
    const pending = sendRequest(pid, { delay: 1000 });
    exit(pid, 'kill');
    expect(await receiveResponse(pending, 1000)).toEqual({ error: ['killed', pid] });
    expect(await receiveResponse(sendRequest(pid, 'get'), 1000)).toEqual({ error: ['noproc', pid] });
    expect(checkResponse(sendRequest('no_such_name', 'get'))).toEqual({ error: ['noproc', 'no_such_name'] });
  });
});
