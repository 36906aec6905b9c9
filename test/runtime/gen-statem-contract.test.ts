/**
 * gen_statem's contract at its edges, as OTP's gen_statem documents it: what init may return,
 * callback_mode, every event result form, the actions a state enter call may not take, timeout
 * specs that are not valid, and sys:replace_state's shape.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ExitError,
  MemoryLogger,
  StateMachine,
  Sys,
  exited,
  genericTimeoutName,
  isCallEvent,
  resetRuntime,
  type Action,
  type EventType,
  type StateMachineBehaviour,
} from '../../packages/runtime/src/index.js';
import { ok, sleep } from './helpers.js';

beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
});

const start = (b: StateMachineBehaviour) => StateMachine.start(b, null);
const keep = () => 'keep_state_and_data' as const;

/** A machine that runs `react` on cast events and traces every event it handles. */
function tracing(
  react: (event: any, state: string, data: any) => any,
  opts: { enter?: boolean; data?: unknown } = {},
): { b: StateMachineBehaviour; trace: string[]; terminated: unknown[] } {
  const trace: string[] = [];
  const terminated: unknown[] = [];
  const b: StateMachineBehaviour = {
    callbackMode: opts.enter ? ['handle_event_function', 'state_enter'] : 'handle_event_function',
    init: () => ({ ok: 's0', data: opts.data ?? 0 }),
    handleEvent: (type: EventType, event: any, state: string, data: any) => {
      const t =
        typeof type === 'string' ? type : isCallEvent(type) ? 'call' : `timeout:${String(genericTimeoutName(type))}`;
      trace.push(`${state}/${t}/${String(event)}/${JSON.stringify(data)}`);
      if (type === 'enter') return 'keep_state_and_data';
      if (type === 'cast') return react(event, state, data);
      return 'keep_state_and_data';
    },
    terminate: (reason, state, data) => {
      terminated.push([reason, state, data]);
    },
  };
  return { b, trace, terminated };
}

describe('gen_statem init', () => {
  it.each([
    ['ignore', 'ignore', 'ignore'],
    ['{stop: reason}', { stop: 'no_way' }, { error: 'no_way' }],
    ['{error: reason} (OTP 26)', { error: 'refused' }, { error: 'refused' }],
    ['a number', 42, { error: { badReturnFromInit: 42 } }],
    ['null', null, { error: { badReturnFromInit: null } }],
    ['an object without ok', { state: 's' }, { error: { badReturnFromInit: { state: 's' } } }],
  ])('init returning %s', async (_label, result, expected) => {
    expect(await start({ init: () => result as never, handleEvent: keep })).toEqual(expected);
  });

  it('an async init is awaited', async () => {
    const pid = ok(await start({ init: async () => ({ ok: 'ready', data: 7 }), handleEvent: keep }));
    expect(await Sys.getState(pid)).toEqual(['ready', 7]);
  });

  it('init actions: next_event runs before anything received; a bad action or action list fails the start', async () => {
    const trace: string[] = [];
    const pid = ok(
      await start({
        init: () => ({ ok: 's', data: null, actions: [['next_event', 'internal', 'first']] }),
        handleEvent: (type, event) => {
          trace.push(`${String(type)}:${String(event)}`);
          return 'keep_state_and_data';
        },
      }),
    );
    StateMachine.cast(pid, 'second');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['internal:first', 'cast:second']);
    expect(
      await start({ init: () => ({ ok: 's', data: null, actions: [['jump']] as never }), handleEvent: keep }),
    ).toEqual({
      error: { badAction: ['jump'] },
    });
    expect(
      await start({ init: () => ({ ok: 's', data: null, actions: 'postpone' as never }), handleEvent: keep }),
    ).toEqual({
      error: { badActionList: 'postpone' },
    });
  });

  it('callback mode: a function giving the mode is called; malformed modes are refused', async () => {
    const { b, trace } = tracing(() => ({ nextState: 's1' }));
    const pid = ok(await start({ ...b, callbackMode: () => ['handle_event_function', 'state_enter'] }));
    StateMachine.cast(pid, 'go');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['s0/enter/s0/0', 's0/cast/go/0', 's1/enter/s0/0']);
    for (const mode of [
      ['handle_event_function'],
      ['handle_event_function', 'state_enter', 'extra'],
      ['state_functions', 'state_enter'],
      ['handle_event_function', 'enter'],
    ]) {
      expect(await start({ ...b, callbackMode: mode as never })).toEqual({ error: { badCallbackMode: mode } });
    }
  });
});

