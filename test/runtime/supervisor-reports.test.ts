/**
 * The supervisor's reports (OTP's supervisor progress and error reports: child started, child
 * terminated, start_error, restart), each with the supervisor, the child's id and pid or reason,
 * in the order they happen, for every strategy's restart path.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  GenServer,
  MemoryLogger,
  Pid,
  Supervisor,
  exited,
  resetRuntime,
  type RuntimeEvent,
} from '../../packages/runtime/src/index.js';
import { ok, waitFor } from './helpers.js';
import { Trace, runningPid } from './sup-helpers.js';

let logger: MemoryLogger;
let trace: Trace;
beforeEach(() => {
  logger = new MemoryLogger();
  resetRuntime({ logger });
  trace = new Trace();
});

const SUP_KINDS = new Set(['childStarted', 'childRestarted', 'childTerminated', 'startError', 'intensityExceeded']);
const reports = (): RuntimeEvent[] => logger.events.filter((e) => SUP_KINDS.has(e.kind));

async function crash(pid: Pid, reason: unknown = 'boom'): Promise<void> {
  await GenServer.call(pid, { stopWith: reason });
  await exited(pid);
}

describe('supervisor reports', () => {
  it('one_for_one: started, terminated, then started and restarted with the new pid', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a')]));
    const first = await runningPid(sup, 'a');
    expect(reports()).toEqual([{ kind: 'childStarted', supervisor: sup, id: 'a', pid: first }]);
    await crash(first);
    await waitFor(() => reports().length >= 4, 'the restart reports');
    const second = await runningPid(sup, 'a');
    expect(second).not.toBe(first);
    expect(reports()).toEqual([
      { kind: 'childStarted', supervisor: sup, id: 'a', pid: first },
      { kind: 'childTerminated', supervisor: sup, id: 'a', pid: first, reason: 'boom' },
      { kind: 'childStarted', supervisor: sup, id: 'a', pid: second },
      { kind: 'childRestarted', supervisor: sup, id: 'a', pid: second },
    ]);
  });

  it('a child failing to start at init: start_error with its id and reason', async () => {
    const r = await Supervisor.start({ strategy: 'one_for_one' }, [
      trace.spec('a'),
      trace.spec('b', {}, { failInit: () => 'no_db' }),
    ]);
    expect(r).toEqual({ error: { shutdown: { failedToStartChild: 'b', reason: 'no_db' } } });
    expect(reports().map((e) => e.kind)).toEqual(['childStarted', 'startError']);
    expect(reports()[1]).toEqual({ kind: 'startError', supervisor: expect.any(Pid), id: 'b', reason: 'no_db' });
  });

  it('one_for_one: a restart that fails reports start_error with the id, and the child is retried', async () => {
    let failNext = false;
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_one', intensity: 5 }, [
        trace.spec('a', {}, { failInit: () => (failNext ? ((failNext = false), 'not_yet') : undefined) }),
      ]),
    );
    failNext = true;
    await crash(await runningPid(sup, 'a'));
    await waitFor(() => reports().some((e) => e.kind === 'childRestarted'), 'the retried restart');
    const kinds = reports().map((e) => e.kind);
    expect(kinds).toEqual(['childStarted', 'childTerminated', 'startError', 'childStarted', 'childRestarted']);
    expect(reports()[2]).toEqual({ kind: 'startError', supervisor: sup, id: 'a', reason: 'not_yet' });
    expect(reports()[4]).toEqual({ kind: 'childRestarted', supervisor: sup, id: 'a', pid: await runningPid(sup, 'a') });
  });

  it.each(['one_for_all', 'rest_for_one'] as const)(
    '%s: every restarted child of the group is reported restarted with its new pid',
    async (strategy) => {
      const sup = ok(await Supervisor.start({ strategy }, [trace.spec('a'), trace.spec('b')]));
      await crash(await runningPid(sup, 'a'));
      await waitFor(() => reports().filter((e) => e.kind === 'childRestarted').length >= 2, 'both restarts');
      const restarted = reports().filter((e) => e.kind === 'childRestarted');
      expect(restarted).toEqual([
        { kind: 'childRestarted', supervisor: sup, id: 'a', pid: await runningPid(sup, 'a') },
        { kind: 'childRestarted', supervisor: sup, id: 'b', pid: await runningPid(sup, 'b') },
      ]);
    },
  );

  it('one_for_all: a restart that fails in the group reports start_error with that child', async () => {
    let failB = false;
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_all', intensity: 5 }, [
        trace.spec('a'),
        trace.spec('b', {}, { failInit: () => (failB ? ((failB = false), 'b_down') : undefined) }),
      ]),
    );
    failB = true;
    await crash(await runningPid(sup, 'a'));
    await waitFor(() => reports().some((e) => e.kind === 'startError'), 'the failed restart');
    expect(reports().find((e) => e.kind === 'startError')).toEqual({
      kind: 'startError',
      supervisor: sup,
      id: 'b',
      reason: 'b_down',
    });
    // the retry starts b again and reports it
    await waitFor(
      () => reports().some((e) => e.kind === 'childRestarted' && 'id' in e && e.id === 'b'),
      'b restarted on the retry',
    );
    expect(await runningPid(sup, 'b')).toBeInstanceOf(Pid);
  });

  it('simple_one_for_one: a restarted child is reported without an id, with its new pid', async () => {
    let fail = false;
    const sup = ok(
      await Supervisor.start({ strategy: 'simple_one_for_one', intensity: 5 }, [
        {
          id: 'w',
          start: () => trace.startWorker('w', { failInit: () => (fail ? ((fail = false), 'later') : undefined) }),
        },
      ]),
    );
    const child = ((await Supervisor.startChild(sup, [])) as { ok: Pid }).ok;
    fail = true;
    await crash(child);
    await waitFor(() => reports().some((e) => e.kind === 'childRestarted'), 'the restart');
    const [restartedPid] = (await Supervisor.whichChildren(sup)).map((c) => c.pid);
    expect(reports().filter((e) => e.kind !== 'childStarted')).toEqual([
      { kind: 'childTerminated', supervisor: sup, id: undefined, pid: child, reason: 'boom' },
      { kind: 'startError', supervisor: sup, id: undefined, reason: 'later' },
      { kind: 'childRestarted', supervisor: sup, id: undefined, pid: restartedPid },
    ]);
  });
});
