/**
 * Cases ported from OTP's own test suites (lib/stdlib/test/supervisor_SUITE.erl,
 * gen_server_SUITE.erl, gen_statem_SUITE.erl) where the runtime used to differ from OTP.
 * Each test is named after the OTP case it ports; the comment says what OTP asserts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  GenServer,
  MemoryLogger,
  Pid,
  StateMachine,
  Supervisor,
  exited,
  resetRuntime,
  self,
  type Action,
  type EventType,
  type StateMachineBehaviour,
} from '../../packages/runtime/src/index.js';
import { ok, sleep, waitFor } from './helpers.js';

let logger: MemoryLogger;
beforeEach(() => {
  logger = new MemoryLogger();
  resetRuntime({ logger });
});

function typeName(t: EventType): string {
  if (typeof t === 'string') return t;
  return 'call' in t ? 'call' : `timeout:${String(t.timeout)}`;
}

/** A machine scripted per event; every handled event is traced as state:type:event. */
function scripted(
  script: (type: EventType, event: any, state: string) => any,
  opts: { enter?: boolean; initActions?: Action[] } = {},
): { behaviour: StateMachineBehaviour<string, null, null>; trace: string[] } {
  const trace: string[] = [];
  const behaviour: StateMachineBehaviour<string, null, null> = {
    callbackMode: opts.enter ? ['handle_event_function', 'state_enter'] : 'handle_event_function',
    init: () => ({ ok: 'idle', data: null, actions: opts.initActions ?? [] }),
    handleEvent: (type, event, state) => {
      trace.push(`${state}:${typeName(type)}:${String(event)}`);
      return script(type, event, state);
    },
  };
  return { behaviour, trace };
}

describe('supervisor_SUITE', () => {
  // issue 15, divergence 1
  // sup_flags / significant children: OTP's supervisor refuses auto_shutdown on a
  // simple_one_for_one supervisor: {error, {supervisor_data, {bad_combination, _}}}.
  it('sup_flags: auto_shutdown with simple_one_for_one is {supervisor_data, {bad_combination, _}}', async () => {
    for (const autoShutdown of ['any_significant', 'all_significant'] as const) {
      const r = await Supervisor.start({ strategy: 'simple_one_for_one', autoShutdown }, [
        { id: 'c', start: () => GenServer.start({ init: () => ({ ok: null }) }, null), restart: 'transient' },
      ]);
      expect(r).toEqual({
        error: { supervisorData: { badCombination: { strategy: 'simple_one_for_one', autoShutdown } } },
      });
    }
    // 'never' stays allowed.
    const r = await Supervisor.start({ strategy: 'simple_one_for_one', autoShutdown: 'never' }, [
      { id: 'c', start: () => GenServer.start({ init: () => ({ ok: null }) }, null) },
    ]);
    expect(ok(r)).toBeInstanceOf(Pid);
  });

  // issue 15, divergence 2
  // hanging_restart_loop_simple: a simple_one_for_one child whose restart keeps failing shows
  // as {undefined, restarting, worker, _}; terminate_child(Sup, OldPid) returns ok, removes it
  // (which_children becomes []), and the supervisor stops retrying.
  it('hanging_restart_loop_simple: terminate_child of a restarting child removes it', async () => {
    let failStart = false;
    let attempts = 0;
    const sup = ok(
      await Supervisor.start({ strategy: 'simple_one_for_one', intensity: 1000, period: 10 }, [
        {
          id: 'child1',
          shutdown: 'brutal_kill',
          start: async () => {
            attempts++;
            if (failStart) {
              await sleep(5);
              return { error: 'fail_start' };
            }
            return GenServer.startLink({ init: () => ({ ok: null }) }, null);
          },
        },
      ]),
    );
    const r = await Supervisor.startChild(sup, []);
    const child = (r as { ok: Pid }).ok;
    failStart = true;
    child.proc.die('error');
    await waitFor(() => attempts >= 3, 'failed restarts');
    expect(await Supervisor.restartChild(sup, 'child1')).toEqual({ error: 'simple_one_for_one' });
    expect(await Supervisor.deleteChild(sup, 'child1')).toEqual({ error: 'simple_one_for_one' });
    expect(await Supervisor.whichChildren(sup)).toEqual([{ id: undefined, pid: 'restarting', type: 'worker' }]);
    expect(await Supervisor.countChildren(sup)).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 1 });

    expect(await Supervisor.terminateChild(sup, child)).toBe('ok');
    expect(await Supervisor.whichChildren(sup)).toEqual([]);
    const after = attempts;
    await sleep(50);
    expect(attempts).toBe(after);
    expect(sup.proc.alive).toBe(true);
  });
});

