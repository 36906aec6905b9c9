// Issue #14 low item: presence state only grew (every user ever seen stayed tracked).
import { describe, expect, it } from 'vitest';
import { PresenceTracker } from '../../packages/runtime/src/messaging/index.js';

describe('PresenceTracker memory stays bounded', () => {
  it('keeps the last-seen time of at most maxOfflineUsers offline users, the most recent ones', () => {
    let t = 1000;
    const p = new PresenceTracker({ now: () => t, maxOfflineUsers: 100 });
    for (let i = 0; i < 20_000; i++) {
      t++;
      p.connect(`u${i}`, `c${i}`);
      p.typing(`u${i}`, 'room');
      p.disconnect(`u${i}`, `c${i}`);
    }
    p.connect('online', 'c-online');
    expect(p.trackedUsers).toBe(101);
    expect(p.lastSeen('u19999')).toBe(t);
    expect(p.status('u19999')).toEqual({ online: false, lastSeen: t, typingIn: [] });
    expect(p.lastSeen('u0')).toBeNull(); // forgotten: the oldest offline users go first
    // Coming back online moves a user out of the offline set; status stays right.
    p.connect('u19999', 'again');
    expect(p.status('u19999')).toMatchObject({ online: true });
    expect(p.trackedUsers).toBe(101);
    p.dispose();
  });
});
