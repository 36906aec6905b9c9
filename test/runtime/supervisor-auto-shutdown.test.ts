/**
 * Automatic shutdown (OTP 24), after supervisor_SUITE's significant_* and auto_shutdown cases and the
 * supervisor docs: a significant child ending on its own (exit normal or shutdown, or any exit of a
 * temporary child) shuts the supervisor down with reason shutdown under any_significant at once, and
 * under all_significant once no significant child is left; a child that is not significant never
 * does, and a transient significant child that crashes is restarted instead.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  GenServer,
  MemoryLogger,
  Pid,
  Supervisor,
  exited,
  isProcessAlive,
  resetRuntime,
  type AutoShutdown,
} from '../../packages/runtime/src/index.js';
import { ok } from './helpers.js';
import { Trace, runningPid } from './sup-helpers.js';

let trace: Trace;
beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
  trace = new Trace();
});

async function end(pid: Pid, reason: unknown): Promise<void> {
  await GenServer.call(pid, { stopWith: reason });
  await exited(pid);
}

/** Resolves with the supervisor's exit reason if it exits within a short while, else 'alive'. */
async function fate(sup: Pid): Promise<unknown> {
  const r = await Promise.race([exited(sup), new Promise((res) => setTimeout(() => res('alive'), 50))]);
  return r === 'alive' ? 'alive' : r;
}

async function startSup(autoShutdown: AutoShutdown) {
  return ok(
    await Supervisor.start({ strategy: 'one_for_one', autoShutdown }, [
      trace.spec('sig1', { restart: 'transient', significant: true }),
      trace.spec('sig2', { restart: 'temporary', significant: true }),
      trace.spec('plain', { restart: 'transient' }),
    ]),
  );
}

describe('supervisor auto_shutdown (supervisor_SUITE significant_*)', () => {
  it.each<AutoShutdown>(['any_significant', 'all_significant'])(
    '%s: a child that is not significant ending normally does not shut the supervisor down',
    async (mode) => {
      const sup = await startSup(mode);
      await end(await runningPid(sup, 'plain'), 'normal');
      expect(await fate(sup)).toBe('alive');
      // a transient child that ended normally keeps its spec, without a pid (OTP's which_children: undefined)
      const plain = (await Supervisor.whichChildren(sup)).find((c) => c.id === 'plain');
      expect(plain?.pid).toBeUndefined();
    },
  );

  it('any_significant: the first significant child ending normally shuts it down with reason shutdown', async () => {
    const sup = await startSup('any_significant');
    const plain = await runningPid(sup, 'plain');
    await end(await runningPid(sup, 'sig1'), 'normal');
    expect(await exited(sup)).toBe('shutdown');
    expect(isProcessAlive(plain)).toBe(false);
  });

  it('all_significant: only when the last significant child has ended, other children still running', async () => {
    const sup = await startSup('all_significant');
    await end(await runningPid(sup, 'sig1'), 'normal');
    expect(await fate(sup)).toBe('alive');
    const plain = await runningPid(sup, 'plain');
    // a temporary child counts with any exit reason
    await end(await runningPid(sup, 'sig2'), 'crashed');
    expect(await exited(sup)).toBe('shutdown');
    expect(isProcessAlive(plain)).toBe(false);
  });

  it('a transient significant child that crashes is restarted, not counted as ended', async () => {
    const sup = await startSup('any_significant');
    await end(await runningPid(sup, 'sig1'), 'crashed');
    expect(await fate(sup)).toBe('alive');
    expect(trace.starts('sig1')).toBe(2);
    await end(await runningPid(sup, 'sig1'), { shutdown: 'done' });
    expect(await exited(sup)).toBe('shutdown');
  });

  it('never: a child ending normally leaves the supervisor running', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_one', autoShutdown: 'never' }, [
        trace.spec('a', { restart: 'transient' }),
      ]),
    );
    await end(await runningPid(sup, 'a'), 'normal');
    expect(await fate(sup)).toBe('alive');
    expect((await Supervisor.whichChildren(sup)).map((c) => [c.id, c.pid])).toEqual([['a', undefined]]);
  });
});
