/**
 * gen_statem behaviour at edges the other gen_statem suites leave open, as OTP's gen_statem and
 * sys docs describe it: a handler that throws synchronously, events inserted by an asynchronous
 * handler with no message after them, stop_and_reply without data, hibernate flags, cancelling a
 * timeout that is not running, timeout actions of different types in one list (only a repeat of
 * the same type is dropped, OTP's loop_timeouts), next_event and timeout actions with a type or
 * name that is null or undefined, start without a link, stop's default timeout, and the reason a
 * refused sys:replace_state fails with; a cancelled or restarted timeout leaves no timer armed;
 * the event type helpers given null; array-likes and wrong tags as actions; a stale event timeout
 * message; sys suspend with a parent; init's timeouts and an asynchronous first enter call.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ExitError,
  MemoryLogger,
  StateMachine,
  Sys,
  exit,
  exited,
  genericTimeoutName,
  getRuntime,
  isCallEvent,
  processFlag,
  resetRuntime,
  self,
  send,
  spawn,
  type Action,
  type EventResult,
  type EventType,
  type From,
  type Pid,
  type StateMachineBehaviour,
} from '../../packages/runtime/src/index.js';
import { ok, sleep, waitFor } from './helpers.js';

beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
});

const typeName = (t: EventType): string =>
  typeof t === 'string' ? t : isCallEvent(t) ? 'call' : `timeout:${String((t as { timeout: unknown }).timeout)}`;

/** A machine in state 's' that reacts to casts with `react` and traces every other event. */
function tracing(react: (event: unknown) => EventResult<string, number> | Promise<EventResult<string, number>>): {
  b: StateMachineBehaviour<string, number>;
  trace: string[];
} {
  const trace: string[] = [];
  return {
    trace,
    b: {
      init: () => ({ ok: 's', data: 0 }),
      handleEvent: (type, event) => {
        if (type === 'cast') return react(event);
        if (isCallEvent(type)) return { keepStateAndData: true, actions: [['reply', type.call, 'pong']] };
        trace.push(`${typeName(type)}:${String(event)}`);
        return 'keep_state_and_data';
      },
    },
  };
}

describe('gen_statem handler failures', () => {
  it('a handler that throws synchronously terminates the machine with what it threw', async () => {
    const boom = new Error('boom');
    const terminated: unknown[] = [];
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: 0 }),
          handleEvent: () => {
            throw boom;
          },
          terminate: (reason) => terminated.push(reason),
        },
        null,
      ),
    );
    StateMachine.cast(pid, 'x');
    expect(await exited(pid)).toBe(boom);
    expect(terminated).toEqual([boom]);
  });
});

describe('gen_statem asynchronous handlers', () => {
  it('events an asynchronous handler inserts run without another message arriving', async () => {
    const { b, trace } = tracing(async () => {
      await sleep(5);
      return {
        keepStateAndData: true,
        actions: [
          ['next_event', 'internal', 'first'],
          ['next_event', 'info', 'second'],
        ],
      };
    });
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'go');
    // nothing else is sent: the inserted events must run on their own
    await waitFor(() => trace.length === 2, 'the inserted events');
    expect(trace).toEqual(['internal:first', 'info:second']);
    expect(pid.proc.alive).toBe(true);
  });
});

describe('gen_statem stop_and_reply', () => {
  it('without data keeps the data terminate sees; with data replaces it', async () => {
    const seen: unknown[] = [];
    const b = (withData: boolean): StateMachineBehaviour<string, number> => ({
      init: () => ({ ok: 's', data: 7 }),
      handleEvent: (type) =>
        isCallEvent(type)
          ? withData
            ? { stopAndReply: 'bye', replies: [['reply', type.call, 'ok']], data: 8 }
            : { stopAndReply: 'bye', replies: [['reply', type.call, 'ok']] }
          : 'keep_state_and_data',
      terminate: (reason, state, data) => seen.push([reason, state, data]),
    });
    for (const withData of [false, true]) {
      const pid = ok(await StateMachine.start(b(withData), null));
      const done = exited(pid);
      expect(await StateMachine.call(pid, 'stop')).toBe('ok');
      expect(await done).toBe('bye');
    }
    expect(seen).toEqual([
      ['bye', 's', 7],
      ['bye', 's', 8],
    ]);
  });
});

