// The mechanisms composed the way generated chat code is expected to compose them:
// gateway session → JWT auth → room join → durable append → ordered fan-out → presence.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, TokenService } from '../../packages/runtime/src/auth/index.js';
import { MessageStore, PresenceTracker, RoomRegistry } from '../../packages/runtime/src/messaging/index.js';
import {
  Protocol,
  startGateway,
  type Gateway,
  type GatewayConnection,
  type SessionHandler,
} from '../../packages/runtime/src/ws/index.js';
import { TestClient } from '../ws/fixtures.js';

const protocol = new Protocol({
  maxFrameBytes: 4096,
  messages: [
    { type: 'auth', direction: 'client_to_server', fields: [{ name: 'token', type: 'string', maxLength: 2048 }] },
    { type: 'join', direction: 'client_to_server', fields: [{ name: 'room', type: 'string', maxLength: 64 }] },
    {
      type: 'send',
      direction: 'client_to_server',
      fields: [
        { name: 'room', type: 'string', maxLength: 64 },
        { name: 'body', type: 'string', maxLength: 1000 },
        { name: 'clientMsgId', type: 'string', maxLength: 64 },
      ],
    },
    { type: 'authenticated', direction: 'server_to_client', fields: [{ name: 'user', type: 'string' }] },
    {
      type: 'joined',
      direction: 'server_to_client',
      fields: [
        { name: 'room', type: 'string' },
        { name: 'lastSeq', type: 'integer' },
      ],
    },
    {
      type: 'message',
      direction: 'server_to_client',
      fields: [
        { name: 'room', type: 'string' },
        { name: 'seq', type: 'integer' },
        { name: 'from', type: 'string' },
        { name: 'body', type: 'string' },
      ],
    },
    {
      type: 'ack',
      direction: 'server_to_client',
      fields: [
        { name: 'clientMsgId', type: 'string' },
        { name: 'seq', type: 'integer' },
      ],
    },
    {
      type: 'presence',
      direction: 'server_to_client',
      fields: [
        { name: 'user', type: 'string' },
        { name: 'status', type: 'string' },
      ],
    },
  ],
});

let gw: Gateway | null = null;
let clients: TestClient[] = [];
let store: MessageStore | null = null;
let dir = '';

