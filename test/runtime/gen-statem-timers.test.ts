/**
 * gen_statem timeouts at their edges, as OTP's gen_statem documents them: a timeout that fired
 * while the machine was busy but was cancelled or replaced before its message was handled is never
 * delivered (OTP flushes it from the mailbox); a queued zero state timeout dies with the state; a
 * generic timeout's name is a term, so an equal name in a later transition is the same timer;
 * 'update' changes a running timer's content, and fires a stopped one at once.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MemoryLogger,
  StateMachine,
  genericTimeoutName,
  isCallEvent,
  resetRuntime,
  type EventResult,
  type EventType,
  type StateMachineBehaviour,
} from '../../packages/runtime/src/index.js';
import { ok, sleep, waitFor } from './helpers.js';

beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
});

const typeName = (t: EventType): string =>
  typeof t === 'string' ? t : isCallEvent(t) ? 'call' : `timeout:${JSON.stringify(genericTimeoutName(t))}`;

type React = (
  type: EventType,
  event: unknown,
  state: string,
) => EventResult<string, null> | Promise<EventResult<string, null>>;

function machine(react: React): { b: StateMachineBehaviour<string, null>; trace: string[] } {
  const trace: string[] = [];
  return {
    trace,
    b: {
      init: () => ({ ok: 'idle', data: null }),
      handleEvent: (type, event, state) => {
        trace.push(`${state}:${typeName(type)}:${String(event)}`);
        return react(type, event, state);
      },
    },
  };
}

const keep = 'keep_state_and_data' as const;

describe('gen_statem: a timeout cancelled while its message waits is never delivered', () => {
  it('a generic timeout that fired during a slow event, which then cancels it', async () => {
    const { b, trace } = machine(async (_type, event) => {
      if (event === 'arm') return { keepStateAndData: true, actions: [[{ timeout: 'g' }, 5, 'old']] };
      if (event === 'slow') {
        await sleep(40);
        return { keepStateAndData: true, actions: [[{ timeout: 'g' }, 'cancel']] };
      }
      return keep;
    });
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    StateMachine.cast(pid, 'slow');
    await sleep(80);
    StateMachine.cast(pid, 'after');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:cast:arm', 'idle:cast:slow', 'idle:cast:after']);
  });

  it('a state timeout that fired during a slow event, which then restarts it: only the new one fires', async () => {
    const { b, trace } = machine(async (_type, event) => {
      if (event === 'arm') return { keepStateAndData: true, actions: [['state_timeout', 5, 'old']] };
      if (event === 'slow') {
        await sleep(40);
        return { keepStateAndData: true, actions: [['state_timeout', 20, 'new']] };
      }
      return keep;
    });
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    StateMachine.cast(pid, 'slow');
    await waitFor(() => trace.length >= 3, 'the new state timeout');
    await sleep(20);
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:cast:arm', 'idle:cast:slow', 'idle:state_timeout:new']);
  });

  it('a state timeout that fired during a slow event, which then changes the state', async () => {
    const { b, trace } = machine(async (_type, event) => {
      if (event === 'arm') return { keepStateAndData: true, actions: [['state_timeout', 5, 'old']] };
      if (event === 'slow') {
        await sleep(40);
        return { nextState: 'moved' };
      }
      return keep;
    });
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    StateMachine.cast(pid, 'slow');
    await sleep(80);
    StateMachine.cast(pid, 'after');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:cast:arm', 'idle:cast:slow', 'moved:cast:after']);
  });

  it('a queued zero state timeout, when an inserted event changes the state first', async () => {
    const { b, trace } = machine((_type, event) => {
      if (event === 'go')
        return {
          keepStateAndData: true,
          actions: [
            ['state_timeout', 0, 'zero'],
            ['next_event', 'internal', 'change'],
          ],
        };
      if (event === 'change') return { nextState: 'moved' };
      return keep;
    });
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'go');
    StateMachine.cast(pid, 'after');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:cast:go', 'idle:internal:change', 'moved:cast:after']);
  });
});

describe('gen_statem: generic timeout names are terms', () => {
  it('an equal name given by another object in a later transition cancels the running timer', async () => {
    const { b, trace } = machine((_type, event) => {
      if (event === 'arm') return { keepStateAndData: true, actions: [[{ timeout: { n: 1 } }, 200, 'armed']] };
      if (event === 'disarm') return { keepStateAndData: true, actions: [[{ timeout: { n: 1 } }, 'cancel']] };
      return keep;
    });
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    StateMachine.cast(pid, 'disarm');
    await sleep(300);
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:cast:arm', 'idle:cast:disarm']);
  });

  it('an equal name given by another object restarts the timer with the new time and content', async () => {
    const { b, trace } = machine((_type, event) => {
      if (event === 'arm') return { keepStateAndData: true, actions: [[{ timeout: ['t', 1] }, 200, 'first']] };
      if (event === 'rearm') return { keepStateAndData: true, actions: [[{ timeout: ['t', 1] }, 20, 'second']] };
      return keep;
    });
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    StateMachine.cast(pid, 'rearm');
    await waitFor(() => trace.length >= 3, 'the restarted timeout');
    await sleep(300);
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:cast:arm', 'idle:cast:rearm', 'idle:timeout:["t",1]:second']);
  });

  it('different names are different timers', async () => {
    const { b, trace } = machine((_type, event) =>
      event === 'arm'
        ? {
            keepStateAndData: true,
            actions: [
              [{ timeout: { n: 1 } }, 5, 'one'],
              [{ timeout: { n: 2 } }, 10, 'two'],
            ],
          }
        : keep,
    );
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    await waitFor(() => trace.length >= 3, 'both timeouts');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:cast:arm', 'idle:timeout:{"n":1}:one', 'idle:timeout:{"n":2}:two']);
  });
});

describe('gen_statem: update', () => {
  it('changes the content of a running state timeout, keeping its time', async () => {
    const { b, trace } = machine((_type, event) => {
      if (event === 'arm') return { keepStateAndData: true, actions: [['state_timeout', 300, 'old']] };
      if (event === 'update') return { keepStateAndData: true, actions: [['state_timeout', 'update', 'new']] };
      return keep;
    });
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    StateMachine.cast(pid, 'update');
    await waitFor(() => trace.length >= 2, 'the update');
    expect(trace).toEqual(['idle:cast:arm', 'idle:cast:update']);
    await waitFor(() => trace.length >= 3, 'the state timeout');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:cast:arm', 'idle:cast:update', 'idle:state_timeout:new']);
  });

  it('fires a state timeout that is not running at once, before events not yet handled', async () => {
    const { b, trace } = machine((_type, event) =>
      event === 'update' ? { keepStateAndData: true, actions: [['state_timeout', 'update', 'now']] } : keep,
    );
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'update');
    StateMachine.cast(pid, 'next');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:cast:update', 'idle:state_timeout:now', 'idle:cast:next']);
  });

  it('fires a generic timeout that has already fired at once, with the new content', async () => {
    const { b, trace } = machine((_type, event) => {
      if (event === 'arm') return { keepStateAndData: true, actions: [[{ timeout: 'g' }, 1, 'first']] };
      if (event === 'update') return { keepStateAndData: true, actions: [[{ timeout: 'g' }, 'update', 'again']] };
      return keep;
    });
    const pid = ok(await StateMachine.start(b, null));
    StateMachine.cast(pid, 'arm');
    await waitFor(() => trace.length >= 2, 'the first timeout');
    StateMachine.cast(pid, 'update');
    await StateMachine.stop(pid);
    expect(trace).toEqual(['idle:cast:arm', 'idle:timeout:"g":first', 'idle:cast:update', 'idle:timeout:"g":again']);
  });
});