describe('gen_statem hibernate', () => {
  it('hibernates on hibernate and [hibernate, true], not on [hibernate, false]; the last one counts', async () => {
    const actions: Record<string, Action[]> = {
      plain: ['hibernate'],
      no: [['hibernate', false]],
      yes: [['hibernate', true]],
      undone: ['hibernate', ['hibernate', false]],
      redone: [['hibernate', false], 'hibernate'],
    };
    const { b } = tracing((event) => ({ keepStateAndData: true, actions: actions[String(event)]! }));
    const pid = ok(await StateMachine.start(b, null));
    expect((await Sys.getStatus(pid)).hibernating).toBe(false);
    // a sys call is handled after the cast before it, and does not wake the machine
    for (const [event, hibernating] of [
      ['plain', true],
      ['no', false],
      ['yes', true],
      ['undone', false],
      ['redone', true],
    ] as const) {
      StateMachine.cast(pid, event);
      expect((await Sys.getStatus(pid)).hibernating, event).toBe(hibernating);
    }
    // any other message wakes it
    expect(await StateMachine.call(pid, 'ping')).toBe('pong');
    expect((await Sys.getStatus(pid)).hibernating).toBe(false);
  });
});

describe('gen_statem timeouts', () => {
  it('cancelling timeouts that are not running is no error', async () => {
    const { b, trace } = tracing(() => ({
      keepStateAndData: true,
      actions: [
        ['timeout', 'cancel'],
        ['state_timeout', 'cancel'],
        [{ timeout: 'g' }, 'cancel'],
      ],
    }));
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'cancel');
    expect(await StateMachine.call(pid, 'ping')).toBe('pong');
    expect(pid.proc.alive).toBe(true);
    expect(trace).toEqual([]);
  });

  it.each<[string, Action[]]>([
    [
      'an event timeout and a state timeout',
      [
        ['timeout', 10, 'e'],
        ['state_timeout', 40, 's'],
      ],
    ],
    [
      'a state timeout before a generic timeout named undefined',
      [
        ['state_timeout', 40, 's'],
        [{ timeout: undefined }, 10, 'g'],
      ],
    ],
    [
      'a generic timeout named undefined before a state timeout',
      [
        [{ timeout: undefined }, 10, 'g'],
        ['state_timeout', 40, 's'],
      ],
    ],
  ])('timeouts of different types in one list all run: %s', async (_what, list) => {
    const { b, trace } = tracing(() => ({ keepStateAndData: true, actions: list }));
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    await waitFor(() => trace.length === 2, 'both timeouts');
    await sleep(20);
    const expected = list.map((a) => `${typeName((a as unknown[])[0] as EventType)}:${String((a as unknown[])[2])}`);
    expect([...trace].sort()).toEqual([...expected].sort());
    expect(pid.proc.alive).toBe(true);
  });

  it('of two timeouts with equal generic names (other objects) in one list only the last counts', async () => {
    // OTP's loop_timeouts keeps the last timeout of each type, types compared as terms: the
    // 'update' alone, of a timer not running, fires at once (not after the 5 s of the first one)
    const { b, trace } = tracing(() => ({
      keepStateAndData: true,
      actions: [
        [{ timeout: { n: 1 } }, 5000, 'first'],
        [{ timeout: { n: 1 } }, 'update', 'second'],
      ],
    }));
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    await waitFor(() => trace.length === 1, 'the updated timeout', 2000);
    expect(trace).toEqual(['timeout:[object Object]:second']);
    await StateMachine.stop(pid);
  });
});

describe('gen_statem bad actions with null or undefined parts', () => {
  it.each<[string, unknown]>([
    ['next_event of type null', ['next_event', null, 'x']],
    ['next_event of type undefined', ['next_event', undefined, 'x']],
    ['next_event of an object type that is no call', ['next_event', { foo: 1 }, 'x']],
    ['next_event of an object type whose call is no caller', ['next_event', { call: 'nobody' }, 'x']],
    ['a timeout whose head is null', [null, 5, 'x']],
  ])('%s is a bad action', async (_what, action) => {
    const { b, trace } = tracing(() => ({ keepStateAndData: true, actions: [action as Action] }));
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'x');
    expect(await exited(pid)).toEqual({ badAction: action });
    expect(trace).toEqual([]);
  });
});

