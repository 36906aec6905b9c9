import { beforeEach, describe, expect, it } from 'vitest';
import {
  ExitError,
  MemoryLogger,
  StateMachine,
  exited,
  getRuntime,
  resetRuntime,
  send,
  type Action,
  type EventType,
  type StateMachineBehaviour,
} from '../../packages/runtime/src/index.js';
import { ok, waitFor } from './helpers.js';

let logger: MemoryLogger;
beforeEach(() => {
  logger = new MemoryLogger();
  resetRuntime({ logger });
});

function typeName(t: EventType): string {
  if (typeof t === 'string') return t;
  return 'call' in t ? 'call' : `timeout:${String(t.timeout)}`;
}

/** A machine whose transitions are scripted per (state, event); every handled event is traced. */
function scripted(
  script: (type: EventType, event: any, state: string, data: unknown) => any,
  opts: { enter?: boolean; initState?: string; initActions?: Action[] } = {},
): { behaviour: StateMachineBehaviour<string, unknown, null>; trace: string[] } {
  const trace: string[] = [];
  const behaviour: StateMachineBehaviour<string, unknown, null> = {
    callbackMode: opts.enter ? ['handle_event_function', 'state_enter'] : 'handle_event_function',
    init: () => ({ ok: opts.initState ?? 'idle', data: null, actions: opts.initActions ?? [] }),
    handleEvent: (type, event, state, data) => {
      trace.push(`${state}:${typeName(type)}:${typeof event === 'object' ? JSON.stringify(event) : String(event)}`);
      return script(type, event, state, data);
    },
  };
  return { behaviour, trace };
}

const done = (type: EventType) => typeof type === 'object' && 'call' in type;

