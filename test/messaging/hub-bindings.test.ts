// The chat mechanisms a generated server configures (issue #13: they used to be class bodies in
// _otp/chat-bindings.njk): MemberMessageStore, HubRooms and HubPresence over a SessionHub.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HubPresence,
  HubRooms,
  MemberMessageStore,
  MembershipError,
} from '../../packages/runtime/src/messaging/index.js';
import { SessionHub, type GatewayConnection } from '../../packages/runtime/src/ws/index.js';

type Fake = GatewayConnection & {
  sent: unknown[];
  closed: { code: number; reason: string } | null;
  /** The socket went away: writes fail from now on. */
  gone: boolean;
};

function fakeConn(id: number): Fake {
  const c: Fake = {
    id,
    get isOpen() {
      return !c.gone;
    },
    sent: [],
    closed: null,
    gone: false,
    send: () => true,
    sendRaw: (t: string) => !c.gone && (c.sent.push(JSON.parse(t)), true),
    sendError: () => true,
    close: (code: number, reason: string) => {
      c.closed = { code, reason };
    },
    sessionEnded: () => undefined,
    closeAt: () => undefined,
  };
  return c;
}

/** A JSON encoder standing in for the generated protocol. */
const protocol = { encode: (m: { type: string }) => JSON.stringify(m) };

/** A hub with connections c1..cn, each authenticated as the given user ('' for none). */
function hubWith(...users: string[]): { hub: SessionHub; conns: Fake[] } {
  const hub = new SessionHub();
  const conns = users.map((u, i) => {
    const c = fakeConn(i + 1);
    hub.register(`c${i + 1}`, c);
    if (u !== '') hub.setUser(`c${i + 1}`, u);
    return c;
  });
  return { hub, conns };
}

const code = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (err) {
    return err instanceof MembershipError ? err.code : String(err);
  }
};

describe('HubRooms', () => {
  it('joins, announces the newcomer as online, and tells it who is there (each user once)', () => {
    const { hub, conns } = hubWith('alice', 'bob', 'bob');
    const rooms = new HubRooms({ maxMembersPerRoom: 10, protocol }, hub);
    expect(hub.membership).not.toBeNull();
    expect(rooms.join('r', 'c2')).toBe(true);
    expect(rooms.join('r', 'c3')).toBe(true);
    expect(rooms.join('r', 'c3')).toBe(false);
    conns.forEach((c) => (c.sent.length = 0));
    expect(rooms.join('r', 'c1')).toBe(true);
    // bob's two connections both hear alice arrive; alice learns of bob once.
    expect(conns[1]!.sent).toEqual([{ type: 'presence', userId: 'alice', status: 'online' }]);
    expect(conns[2]!.sent).toEqual([{ type: 'presence', userId: 'alice', status: 'online' }]);
    expect(conns[0]!.sent).toEqual([{ type: 'presence', userId: 'bob', status: 'online' }]);
    expect(hub.isMember('r', 'c1')).toBe(true);
    expect(rooms.members('r').sort()).toEqual(['c1', 'c2', 'c3']);
  });

  it('refuses a full room with room_full', () => {
    const { hub } = hubWith('a', 'b', 'c');
    const rooms = new HubRooms({ maxMembersPerRoom: 2, protocol }, hub);
    rooms.join('r', 'c1');
    rooms.join('r', 'c2');
    expect(code(() => rooms.join('r', 'c3'))).toBe('room_full');
    expect(rooms.members('r')).toHaveLength(2);
  });

  it('broadcasts a stored message to every member once, and a duplicate to nobody', () => {
    const { hub, conns } = hubWith('alice', 'bob');
    const rooms = new HubRooms({ maxMembersPerRoom: 10, protocol }, hub);
    rooms.join('r', 'c1');
    rooms.join('r', 'c2');
    conns.forEach((c) => (c.sent.length = 0));
    expect(rooms.broadcast('r', { seq: 7, ts: 99, duplicate: false }, 'alice', 'hi', 'm1')).toBe(2);
    const frame = { type: 'message', roomId: 'r', seq: 7, senderId: 'alice', body: 'hi', clientMsgId: 'm1', ts: 99 };
    expect(conns[0]!.sent).toEqual([frame]);
    expect(conns[1]!.sent).toEqual([frame]);
    expect(rooms.broadcast('r', { seq: 7, ts: 99, duplicate: true }, 'alice', 'hi', 'm1')).toBe(0);
    expect(conns[1]!.sent).toHaveLength(1);
  });

  it('announces a user offline only when its last connection leaves, to each member once', () => {
    const { hub, conns } = hubWith('alice', 'alice', 'bob');
    const rooms = new HubRooms({ maxMembersPerRoom: 10, protocol, now: () => 1234 }, hub);
    for (const r of ['r1', 'r2']) for (const c of ['c1', 'c2', 'c3']) rooms.join(r, c);
    conns.forEach((c) => (c.sent.length = 0));
    rooms.leaveAll('c1');
    expect(conns[2]!.sent).toEqual([]); // alice is still online through c2
    hub.unregister('c1');
    rooms.leaveAll('c2');
    expect(conns[2]!.sent).toEqual([{ type: 'presence', userId: 'alice', status: 'offline', lastSeen: 1234 }]);
    expect(rooms.members('r1')).toEqual(['c3']);
    expect(rooms.leave('r1', 'c3')).toBe(true);
    expect(rooms.leave('r1', 'c3')).toBe(false);
  });

  it('drops a member whose socket is gone; close detaches the hub', async () => {
    const { hub, conns } = hubWith('alice', 'bob');
    const rooms = new HubRooms({ maxMembersPerRoom: 10, protocol }, hub);
    rooms.join('r', 'c1');
    rooms.join('r', 'c2');
    conns[1]!.gone = true;
    rooms.broadcast('r', { seq: 1, ts: 1, duplicate: false }, 'alice', 'x', 'm');
    expect(rooms.members('r')).toEqual(['c1']);
    await rooms.close();
    expect(hub.membership).toBeNull();
    expect(hub.isMember('r', 'c1')).toBe(false);
  });
});