describe('gen_server_SUITE', () => {
  // issue 15, divergence 3
  // start: {error, foobar} = gen_server:start(gen_server_SUITE, {error, foobar}, []).
  // Since OTP 26 init may return {error, Reason}: the start returns {error, Reason} and the
  // process exits 'normal' (proc_lib:init_fail(..., {exit, normal})), with no crash report.
  it('start: init returning {error, Reason} gives {error, Reason} and exits normal', async () => {
    let pid: Pid | undefined;
    const r = await GenServer.startLink(
      {
        init: () => {
          pid = self();
          return { error: 'foobar' };
        },
      },
      null,
    );
    expect(r).toEqual({ error: 'foobar' });
    expect(await exited(pid!)).toBe('normal');
    expect(logger.ofKind('processCrashed')).toEqual([]);
    // {stop, Reason} still exits with Reason.
    const r2 = await GenServer.startLink(
      {
        init: () => {
          pid = self();
          return { stop: 'stopped' };
        },
      },
      null,
    );
    expect(r2).toEqual({ error: 'stopped' });
    expect(await exited(pid!)).toBe('stopped');
  });

  // issue 15, divergence 4
  // start_event_timeout_zero and OTP's gen_server loop: a timeout of 0 is `receive ... after 0`.
  // With nothing waiting, handle_info(timeout) runs at once; with a message already waiting,
  // that message is handled and the timeout never fires.
  it('start_event_timeout_zero: a timeout of 0 fires only when no message is waiting', async () => {
    const seen: unknown[] = [];
    const pid = ok(
      await GenServer.start(
        {
          init: () => ({ ok: null }),
          handleCast: (msg: unknown) => {
            seen.push(msg);
            if (msg === 'arm') {
              // a message is already waiting when the timeout is set
              GenServer.cast(pid, 'waiting');
              return { noreply: null, timeout: 0 };
            }
            return { noreply: null };
          },
          handleInfo: (msg: unknown) => {
            seen.push(msg);
            return { noreply: null };
          },
          handleCall: () => ({ reply: 'pong', state: null, timeout: 0 }),
        },
        null,
      ),
    );
    GenServer.cast(pid, 'arm');
    await sleep(20);
    expect(seen).toEqual(['arm', 'waiting']);
    // nothing waiting: the timeout fires
    expect(await GenServer.call(pid, 'ping')).toBe('pong');
    await sleep(20);
    expect(seen).toEqual(['arm', 'waiting', 'timeout']);
  });
});