describe('StateMachine', () => {
  it('handles call, cast and info with one handler; replies via action or reply()', async () => {
    const { behaviour, trace } = scripted((type, event, _s, data) => {
      if (typeof type === 'object' && 'call' in type) {
        if (event === 'later') {
          StateMachine.reply(type.call, 'deferred');
          return 'keep_state_and_data';
        }
        return { keepState: data, actions: [['reply', type.call, `got ${String(event)}`]] };
      }
      return { nextState: String(event), data };
    });
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'casted');
    send(pid, 'infoed');
    expect(await StateMachine.call(pid, 'x')).toBe('got x');
    expect(await StateMachine.call(pid, 'later')).toBe('deferred');
    expect(trace).toEqual(['idle:cast:casted', 'casted:info:infoed', 'infoed:call:x', 'infoed:call:later']);
  });

  it("call's default timeout is infinity: no deadline is armed", async () => {
    const { behaviour } = scripted(() => 'keep_state_and_data');
    const pid = ok(await StateMachine.start(behaviour, null));
    const pending = StateMachine.call(pid, 'never answered');
    expect(getRuntime().timers.liveCount).toBe(0);
    await StateMachine.stop(pid, 'normal');
    await expect(pending).rejects.toMatchObject({ reason: 'normal' });
  });

  it('runs the state enter call on the initial state and on every state change, not on keep', async () => {
    const { behaviour, trace } = scripted(
      (type, event) => {
        if (type === 'enter') return 'keep_state_and_data';
        if (event === 'same') return { nextState: 'b' };
        return { nextState: event };
      },
      { enter: true, initState: 'a' },
    );
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'b');
    StateMachine.cast(pid, 'same');
    StateMachine.cast(pid, 'c');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['a:enter:a', 'a:cast:b', 'b:enter:a', 'b:cast:same', 'b:cast:c', 'c:enter:b']);
  });

  it('repeat_state re-runs the enter call without a state change', async () => {
    const { behaviour, trace } = scripted(
      (type) => (type === 'enter' ? 'keep_state_and_data' : 'repeat_state_and_data'),
      { enter: true },
    );
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'again');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:enter:idle', 'idle:cast:again', 'idle:enter:idle']);
  });

  it('an enter call may not change the state', async () => {
    const { behaviour } = scripted((type) => (type === 'enter' ? { nextState: 'elsewhere' } : { nextState: 'next' }), {
      enter: true,
    });
    const r = await StateMachine.start(behaviour, null);
    const pid = ok(r);
    const reason = await exited(pid);
    expect(reason).toMatchObject({ badStateEnterReturnFromStateFunction: { nextState: 'elsewhere' } });
  });

  it('retries postponed events only after the state changes, oldest first', async () => {
    const { behaviour, trace } = scripted(
      (_type, event, state) => {
        if (state === 'locked') {
          if (event === 'unlock') return { nextState: 'open' };
          if (event === 'noop') return 'keep_state_and_data';
          return { keepStateAndData: true, actions: ['postpone'] };
        }
        return 'keep_state_and_data';
      },
      { initState: 'locked' },
    );
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'op1');
    StateMachine.cast(pid, 'op2');
    StateMachine.cast(pid, 'noop');
    StateMachine.cast(pid, 'unlock');
    StateMachine.cast(pid, 'op3');
    await StateMachine.stop(pid);
    expect(trace).toEqual([
      'locked:cast:op1',
      'locked:cast:op2',
      'locked:cast:noop',
      'locked:cast:unlock',
      'open:cast:op1',
      'open:cast:op2',
      'open:cast:op3',
    ]);
  });

  it('processes next_event actions in order, after the enter call and before queued events', async () => {
    const { behaviour, trace } = scripted(
      (type, event) => {
        if (type === 'enter') return 'keep_state_and_data';
        if (event === 'go')
          return {
            nextState: 'busy',
            actions: [
              ['next_event', 'internal', 'first'],
              ['next_event', 'cast', 'second'],
            ],
          };
        return 'keep_state_and_data';
      },
      { enter: true },
    );
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'go');
    StateMachine.cast(pid, 'queued');
    await StateMachine.stop(pid);
    expect(trace).toEqual([
      'idle:enter:idle',
      'idle:cast:go',
      'busy:enter:idle',
      'busy:internal:first',
      'busy:cast:second',
      'busy:cast:queued',
    ]);
  });

  it('fires an event timeout when no event arrives, and any event cancels it', async () => {
    let resolveDone!: () => void;
    const finished = new Promise<void>((r) => (resolveDone = r));
    let resolveFired!: () => void;
    const fired = new Promise<void>((r) => (resolveFired = r));
    const { behaviour, trace } = scripted((type, event) => {
      if (event === 'arm') return { keepStateAndData: true, actions: [['timeout', 10, 'idle-timeout']] };
      if (event === 'idle-timeout') resolveFired();
      if (event === 'arm-and-sentinel')
        return {
          keepStateAndData: true,
          actions: [
            ['timeout', 10, 'cancelled-timeout'],
            [{ timeout: 'sentinel' }, 30, 'end'],
          ],
        };
      if (type === 'timeout') return 'keep_state_and_data';
      if (typeName(type) === 'timeout:sentinel') resolveDone();
      return 'keep_state_and_data';
    });
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'arm');
    // Wait for the timeout itself, not for wall time: a loaded machine may run late.
    await fired;
    StateMachine.cast(pid, 'arm-and-sentinel');
    StateMachine.cast(pid, 'poke');
    await finished;
    expect(trace).toEqual([
      'idle:cast:arm',
      'idle:timeout:idle-timeout',
      'idle:cast:arm-and-sentinel',
      'idle:cast:poke',
      'idle:timeout:sentinel:end',
    ]);
    await StateMachine.stop(pid);
  });

  it('a state timeout survives events in the same state and is cancelled by a state change', async () => {
    let resolveDone!: () => void;
    const finished = new Promise<void>((r) => (resolveDone = r));
    const { behaviour, trace } = scripted((type, event, state) => {
      if (event === 'arm') return { keepStateAndData: true, actions: [['state_timeout', 15, state]] };
      if (event === 'leave')
        return {
          nextState: 'other',
          actions: [[{ timeout: 'sentinel' }, 40, 'end']],
        };
      if (typeName(type) === 'timeout:sentinel') resolveDone();
      return 'keep_state_and_data';
    });
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'arm');
    StateMachine.cast(pid, 'poke');
    await waitFor(() => trace.includes('idle:state_timeout:idle'), 'the state timeout');
    StateMachine.cast(pid, 'arm');
    StateMachine.cast(pid, 'leave');
    await finished;
    expect(trace).toEqual([
      'idle:cast:arm',
      'idle:cast:poke',
      'idle:state_timeout:idle',
      'idle:cast:arm',
      'idle:cast:leave',
      'other:timeout:sentinel:end',
    ]);
    await StateMachine.stop(pid);
  });

  it('named generic timeouts are independent; cancel and update work per name', async () => {
    let resolveDone!: () => void;
    const finished = new Promise<void>((r) => (resolveDone = r));
    const { behaviour, trace } = scripted((type, event) => {
      if (event === 'arm')
        return {
          keepStateAndData: true,
          actions: [
            [{ timeout: 'a' }, 10, 'a1'],
            [{ timeout: 'b' }, 15, 'b1'],
            [{ timeout: 'c' }, 20, 'c1'],
            [{ timeout: 'end' }, 40, 'end'],
          ],
        };
      if (event === 'adjust')
        return {
          nextState: 'moved',
          actions: [
            [{ timeout: 'b' }, 'cancel'],
            [{ timeout: 'c' }, 'update', 'c2'],
          ],
        };
      if (typeName(type) === 'timeout:end') resolveDone();
      return 'keep_state_and_data';
    });
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'arm');
    StateMachine.cast(pid, 'adjust');
    await finished;
    expect(trace).toEqual([
      'idle:cast:arm',
      'idle:cast:adjust',
      'moved:timeout:a:a1',
      'moved:timeout:c:c2',
      'moved:timeout:end:end',
    ]);
    await StateMachine.stop(pid);
  });

  it('a zero state timeout fires before events not yet handled', async () => {
    const { behaviour, trace } = scripted((_type, event) =>
      event === 'a' ? { keepStateAndData: true, actions: [['state_timeout', 0, 'now']] } : 'keep_state_and_data',
    );
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'a');
    StateMachine.cast(pid, 'b');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:cast:a', 'idle:state_timeout:now', 'idle:cast:b']);
  });

  it('init actions run after the initial enter call', async () => {
    const { behaviour, trace } = scripted(() => 'keep_state_and_data', {
      enter: true,
      initActions: [['next_event', 'internal', 'boot']],
    });
    const pid = ok(await StateMachine.start(behaviour, null));
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:enter:idle', 'idle:internal:boot']);
  });

  it('stop_and_reply replies, then terminate sees the final state and data', async () => {
    const terminated: unknown[] = [];
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 'running', data: { n: 1 } }),
          handleEvent: (type, _e, _s, data: { n: number }) =>
            done(type)
              ? {
                  stopAndReply: 'normal',
                  replies: [['reply', (type as { call: never }).call, 'bye']],
                  data: { n: data.n + 1 },
                }
              : 'keep_state_and_data',
          terminate: (reason, state, data) => {
            terminated.push(reason, state, data);
          },
        },
        null,
      ),
    );
    expect(await StateMachine.call(pid, 'quit')).toBe('bye');
    expect(await exited(pid)).toBe('normal');
    expect(terminated).toEqual(['normal', 'running', { n: 2 }]);
  });

  it('a crashing handler exits with the error; its pending caller is rejected with it', async () => {
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: null }),
          handleEvent: async () => {
            throw new Error('statem boom');
          },
        },
        null,
      ),
    );
    const err = await StateMachine.call(pid, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitError);
    expect(((err as ExitError).reason as Error).message).toBe('statem boom');
    expect(logger.ofKind('processCrashed')).toHaveLength(1);
  });

  it('rejects bad return values and bad actions', async () => {
    const a = ok(
      await StateMachine.start({ init: () => ({ ok: 's', data: null }), handleEvent: () => 'nonsense' as never }, null),
    );
    StateMachine.cast(a, 'x');
    expect(await exited(a)).toEqual({ badReturnFromStateFunction: 'nonsense' });
    const b = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: null }),
          handleEvent: () => ({ keepStateAndData: true, actions: [['fly', 1] as never] }),
        },
        null,
      ),
    );
    StateMachine.cast(b, 'x');
    expect(await exited(b)).toEqual({ badAction: ['fly', 1] });
    expect(
      await StateMachine.start(
        {
          callbackMode: 'state_functions' as never,
          init: () => ({ ok: 's', data: null }),
          handleEvent: () => 'keep_state_and_data',
        },
        null,
      ),
    ).toEqual({
      error: { badCallbackMode: 'state_functions' },
    });
  });

  it('accepts any value as the state, comparing states structurally', async () => {
    const { behaviour, trace } = scripted(
      (type, event, state) => {
        if (type === 'enter') return 'keep_state_and_data';
        return { nextState: event === 'same' ? JSON.parse(JSON.stringify(state)) : { phase: 2 } };
      },
      { enter: true },
    );
    const b = { ...behaviour, init: () => ({ ok: { phase: 1 } as never, data: null }) };
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'same');
    StateMachine.cast(pid, 'change');
    await StateMachine.stop(pid);
    expect(trace.filter((t) => t.includes(':enter:'))).toHaveLength(2);
  });
});