describe('gen_statem event results', () => {
  it('nextState without data keeps the data; keepState replaces it; keepStateAndData keeps both', async () => {
    const { b, trace } = tracing(
      (event, _s, data) => {
        if (event === 'next') return { nextState: 's1' };
        if (event === 'keep') return { keepState: data + 10 };
        return { keepStateAndData: true };
      },
      { data: 1 },
    );
    const pid = ok(await start(b));
    for (const e of ['next', 'keep', 'same', 'end']) StateMachine.cast(pid, e);
    await StateMachine.stop(pid);
    expect(trace).toEqual(['s0/cast/next/1', 's1/cast/keep/1', 's1/cast/same/11', 's1/cast/end/11']);
  });

  it('repeatState replaces the data and repeats the enter call with the same old state; repeatStateAndData too', async () => {
    const { b, trace } = tracing(
      (event) => {
        if (event === 'move') return { nextState: 's1' };
        if (event === 'again') return { repeatState: 5 };
        return { repeatStateAndData: true };
      },
      { enter: true },
    );
    const pid = ok(await start(b));
    for (const e of ['move', 'again', 'again2']) StateMachine.cast(pid, e);
    await StateMachine.stop(pid);
    expect(trace).toEqual([
      's0/enter/s0/0',
      's0/cast/move/0',
      's1/enter/s0/0',
      's1/cast/again/0',
      's1/enter/s1/5',
      's1/cast/again2/5',
      's1/enter/s1/5',
    ]);
  });

  it('stop with data: terminate sees the new data; stopAndReply replies first', async () => {
    const { b, terminated } = tracing((event) => ({ stop: 'done', data: `last:${String(event)}` }));
    const pid = ok(await start(b));
    StateMachine.cast(pid, 'x');
    expect(await exited(pid)).toBe('done');
    expect(terminated).toEqual([['done', 's0', 'last:x']]);

    const withReply: StateMachineBehaviour = {
      init: () => ({ ok: 's', data: 0 }),
      handleEvent: (type, _e, _s) =>
        isCallEvent(type)
          ? { stopAndReply: 'normal', replies: [['reply', type.call, 'bye']], data: 9 }
          : 'keep_state_and_data',
    };
    const p2 = ok(await start(withReply));
    expect(await StateMachine.call(p2, 'quit')).toBe('bye');
    expect(await exited(p2)).toBe('normal');
  });

  it('stopAndReply with something that is not a reply is a bad action', async () => {
    const pid = ok(
      await start({
        init: () => ({ ok: 's', data: 0 }),
        handleEvent: () => ({ stopAndReply: 'normal', replies: [['noreply', 1, 2]] as never }),
      }),
    );
    StateMachine.cast(pid, 'x');
    expect(await exited(pid)).toEqual({ badAction: ['noreply', 1, 2] });
  });
});

describe('gen_statem state enter calls', () => {
  it.each([
    ['postpone', 'postpone'],
    ['[postpone, true]', ['postpone', true]],
    ['next_event', ['next_event', 'internal', 'x']],
  ])('may not %s', async (_label, action) => {
    const pid = ok(
      await start({
        callbackMode: ['handle_event_function', 'state_enter'],
        init: () => ({ ok: 's', data: 0 }),
        handleEvent: (type) =>
          type === 'enter' ? { keepStateAndData: true, actions: [action as Action] } : 'keep_state_and_data',
      }),
    );
    expect(await exited(pid)).toEqual({ badStateEnterAction: action });
  });

  it('may reply and set timeouts', async () => {
    const trace: string[] = [];
    const pid = ok(
      await start({
        callbackMode: ['handle_event_function', 'state_enter'],
        init: () => ({ ok: 's', data: 0 }),
        handleEvent: (type, event) => {
          trace.push(`${typeof type === 'string' ? type : 'other'}:${String(event)}`);
          if (type === 'enter') return { keepStateAndData: true, actions: [['state_timeout', 0, 'tick']] };
          return 'keep_state_and_data';
        },
      }),
    );
    await sleep(10);
    await StateMachine.stop(pid);
    expect(trace).toEqual(['enter:s', 'state_timeout:tick']);
  });
});

