/**
 * The supervisor in the states its other suites do not reach (#16, surviving mutants): a child
 * stuck restarting (terminate_child, count_children, stopping the supervisor), starts that return
 * ignore on restart, start functions returning null or a number, a child that died before the
 * supervisor could shut it down (OTP reports a shutdown_error with its real reason), exits from
 * linked processes that are not children, messages that merely look like exit signals, and the
 * API's defaults (start does not link, calls wait as long as the supervisor takes, stop's reason).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  Exit,
  MemoryLogger,
  Pid,
  Supervisor,
  call,
  exit,
  isProcessAlive,
  resetRuntime,
  self,
  send,
  spawn,
  type ChildSpec,
  type ServerRef,
} from '../../packages/runtime/src/index.js';
import { exited, flush, ok, sleep, waitFor } from './helpers.js';
import { Trace, gate, pidOf, runningPid } from './sup-helpers.js';

let trace: Trace;
let logger: MemoryLogger;
beforeEach(() => {
  logger = new MemoryLogger();
  resetRuntime({ logger });
  trace = new Trace();
});

const crash = (pid: Pid, reason: unknown = 'crash') => call(pid, { stopWith: reason }).catch(() => undefined);
const ids = async (sup: ServerRef) => (await Supervisor.whichChildren(sup)).map((c) => c.id);
const kinds = () => logger.events.map((e) => e.kind);

/** A simple_one_for_one spec whose first start succeeds and whose every restart fails. */
function failingRestarts(): ChildSpec {
  let starts = 0;
  return {
    id: 'w',
    start: () => trace.startWorker('w', { failInit: () => (starts++ > 0 ? 'no' : undefined) }),
  };
}

/** Sends `request` to the supervisor while it is busy in a start that waits for the returned gate. */
async function busy(sup: ServerRef): Promise<{ open: () => void; done: Promise<unknown> }> {
  const g = gate();
  const done = Supervisor.startChild(sup, {
    id: 'slow',
    start: async () => {
      await g.promise;
      return trace.startWorker('slow');
    },
  });
  await flush();
  return { open: g.open, done };
}

describe('a simple_one_for_one child stuck restarting', () => {
  it('terminate_child forgets it without shutting down its dead pid (no shutdown_error)', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'simple_one_for_one', intensity: 1_000_000, period: 3600 }, [
        failingRestarts(),
      ]),
    );
    const w = ok((await Supervisor.startChild(sup, [])) as never);
    await crash(w);
    await waitFor(() => logger.ofKind('startError').length > 0, 'a failed restart');
    expect((await Supervisor.whichChildren(sup)).map((c) => c.pid)).toEqual(['restarting']);
    expect(await Supervisor.terminateChild(sup, w)).toBe('ok');
    expect(await Supervisor.whichChildren(sup)).toEqual([]);
    expect(isProcessAlive(sup)).toBe(true);
    expect(logger.ofKind('shutdownError')).toEqual([]);
  });

  it('stopping the supervisor shuts down the running children only, not the dead pid of one restarting', async () => {
    let n = 0;
    const sup = ok(
      await Supervisor.start({ strategy: 'simple_one_for_one', intensity: 1_000_000, period: 3600 }, [
        {
          id: 'w',
          // the first child restarts forever in vain; the second runs
          start: (k: unknown) =>
            trace.startWorker(`w${String(k)}`, { failInit: () => (k === 1 && n++ > 0 ? 'no' : undefined) }),
        },
      ]),
    );
    const stuck = ok((await Supervisor.startChild(sup, [1])) as never);
    const running = ok((await Supervisor.startChild(sup, [2])) as never);
    await crash(stuck);
    await waitFor(() => logger.ofKind('startError').length > 0, 'a failed restart');
    await Supervisor.stop(sup);
    expect(isProcessAlive(running)).toBe(false);
    expect(await exited(running)).toBe('shutdown');
    expect(logger.ofKind('shutdownError')).toEqual([]);
  });

  it('count_children: a child that died but whose exit the supervisor has not handled yet is not active', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a'), trace.spec('b', { restart: 'temporary' })]),
    );
    const b = await runningPid(sup, 'b');
    const { open, done } = await busy(sup);
    const counted = Supervisor.countChildren(sup);
    await crash(b);
    open();
    await done;
    expect(await counted).toEqual({ specs: 3, active: 2, supervisors: 0, workers: 3 });
  });

  it('count_children of simple_one_for_one: a child that died, its exit not handled yet, is not active', async () => {
    const g = gate();
    const sup = ok(
      await Supervisor.start({ strategy: 'simple_one_for_one' }, [
        {
          id: 'w',
          restart: 'temporary',
          start: async (k: unknown) => {
            if (k === 'slow') await g.promise;
            return trace.startWorker(`w${String(k)}`);
          },
        },
      ]),
    );
    const w1 = ok((await Supervisor.startChild(sup, [1])) as never);
    ok((await Supervisor.startChild(sup, [2])) as never);
    const slow = Supervisor.startChild(sup, ['slow']);
    await flush();
    const counted = Supervisor.countChildren(sup);
    await crash(w1);
    expect(isProcessAlive(w1)).toBe(false);
    g.open();
    await slow;
    expect(await counted).toEqual({ specs: 1, active: 2, supervisors: 0, workers: 3 });
    expect(await Supervisor.countChildren(sup)).toEqual({ specs: 1, active: 2, supervisors: 0, workers: 2 });
  });
});

