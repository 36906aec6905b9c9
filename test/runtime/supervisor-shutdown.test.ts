/**
 * How a supervisor stops a child and what it reports, after OTP's supervisor shutdown/1 and
 * supervisor_SUITE's shutdown cases: exit reason shutdown is always fine; normal and {shutdown, _}
 * only for a child that is not permanent; killed only under brutal_kill; anything else, or a child
 * killed after its shutdown time ran out, is a shutdown_error report. The shutdown timer does not
 * outlive a child that exits in time. Also: what a start function may return, a child adopted when
 * it was started after an await, simple_one_for_one counts and child specs, and unexpected messages.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  GenServer,
  MemoryLogger,
  Pid,
  Supervisor,
  exited,
  getRuntime,
  processFlag,
  resetRuntime,
  send,
  spawn,
  spawnLink,
  type ChildSpec,
  type RuntimeEvent,
} from '../../packages/runtime/src/index.js';
import { ok, sleep, waitFor } from './helpers.js';
import { Trace, runningPid } from './sup-helpers.js';

let logger: MemoryLogger;
let trace: Trace;
beforeEach(() => {
  logger = new MemoryLogger();
  resetRuntime({ logger });
  trace = new Trace();
});

const shutdownErrors = (): RuntimeEvent[] => logger.events.filter((e) => e.kind === 'shutdownError');

/** A child trapping exits that, told to shut down, returns (exit reason normal) or never exits. */
function exitsWith(how: 'normal' | 'hang'): ChildSpec['start'] {
  return () =>
    spawnLink(async (ctx) => {
      ctx.trapExit(true);
      await ctx.receive();
      if (how === 'hang') await new Promise(() => {});
    });
}

async function stopChild(
  restart: 'permanent' | 'transient',
  shutdown: number | 'brutal_kill',
  start: ChildSpec['start'],
) {
  const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [{ id: 'c', start, restart, shutdown }]));
  const pid = await runningPid(sup, 'c');
  expect(await Supervisor.terminateChild(sup, 'c')).toBe('ok');
  return { sup, pid };
}

describe('supervisor shutdown reports', () => {
  it.each<['permanent' | 'transient', unknown]>([
    ['permanent', 'shutdown'],
    ['transient', 'shutdown'],
    ['transient', 'normal'],
    ['transient', { shutdown: 'bye' }],
  ])('a %s child exiting %j is shut down cleanly', async (restart, reason) => {
    const start =
      reason === 'shutdown'
        ? () => trace.startWorker('c', { trap: true })
        : reason === 'normal'
          ? exitsWith('normal')
          : () =>
              GenServer.startLink(
                {
                  init: () => {
                    processFlag('trapExit', true);
                    return { ok: null };
                  },
                  handleCall: () => ({ reply: null, state: null }),
                  terminate: () => {},
                  handleInfo: () => ({ stop: reason, state: null }),
                },
                null,
              );
    await stopChild(restart, 5000, start);
    expect(shutdownErrors()).toEqual([]);
  });

  it('a permanent child exiting normal when told to shut down is a shutdown error', async () => {
    const { sup, pid } = await stopChild('permanent', 5000, exitsWith('normal'));
    expect(shutdownErrors()).toEqual([{ kind: 'shutdownError', supervisor: sup, id: 'c', pid, reason: 'normal' }]);
  });

  it('a child killed by brutal_kill is fine; killed after its shutdown time ran out is an error', async () => {
    await stopChild('permanent', 'brutal_kill', exitsWith('hang'));
    expect(shutdownErrors()).toEqual([]);
    const { sup, pid } = await stopChild('permanent', 30, exitsWith('hang'));
    expect(shutdownErrors()).toEqual([{ kind: 'shutdownError', supervisor: sup, id: 'c', pid, reason: 'killed' }]);
  });

  it('the shutdown timer is cancelled when the child exits in time', async () => {
    const timers = getRuntime().timers;
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('c', { shutdown: 60_000 }, { trap: true })]),
    );
    await runningPid(sup, 'c');
    const before = timers.liveCount;
    await Supervisor.terminateChild(sup, 'c');
    expect(timers.liveCount).toBe(before);
  });
});