afterEach(async () => {
  for (const c of clients) c.terminate();
  clients = [];
  await gw?.close();
  gw = null;
  await store?.close();
  store = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startChat() {
  dir = mkdtempSync(join(tmpdir(), 'ggen-chat-'));
  store = MessageStore.open(join(dir, 'chat.db'));
  const s = store;
  const tokens = new TokenService({ secret: 'chat-flow-test-secret-0123456789abcdef' });
  const rooms = new RoomRegistry<string>({ startSeq: (room) => s.lastSeq(room) });
  const presence = new PresenceTracker();
  const errors: unknown[] = [];

  // Stand-in for a generated session process: connecting → authenticated → active.
  function session(conn: GatewayConnection): SessionHandler {
    const sid = `conn-${conn.id}`;
    let user: string | null = null;
    return {
      onMessage(m) {
        if (m.type === 'auth') {
          try {
            user = tokens.verifyAccess(m.token as string).sub;
          } catch (e) {
            if (!(e instanceof AuthError)) throw e;
            conn.sendError(e.code, e.message);
            return;
          }
          presence.connect(user, sid);
          conn.send({ type: 'authenticated', user });
          return;
        }
        if (user === null) {
          conn.sendError('unauthenticated', `"${m.type}" needs an authenticated session`);
          return;
        }
        const from = user;
        if (m.type === 'join') {
          const room = m.room as string;
          rooms.join(room, sid, (_room, _seq, frame) => conn.sendRaw(frame));
          presence.watchRoom(sid, room, (e) => conn.send({ type: 'presence', user: e.userId, status: e.kind }));
          conn.send({ type: 'joined', room, lastSeq: rooms.lastSeq(room) });
          return;
        }
        if (m.type === 'send') {
          const room = m.room as string;
          if (!rooms.isMember(room, sid)) {
            conn.sendError('not_a_member', `join ${room} first`);
            return;
          }
          const body = m.body as string;
          const clientMsgId = m.clientMsgId as string;
          return s.append({ roomId: room, senderId: from, body, clientMsgId }).then((r) => {
            conn.send({ type: 'ack', clientMsgId, seq: r.seq });
            if (!r.duplicate)
              rooms.broadcast(room, protocol.encode({ type: 'message', room, seq: r.seq, from, body }), { seq: r.seq });
          });
        }
      },
      onClose() {
        rooms.leaveAll(sid);
        presence.unwatchAll(sid);
        if (user !== null) presence.disconnect(user, sid);
      },
    };
  }

  gw = await startGateway({ port: 0, protocol, onConnect: session, onError: (e) => errors.push(e) });
  return { port: gw.port, tokens, rooms, presence, errors, store: s };
}

async function connect(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  clients.push(c);
  return c;
}

describe('chat flow over the real gateway', () => {
  it('refuses unauthenticated and badly authenticated sessions', async () => {
    const { port, tokens } = await startChat();
    const c = await connect(port);
    c.send({ type: 'join', room: 'r' });
    expect(await c.nextFrame()).toMatchObject({ type: 'error', code: 'unauthenticated' });
    c.send({ type: 'auth', token: tokens.issueTokens('u').refreshToken });
    expect(await c.nextFrame()).toMatchObject({ type: 'error', code: 'wrong_token_type' });
    c.send({ type: 'auth', token: 'garbage' });
    expect(await c.nextFrame()).toMatchObject({ type: 'error', code: 'malformed_token' });
  });

  it('delivers concurrent sends to a 10-member room in one seq order, durably, exactly once', async () => {
    const { port, tokens, store: s, errors, presence } = await startChat();
    const members: TestClient[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await connect(port);
      c.send({ type: 'auth', token: tokens.issueTokens(`user-${i}`).accessToken });
      c.send({ type: 'join', room: 'lobby' });
      members.push(c);
    }
    for (const c of members) await c.until(() => c.frames.some((f) => f.type === 'joined'), 'joined');
    expect(presence.onlineCount).toBe(10);
    const perSender = 10;
    members.slice(0, 5).forEach((c, i) => {
      for (let k = 0; k < perSender; k++)
        c.send({ type: 'send', room: 'lobby', body: `hi ${i}.${k}`, clientMsgId: `m${k}` });
    });
    // A retry of an already-sent message must not be delivered twice.
    members[0]?.send({ type: 'send', room: 'lobby', body: 'hi 0.0', clientMsgId: 'm0' });
    const total = 5 * perSender;
    const streams = await Promise.all(
      members.map(async (c) => {
        await c.until(() => c.frames.filter((f) => f.type === 'message').length >= total, 'all messages');
        return c.frames.filter((f) => f.type === 'message');
      }),
    );
    for (const stream of streams) {
      expect(stream.map((f) => f.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(stream).toEqual(streams[0]);
    }
    await members[0]!.until(() => members[0]!.frames.filter((f) => f.type === 'ack').length === perSender + 1, 'acks');
    const page = s.history('lobby', { limit: 100 });
    expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => total - i));
    expect(page.messages.map((m) => `${m.senderId}:${m.body}`).reverse()).toEqual(
      streams[0]?.map((f) => `${f.from}:${f.body}`),
    );
    expect(errors).toEqual([]);
  });

  it('cleans up membership and presence when a socket drops', async () => {
    const { port, tokens, rooms, presence } = await startChat();
    const watcher = await connect(port);
    watcher.send({ type: 'auth', token: tokens.issueTokens('w').accessToken });
    watcher.send({ type: 'join', room: 'r' });
    const leaver = await connect(port);
    leaver.send({ type: 'auth', token: tokens.issueTokens('l').accessToken });
    leaver.send({ type: 'join', room: 'r' });
    await leaver.until(() => leaver.frames.some((f) => f.type === 'joined'), 'joined');
    await watcher.until(() => watcher.frames.some((f) => f.type === 'joined'), 'joined');
    presence.typing('l', 'r');
    await watcher.until(() => watcher.frames.some((f) => f.type === 'presence' && f.status === 'typing'), 'typing');
    leaver.terminate();
    await watcher.until(
      () => watcher.frames.some((f) => f.type === 'presence' && f.status === 'stopped_typing'),
      'stopped typing',
    );
    expect(rooms.memberCount('r')).toBe(1);
    expect(presence.isOnline('l')).toBe(false);
    expect(presence.isOnline('w')).toBe(true);
  });
});
