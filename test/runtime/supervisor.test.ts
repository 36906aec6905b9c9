import { beforeEach, describe, expect, it } from 'vitest';
import {
  GenServer,
  MemoryLogger,
  Pid,
  Supervisor,
  exit,
  exited,
  isProcessAlive,
  resetRuntime,
  spawn,
  type ChildSpec,
  type RestartType,
} from '../../packages/runtime/src/index.js';
import { ok, sleep } from './helpers.js';
import { Trace, gate, pidOf, runningPid } from './sup-helpers.js';

let logger: MemoryLogger;
let trace: Trace;
beforeEach(() => {
  logger = new MemoryLogger();
  resetRuntime({ logger });
  trace = new Trace();
});

/** Makes the child exit with `reason`; resolves once it is dead (its EXIT is then already queued at the supervisor). */
async function makeExit(pid: Pid, reason: unknown): Promise<void> {
  if (reason === 'kill') exit(pid, 'kill');
  else await GenServer.call(pid, { stopWith: reason });
  await exited(pid);
}

describe('Supervisor: flags and child specs', () => {
  const start = () => ({ ok: new Pid(0, undefined as never) });

  it.each([
    [{ strategy: 'one_for_none' }, { invalidStrategy: 'one_for_none' }],
    [{ intensity: -1 }, { invalidIntensity: -1 }],
    [{ intensity: 1.5 }, { invalidIntensity: 1.5 }],
    [{ period: 0 }, { invalidPeriod: 0 }],
    [{ autoShutdown: 'sometimes' }, { invalidAutoShutdown: 'sometimes' }],
  ])('rejects bad flags %j', async (flags, reason) => {
    expect(await Supervisor.start(flags as never, [])).toEqual({ error: { supervisorData: reason } });
  });

  it.each<[string, unknown[], unknown, unknown?]>([
    ['missing id', [{ start }], 'missing_id'],
    ['missing start', [{ id: 'a' }], 'missing_start'],
    ['bad shutdown', [{ id: 'a', start, shutdown: -5 }], { invalidShutdown: -5 }],
    ['bad shutdown word', [{ id: 'a', start, shutdown: 'soon' }], { invalidShutdown: 'soon' }],
    ['bad restart', [{ id: 'a', start, restart: 'sometimes' }], { invalidRestartType: 'sometimes' }],
    ['bad type', [{ id: 'a', start, type: 'manager' }], { invalidChildType: 'manager' }],
    [
      'duplicate ids',
      [
        { id: 'a', start },
        { id: 'a', start },
      ],
      { duplicateChildName: 'a' },
    ],
    [
      'significant permanent',
      [{ id: 'a', start, significant: true }],
      { badCombination: { restart: 'permanent', significant: true } },
      'any_significant',
    ],
    [
      'significant without autoShutdown',
      [{ id: 'a', start, restart: 'transient', significant: true }],
      { badCombination: { autoShutdown: 'never', significant: true } },
    ],
  ])('rejects child specs: %s', async (_name, specs, reason, autoShutdown) => {
    const r = await Supervisor.start({ autoShutdown: (autoShutdown ?? 'never') as never }, specs as ChildSpec[]);
    expect(r).toEqual({ error: { startSpec: reason } });
  });

  it('requires exactly one spec for simple_one_for_one', async () => {
    const specs = [trace.spec('a'), trace.spec('b')];
    const r = await Supervisor.start({ strategy: 'simple_one_for_one' }, specs);
    expect(r).toMatchObject({ error: { badStartSpec: expect.any(Array) } });
  });

  it("applies OTP's defaults", async () => {
    const sup = ok(await Supervisor.start({}, [trace.spec('w'), trace.spec('s', { type: 'supervisor' })]));
    expect(await Supervisor.getChildspec(sup, 'w')).toMatchObject({
      ok: { id: 'w', restart: 'permanent', shutdown: 5000, type: 'worker', significant: false },
    });
    expect(await Supervisor.getChildspec(sup, 's')).toMatchObject({ ok: { shutdown: 'infinity', type: 'supervisor' } });
    // default intensity 1 within 5 s: the second quick restart takes the supervisor down
    await makeExit(await runningPid(sup, 'w'), 'boom');
    await makeExit(await runningPid(sup, 'w'), 'boom');
    expect(await exited(sup)).toBe('shutdown');
  });

  it('rejects a bad spec given to startChild with the plain reason', async () => {
    const sup = ok(await Supervisor.start({}, []));
    expect(await Supervisor.startChild(sup, { start } as never)).toEqual({ error: 'missing_id' });
    expect(await Supervisor.startChild(sup, { id: 'x', start, shutdown: 'never' } as never)).toEqual({
      error: { invalidShutdown: 'never' },
    });
  });
});

