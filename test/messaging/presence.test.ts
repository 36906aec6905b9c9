import { describe, expect, it } from 'vitest';
import { PresenceTracker, type PresenceEvent } from '../../packages/runtime/src/messaging/index.js';

function fakeTimers() {
  let next = 1;
  const timers = new Map<number, { fn: () => void; at: number }>();
  const clock = { t: 1_000 };
  return {
    clock,
    timers,
    options: {
      now: () => clock.t,
      typingTimeoutMs: 5000,
      setTimer: (fn: () => void, ms: number) => {
        const id = next++;
        timers.set(id, { fn, at: clock.t + ms });
        return id;
      },
      clearTimer: (h: unknown) => void timers.delete(h as number),
    },
    advance(ms: number) {
      clock.t += ms;
      for (const [id, t] of [...timers]) {
        if (t.at <= clock.t) {
          timers.delete(id);
          t.fn();
        }
      }
    },
  };
}

describe('PresenceTracker', () => {
  it('pushes online once per user and offline after the last connection, with last-seen', () => {
    const ft = fakeTimers();
    const p = new PresenceTracker(ft.options);
    const seen: PresenceEvent[] = [];
    p.watchUser('watcher', 'alice', (e) => void seen.push(e));
    p.connect('alice', 'c1');
    ft.clock.t += 10;
    p.connect('alice', 'c2');
    expect(p.isOnline('alice')).toBe(true);
    p.disconnect('alice', 'c1');
    expect(seen.map((e) => e.kind)).toEqual(['online']);
    ft.clock.t += 100;
    p.disconnect('alice', 'c2');
    p.disconnect('alice', 'c2');
    expect(seen).toEqual([
      { kind: 'online', userId: 'alice', at: 1000 },
      { kind: 'offline', userId: 'alice', at: 1110, lastSeen: 1110 },
    ]);
    expect(p.status('alice')).toEqual({ online: false, lastSeen: 1110, typingIn: [] });
    expect(p.status('nobody')).toEqual({ online: false, lastSeen: null, typingIn: [] });
    expect(p.onlineCount).toBe(0);
  });

  it('pushes typing to watchers of the room only, refreshes, and lapses after the timeout', () => {
    const ft = fakeTimers();
    const p = new PresenceTracker(ft.options);
    const room: PresenceEvent[] = [];
    const other: PresenceEvent[] = [];
    p.watchRoom('s1', 'r1', (e) => void room.push(e));
    p.watchRoom('s2', 'r2', (e) => void other.push(e));
    p.connect('bob', 'c');
    p.typing('bob', 'r1');
    ft.advance(4000);
    p.typing('bob', 'r1');
    ft.advance(4000);
    expect(room.map((e) => e.kind)).toEqual(['typing']);
    expect(p.typingIn('r1')).toEqual(['bob']);
    ft.advance(1000);
    expect(room.map((e) => [e.kind, e.at])).toEqual([
      ['typing', 1000],
      ['stopped_typing', 10000],
    ]);
    expect(other).toEqual([]);
    expect(ft.timers.size).toBe(0);
  });

  it('clears typing when the user goes offline and on explicit stop', () => {
    const ft = fakeTimers();
    const p = new PresenceTracker(ft.options);
    const room: PresenceEvent[] = [];
    p.watchRoom('s', 'r', (e) => void room.push(e));
    p.connect('u', 'c');
    p.typing('u', 'r');
    p.stopTyping('u', 'r');
    p.stopTyping('u', 'r');
    p.typing('u', 'r');
    p.disconnect('u', 'c');
    expect(room.map((e) => e.kind)).toEqual(['typing', 'stopped_typing', 'typing', 'stopped_typing']);
    expect(ft.timers.size).toBe(0);
  });

  it('drops watchers that fail, and unwatchAll removes every subscription', () => {
    const ft = fakeTimers();
    const p = new PresenceTracker(ft.options);
    const good: PresenceEvent[] = [];
    let badCalls = 0;
    p.watchUser('bad', 'u', () => {
      badCalls++;
      throw new Error('gone');
    });
    p.watchRoom('bad', 'r', () => {
      badCalls++;
    });
    p.watchUser('good', 'u', (e) => void good.push(e));
    p.watchUser('quitter', 'u', () => false);
    p.connect('u', 'c');
    p.typing('u', 'r');
    p.disconnect('u', 'c');
    expect(badCalls).toBe(1);
    expect(good.map((e) => e.kind)).toEqual(['online', 'offline']);
    p.unwatchAll('good');
    p.connect('u', 'c');
    expect(good).toHaveLength(2);
  });

  it('touch refreshes last-seen silently', () => {
    const ft = fakeTimers();
    const p = new PresenceTracker(ft.options);
    const seen: PresenceEvent[] = [];
    p.watchUser('w', 'u', (e) => void seen.push(e));
    p.connect('u', 'c');
    ft.clock.t = 5000;
    p.touch('u');
    expect(p.lastSeen('u')).toBe(5000);
    expect(seen).toHaveLength(1);
  });
});
