import { describe, expect, it } from 'vitest';
import { SessionHub, type GatewayConnection } from '../../packages/runtime/src/ws/index.js';

function fakeConn(open = true): GatewayConnection & { sent: string[] } {
  const sent: string[] = [];
  return {
    id: 1,
    isOpen: open,
    sent,
    send: () => open,
    sendRaw: (t: string) => (open ? (sent.push(t), true) : false),
    sendError: () => open,
    close: () => undefined,
    sessionEnded: () => undefined,
    closeAt: () => undefined,
  };
}

describe('SessionHub', () => {
  it('tracks connections and their users, and forgets them on unregister', () => {
    const hub = new SessionHub();
    const a = fakeConn();
    const b = fakeConn();
    hub.register('a', a);
    hub.register('b', b);
    expect(() => hub.register('a', a)).toThrow(/already registered/);
    hub.setUser('a', 'alice');
    hub.setUser('b', 'alice');
    expect(hub.userOf('a')).toBe('alice');
    expect(hub.connectionsOf('alice')).toBe(2);
    hub.unregister('a');
    expect(hub.connectionsOf('alice')).toBe(1);
    expect(hub.userOf('a')).toBeNull();
    expect(hub.sendRaw('a', 'x')).toBe(false);
    expect(hub.sendRaw('b', 'x')).toBe(true);
    expect(b.sent).toEqual(['x']);
    expect(hub.size).toBe(1);
  });

  it('pushes to the members of a room (except one) only while a membership is attached', () => {
    const hub = new SessionHub();
    const conns = { a: fakeConn(), b: fakeConn(), c: fakeConn(false) };
    for (const [id, c] of Object.entries(conns)) hub.register(id, c);
    expect(hub.pushToRoom('r', 'm')).toBe(0);
    expect(hub.isMember('r', 'a')).toBe(false);
    hub.membership = { isMember: (_r, m) => m !== 'z', members: () => ['a', 'b', 'c', 'gone'] };
    expect(hub.isMember('r', 'a')).toBe(true);
    expect(hub.pushToRoom('r', 'm', 'b')).toBe(1);
    expect(conns.a.sent).toEqual(['m']);
    expect(conns.b.sent).toEqual([]);
  });
});