describe('Supervisor: restart types', () => {
  const cases: [RestartType, string, 'restarted' | 'kept' | 'dropped'][] = [
    ['permanent', 'normal', 'restarted'],
    ['permanent', 'shutdown', 'restarted'],
    ['permanent', 'abnormal', 'restarted'],
    ['transient', 'normal', 'kept'],
    ['transient', 'shutdown', 'kept'],
    ['transient', 'shutdown_tuple', 'kept'],
    ['transient', 'abnormal', 'restarted'],
    ['transient', 'kill', 'restarted'],
    ['temporary', 'normal', 'dropped'],
    ['temporary', 'shutdown', 'dropped'],
    ['temporary', 'abnormal', 'dropped'],
  ];
  it.each(cases)('%s child exiting %s is %s', async (restart, how, expected) => {
    const sup = ok(await Supervisor.start({ intensity: 10 }, [trace.spec('c', { restart })]));
    const before = await runningPid(sup, 'c');
    const reason = how === 'abnormal' ? 'boom' : how === 'shutdown_tuple' ? { shutdown: 'done' } : how;
    await makeExit(before, reason);
    const after = await pidOf(sup, 'c');
    const children = await Supervisor.whichChildren(sup);
    if (expected === 'restarted') {
      expect(after).toBeInstanceOf(Pid);
      expect(after).not.toBe(before);
      expect(trace.starts('c')).toBe(2);
    } else if (expected === 'kept') {
      expect(children).toEqual([{ id: 'c', pid: undefined, type: 'worker' }]);
      expect(trace.starts('c')).toBe(1);
    } else {
      expect(children).toEqual([]);
      expect(trace.starts('c')).toBe(1);
    }
    expect(isProcessAlive(sup)).toBe(true);
  });
});