describe('gen_statem start and stop', () => {
  it('start does not link the machine to its caller: the caller exiting leaves it running', async () => {
    let machine: Pid | undefined;
    const caller = spawn(async (ctx) => {
      machine = ok(await ctx.run(() => StateMachine.start(tracing(() => 'keep_state_and_data').b, null)));
      await ctx.receive();
    });
    await waitFor(() => machine !== undefined, 'machine started');
    exit(caller, 'going_away');
    expect(await exited(caller)).toBe('going_away');
    await sleep(10);
    expect(machine!.proc.alive).toBe(true);
    expect(await StateMachine.call(machine!, 'ping')).toBe('pong');
  });

  it("stop's default timeout is infinity: it waits for a slow terminate", async () => {
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: 0 }),
          handleEvent: () => 'keep_state_and_data',
          terminate: () => sleep(50),
        },
        null,
      ),
    );
    await expect(StateMachine.stop(pid)).resolves.toBeUndefined();
    expect(pid.proc.alive).toBe(false);
  });
});

describe('gen_statem sys:replace_state', () => {
  it('a result that is not [state, data] fails with badStateData naming sys.replaceState', async () => {
    const pid = ok(await StateMachine.start(tracing(() => 'keep_state_and_data').b, null));
    for (const bad of ['not a pair', ['a', 'b', 'c'], ['a']]) {
      const err = await Sys.replaceState(pid, () => bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      const failed = ((err as ExitError).reason as { callbackFailed: unknown }).callbackFailed;
      expect(failed).toBeInstanceOf(ExitError);
      expect((failed as ExitError).reason).toEqual({ badStateData: bad });
      expect((failed as ExitError).message).toMatch(/^sys\.replaceState: /);
    }
    expect(await Sys.getState(pid)).toEqual(['s', 0]);
  });
});

describe('gen_statem zero timeouts (OTP: run when no event is queued; any event cancels the event timeout)', () => {
  it('a zero state timeout cancelled while queued does not cancel a zero event timeout set with it', async () => {
    // 'arm' inserts an internal event and a zero state timeout (queued behind it); the internal
    // event cancels the state timeout and sets a zero event timeout. No event is left (OTP drops a
    // cancelled zero timeout), so the event timeout fires.
    const trace: string[] = [];
    const b: StateMachineBehaviour<string, number> = {
      init: () => ({ ok: 's', data: 0 }),
      handleEvent: (type, event) => {
        trace.push(`${typeName(type)}:${String(event)}`);
        if (type === 'cast')
          return {
            keepStateAndData: true,
            actions: [
              ['next_event', 'internal', 'i'],
              ['state_timeout', 0, 'z'],
            ],
          };
        if (type === 'internal')
          return {
            keepStateAndData: true,
            actions: [
              ['state_timeout', 'cancel'],
              ['timeout', 0, 'e'],
            ],
          };
        return 'keep_state_and_data';
      },
    };
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    await waitFor(() => trace.length >= 3, 'the zero event timeout');
    await sleep(10);
    expect(trace).toEqual(['cast:arm', 'internal:i', 'timeout:e']);
  });

  it('a zero event timeout set with a next_event is cancelled by it', async () => {
    const { b, trace } = tracing(() => ({
      keepStateAndData: true,
      actions: [
        ['timeout', 0, 'e'],
        ['next_event', 'internal', 'i'],
      ],
    }));
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    expect(await StateMachine.call(pid, 'ping')).toBe('pong');
    await sleep(10);
    expect(trace).toEqual(['internal:i']);
  });
});

describe('gen_statem timers it no longer needs are disarmed', () => {
  it('restarting, cancelling or setting infinity disarms the running timer', async () => {
    const timers = getRuntime().timers;
    const before = timers.liveCount;
    const actions: Record<string, Action[]> = {
      arm: [
        ['state_timeout', 60_000, 's'],
        [{ timeout: 'g' }, 60_000, 'g'],
      ],
      infinity: [['state_timeout', 'infinity']],
      cancel: [[{ timeout: 'g' }, 'cancel']],
    };
    const { b, trace } = tracing((event) => ({ keepStateAndData: true, actions: actions[String(event)]! }));
    const pid = ok(await StateMachine.start(b, null));
    const armed = async (event: string): Promise<number> => {
      StateMachine.cast(pid, event);
      expect(await StateMachine.call(pid, 'ping')).toBe('pong');
      return timers.liveCount - before;
    };
    expect(await armed('arm')).toBe(2);
    // the same timeouts again restart the two timers: the old ones are disarmed
    expect(await armed('arm')).toBe(2);
    expect(await armed('infinity')).toBe(1);
    expect(await armed('cancel')).toBe(0);
    expect(await armed('arm')).toBe(2);
    await StateMachine.stop(pid);
    expect(timers.liveCount).toBe(before);
    expect(trace).toEqual([]);
  });
});

describe('gen_statem death after a generic timeout was cancelled', () => {
  it('disarms the generic timers still running', async () => {
    const timers = getRuntime().timers;
    const before = timers.liveCount;
    const { b } = tracing(() => ({ keepStateAndData: true, actions: [[{ timeout: 'a' }, 'cancel']] }));
    b.init = () => ({
      ok: 's',
      data: 0,
      actions: [
        [{ timeout: 'a' }, 60_000, 'a'],
        [{ timeout: 'b' }, 60_000, 'b'],
      ],
    });
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'cancel a');
    expect(await StateMachine.call(pid, 'ping')).toBe('pong');
    expect(timers.liveCount - before).toBe(1);
    await StateMachine.stop(pid);
    expect(timers.liveCount).toBe(before);
  });
});