describe('HubPresence', () => {
  it('is online through a connection unless the hub refuses the user one more', async () => {
    const { hub, conns } = hubWith('', '');
    hub.maxConnectionsPerUser = 1;
    const presence = new HubPresence({ typingTimeoutMs: 1000, protocol }, hub);
    presence.connect('alice', 'c1');
    expect(presence.status('alice')).toMatchObject({ userId: 'alice', status: 'online' });
    presence.connect('alice', 'c2');
    expect(conns[1]!.closed).toEqual({ code: 1008, reason: 'too many connections for this user' });
    presence.disconnect('alice', 'c1');
    expect(presence.status('alice')).toMatchObject({ status: 'offline' });
    expect(presence.status('alice').lastSeen).toEqual(expect.any(Number));
    await presence.close();
  });

  it('shows typing only from members, pushes typing_update, and stops watching a quiet room', async () => {
    const { hub, conns } = hubWith('alice', 'bob');
    const rooms = new HubRooms({ maxMembersPerRoom: 10, protocol }, hub);
    const presence = new HubPresence({ typingTimeoutMs: 40, protocol }, hub);
    rooms.join('r', 'c1');
    presence.typing('bob', 'r', 'c2'); // bob is not in r
    expect(presence.status('bob').status).not.toBe('typing');
    expect(presence.watchedRooms).toBe(0);
    rooms.join('r', 'c2');
    conns.forEach((c) => (c.sent.length = 0));
    presence.typing('bob', 'r', 'c2');
    expect(presence.status('bob').status).toBe('typing');
    expect(conns[0]!.sent).toContainEqual({ type: 'typing_update', roomId: 'r', userIds: ['bob'] });
    expect(presence.watchedRooms).toBe(1);
    await new Promise((r) => setTimeout(r, 150));
    expect(conns[0]!.sent).toContainEqual({ type: 'typing_update', roomId: 'r', userIds: [] });
    expect(presence.watchedRooms).toBe(0);
    await presence.close();
  });
});

describe('MemberMessageStore', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends and reads a room only for its members; no hub means no members', async () => {
    dir = mkdtempSync(join(tmpdir(), 'member-store-'));
    const { hub } = hubWith('alice', 'eve');
    const rooms = new HubRooms({ maxMembersPerRoom: 10, protocol }, hub);
    rooms.join('r', 'c1');
    const store = new MemberMessageStore(join(dir, 'm.db'), { defaultPageSize: 2, maxPageSize: 5 }, hub);
    const m = { roomId: 'r', senderId: 'alice', body: 'b', clientMsgId: 'x', connectionId: 'c1' };
    const first = await store.append(m);
    expect(first).toMatchObject({ seq: 1, duplicate: false });
    expect(await store.append(m)).toMatchObject({ seq: 1, duplicate: true });
    await store.append({ ...m, clientMsgId: 'y' });
    await store.append({ ...m, clientMsgId: 'z' });
    expect(code(() => store.append({ ...m, connectionId: 'c2' }))).toBe('not_a_member');
    expect(code(() => store.history('r', '', 0, 'c2'))).toBe('not_a_member');
    // '' reads from the newest; 0 takes the default page size.
    const page = store.history('r', '', 0, 'c1');
    expect(page.messages.map((x) => x.seq)).toEqual([3, 2]);
    expect(store.history('r', '', 5, 'c1').messages).toHaveLength(3);
    expect(store.history('r', page.nextCursor!, 0, 'c1').messages.map((x) => x.seq)).toEqual([1]);
    expect(store.lastSeq('r')).toBe(3);
    await store.close();

    const lonely = new MemberMessageStore(join(dir, 'n.db'), {}, undefined);
    expect(code(() => lonely.append(m))).toBe('not_a_member');
    await lonely.close();
  });
});