describe('Supervisor: strategies', () => {
  it('one_for_one restarts only the failed child', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_one', intensity: 5 }, [trace.spec('a'), trace.spec('b')]),
    );
    const a = await runningPid(sup, 'a');
    await makeExit(await runningPid(sup, 'b'), 'boom');
    expect(await runningPid(sup, 'a')).toBe(a);
    expect(trace.starts('b')).toBe(2);
    expect(logger.ofKind('childTerminated')).toMatchObject([{ id: 'b', reason: 'boom' }]);
  });

  it('one_for_all stops the others in reverse start order, then restarts all in start order', async () => {
    const specs = ['a', 'b', 'c'].map((id) => trace.spec(id, {}, { trap: true }));
    const sup = ok(await Supervisor.start({ strategy: 'one_for_all', intensity: 5 }, specs));
    trace.events.length = 0;
    await makeExit(await runningPid(sup, 'b'), 'kill');
    await Supervisor.whichChildren(sup);
    expect(trace.events).toEqual(['terminate:c', 'terminate:a', 'start:a', 'start:b', 'start:c']);
  });

  it('rest_for_one restarts the failed child and those started after it', async () => {
    const specs = ['a', 'b', 'c'].map((id) => trace.spec(id, {}, { trap: true }));
    const sup = ok(await Supervisor.start({ strategy: 'rest_for_one', intensity: 5 }, specs));
    const a = await runningPid(sup, 'a');
    trace.events.length = 0;
    await makeExit(await runningPid(sup, 'b'), 'kill');
    await Supervisor.whichChildren(sup);
    expect(trace.events).toEqual(['terminate:c', 'start:b', 'start:c']);
    expect(await runningPid(sup, 'a')).toBe(a);
  });

  it.each(['one_for_all', 'rest_for_one'] as const)('%s drops temporary bystanders it stops', async (strategy) => {
    const sup = ok(
      await Supervisor.start({ strategy, intensity: 5 }, [trace.spec('a'), trace.spec('t', { restart: 'temporary' })]),
    );
    const t = await runningPid(sup, 't');
    await makeExit(await runningPid(sup, 'a'), 'boom');
    expect(await exited(t)).toBe('shutdown');
    expect((await Supervisor.whichChildren(sup)).map((c) => c.id)).toEqual(['a']);
    expect(trace.starts('t')).toBe(1);
  });

  it.each(['one_for_all', 'rest_for_one'] as const)(
    '%s retries a sibling that fails to restart, showing it as restarting',
    async (strategy) => {
      let failNext = false;
      const hold = gate();
      const sibling: ChildSpec = {
        id: 'c',
        start: async () => {
          if (failNext) {
            failNext = false;
            await hold.promise;
            return { error: 'not_yet' };
          }
          return trace.startWorker('c');
        },
      };
      const sup = ok(await Supervisor.start({ strategy, intensity: 10 }, [trace.spec('a'), trace.spec('b'), sibling]));
      failNext = true;
      await makeExit(await runningPid(sup, 'b'), 'boom');
      const during = Supervisor.whichChildren(sup); // queued behind the EXIT, ahead of the retry
      hold.open();
      expect((await during).map((c) => [c.id, c.pid instanceof Pid ? 'pid' : c.pid])).toEqual([
        ['c', 'restarting'],
        ['b', 'pid'],
        ['a', 'pid'],
      ]);
      const after = await Supervisor.whichChildren(sup);
      expect(after.every((c) => c.pid instanceof Pid && c.pid.proc.alive)).toBe(true);
      expect(logger.ofKind('startError')).toMatchObject([{ id: 'c', reason: 'not_yet' }]);
    },
  );

  it('simple_one_for_one appends start arguments and restarts with the same ones', async () => {
    const seen: unknown[][] = [];
    const spec: ChildSpec = {
      id: 'conn',
      args: ['base'],
      start: (...args: unknown[]) => {
        seen.push(args);
        return trace.startWorker(`conn-${String(args[1])}`);
      },
    };
    const sup = ok(await Supervisor.start({ strategy: 'simple_one_for_one', intensity: 5 }, [spec]));
    const r1 = await Supervisor.startChild(sup, [1]);
    const r2 = await Supervisor.startChild(sup, [2]);
    const p1 = (r1 as { ok: Pid }).ok;
    expect(seen).toEqual([
      ['base', 1],
      ['base', 2],
    ]);
    await makeExit(p1, 'boom');
    const kids = await Supervisor.whichChildren(sup);
    expect(kids).toHaveLength(2);
    expect(kids.every((k) => k.id === undefined && k.pid instanceof Pid && k.pid !== p1)).toBe(true);
    expect(seen[2]).toEqual(['base', 1]);
    expect(await Supervisor.countChildren(sup)).toEqual({ specs: 1, active: 2, supervisors: 0, workers: 2 });
    expect(await Supervisor.terminateChild(sup, 'conn')).toEqual({ error: 'simple_one_for_one' });
    expect(await Supervisor.terminateChild(sup, (r2 as { ok: Pid }).ok)).toBe('ok');
    expect(await Supervisor.whichChildren(sup)).toHaveLength(1);
    expect(await Supervisor.restartChild(sup, 'conn')).toEqual({ error: 'simple_one_for_one' });
    expect(await Supervisor.deleteChild(sup, 'conn')).toEqual({ error: 'simple_one_for_one' });
  });
});

