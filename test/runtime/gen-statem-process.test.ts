/**
 * gen_statem as a process, as OTP's gen_statem and sys docs describe it (gen_statem_SUITE sys1,
 * stop*, abnormal*): sys suspend holds calls and casts until resume, a suspended machine still stops;
 * a machine trapping exits terminates when its parent exits, while an exit from any other linked
 * process is an info event; a machine that dies leaves no timer armed; a machine killed during
 * its asynchronous init does not start.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MemoryLogger,
  StateMachine,
  Sys,
  exit,
  exited,
  getRuntime,
  processFlag,
  resetRuntime,
  self,
  spawn,
  type EventType,
  type Pid,
  type StateMachineBehaviour,
} from '../../packages/runtime/src/index.js';
import { ok, sleep, waitFor } from './helpers.js';

beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
});

const typeName = (t: EventType): string => (typeof t === 'string' ? t : 'call' in t ? 'call' : 'generic');

/** Counts casts 'inc'; a call 'get' replies the count; every event is traced. */
function counter(trace: string[] = [], trap = false): StateMachineBehaviour<string, number> {
  return {
    init: () => {
      if (trap) processFlag('trapExit', true);
      return { ok: 'counting', data: 0 };
    },
    handleEvent: (type, event, _state, n) => {
      trace.push(`${typeName(type)}:${JSON.stringify(event)}`);
      if (type === 'cast' && event === 'inc') return { keepState: n + 1 };
      if (typeof type === 'object' && 'call' in type) return { keepState: n, actions: [['reply', type.call, n]] };
      return 'keep_state_and_data';
    },
    terminate: (reason) => {
      trace.push(`terminate:${JSON.stringify(reason)}`);
    },
  };
}

describe('gen_statem and sys (gen_statem_SUITE sys1)', () => {
  it('suspend holds calls and casts until resume, which handles them in order', async () => {
    const pid = ok(await StateMachine.start(counter(), null));
    expect(await Sys.suspend(pid)).toBe('ok');
    StateMachine.cast(pid, 'inc');
    let answered = false;
    const during = StateMachine.call<number>(pid, 'get').then((v) => {
      answered = true;
      return v;
    });
    StateMachine.cast(pid, 'inc');
    await sleep(20);
    expect(answered).toBe(false);
    expect(await Sys.getStatus(pid)).toMatchObject({
      pid,
      behaviour: 'gen_statem',
      status: 'suspended',
      state: ['counting', 0],
      messageQueueLen: 3,
    });
    expect(await Sys.resume(pid)).toBe('ok');
    expect(await during).toBe(1);
    expect(await StateMachine.call(pid, 'get')).toBe(2);
    expect((await Sys.getStatus(pid)).status).toBe('running');
  });

  it('a suspended machine still stops when asked, running terminate', async () => {
    const trace: string[] = [];
    const pid = ok(await StateMachine.start(counter(trace), null));
    await Sys.suspend(pid);
    await StateMachine.stop(pid, 'done');
    expect(pid.proc.alive).toBe(false);
    expect(trace).toEqual(['terminate:"done"']);
  });

  it('a suspended machine trapping exits still terminates when its parent exits', async () => {
    const trace: string[] = [];
    let machine: Pid | undefined;
    const parent = spawn(async (ctx) => {
      machine = ok(await ctx.run(() => StateMachine.startLink(counter(trace, true), null)));
      await ctx.receive();
    });
    await waitFor(() => machine !== undefined, 'machine started');
    await Sys.suspend(machine!);
    exit(parent, 'going_away');
    expect(await exited(machine!)).toBe('going_away');
    expect(trace).toEqual(['terminate:"going_away"']);
  });
});

describe('gen_statem trapping exits', () => {
  it("its parent's exit terminates it with the parent's reason; another linked process's exit is an info event", async () => {
    const trace: string[] = [];
    let machine: Pid | undefined;
    const parent = spawn(async (ctx) => {
      machine = ok(await ctx.run(() => StateMachine.startLink(counter(trace, true), null)));
      await ctx.receive();
    });
    await waitFor(() => machine !== undefined, 'machine started');
    // a linked process that is not its parent
    const other = spawn(async (ctx) => {
      ctx.link(machine!);
      await ctx.receive();
    });
    await sleep(5);
    exit(other, 'other_reason');
    await waitFor(() => trace.length > 0, 'the exit as an event');
    expect(trace[0]).toMatch(/^info:/);
    expect(machine!.proc.alive).toBe(true);
    expect(await StateMachine.call(machine!, 'get')).toBe(0);
    exit(parent, 'parent_reason');
    expect(await exited(machine!)).toBe('parent_reason');
    expect(trace.at(-1)).toBe('terminate:"parent_reason"');
  });
});

describe('gen_statem death', () => {
  it('leaves no timer armed: event, state and generic timeouts are cancelled', async () => {
    const timers = getRuntime().timers;
    const before = timers.liveCount;
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({
            ok: 's',
            data: null,
            actions: [
              ['timeout', 60_000, 'e'],
              ['state_timeout', 60_000, 's'],
              [{ timeout: 'a' }, 60_000, 'a'],
              [{ timeout: 'b' }, 60_000, 'b'],
            ],
          }),
          handleEvent: () => 'keep_state_and_data',
        },
        null,
      ),
    );
    expect(timers.liveCount).toBe(before + 4);
    await StateMachine.stop(pid);
    expect(timers.liveCount).toBe(before);
  });

  it('killed during an asynchronous init, it does not start: the start returns the kill', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let me: Pid | undefined;
    const starting = StateMachine.start(
      {
        init: async () => {
          me = self();
          await gate;
          return { ok: 's', data: null };
        },
        handleEvent: () => 'keep_state_and_data',
      },
      null,
    );
    await waitFor(() => me !== undefined, 'init running');
    exit(me!, 'kill');
    release();
    expect(await starting).toEqual({ error: 'killed' });
  });
});
