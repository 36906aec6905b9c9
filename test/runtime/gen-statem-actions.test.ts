/**
 * gen_statem actions and results that no other suite reaches, as OTP's gen_statem documents them:
 * a reply action from init (to a caller of another process), stop_and_reply without replies and
 * with each kind of bad reply, next_event of the call, cast and info types, an infinity time
 * cancelling a running timeout, and StateMachine.reply/stop defaults.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  GenServer,
  MemoryLogger,
  StateMachine,
  exited,
  isCallEvent,
  resetRuntime,
  type Action,
  type EventType,
  type From,
  type StateMachineBehaviour,
} from '../../packages/runtime/src/index.js';
import { ok, sleep, waitFor } from './helpers.js';

beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
});

const typeName = (t: EventType): string => (typeof t === 'string' ? t : isCallEvent(t) ? 'call' : 'generic');

describe('gen_statem init', () => {
  it("a reply action from init answers the From it was given (another process's caller)", async () => {
    const spawner = ok(
      await GenServer.start(
        {
          init: () => ({ ok: null }),
          handleCall: async (_req: unknown, from: From) => {
            ok(
              await StateMachine.start(
                {
                  init: (f: From) => ({ ok: 's', data: null, actions: [['reply', f, 'from-init']] }),
                  handleEvent: () => 'keep_state_and_data',
                },
                from,
              ),
            );
            return { noreply: null };
          },
        },
        null,
      ),
    );
    expect(await GenServer.call(spawner, 'spawn', 2000)).toBe('from-init');
  });
});

describe('gen_statem stop_and_reply', () => {
  it('without replies it just stops, with terminate seeing the reason', async () => {
    const terminated: unknown[] = [];
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: 0 }),
          handleEvent: () => ({ stopAndReply: 'bye' }) as never,
          terminate: (reason) => terminated.push(reason),
        },
        null,
      ),
    );
    StateMachine.cast(pid, 'x');
    expect(await exited(pid)).toBe('bye');
    expect(terminated).toEqual(['bye']);
  });

  it.each([
    ['not a tuple', 'reply'],
    ['a reply to something that is not a caller', ['reply', 'nobody', 1]],
  ])('a reply list holding %s is a bad action; the good reply before it is sent', async (_what, bad) => {
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: 0 }),
          handleEvent: (type) =>
            isCallEvent(type)
              ? { stopAndReply: 'normal', replies: [['reply', type.call, 'first'], bad] as never }
              : 'keep_state_and_data',
        },
        null,
      ),
    );
    expect(await StateMachine.call(pid, 'q')).toBe('first');
    expect(await exited(pid)).toEqual({ badAction: bad });
  });
});

describe('gen_statem next_event types', () => {
  it('inserts call, cast and info events: an inserted call carries the From and can be replied to', async () => {
    const trace: string[] = [];
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: null }),
          handleEvent: (type, event) => {
            trace.push(`${typeName(type)}:${String(event)}`);
            if (isCallEvent(type) && event === 'outer')
              return {
                keepStateAndData: true,
                actions: [
                  ['next_event', 'cast', 'as-cast'],
                  ['next_event', 'info', 'as-info'],
                  ['next_event', { call: type.call }, 'inner'],
                ],
              };
            if (isCallEvent(type))
              return { keepStateAndData: true, actions: [['reply', type.call, `re:${String(event)}`]] };
            return 'keep_state_and_data';
          },
        },
        null,
      ),
    );
    expect(await StateMachine.call(pid, 'outer')).toBe('re:inner');
    expect(trace).toEqual(['call:outer', 'cast:as-cast', 'info:as-info', 'call:inner']);
  });
});

describe('gen_statem infinity', () => {
  it.each<[string, Action, Action]>([
    ['a state timeout', ['state_timeout', 20, 'fired'], ['state_timeout', 'infinity']],
    ['a generic timeout', [{ timeout: 'g' }, 20, 'fired'], [{ timeout: 'g' }, 'infinity']],
  ])('cancels %s that is running', async (_what, arm, off) => {
    const trace: string[] = [];
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: null }),
          handleEvent: (type, event) => {
            trace.push(`${typeName(type)}:${String(event)}`);
            if (event === 'arm') return { keepStateAndData: true, actions: [arm] };
            if (event === 'off') return { keepStateAndData: true, actions: [off] };
            return 'keep_state_and_data';
          },
        },
        null,
      ),
    );
    StateMachine.cast(pid, 'arm');
    StateMachine.cast(pid, 'off');
    await waitFor(() => trace.length >= 2, 'both events');
    await sleep(60);
    await StateMachine.stop(pid);
    expect(trace).toEqual(['cast:arm', 'cast:off']);
  });
});

describe('gen_statem results', () => {
  it('an object that is no event result is a bad return, not a repeat', async () => {
    const pid = ok(
      await StateMachine.start(
        { init: () => ({ ok: 's', data: null }), handleEvent: () => ({ unexpected: 1 }) as never },
        null,
      ),
    );
    StateMachine.cast(pid, 'x');
    expect(await exited(pid)).toEqual({ badReturnFromStateFunction: { unexpected: 1 } });
  });

  it('stop without data: terminate sees the data as it was; nextState with data replaces it', async () => {
    const terminated: unknown[] = [];
    const pid = ok(
      await StateMachine.start(
        {
          init: () => ({ ok: 's', data: 'first' }),
          handleEvent: (_type, event) =>
            event === 'next' ? { nextState: 't', data: 'second' } : ({ stop: 'done' } as const),
          terminate: (reason, state, data) => terminated.push([reason, state, data]),
        },
        null,
      ),
    );
    StateMachine.cast(pid, 'next');
    StateMachine.cast(pid, 'stop');
    expect(await exited(pid)).toBe('done');
    expect(terminated).toEqual([['done', 't', 'second']]);
  });
});

describe('StateMachine helpers', () => {
  it('reply() answers a stored caller later; stop() stops with reason normal by default', async () => {
    let pending: From | undefined;
    const terminated: unknown[] = [];
    const b: StateMachineBehaviour<string, null> = {
      init: () => ({ ok: 's', data: null }),
      handleEvent: (type, event) => {
        if (isCallEvent(type)) pending = type.call;
        else if (event === 'answer') expect(StateMachine.reply(pending!, 'later')).toBe(true);
        return 'keep_state_and_data';
      },
      terminate: (reason) => terminated.push(reason),
    };
    const pid = ok(await StateMachine.start(b, null));
    const answer = StateMachine.call(pid, 'q');
    await waitFor(() => pending !== undefined, 'the call');
    StateMachine.cast(pid, 'answer');
    expect(await answer).toBe('later');
    await StateMachine.stop(pid);
    expect(terminated).toEqual(['normal']);
    expect(await exited(pid)).toBe('normal');
  });
});