describe('restarts whose start returns ignore', () => {
  it('one_for_one: the child stays, not running, and no childRestarted is reported', async () => {
    let starts = 0;
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_one' }, [
        { id: 'a', start: () => (starts++ === 0 ? trace.startWorker('a') : 'ignore') },
      ]),
    );
    await crash(await runningPid(sup, 'a'));
    await waitFor(() => starts === 2, 'the restart');
    expect(await Supervisor.whichChildren(sup)).toEqual([{ id: 'a', pid: undefined, type: 'worker' }]);
    expect(logger.ofKind('childRestarted')).toEqual([]);
  });

  it('one_for_all: a permanent child that returns ignore stays in the list without a pid', async () => {
    let bStarts = 0;
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_all' }, [
        trace.spec('a'),
        { id: 'b', start: () => (bStarts++ === 0 ? trace.startWorker('b') : 'ignore') },
        trace.spec('c'),
      ]),
    );
    const oldA = await runningPid(sup, 'a');
    await crash(await runningPid(sup, 'c'));
    await waitFor(() => trace.starts('c') === 2, 'the group restart');
    const now = await Supervisor.whichChildren(sup);
    expect(now.map((c) => [c.id, c.pid instanceof Pid ? 'running' : c.pid])).toEqual([
      ['c', 'running'],
      ['b', undefined],
      ['a', 'running'],
    ]);
    expect(now.find((c) => c.id === 'a')!.pid).not.toBe(oldA);
    expect(logger.ofKind('childRestarted').map((e) => e.id)).toEqual(['a', 'c']);
  });

  it('simple_one_for_one: the child is forgotten', async () => {
    let starts = 0;
    const sup = ok(
      await Supervisor.start({ strategy: 'simple_one_for_one' }, [
        { id: 'w', start: () => (starts++ === 0 ? trace.startWorker('w') : 'ignore') },
      ]),
    );
    const w = ok((await Supervisor.startChild(sup, [])) as never);
    await crash(w);
    await waitFor(() => starts === 2, 'the restart');
    expect(await Supervisor.whichChildren(sup)).toEqual([]);
    expect(await Supervisor.countChildren(sup)).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 0 });
    expect(logger.ofKind('childRestarted')).toEqual([]);
  });
});

describe('group restarts', () => {
  it('one_for_all restarts every child, and keeps them in start order', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_all' }, [trace.spec('a'), trace.spec('b'), trace.spec('c')]),
    );
    const before = await Supervisor.whichChildren(sup);
    await crash(await runningPid(sup, 'b'));
    await waitFor(() => trace.starts('a') === 2 && trace.starts('c') === 2, 'the group restart');
    const after = await Supervisor.whichChildren(sup);
    expect(after.map((c) => c.id)).toEqual(['c', 'b', 'a']);
    for (const c of after) {
      expect(c.pid).toBeInstanceOf(Pid);
      expect(isProcessAlive(c.pid as Pid)).toBe(true);
      expect(before.map((x) => x.pid)).not.toContain(c.pid);
    }
  });

  it('a temporary child first in the group is stopped and dropped, not restarted', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_all' }, [
        trace.spec('t', { restart: 'temporary' }),
        trace.spec('a'),
        trace.spec('b'),
      ]),
    );
    const t = await runningPid(sup, 't');
    await crash(await runningPid(sup, 'b'));
    await waitFor(() => trace.starts('b') === 2, 'the group restart');
    expect(await ids(sup)).toEqual(['b', 'a']);
    expect(isProcessAlive(t)).toBe(false);
    expect(trace.starts('t')).toBe(1);
  });

  it('when a later start fails, the children after it show no pid (not their dead one) until the retry', async () => {
    const g = gate();
    let bStarts = 0;
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_all', intensity: 10, period: 3600 }, [
        trace.spec('a'),
        {
          id: 'b',
          start: async () => {
            bStarts++;
            if (bStarts === 2) {
              await g.promise;
              return { error: 'not now' };
            }
            return trace.startWorker('b');
          },
        },
        trace.spec('c'),
      ]),
    );
    await crash(await runningPid(sup, 'a'));
    await waitFor(() => bStarts === 2, 'the group restart reaching b');
    const during = Supervisor.whichChildren(sup);
    g.open();
    const seen = await during;
    expect(seen.map((c) => [c.id, c.pid instanceof Pid ? 'running' : c.pid])).toEqual([
      ['c', undefined],
      ['b', 'restarting'],
      ['a', 'running'],
    ]);
    await waitFor(() => trace.starts('c') === 2, 'the retry');
    expect((await Supervisor.whichChildren(sup)).every((c) => c.pid instanceof Pid)).toBe(true);
  });
});