describe('Supervisor: restart intensity', () => {
  it('exits with shutdown after more than intensity restarts within the period', async () => {
    const sup = ok(
      await Supervisor.start({ intensity: 2, period: 60 }, [trace.spec('a'), trace.spec('b', {}, { trap: true })]),
    );
    for (let i = 0; i < 3; i++) await makeExit(await runningPid(sup, 'a'), 'boom');
    expect(await exited(sup)).toBe('shutdown');
    // 'a' ran its own terminate when it stopped; then the supervisor stopped 'b' on its way out.
    expect(trace.events.slice(-2)).toEqual(['terminate:a', 'terminate:b']);
    expect(trace.starts('a')).toBe(3);
    expect(logger.ofKind('intensityExceeded')).toMatchObject([{ id: 'a', reason: 'reached_max_restart_intensity' }]);
  });

  it('never trips on restarts spaced wider than the period (sliding window)', async () => {
    const sup = ok(await Supervisor.start({ intensity: 1, period: 0.03 }, [trace.spec('a')]));
    for (let i = 0; i < 4; i++) {
      await makeExit(await runningPid(sup, 'a'), 'boom');
      await runningPid(sup, 'a');
      await sleep(45);
    }
    expect(isProcessAlive(sup)).toBe(true);
    expect(trace.starts('a')).toBe(5);
  });

  it('escalates through a nested tree: the parent restarts the failed supervisor', async () => {
    const inner: ChildSpec = {
      id: 'inner',
      type: 'supervisor',
      start: () => Supervisor.startLink({ intensity: 1, period: 60 }, [trace.spec('w')]),
    };
    const top = ok(await Supervisor.start({ intensity: 1, period: 60 }, [inner]));
    const inner1 = await runningPid(top, 'inner');
    await makeExit(await runningPid(inner1, 'w'), 'boom');
    await makeExit(await runningPid(inner1, 'w'), 'boom');
    expect(await exited(inner1)).toBe('shutdown');
    const inner2 = await runningPid(top, 'inner');
    expect(inner2).not.toBe(inner1);
    expect(await runningPid(inner2, 'w')).toBeInstanceOf(Pid);
    // The inner supervisor failing again is the top's second restart within its period: the whole tree goes down.
    await makeExit(await runningPid(inner2, 'w'), 'boom');
    await makeExit(await runningPid(inner2, 'w'), 'boom');
    expect(await exited(top)).toBe('shutdown');
    expect(trace.starts('w')).toBe(4);
  });

  it('keeps retrying a restart that fails, counting each try, while staying responsive', async () => {
    let healthy = true;
    const spec = trace.spec('flaky', {}, { failInit: () => (healthy ? undefined : 'broken') });
    const sup = ok(await Supervisor.start({ intensity: 1_000_000, period: 60 }, [spec]));
    healthy = false;
    await makeExit(await runningPid(sup, 'flaky'), 'boom');
    expect(await pidOf(sup, 'flaky')).toBe('restarting');
    expect(await Supervisor.deleteChild(sup, 'flaky')).toEqual({ error: 'restarting' });
    expect(await Supervisor.restartChild(sup, 'flaky')).toEqual({ error: 'restarting' });
    expect(await Supervisor.terminateChild(sup, 'flaky')).toBe('ok');
    const errorsAtStop = logger.ofKind('startError').length;
    expect(errorsAtStop).toBeGreaterThan(0);
    expect(await pidOf(sup, 'flaky')).toBeUndefined();
    await sleep(5);
    expect(logger.ofKind('startError').length).toBe(errorsAtStop);
    healthy = true;
    expect(await Supervisor.restartChild(sup, 'flaky')).toMatchObject({ ok: expect.any(Pid) });
  });

  it('a hanging restart loop ends when the retries exhaust the intensity', async () => {
    let healthy = true;
    const spec = trace.spec('flaky', {}, { failInit: () => (healthy ? undefined : 'broken') });
    const sup = ok(await Supervisor.start({ intensity: 3, period: 60 }, [spec]));
    healthy = false;
    await makeExit(await runningPid(sup, 'flaky'), 'boom');
    expect(await exited(sup)).toBe('shutdown');
    expect(logger.ofKind('startError')).toHaveLength(3);
  });
});