describe('gen_statem_SUITE', () => {
  // issue 15, divergence 3
  // start5-style init result, OTP 26: init returning {error, Reason} gives {error, Reason};
  // the process exits 'normal'.
  it('start: init returning {error, Reason} gives {error, Reason} and exits normal', async () => {
    let pid: Pid | undefined;
    const r = await StateMachine.startLink(
      {
        init: () => {
          pid = self();
          return { error: 'foobar' };
        },
        handleEvent: () => 'keep_state_and_data',
      },
      null,
    );
    expect(r).toEqual({ error: 'foobar' });
    expect(await exited(pid!)).toBe('normal');
    expect(logger.ofKind('processCrashed')).toEqual([]);
  });

  // issue 15, divergence 5
  // state_enter: a state enter call that returns repeat_state runs the enter call again
  // with the same OldState, the state from before the transition (not the new state).
  it('state_enter: repeat_state from a state enter call keeps OldState', async () => {
    let repeats = 0;
    const { behaviour, trace } = scripted(
      (type, event, state) => {
        if (type === 'enter')
          return state === 'busy' && repeats++ === 0 ? 'repeat_state_and_data' : 'keep_state_and_data';
        if (event === 'go') return { nextState: 'busy' };
        return 'keep_state_and_data';
      },
      { enter: true },
    );
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'go');
    await waitFor(() => trace.length >= 4, 'enter calls');
    expect(trace).toEqual(['idle:enter:idle', 'idle:cast:go', 'busy:enter:idle', 'busy:enter:idle']);
  });

  // issue 15, divergence 5b
  // event_order / state_timeout: the triggering event and all its state enter calls are one
  // transition; for each timeout type only the last timeout action of the transition counts.
  it('state_timeout: a transition with enter calls keeps only the last zero timeout of each type', async () => {
    const { behaviour, trace } = scripted(
      (type, event, state) => {
        if (type === 'enter') {
          return state === 'busy'
            ? { keepStateAndData: true, actions: [['state_timeout', 0, 'from_enter']] }
            : 'keep_state_and_data';
        }
        if (event === 'go')
          return {
            nextState: 'busy',
            actions: [
              ['state_timeout', 0, 'from_event'],
              ['timeout', 0, 'event_timeout'],
            ],
          };
        return 'keep_state_and_data';
      },
      { enter: true },
    );
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'go');
    await sleep(30);
    expect(trace).toEqual([
      'idle:enter:idle',
      'idle:cast:go',
      'busy:enter:idle',
      'busy:timeout:event_timeout',
      'busy:state_timeout:from_enter',
    ]);
  });

  // issue 15, divergence 6
  // event_types: next_event inserts events of every type, the timeout types included
  // (timeout, state_timeout, {timeout, Name}), and they are handled in the order given.
  it('event_types: next_event accepts timeout, state_timeout and {timeout, Name}', async () => {
    const { behaviour, trace } = scripted((type, event) => {
      if (event === 'start')
        return {
          keepStateAndData: true,
          actions: [
            ['next_event', 'internal', 'i'],
            ['next_event', 'timeout', 't'],
            ['next_event', 'state_timeout', 's'],
            ['next_event', { timeout: 'g' }, 'g'],
            ['next_event', 'info', 'n'],
            ['next_event', 'cast', 'c'],
          ],
        };
      void type;
      return 'keep_state_and_data';
    });
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'start');
    await waitFor(() => trace.length >= 7, 'inserted events');
    expect(trace).toEqual([
      'idle:cast:start',
      'idle:internal:i',
      'idle:timeout:t',
      'idle:state_timeout:s',
      'idle:timeout:g:g',
      'idle:info:n',
      'idle:cast:c',
    ]);
    expect(pid.proc.alive).toBe(true);
  });

  // issue 15, divergence 7
  // event_order: a zero event timeout is queued ahead of external messages not yet received;
  // only events already in the machine's own queue (inserted or postponed) cancel it.
  it('event_order: a zero event timeout goes ahead of waiting external messages', async () => {
    const { behaviour, trace } = scripted((_type, event) => {
      if (event === 'arm') return { keepStateAndData: true, actions: [['timeout', 0, 't']] };
      if (event === 'arm_with_next')
        return {
          keepStateAndData: true,
          actions: [
            ['next_event', 'internal', 'x'],
            ['timeout', 0, 'cancelled'],
          ],
        };
      return 'keep_state_and_data';
    });
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'arm');
    StateMachine.cast(pid, 'later'); // waiting in the mailbox when the timeout is set
    await waitFor(() => trace.length >= 3, 'events');
    StateMachine.cast(pid, 'arm_with_next');
    StateMachine.cast(pid, 'after');
    await waitFor(() => trace.length >= 6, 'events');
    await sleep(10);
    expect(trace).toEqual([
      'idle:cast:arm',
      'idle:timeout:t',
      'idle:cast:later',
      'idle:cast:arm_with_next',
      'idle:internal:x',
      'idle:cast:after',
    ]);
  });

  // issue 15, divergence 8
  // generic_timers / state_timeout: in one action list the last timeout action of a type wins:
  // [timeout 0 a, timeout 0 b] fires only b; [state_timeout 0 a, state_timeout 50 b] fires only b;
  // a later infinity for a generic timeout cancels an earlier zero one.
  it('generic_timers: the last timeout action of a type in one action list wins', async () => {
    const { behaviour, trace } = scripted((_type, event) => {
      if (event === 'two_zero')
        return {
          keepStateAndData: true,
          actions: [
            ['timeout', 0, 'a'],
            ['timeout', 0, 'b'],
          ],
        };
      if (event === 'zero_then_50')
        return {
          keepStateAndData: true,
          actions: [
            ['state_timeout', 0, 'a'],
            ['state_timeout', 50, 'b'],
          ],
        };
      if (event === 'zero_then_infinity')
        return {
          keepStateAndData: true,
          actions: [
            [{ timeout: 'g' }, 0, 'a'],
            [{ timeout: 'g' }, 'infinity'],
          ],
        };
      return 'keep_state_and_data';
    });
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'two_zero');
    await sleep(20);
    expect(trace).toEqual(['idle:cast:two_zero', 'idle:timeout:b']);
    trace.length = 0;
    StateMachine.cast(pid, 'zero_then_50');
    await sleep(20);
    expect(trace).toEqual(['idle:cast:zero_then_50']);
    await waitFor(() => trace.length >= 2, 'state timeout b', 2000);
    expect(trace).toEqual(['idle:cast:zero_then_50', 'idle:state_timeout:b']);
    trace.length = 0;
    StateMachine.cast(pid, 'zero_then_infinity');
    await sleep(20);
    expect(trace).toEqual(['idle:cast:zero_then_infinity']);
  });

  // issue 15, divergence 9
  // init may return actions; a postpone action there is ignored (there is no event to
  // postpone), so the start succeeds.
  it('start: a postpone action returned from init is ignored', async () => {
    const { behaviour, trace } = scripted(() => 'keep_state_and_data', {
      initActions: ['postpone', ['postpone', true]],
    });
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'x');
    await waitFor(() => trace.length >= 1, 'cast');
    expect(trace).toEqual(['idle:cast:x']);
  });
});