describe('start functions returning other things', () => {
  it.each([
    ['null', null],
    ['a number', 7],
    ['a string', 'nonsense'],
    ['undefined', undefined],
  ])('%s: start_child answers {error: value} and the supervisor lives on', async (_label, value) => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, []));
    expect(await Supervisor.startChild(sup, { id: 'x', start: () => value as never })).toEqual({ error: value });
    expect(isProcessAlive(sup)).toBe(true);
    expect(await ids(sup)).toEqual([]);
  });

  it('a temporary child that starts is kept until it exits', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, []));
    const r = await Supervisor.startChild(sup, trace.spec('t', { restart: 'temporary' }));
    expect(await Supervisor.whichChildren(sup)).toEqual([{ id: 't', pid: (r as { ok: Pid }).ok, type: 'worker' }]);
    await crash((r as { ok: Pid }).ok);
    await waitFor(() => logger.ofKind('childTerminated').length === 1, 'the exit');
    expect(await ids(sup)).toEqual([]);
  });

  it('a supervisor killed while a start function awaits does not report the child as started', async () => {
    const g = gate();
    let child: Pid | undefined;
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, []));
    const started = Supervisor.startChild(sup, {
      id: 'late',
      start: async () => {
        const r = await trace.startWorker('late');
        child = ok(r);
        await g.promise;
        return r;
      },
    });
    await waitFor(() => child !== undefined, 'the child');
    exit(sup, 'kill');
    await expect(started).rejects.toThrow();
    g.open();
    await sleep(5);
    expect(logger.ofKind('childStarted')).toEqual([]);
    expect(isProcessAlive(child!)).toBe(false);
  });
});

describe('a child that died before the supervisor shut it down', () => {
  // OTP's shutdown/2 monitors the child and reports the reason it gets: a child already dead
  // (its EXIT not handled yet) gives its real reason, which is a shutdown_error.
  it.each([
    ['a permanent brutal_kill child', { shutdown: 'brutal_kill' }],
    ['a transient child', { restart: 'transient' }],
    ['a temporary child', { restart: 'temporary', shutdown: 100 }],
  ] as Array<[string, Partial<ChildSpec>]>)('%s that crashed: terminate_child reports the crash', async (_l, extra) => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a', extra)]));
    const a = await runningPid(sup, 'a');
    const { open, done } = await busy(sup);
    const terminated = Supervisor.terminateChild(sup, 'a');
    await crash(a, 'crash');
    expect(isProcessAlive(a)).toBe(false);
    open();
    await done;
    expect(await terminated).toBe('ok');
    expect(logger.ofKind('shutdownError')).toEqual([
      { kind: 'shutdownError', supervisor: sup, id: 'a', pid: a, reason: 'crash' },
    ]);
  });

  it('a transient child that had exited normally is no shutdown_error', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a', { restart: 'transient' })]));
    const a = await runningPid(sup, 'a');
    const { open, done } = await busy(sup);
    const terminated = Supervisor.terminateChild(sup, 'a');
    await crash(a, 'normal');
    open();
    await done;
    expect(await terminated).toBe('ok');
    expect(logger.ofKind('shutdownError')).toEqual([]);
  });
});