describe('Supervisor: shutdown', () => {
  it('stops children in reverse start order', async () => {
    const specs = ['a', 'b', 'c'].map((id) => trace.spec(id, {}, { trap: true }));
    const sup = ok(await Supervisor.start({}, specs));
    const order: string[] = [];
    for (const id of ['a', 'b', 'c']) void exited(await runningPid(sup, id)).then(() => order.push(id));
    await Supervisor.stop(sup);
    expect(order).toEqual(['c', 'b', 'a']);
    expect(trace.events.filter((e) => e.startsWith('terminate'))).toEqual([
      'terminate:c',
      'terminate:b',
      'terminate:a',
    ]);
  });

  it('kills a child whose terminate outlasts its shutdown time, and reports it', async () => {
    const hang = trace.spec('slow', { shutdown: 20 }, { trap: true, onTerminate: () => new Promise(() => {}) });
    const sup = ok(await Supervisor.start({}, [hang]));
    const pid = await runningPid(sup, 'slow');
    await Supervisor.stop(sup);
    expect(await exited(pid)).toBe('killed');
    expect(logger.ofKind('shutdownError')).toMatchObject([{ id: 'slow', reason: 'killed' }]);
  });

  it('waits for a child with infinity shutdown', async () => {
    const slow = trace.spec('slow', { shutdown: 'infinity' }, { trap: true, onTerminate: () => sleep(30) });
    const sup = ok(await Supervisor.start({}, [slow]));
    const pid = await runningPid(sup, 'slow');
    await Supervisor.stop(sup);
    expect(await exited(pid)).toBe('shutdown');
    expect(logger.ofKind('shutdownError')).toEqual([]);
  });

  it('brutal_kill kills at once: terminate does not run', async () => {
    const sup = ok(await Supervisor.start({}, [trace.spec('b', { shutdown: 'brutal_kill' }, { trap: true })]));
    const pid = await runningPid(sup, 'b');
    await Supervisor.stop(sup);
    expect(await exited(pid)).toBe('killed');
    expect(trace.events).toEqual(['start:b']);
    expect(logger.ofKind('shutdownError')).toEqual([]);
  });

  it('runs terminate of a trapping worker on shutdown', async () => {
    const reasons: unknown[] = [];
    const sup = ok(
      await Supervisor.start({}, [trace.spec('t', {}, { trap: true, onTerminate: (r) => reasons.push(r) })]),
    );
    await Supervisor.stop(sup);
    expect(reasons).toEqual(['shutdown']);
  });

  it('stops simple_one_for_one children in parallel', async () => {
    const n = 3;
    let entered = 0;
    const all = gate();
    const spec: ChildSpec = {
      id: 'w',
      shutdown: 2000,
      start: (i: number) =>
        trace.startWorker(`w${i}`, {
          trap: true,
          // Each terminate waits until every sibling's terminate has begun: only a parallel shutdown finishes in time.
          onTerminate: () => {
            if (++entered === n) all.open();
            return all.promise;
          },
        }),
    };
    const sup = ok(await Supervisor.start({ strategy: 'simple_one_for_one' }, [spec]));
    const pids: Pid[] = [];
    for (let i = 0; i < n; i++) pids.push(((await Supervisor.startChild(sup, [i])) as { ok: Pid }).ok);
    await Supervisor.stop(sup);
    expect(await Promise.all(pids.map((p) => exited(p)))).toEqual(['shutdown', 'shutdown', 'shutdown']);
  });

  it('a supervisor killed outright takes its linked children down', async () => {
    const sup = ok(await Supervisor.start({}, [trace.spec('a'), trace.spec('b', {}, { trap: true })]));
    const a = await runningPid(sup, 'a');
    const b = await runningPid(sup, 'b');
    exit(sup, 'kill');
    expect(await exited(a)).toBe('killed');
    expect(await exited(b)).toBe('killed');
    expect(trace.events).toContain('terminate:b');
  });
});