describe('supervisor start functions', () => {
  it.each<[string, () => unknown, unknown]>([
    [
      'throws',
      () => {
        throw 'thrown';
      },
      'thrown',
    ],
    ['returns {error}', () => ({ error: 'refused' }), 'refused'],
    ['returns something else', () => 42, 42],
    ['returns {ok} without a pid', () => ({ ok: 'x' }), { ok: 'x' }],
  ])('a start function that %s fails startChild with that reason', async (_what, start, reason) => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, []));
    expect(await Supervisor.startChild(sup, { id: 'x', start: start as ChildSpec['start'] })).toEqual({
      error: reason,
    });
    expect(await Supervisor.whichChildren(sup)).toEqual([]);
  });

  it('a pid that is already dead is taken, and its exit handled like any other (a permanent child restarts)', async () => {
    let n = 0;
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_one', intensity: 5 }, [
        {
          id: 'c',
          start: async () => {
            n++;
            if (n === 1) {
              const dead = spawn(() => {});
              await exited(dead);
              return dead;
            }
            return trace.startWorker('c');
          },
        },
      ]),
    );
    await waitFor(() => n === 2, 'the restart');
    expect(await runningPid(sup, 'c')).toBeInstanceOf(Pid);
    expect(logger.events.some((e) => e.kind === 'childTerminated' && e.reason === 'normal')).toBe(true);
  });

  it('a child started after an await is adopted: shutting it down runs its terminate with shutdown', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_one' }, [
        {
          id: 'c',
          start: async () => {
            await sleep(1);
            return trace.startWorker('c', { trap: true });
          },
          shutdown: 2000,
        },
      ]),
    );
    await runningPid(sup, 'c');
    await Supervisor.terminateChild(sup, 'c');
    expect(trace.events).toEqual(['start:c', 'terminate:c']);
    expect(shutdownErrors()).toEqual([]);
  });

  it('startChild: a temporary child whose start ignores is not kept; a transient one is kept without a pid', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, []));
    expect(await Supervisor.startChild(sup, { id: 't', start: () => 'ignore', restart: 'temporary' })).toEqual({
      ok: undefined,
    });
    expect(await Supervisor.startChild(sup, { id: 'r', start: () => 'ignore', restart: 'transient' })).toEqual({
      ok: undefined,
    });
    expect((await Supervisor.whichChildren(sup)).map((c) => [c.id, c.pid])).toEqual([['r', undefined]]);
  });

  it('restartChild returns the start error and leaves the child stopped', async () => {
    let fail = false;
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_one' }, [
        trace.spec('c', { restart: 'transient' }, { failInit: () => (fail ? 'nope' : undefined) }),
      ]),
    );
    await Supervisor.terminateChild(sup, 'c');
    fail = true;
    expect(await Supervisor.restartChild(sup, 'c')).toEqual({ error: 'nope' });
    expect((await Supervisor.whichChildren(sup)).map((c) => c.pid)).toEqual([undefined]);
  });
});

describe('simple_one_for_one bookkeeping', () => {
  it('counts supervisor children as supervisors, and only running ones as active', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'simple_one_for_one' }, [
        { id: 's', start: () => Supervisor.startLink({ strategy: 'one_for_one' }, []), type: 'supervisor' },
      ]),
    );
    await Supervisor.startChild(sup, []);
    await Supervisor.startChild(sup, []);
    expect(await Supervisor.countChildren(sup)).toEqual({ specs: 1, active: 2, supervisors: 2, workers: 0 });
  });

  it('getChildspec answers for its own children only', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'simple_one_for_one' }, [{ id: 'w', start: () => trace.startWorker('w') }]),
    );
    const child = ((await Supervisor.startChild(sup, [])) as { ok: Pid }).ok;
    expect(await Supervisor.getChildspec(sup, child)).toMatchObject({ ok: { id: 'w' } });
    const stranger = ok(await trace.startWorker('x'));
    expect(await Supervisor.getChildspec(sup, stranger)).toEqual({ error: 'not_found' });
    expect(await Supervisor.getChildspec(sup, 'w')).toEqual({ error: 'not_found' });
  });
});

describe('supervisor messages', () => {
  it('an unexpected message is logged and ignored', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a')]));
    send(sup, { hello: 1 });
    await waitFor(() => logger.events.some((e) => e.kind === 'unexpectedMessage'), 'the log entry');
    expect(logger.events.find((e) => e.kind === 'unexpectedMessage')).toEqual({
      kind: 'unexpectedMessage',
      pid: sup,
      message: { hello: 1 },
    });
    expect(await Supervisor.countChildren(sup)).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
  });
});