describe('event type helpers given null', () => {
  it('isCallEvent and genericTimeoutName answer no rather than throw', () => {
    expect(isCallEvent(null as never)).toBe(false);
    expect(genericTimeoutName(null as never)).toBeUndefined();
    expect(genericTimeoutName('cast')).toBeUndefined();
    expect(genericTimeoutName({ timeout: null })).toBeNull();
  });
});

describe('gen_statem actions that only look like actions', () => {
  it.each<[string, (from: From) => unknown]>([
    ['an array-like postpone', () => ({ 0: 'postpone', 1: true })],
    ['an array-like hibernate', () => ({ 0: 'hibernate', 1: true })],
    ['an array-like reply', (from) => ({ 0: 'reply', 1: from, 2: 1 })],
    ['an array-like next_event', () => ({ 0: 'next_event', 1: 'internal', 2: 'x', length: 3 })],
    ['a tuple of another tag with a caller second', (from) => ['nope', from, 1]],
    ['a tuple of another tag with an event type second', () => ['nope', 'internal', 'x']],
    ['a timeout with a boolean time', () => ['timeout', true]],
  ])('%s is a bad action', async (_what, make) => {
    let action: unknown;
    const trace: string[] = [];
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: 0 }),
          handleEvent: (type, event) => {
            trace.push(`${typeName(type)}:${String(event)}`);
            if (!isCallEvent(type)) return 'keep_state_and_data';
            action = make(type.call);
            return { keepStateAndData: true, actions: [action as Action] };
          },
        },
        null,
      ),
    );
    const reason = exited(pid);
    await expect(StateMachine.call(pid, 'go', 1000)).rejects.toBeInstanceOf(ExitError);
    expect(await reason).toEqual({ badAction: action });
    expect(trace).toEqual(['call:go']);
  });

  it.each<[string, (from: From) => unknown]>([
    ['null', () => null],
    ['a tuple of another tag', (from) => ['nope', from, 1]],
  ])('stop_and_reply with a reply that is %s is a bad action', async (_what, make) => {
    let bad: unknown;
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: 0 }),
          handleEvent: (type) => {
            if (!isCallEvent(type)) return 'keep_state_and_data';
            bad = make(type.call);
            return { stopAndReply: 'bye', replies: [bad as never] };
          },
        },
        null,
      ),
    );
    const reason = exited(pid);
    await expect(StateMachine.call(pid, 'go', 1000)).rejects.toBeInstanceOf(ExitError);
    expect(await reason).toEqual({ badAction: bad });
  });
});