describe('Supervisor: starting', () => {
  it('fails to start when a child fails, stopping those already started', async () => {
    const bad: ChildSpec = { id: 'b', start: () => ({ error: 'no_db' }) };
    const r = await Supervisor.start({}, [trace.spec('a', {}, { trap: true }), bad, trace.spec('c')]);
    expect(r).toEqual({ error: { shutdown: { failedToStartChild: 'b', reason: 'no_db' } } });
    expect(trace.events).toEqual(['start:a', 'terminate:a']);
  });

  it('a start function that throws fails with the thrown value', async () => {
    const err = new Error('cannot start');
    const r = await Supervisor.start({}, [
      {
        id: 'x',
        start: () => {
          throw err;
        },
      },
    ]);
    expect(r).toEqual({ error: { shutdown: { failedToStartChild: 'x', reason: err } } });
  });

  it('starts children left to right, each running before the next starts', async () => {
    const seen: string[] = [];
    const spec = (id: string): ChildSpec => ({
      id,
      start: async () => {
        seen.push(`begin:${id}`);
        await sleep(2);
        const r = await trace.startWorker(id);
        seen.push(`end:${id}`);
        return r;
      },
    });
    ok(await Supervisor.start({}, [spec('a'), spec('b')]));
    expect(seen).toEqual(['begin:a', 'end:a', 'begin:b', 'end:b']);
  });

  it('adopts a child whose async start function lost the supervisor as current process', async () => {
    const reasons: unknown[] = [];
    const spec: ChildSpec = {
      id: 'late',
      shutdown: 5000,
      start: async () => {
        await sleep(1);
        return trace.startWorker('late', { trap: true, onTerminate: (r) => reasons.push(r) });
      },
    };
    const sup = ok(await Supervisor.start({}, [spec]));
    const pid = await runningPid(sup, 'late');
    await Supervisor.stop(sup);
    expect(await exited(pid)).toBe('shutdown');
    expect(reasons).toEqual(['shutdown']);
  });

  it('keeps the spec of a child whose start returns ignore, unless temporary', async () => {
    const sup = ok(
      await Supervisor.start({}, [
        { id: 'i', start: () => 'ignore' },
        { id: 't', restart: 'temporary', start: () => 'ignore' },
      ]),
    );
    expect(await Supervisor.whichChildren(sup)).toEqual([{ id: 'i', pid: undefined, type: 'worker' }]);
  });
});

describe('Supervisor: administration', () => {
  it('reports already_started, already_present, running and not_found', async () => {
    const sup = ok(await Supervisor.start({}, [trace.spec('a')]));
    const a = await runningPid(sup, 'a');
    expect(await Supervisor.startChild(sup, trace.spec('a'))).toEqual({ error: { alreadyStarted: a } });
    expect(await Supervisor.restartChild(sup, 'a')).toEqual({ error: 'running' });
    expect(await Supervisor.deleteChild(sup, 'a')).toEqual({ error: 'running' });
    expect(await Supervisor.terminateChild(sup, 'nope')).toEqual({ error: 'not_found' });
    expect(await Supervisor.restartChild(sup, 'nope')).toEqual({ error: 'not_found' });
    expect(await Supervisor.deleteChild(sup, 'nope')).toEqual({ error: 'not_found' });
    expect(await Supervisor.getChildspec(sup, 'nope')).toEqual({ error: 'not_found' });

    expect(await Supervisor.terminateChild(sup, 'a')).toBe('ok');
    expect(await exited(a)).toBe('shutdown');
    expect(await Supervisor.startChild(sup, trace.spec('a'))).toEqual({ error: 'already_present' });
    expect(await Supervisor.countChildren(sup)).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 1 });
    const restarted = await Supervisor.restartChild(sup, 'a');
    expect(restarted).toMatchObject({ ok: expect.any(Pid) });
    expect(await Supervisor.terminateChild(sup, 'a')).toBe('ok');
    expect(await Supervisor.deleteChild(sup, 'a')).toBe('ok');
    expect(await Supervisor.whichChildren(sup)).toEqual([]);

    const added = await Supervisor.startChild(sup, trace.spec('b', { type: 'supervisor' }));
    expect(added).toMatchObject({ ok: expect.any(Pid) });
    expect(await Supervisor.countChildren(sup)).toEqual({ specs: 1, active: 1, supervisors: 1, workers: 0 });
  });

  it('terminateChild of a temporary child drops its spec', async () => {
    const sup = ok(await Supervisor.start({}, [trace.spec('t', { restart: 'temporary' })]));
    expect(await Supervisor.terminateChild(sup, 't')).toBe('ok');
    expect(await Supervisor.whichChildren(sup)).toEqual([]);
  });

  it('is addressable by registered name, and noproc once gone', async () => {
    ok(await Supervisor.start({}, [], { name: 'top' }));
    expect(await Supervisor.whichChildren('top')).toEqual([]);
    await Supervisor.stop('top');
    await expect(Supervisor.whichChildren('top')).rejects.toMatchObject({ reason: 'noproc' });
  });

  it('restarts a supervisor child under its parent policy when started inside a process', async () => {
    const seen: unknown[] = [];
    const parent = spawn(async (ctx) => {
      ctx.trapExit(true);
      const sup = ok(await ctx.run(() => Supervisor.startLink({ intensity: 0 }, [trace.spec('a')])));
      await makeExit(await runningPid(sup, 'a'), 'boom');
      const m = await ctx.receive<{ tag: string; from: Pid; reason: unknown }>();
      seen.push(m.tag, m.from === sup, m.reason);
    });
    await exited(parent);
    expect(seen).toEqual(['EXIT', true, 'shutdown']);
  });
});