describe('messages that are not exits of children', () => {
  it('an exit signal from a linked process that is not a child changes nothing', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a')]));
    const a = await runningPid(sup, 'a');
    const stranger = spawn(() => new Promise(() => undefined));
    send(sup, new Exit(stranger, 'crash'));
    expect(await Supervisor.whichChildren(sup)).toEqual([{ id: 'a', pid: a, type: 'worker' }]);
    expect(isProcessAlive(sup)).toBe(true);
    expect(kinds()).not.toContain('childTerminated');
  });

  it('a plain object with from and reason fields is an unexpected message, not an exit', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a')]));
    const a = await runningPid(sup, 'a');
    const fake = { from: a, reason: 'crash' };
    send(sup, fake);
    expect(await pidOf(sup, 'a')).toBe(a);
    expect(logger.ofKind('unexpectedMessage')).toEqual([{ kind: 'unexpectedMessage', pid: sup, message: fake }]);
    expect(trace.starts('a')).toBe(1);
  });

  it('a simple_one_for_one child that exits normally is dropped and the supervisor lives on', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'simple_one_for_one' }, [
        { id: 'w', restart: 'transient', start: () => trace.startWorker('w') },
      ]),
    );
    const w = ok((await Supervisor.startChild(sup, [])) as never);
    await crash(w, 'normal');
    expect(await Supervisor.whichChildren(sup)).toEqual([]);
    expect(isProcessAlive(sup)).toBe(true);
    expect(await Supervisor.getChildspec(sup, w)).toEqual({ error: 'not_found' });
  });

  it('get_childspec of a terminated simple_one_for_one child is not_found', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'simple_one_for_one' }, [{ id: 'w', start: () => trace.startWorker('w') }]),
    );
    const w = ok((await Supervisor.startChild(sup, [])) as never);
    expect(await Supervisor.getChildspec(sup, w)).toMatchObject({ ok: { id: 'w' } });
    expect(await Supervisor.terminateChild(sup, w)).toBe('ok');
    expect(await Supervisor.getChildspec(sup, w)).toEqual({ error: 'not_found' });
  });
});

describe("the API's defaults", () => {
  it('Supervisor.start does not link: the supervisor outlives the process that started it', async () => {
    let sup: Pid | undefined;
    const starter = spawn(async () => {
      sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a')]));
      throw new Error('the starter crashes');
    });
    await exited(starter);
    await sleep(5);
    expect(isProcessAlive(sup!)).toBe(true);
    expect(await ids(sup!)).toEqual(['a']);
  });

  it('Supervisor.startLink does link: the supervisor goes down with the process that started it', async () => {
    let sup: Pid | undefined;
    const starter = spawn(async () => {
      sup = ok(await Supervisor.startLink({ strategy: 'one_for_one' }, [trace.spec('a')]));
      throw new Error('the starter crashes');
    });
    await exited(starter);
    await waitFor(() => sup !== undefined && !isProcessAlive(sup), 'the supervisor to stop');
  });

  it('start_child and get_childspec wait for the supervisor however long it is busy', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a')]));
    const slow = Supervisor.startChild(sup, {
      id: 'slow',
      start: async () => {
        await sleep(40);
        return trace.startWorker('slow');
      },
    });
    const spec = Supervisor.getChildspec(sup, 'a');
    expect(await slow).toMatchObject({ ok: expect.any(Pid) });
    expect(await spec).toMatchObject({ ok: { id: 'a' } });
  });

  it('stop defaults to reason normal', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a')]));
    const a = await runningPid(sup, 'a');
    await Supervisor.stop(sup);
    expect(await exited(sup)).toBe('normal');
    expect(await exited(a)).toBe('shutdown');
  });

  it('checkChildSpecs checks specs under auto_shutdown never unless told otherwise', () => {
    const spec = { id: 'a', start: () => 'ignore' as const, significant: true, restart: 'transient' as const };
    expect(Supervisor.checkChildSpecs([spec])).toEqual(Supervisor.checkChildSpecs([spec], 'never'));
    expect(Supervisor.checkChildSpecs([spec])).toMatchObject({ error: expect.anything() });
    expect(Supervisor.checkChildSpecs([spec], 'any_significant')).toMatchObject({
      ok: [{ id: 'a', significant: true }],
    });
    expect(Supervisor.checkChildSpecs([{ id: 'b', start: () => 'ignore' }])).toMatchObject({ ok: [{ id: 'b' }] });
  });
});

describe('a supervisor killed during its init', () => {
  it('reports the start that was cut short as killed and starts no further child', async () => {
    const g = gate();
    let sup: Pid | undefined;
    const started = Supervisor.start({ strategy: 'one_for_one' }, [
      {
        id: 'slow',
        start: async () => {
          sup = self();
          const r = await trace.startWorker('slow');
          await g.promise;
          return r;
        },
      },
      trace.spec('b'),
    ]);
    await waitFor(() => trace.starts('slow') === 1, 'the first start');
    exit(sup!, 'kill');
    g.open();
    await started.catch(() => undefined);
    await sleep(5);
    expect(trace.starts('b')).toBe(0);
    expect(logger.ofKind('startError')).toEqual([
      { kind: 'startError', supervisor: sup, id: 'slow', reason: 'killed' },
    ]);
    expect(logger.ofKind('childStarted')).toEqual([]);
  });
});