describe('gen_statem stale and queued timers', () => {
  it('an event timeout that fired behind an event, which cancels it, is never delivered', async () => {
    const { b, trace } = tracing((event) =>
      event === 'arm' ? { keepStateAndData: true, actions: [['timeout', 5, 'e']] } : 'keep_state_and_data',
    );
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    expect(await Sys.suspend(pid)).toBe('ok');
    // held: an info event, then (after 5 ms) the fired event timeout's message
    send(pid, 'first');
    await sleep(30);
    expect(await Sys.resume(pid)).toBe('ok');
    expect(await StateMachine.call(pid, 'ping')).toBe('pong');
    await sleep(10);
    expect(trace).toEqual(['info:first']);
  });

  it('cancelling a queued zero timeout leaves no timer count behind', async () => {
    const timers = getRuntime().timers;
    const before = timers.liveCount;
    const { b, trace } = tracing((event) =>
      event === 'arm'
        ? {
            keepStateAndData: true,
            actions: [
              ['next_event', 'internal', 'cancel'],
              [{ timeout: 'g' }, 0, 'z'],
              ['state_timeout', 60_000, 's'],
            ],
          }
        : 'keep_state_and_data',
    );
    const internal = b.handleEvent;
    b.handleEvent = (type, event, state, data) =>
      type === 'internal'
        ? (trace.push('internal:cancel'), { keepStateAndData: true, actions: [[{ timeout: 'g' }, 'cancel']] })
        : internal(type, event, state, data);
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    expect(await StateMachine.call(pid, 'ping')).toBe('pong');
    // only the state timeout is armed; the zero generic timeout, cancelled, never fires
    expect(timers.liveCount - before).toBe(1);
    expect(trace).toEqual(['internal:cancel']);
    await StateMachine.stop(pid);
    expect(timers.liveCount).toBe(before);
  });

  it('a machine killed during its asynchronous init arms none of the timeouts init returns', async () => {
    const timers = getRuntime().timers;
    const before = timers.liveCount;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let me: Pid | undefined;
    const starting = StateMachine.start(
      {
        init: async () => {
          me = self();
          await gate;
          return { ok: 's', data: null, actions: [['state_timeout', 60_000, 'x']] };
        },
        handleEvent: () => 'keep_state_and_data',
      },
      null,
    );
    await waitFor(() => me !== undefined, 'init running');
    exit(me!, 'kill');
    expect(await starting).toEqual({ error: 'killed' });
    release();
    await sleep(10);
    expect(timers.liveCount).toBe(before);
  });
});

describe('gen_statem killed while an asynchronous handler runs', () => {
  it("the handler's result is not applied: no timer is armed, no reply sent", async () => {
    const timers = getRuntime().timers;
    const before = timers.liveCount;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handling = false;
    const replied: unknown[] = [];
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: 0 }),
          handleEvent: async (type) => {
            if (!isCallEvent(type)) return 'keep_state_and_data';
            handling = true;
            await gate;
            return {
              nextState: 't',
              actions: [
                ['reply', type.call, 'late'],
                ['state_timeout', 60_000, 'x'],
              ],
            };
          },
        },
        null,
      ),
    );
    const call = StateMachine.call(pid, 'go', 'infinity').then(
      (v) => replied.push(v),
      (e: unknown) => replied.push(e instanceof ExitError ? e.reason : e),
    );
    await waitFor(() => handling, 'the handler running');
    exit(pid, 'kill');
    expect(await exited(pid)).toBe('killed');
    release();
    await call;
    await sleep(10);
    expect(replied).toEqual(['killed']);
    expect(timers.liveCount).toBe(before);
  });
});