describe('Supervisor: significant children', () => {
  it('any_significant: a significant child exiting on its own shuts the supervisor down', async () => {
    const sup = ok(
      await Supervisor.start({ autoShutdown: 'any_significant' }, [
        trace.spec('a', {}, { trap: true }),
        trace.spec('s', { restart: 'transient', significant: true }),
      ]),
    );
    await makeExit(await runningPid(sup, 's'), 'normal');
    expect(await exited(sup)).toBe('shutdown');
    expect(trace.events).toContain('terminate:a');
  });

  it('all_significant: only when the last significant child has exited', async () => {
    const sup = ok(
      await Supervisor.start({ autoShutdown: 'all_significant' }, [
        trace.spec('s1', { restart: 'temporary', significant: true }),
        trace.spec('s2', { restart: 'transient', significant: true }),
      ]),
    );
    await makeExit(await runningPid(sup, 's1'), 'boom');
    expect((await Supervisor.whichChildren(sup)).map((c) => c.id)).toEqual(['s2']);
    await makeExit(await runningPid(sup, 's2'), 'shutdown');
    expect(await exited(sup)).toBe('shutdown');
  });

  it('a significant transient child that crashes is restarted, not an auto shutdown', async () => {
    const sup = ok(
      await Supervisor.start({ autoShutdown: 'any_significant', intensity: 3 }, [
        trace.spec('s', { restart: 'transient', significant: true }),
      ]),
    );
    await makeExit(await runningPid(sup, 's'), 'boom');
    expect(await runningPid(sup, 's')).toBeInstanceOf(Pid);
    expect(isProcessAlive(sup)).toBe(true);
  });

  it('terminateChild of a significant child never triggers auto shutdown', async () => {
    const sup = ok(
      await Supervisor.start({ autoShutdown: 'any_significant' }, [
        trace.spec('s', { restart: 'transient', significant: true }),
      ]),
    );
    expect(await Supervisor.terminateChild(sup, 's')).toBe('ok');
    await Supervisor.whichChildren(sup);
    expect(isProcessAlive(sup)).toBe(true);
  });

  it('a significant child stopped as a sibling casualty never triggers auto shutdown', async () => {
    const sup = ok(
      await Supervisor.start({ strategy: 'one_for_all', autoShutdown: 'any_significant', intensity: 3 }, [
        trace.spec('a'),
        trace.spec('s', { restart: 'transient', significant: true }),
      ]),
    );
    await makeExit(await runningPid(sup, 'a'), 'boom');
    expect(await runningPid(sup, 's')).toBeInstanceOf(Pid);
    expect(isProcessAlive(sup)).toBe(true);
  });
});
