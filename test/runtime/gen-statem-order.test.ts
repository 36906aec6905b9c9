/**
 * Event order after a state change, as OTP's gen_statem specifies: events inserted with
 * `next_event` are processed first, then the postponed events are retried (oldest first), then
 * whatever was already queued. (gen_statem docs, transition_option() next_event and postpone;
 * lib/stdlib/src/gen_statem.erl inserts the next events in front of the retried postponed ones.)
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MemoryLogger,
  StateMachine,
  resetRuntime,
  type EventType,
  type StateMachineBehaviour,
} from '../../packages/runtime/src/index.js';
import { ok } from './helpers.js';

beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
});

const typeName = (t: EventType): string => (typeof t === 'string' ? t : 'call' in t ? 'call' : 'timeout');

function machine(enter: boolean): { behaviour: StateMachineBehaviour<string, null, null>; trace: string[] } {
  const trace: string[] = [];
  const behaviour: StateMachineBehaviour<string, null, null> = {
    callbackMode: enter ? ['handle_event_function', 'state_enter'] : 'handle_event_function',
    init: () => ({ ok: 'locked', data: null }),
    handleEvent: (type, event, state) => {
      trace.push(`${state}:${typeName(type)}:${String(event)}`);
      if (type === 'enter') return 'keep_state_and_data';
      if (state === 'locked') {
        if (event === 'unlock')
          return {
            nextState: 'open',
            actions: [
              ['next_event', 'internal', 'inserted-1'],
              ['next_event', 'cast', 'inserted-2'],
            ],
          };
        return { keepStateAndData: true, actions: ['postpone'] };
      }
      return 'keep_state_and_data';
    },
  };
  return { behaviour, trace };
}

describe('gen_statem: inserted events run before retried postponed events', () => {
  it('without state enter calls', async () => {
    const { behaviour, trace } = machine(false);
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'early-1');
    StateMachine.cast(pid, 'early-2');
    StateMachine.cast(pid, 'unlock');
    StateMachine.cast(pid, 'late');
    await StateMachine.stop(pid);
    expect(trace).toEqual([
      'locked:cast:early-1',
      'locked:cast:early-2',
      'locked:cast:unlock',
      'open:internal:inserted-1',
      'open:cast:inserted-2',
      'open:cast:early-1',
      'open:cast:early-2',
      'open:cast:late',
    ]);
  });

  it('with state enter calls: the enter call first, then inserted, then postponed', async () => {
    const { behaviour, trace } = machine(true);
    const pid = ok(await StateMachine.start(behaviour, null));
    StateMachine.cast(pid, 'early');
    StateMachine.cast(pid, 'unlock');
    StateMachine.cast(pid, 'late');
    await StateMachine.stop(pid);
    expect(trace).toEqual([
      'locked:enter:locked',
      'locked:cast:early',
      'locked:cast:unlock',
      'open:enter:locked',
      'open:internal:inserted-1',
      'open:cast:inserted-2',
      'open:cast:early',
      'open:cast:late',
    ]);
  });
});