describe('gen_statem with state enter calls, from init', () => {
  it("init's zero event timeout and the first enter call's actions are one transition: the timeout fires", async () => {
    const trace: string[] = [];
    const pid = ok(
      await StateMachine.start(
        {
          callbackMode: ['handle_event_function', 'state_enter'],
          init: () => ({ ok: 's', data: 0, actions: [['timeout', 0, 'e']] }),
          handleEvent: (type, event) => {
            trace.push(`${typeName(type)}:${String(event)}`);
            return 'keep_state_and_data';
          },
        },
        null,
      ),
    );
    await waitFor(() => trace.length === 2, 'the enter call and the event timeout');
    expect(trace).toEqual(['enter:s', 'timeout:e']);
    await StateMachine.stop(pid);
  });

  it("only the last of init's and the first enter call's timeouts of one type counts: an update of a timer not running fires at once", async () => {
    const trace: string[] = [];
    const pid = ok(
      await StateMachine.start(
        {
          callbackMode: ['handle_event_function', 'state_enter'],
          init: () => ({ ok: 's', data: 0, actions: [[{ timeout: 'g' }, 60_000, 'from init']] }),
          handleEvent: (type, event) => {
            trace.push(`${typeName(type)}:${String(event)}`);
            return type === 'enter'
              ? { keepStateAndData: true, actions: [[{ timeout: 'g' }, 'update', 'from enter']] }
              : 'keep_state_and_data';
          },
        },
        null,
      ),
    );
    await waitFor(() => trace.length === 2, 'the updated generic timeout', 2000);
    expect(trace).toEqual(['enter:s', 'timeout:g:from enter']);
    await StateMachine.stop(pid);
  });

  it('an asynchronous first enter call holds every message until it settles', async () => {
    const trace: string[] = [];
    const pid = ok(
      await StateMachine.start(
        {
          callbackMode: ['handle_event_function', 'state_enter'],
          init: () => ({ ok: 's', data: 0 }),
          handleEvent: async (type, event) => {
            trace.push(`${typeName(type)}:${String(event)}`);
            if (type === 'enter') {
              await sleep(30);
              trace.push('enter done');
            }
            return 'keep_state_and_data' as const;
          },
        },
        null,
      ),
    );
    StateMachine.cast(pid, 'x');
    await waitFor(() => trace.length === 3, 'the cast');
    expect(trace).toEqual(['enter:s', 'enter done', 'cast:x']);
    await StateMachine.stop(pid);
  });
});

describe('gen_statem suspended, with a parent and links (OTP sys: only the parent exit and stop pass)', () => {
  it("holds casts, other links' exits and info messages naming the parent until resumed", async () => {
    const trace: string[] = [];
    let machine: Pid | undefined;
    let parentPid: Pid | undefined;
    const parent = spawn(async (ctx) => {
      parentPid = self();
      machine = ok(
        await ctx.run(() =>
          StateMachine.startLink(
            {
              init: () => {
                processFlag('trapExit', true);
                return { ok: 's', data: 0 };
              },
              handleEvent: (type, event) => {
                trace.push(`${typeName(type)}:${typeof event === 'string' ? event : 'term'}`);
                return isCallEvent(type)
                  ? { keepStateAndData: true, actions: [['reply', type.call, 'pong']] }
                  : 'keep_state_and_data';
              },
            },
            null,
          ),
        ),
      );
      await ctx.receive();
    });
    await waitFor(() => machine !== undefined, 'machine started');
    const other = spawn(async (ctx) => {
      ctx.link(machine!);
      await ctx.receive();
    });
    await sleep(5);
    expect(await Sys.suspend(machine!)).toBe('ok');
    StateMachine.cast(machine!, 'c');
    exit(other, 'other_reason');
    send(machine!, { from: parentPid });
    await sleep(20);
    expect(trace).toEqual([]);
    expect(machine!.proc.alive).toBe(true);
    expect(await Sys.resume(machine!)).toBe('ok');
    expect(await StateMachine.call(machine!, 'ping')).toBe('pong');
    expect(trace).toEqual(['cast:c', 'info:term', 'info:term', 'call:ping']);
    exit(parent, 'bye');
    expect(await exited(machine!)).toBe('bye');
  });

  it('without a parent, a trapped exit from a link is held while suspended', async () => {
    const trace: string[] = [];
    const machine = ok(
      await StateMachine.start(
        {
          init: () => {
            processFlag('trapExit', true);
            return { ok: 's', data: 0 };
          },
          handleEvent: (type) => {
            trace.push(typeName(type));
            return 'keep_state_and_data';
          },
        },
        null,
      ),
    );
    const other = spawn(async (ctx) => {
      ctx.link(machine);
      await ctx.receive();
    });
    await sleep(5);
    expect(await Sys.suspend(machine)).toBe('ok');
    exit(other, 'other_reason');
    await sleep(20);
    expect(machine.proc.alive).toBe(true);
    expect(trace).toEqual([]);
    expect(await Sys.resume(machine)).toBe('ok');
    await waitFor(() => trace.length === 1, 'the exit as an info event');
    expect(trace).toEqual(['info']);
    expect(machine.proc.alive).toBe(true);
  });
});