describe('gen_statem actions', () => {
  it.each([
    ['a negative time', ['timeout', -1]],
    ['a non-finite time', ['state_timeout', Number.POSITIVE_INFINITY]],
    ['a string time', ['timeout', '5']],
    ['too many elements', ['timeout', 5, 'msg', 'extra']],
    ['cancel with content', ['timeout', 'cancel', 'x']],
    ['update without content', ['state_timeout', 'update']],
    ['a generic name with other keys', [{ timeout: 'a', x: 1 }, 5]],
    ['postpone with a non-boolean', ['postpone', 'yes']],
    ['hibernate with a non-boolean', ['hibernate', 1]],
    ['next_event of type enter', ['next_event', 'enter', 'x']],
    ['next_event without content', ['next_event', 'internal']],
    ['reply to something that is not a caller', ['reply', 'nobody', 1]],
  ])('refuses %s', async (_label, action) => {
    const pid = ok(
      await start({
        init: () => ({ ok: 's', data: 0 }),
        handleEvent: () => ({ keepStateAndData: true, actions: [action as Action] }),
      }),
    );
    StateMachine.cast(pid, 'x');
    expect(await exited(pid)).toEqual({ badAction: action });
  });

  it('[postpone, false] and [hibernate, false] are valid and do nothing', async () => {
    const { b, trace } = tracing((event) =>
      event === 'a'
        ? {
            keepStateAndData: true,
            actions: [
              ['postpone', false],
              ['hibernate', false],
            ],
          }
        : { nextState: 's1' },
    );
    const pid = ok(await start(b));
    StateMachine.cast(pid, 'a');
    StateMachine.cast(pid, 'b');
    await StateMachine.stop(pid);
    // not postponed: the state change does not retry it
    expect(trace).toEqual(['s0/cast/a/0', 's0/cast/b/0']);
  });

  it('an event timeout of infinity sets no timeout; a generic timeout fires with its name and content', async () => {
    const { b, trace } = tracing((event) =>
      event === 'arm'
        ? {
            keepStateAndData: true,
            actions: [
              ['timeout', 'infinity', 'never'],
              [{ timeout: 'poll' }, 5, 'tick'],
            ],
          }
        : 'keep_state_and_data',
    );
    const pid = ok(await start(b));
    StateMachine.cast(pid, 'arm');
    await sleep(40);
    await StateMachine.stop(pid);
    expect(trace).toEqual(['s0/cast/arm/0', 's0/timeout:poll/tick/0']);
  });
});

describe('gen_statem sys', () => {
  it('replace_state must give [state, data]: anything else fails the call and keeps the state (OTP: callback_failed)', async () => {
    const pid = ok(await start({ init: () => ({ ok: 's', data: 1 }), handleEvent: keep }));
    for (const bad of ['not a pair', ['a', 'b', 'c'], ['a']]) {
      const err = await Sys.replaceState(pid, () => bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toMatchObject({ callbackFailed: expect.any(ExitError) });
      expect(await Sys.getState(pid)).toEqual(['s', 1]);
    }
    expect(await Sys.replaceState(pid, () => ['t', 2])).toEqual(['t', 2]);
  });
});

describe('event type helpers', () => {
  it('isCallEvent and genericTimeoutName tell event types apart', () => {
    expect(isCallEvent('cast')).toBe(false);
    expect(isCallEvent({ timeout: 'x' })).toBe(false);
    expect(genericTimeoutName({ timeout: 'x' })).toBe('x');
    expect(genericTimeoutName('timeout')).toBeUndefined();
    expect(genericTimeoutName('state_timeout')).toBeUndefined();
  });
});
