import { describe, expect, it } from 'vitest';
import { RoomFullError, RoomRegistry } from '../../packages/runtime/src/messaging/index.js';

type Got = { room: string; seq: number; msg: string }[];

function recorder(log: Got) {
  return (room: string, seq: number, msg: string) => {
    log.push({ room, seq, msg });
  };
}

describe('RoomRegistry', () => {
  it('joins, leaves and lists members', () => {
    const r = new RoomRegistry<string>();
    const noop = () => {};
    expect(r.join('a', 'm1', noop)).toBe(true);
    expect(r.join('a', 'm1', noop)).toBe(false);
    r.join('a', 'm2', noop);
    r.join('b', 'm1', noop);
    expect(r.members('a')).toEqual(['m1', 'm2']);
    expect(r.roomsOf('m1')).toEqual(['a', 'b']);
    expect(r.leave('a', 'm1')).toBe(true);
    expect(r.leave('a', 'm1')).toBe(false);
    expect(r.members('a')).toEqual(['m2']);
    expect(r.leaveAll('m1')).toEqual(['b']);
    expect(r.roomsOf('m1')).toEqual([]);
    expect(r.memberCount('b')).toBe(0);
    expect(r.isMember('a', 'm2')).toBe(true);
  });

  it('broadcasts to every member with a per-room increasing seq, skipping the sender when asked', () => {
    const r = new RoomRegistry<string>();
    const a: Got = [];
    const b: Got = [];
    r.join('room', 'a', recorder(a));
    r.join('room', 'b', recorder(b));
    r.join('other', 'a', recorder(a));
    expect(r.broadcast('room', 'one')).toBe(1);
    expect(r.broadcast('other', 'x')).toBe(1);
    expect(r.broadcast('room', 'two', { except: 'a' })).toBe(2);
    expect(a).toEqual([
      { room: 'room', seq: 1, msg: 'one' },
      { room: 'other', seq: 1, msg: 'x' },
    ]);
    expect(b).toEqual([
      { room: 'room', seq: 1, msg: 'one' },
      { room: 'room', seq: 2, msg: 'two' },
    ]);
  });

  it('keeps one order for all members when broadcasts come from many concurrent tasks and from inside sinks', async () => {
    const r = new RoomRegistry<string>();
    const logs: Got[] = [];
    for (let i = 0; i < 10; i++) {
      const log: Got = [];
      logs.push(log);
      r.join('room', `m${i}`, (room, seq, msg) => {
        log.push({ room, seq, msg });
        // The first member answers some messages from inside its sink: a re-entrant broadcast.
        if (i === 0 && msg.startsWith('s') && msg.endsWith(':0')) r.broadcast('room', `reply-to-${msg}`);
      });
    }
    const senders = Array.from({ length: 20 }, async (_, s) => {
      for (let k = 0; k < 10; k++) {
        await new Promise((res) => setImmediate(res));
        r.broadcast('room', `s${s}:${k}`);
      }
    });
    await Promise.all(senders);
    const total = 200 + 20;
    expect(r.lastSeq('room')).toBe(total);
    for (const log of logs) {
      expect(log.map((x) => x.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(log).toEqual(logs[0]);
    }
    const replyIdx = logs[0]!.findIndex((x) => x.msg === 'reply-to-s0:0');
    const origIdx = logs[0]!.findIndex((x) => x.msg === 's0:0');
    expect(replyIdx).toBe(origIdx + 1);
  });

  it('removes members whose sink fails or reports dead, and keeps delivering to the rest', () => {
    const dead: string[] = [];
    const r = new RoomRegistry<string>({ onDeadMember: (id) => dead.push(id) });
    const ok: Got = [];
    r.join('room', 'thrower', () => {
      throw new Error('socket gone');
    });
    r.join('room', 'closed', () => false);
    r.join('elsewhere', 'closed', () => false);
    r.join('room', 'ok', recorder(ok));
    r.broadcast('room', 'm');
    expect(dead).toEqual(['thrower', 'closed']);
    expect(r.members('room')).toEqual(['ok']);
    expect(r.roomsOf('closed')).toEqual([]);
    expect(ok).toHaveLength(1);
  });

  it('continues from a start seq and accepts an explicit, increasing seq', () => {
    const r = new RoomRegistry<string>({ startSeq: (room) => (room === 'old' ? 41 : 0) });
    const log: Got = [];
    r.join('old', 'm', recorder(log));
    expect(r.broadcast('old', 'a')).toBe(42);
    expect(r.broadcast('old', 'b', { seq: 50 })).toBe(50);
    expect(() => r.broadcast('old', 'c', { seq: 50 })).toThrow(/does not exceed/);
    expect(log.map((x) => x.seq)).toEqual([42, 50]);
    expect(() => new RoomRegistry({ startSeq: () => -1 }).broadcast('x', 1)).toThrow(/startSeq/);
  });

  it('enforces a member limit and forgets empty rooms only', () => {
    const r = new RoomRegistry<string>({ maxMembersPerRoom: 1 });
    r.join('a', 'm1', () => {});
    expect(() => r.join('a', 'm2', () => {})).toThrow(RoomFullError);
    expect(r.forget('a')).toBe(false);
    r.leave('a', 'm1');
    r.broadcast('a', 'x');
    expect(r.forget('a')).toBe(true);
    expect(r.lastSeq('a')).toBe(0);
  });
});
