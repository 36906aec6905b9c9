/**
 * The supervisor's child administration, as OTP's supervisor documents it: start_child,
 * restart_child, delete_child, terminate_child and get_childspec answers in every child state,
 * for a static supervisor and for simple_one_for_one, and what a start function may return.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryLogger, Pid, Supervisor, resetRuntime, type ServerRef } from '../../packages/runtime/src/index.js';
import { ok } from './helpers.js';
import { Trace, pidOf, runningPid } from './sup-helpers.js';

let trace: Trace;
beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
  trace = new Trace();
});

const ids = async (sup: ServerRef) => (await Supervisor.whichChildren(sup)).map((c) => c.id);

describe('supervisor administration, static children', () => {
  it('start_child: already started, already present, and an invalid spec', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a')]));
    const a = await runningPid(sup, 'a');
    expect(await Supervisor.startChild(sup, trace.spec('a'))).toEqual({ error: { alreadyStarted: a } });
    expect(await Supervisor.terminateChild(sup, 'a')).toBe('ok');
    expect(await Supervisor.startChild(sup, trace.spec('a'))).toEqual({ error: 'already_present' });
    expect(await Supervisor.startChild(sup, { id: 'b' } as never)).toEqual({ error: 'missing_start' });
    expect(await ids(sup)).toEqual(['a']);
  });

  it('restart_child and delete_child: running, not found, and a terminated child', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a')]));
    expect(await Supervisor.restartChild(sup, 'a')).toEqual({ error: 'running' });
    expect(await Supervisor.deleteChild(sup, 'a')).toEqual({ error: 'running' });
    expect(await Supervisor.restartChild(sup, 'nobody')).toEqual({ error: 'not_found' });
    expect(await Supervisor.deleteChild(sup, 'nobody')).toEqual({ error: 'not_found' });
    expect(await Supervisor.terminateChild(sup, 'nobody')).toEqual({ error: 'not_found' });
    expect(await Supervisor.terminateChild(sup, 'a')).toBe('ok');
    expect(await pidOf(sup, 'a')).toBeUndefined();
    const restarted = await Supervisor.restartChild(sup, 'a');
    expect(restarted).toEqual({ ok: await runningPid(sup, 'a') });
    expect(await Supervisor.terminateChild(sup, 'a')).toBe('ok');
    expect(await Supervisor.deleteChild(sup, 'a')).toBe('ok');
    expect(await ids(sup)).toEqual([]);
    // the worker does not trap exits: shutdown kills it without its terminate, as in OTP
    expect(trace.events).toEqual(['start:a', 'start:a']);
  });

  it('get_childspec by id: the normalized spec, or not_found', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, [trace.spec('a', { restart: 'transient' })]));
    const spec = await Supervisor.getChildspec(sup, 'a');
    expect(spec).toMatchObject({ ok: { id: 'a', restart: 'transient', type: 'worker', shutdown: 5000 } });
    expect(await Supervisor.getChildspec(sup, 'b')).toEqual({ error: 'not_found' });
  });

  it('a temporary child that returns ignore is not kept; a permanent one is kept, not running', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, []));
    expect(await Supervisor.startChild(sup, { id: 't', start: () => 'ignore', restart: 'temporary' })).toEqual({
      ok: undefined,
    });
    expect(await Supervisor.startChild(sup, { id: 'p', start: () => 'ignore' })).toEqual({ ok: undefined });
    expect(await ids(sup)).toEqual(['p']);
    expect(await pidOf(sup, 'p')).toBeUndefined();
  });

  it.each([
    ['{error: reason}', () => ({ error: 'nope' }), { error: 'nope' }],
    ['something else', () => 42, { error: 42 }],
    [
      'a throw',
      () => {
        throw new Error('bad start');
      },
      { error: new Error('bad start') },
    ],
    ['a rejected promise', () => Promise.reject(new Error('async bad')), { error: new Error('async bad') }],
  ])('a start function returning %s fails start_child and adds no child', async (_label, start, expected) => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, []));
    expect(await Supervisor.startChild(sup, { id: 'x', start: start as never })).toEqual(expected);
    expect(await ids(sup)).toEqual([]);
  });

  it('start_child passes {ok, pid, info} through, and accepts a bare pid', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, []));
    const withInfo = await Supervisor.startChild(sup, {
      id: 'i',
      start: async () => ({ ok: ok(await trace.startWorker('i')), info: 'extra' }),
    });
    expect(withInfo).toEqual({ ok: await runningPid(sup, 'i'), info: 'extra' });
    const bare = await Supervisor.startChild(sup, { id: 'b', start: async () => ok(await trace.startWorker('b')) });
    expect(bare).toEqual({ ok: await runningPid(sup, 'b') });
  });

  it('an unknown request is a bad request', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'one_for_one' }, []));
    const { call } = await import('../../packages/runtime/src/index.js');
    expect(await call(sup, { fly: 1 })).toEqual({ error: { badRequest: { fly: 1 } } });
  });
});

describe('supervisor administration, simple_one_for_one', () => {
  const dyn = () => ({
    id: 'w',
    start: (n: unknown) => trace.startWorker(`w${String(n)}`),
  });

  it('starts children with the extra arguments, by a list or a single value', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'simple_one_for_one' }, [dyn()]));
    const r1 = await Supervisor.startChild(sup, [1]);
    const r2 = await Supervisor.startChild(sup, 2 as never);
    expect(r1).toMatchObject({ ok: expect.any(Pid) });
    expect(r2).toMatchObject({ ok: expect.any(Pid) });
    expect(trace.events).toEqual(['start:w1', 'start:w2']);
    expect(await Supervisor.countChildren(sup)).toMatchObject({ specs: 1, active: 2, workers: 2, supervisors: 0 });
  });

  it('restart_child, delete_child and terminate_child by id are refused; terminate_child by pid works', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'simple_one_for_one' }, [dyn()]));
    const r = await Supervisor.startChild(sup, [1]);
    const pid = (r as { ok: Pid }).ok;
    expect(await Supervisor.restartChild(sup, 'w')).toEqual({ error: 'simple_one_for_one' });
    expect(await Supervisor.deleteChild(sup, 'w')).toEqual({ error: 'simple_one_for_one' });
    expect(await Supervisor.terminateChild(sup, 'w')).toEqual({ error: 'simple_one_for_one' });
    expect(await Supervisor.getChildspec(sup, 'w')).toEqual({ error: 'not_found' });
    expect(await Supervisor.getChildspec(sup, pid)).toMatchObject({ ok: { id: 'w' } });
    expect(await Supervisor.terminateChild(sup, pid)).toBe('ok');
    expect(pid.proc.alive).toBe(false);
    // a pid that is no longer a child: ok when it is dead
    expect(await Supervisor.terminateChild(sup, pid)).toBe('ok');
    expect(await Supervisor.countChildren(sup)).toMatchObject({ active: 0 });
  });

  it('terminate_child of a live process that is not its child is not_found', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'simple_one_for_one' }, [dyn()]));
    const other = ok(await Supervisor.start({ strategy: 'one_for_one' }, []));
    expect(await Supervisor.terminateChild(sup, other)).toEqual({ error: 'not_found' });
  });

  it('a child start returning ignore is not kept', async () => {
    const sup = ok(await Supervisor.start({ strategy: 'simple_one_for_one' }, [{ id: 'w', start: () => 'ignore' }]));
    expect(await Supervisor.startChild(sup, [1])).toEqual({ ok: undefined });
    expect(await Supervisor.countChildren(sup)).toMatchObject({ active: 0 });
    expect(await Supervisor.whichChildren(sup)).toEqual([]);
  });
});
