// The generated chat backend end to end over real WebSockets on loopback.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authServer, messageStore, presenceServer } from '../../generated/chat/index.js';
import { ChatProtocolClient } from '../../generated/chat/chat-protocol.js';
import { boot, eventually, tokenFor, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await boot();
});
afterEach(async () => {
  await run.cleanup();
});

describe('login, then chat', () => {
  it('a phone-code login yields tokens the gateway accepts; messages reach the room, are acked and stored', async () => {
    const { code } = await authServer.requestCode('+15551234567', '127.0.0.1');
    expect(code).toMatch(/^[0-9]{6}$/);
    const login = await authServer.verifyCode('+15551234567', code, '127.0.0.1');
    expect(login.tokens.tokenType).toBe('Bearer');
    expect(login.tokens.expiresIn).toBe(3600);
    expect(login.tokens.refreshExpiresIn).toBe(30 * 24 * 3600);
    const claims = await authServer.verifyAccess(login.tokens.accessToken);

    const alice = await run.connect();
    alice.send({ type: 'auth', token: login.tokens.accessToken });
    expect(await alice.next('auth_ok')).toEqual({ type: 'auth_ok', userId: claims.sub });
    const bob = await run.login('bob');

    alice.send({ type: 'join_room', roomId: 'lobby' });
    expect(await alice.next('joined')).toEqual({ type: 'joined', roomId: 'lobby', lastSeq: 0 });
    bob.send({ type: 'join_room', roomId: 'lobby' });
    expect(await bob.next('joined')).toEqual({ type: 'joined', roomId: 'lobby', lastSeq: 0 });

    alice.send({ type: 'send_message', roomId: 'lobby', body: 'hello bob', clientMsgId: 'm1' });
    expect(await alice.next('ack')).toEqual({ type: 'ack', clientMsgId: 'm1', seq: 1, duplicate: false });
    const got = await bob.next('message');
    expect(got).toMatchObject({
      type: 'message',
      roomId: 'lobby',
      seq: 1,
      senderId: claims.sub,
      body: 'hello bob',
      clientMsgId: 'm1',
    });
    expect(typeof got.ts).toBe('number');

    // A retry with the same clientMsgId is acknowledged as a duplicate and not delivered again.
    alice.send({ type: 'send_message', roomId: 'lobby', body: 'hello bob', clientMsgId: 'm1' });
    expect(await alice.next('ack')).toEqual({ type: 'ack', clientMsgId: 'm1', seq: 1, duplicate: true });
    bob.send({ type: 'ping' });
    await bob.next('pong');
    expect(bob.all('message')).toHaveLength(1);

    bob.send({ type: 'history', roomId: 'lobby' });
    const page = await bob.next('history_page');
    expect(page).toMatchObject({
      type: 'history_page',
      roomId: 'lobby',
      messages: [{ seq: 1, body: 'hello bob', senderId: claims.sub }],
    });
    expect(await messageStore.lastSeq('lobby')).toBe(1);
  });

  it('a refresh token rotates once; a wrong phone code counts down to too_many_attempts', async () => {
    const { code } = await authServer.requestCode('+15550000001', '127.0.0.1');
    const { tokens } = await authServer.verifyCode('+15550000001', code, '127.0.0.1');
    const next = await authServer.refresh(tokens.refreshToken);
    expect(next.accessToken).not.toBe(tokens.accessToken);
    await expect(authServer.refresh(tokens.refreshToken)).rejects.toMatchObject({ code: 'invalid_token' });

    const { code: c2 } = await authServer.requestCode('+15550000002', '127.0.0.1');
    const wrong = c2 === '000000' ? '111111' : '000000';
    await expect(authServer.verifyCode('+15550000002', wrong, '127.0.0.1')).rejects.toMatchObject({
      code: 'invalid_code',
    });
    await expect(authServer.verifyCode('+15550000002', wrong, '127.0.0.1')).rejects.toMatchObject({
      code: 'invalid_code',
    });
    await expect(authServer.verifyCode('+15550000002', wrong, '127.0.0.1')).rejects.toMatchObject({
      code: 'too_many_attempts',
    });
    // The budget belongs to the phone: neither the right code nor a new one helps until the window passes.
    await expect(authServer.verifyCode('+15550000002', c2, '127.0.0.1')).rejects.toMatchObject({
      code: 'too_many_attempts',
    });
    await expect(authServer.requestCode('+15550000002', '127.0.0.1')).rejects.toMatchObject({
      code: 'too_many_attempts',
    });
    await expect(authServer.requestCode('+15550000003', '127.0.0.1')).resolves.toMatchObject({
      code: expect.stringMatching(/^[0-9]{6}$/),
    });
    await expect(authServer.requestCode('+15550000003', '127.0.0.1')).rejects.toMatchObject({
      code: 'resend_too_soon',
    });
  });
});

describe('the generated typed protocol client', () => {
  it('sends typed inbound messages and awaits typed outbound ones; a refusal rejects with its code', async () => {
    const a = await ChatProtocolClient.connect(run.url);
    const b = await ChatProtocolClient.connect(run.url);
    try {
      a.send({ type: 'join_room', roomId: 'early' });
      await expect(a.next('joined')).rejects.toMatchObject({ code: 'event_not_accepted' });
      a.send({ type: 'auth', token: tokenFor('ann') });
      expect((await a.next('auth_ok')).userId).toBe('ann');
      b.send({ type: 'auth', token: tokenFor('ben') });
      await b.next('auth_ok');
      for (const c of [a, b]) {
        c.send({ type: 'join_room', roomId: 'typed' });
        await c.next('joined');
      }
      a.send({ type: 'send_message', roomId: 'typed', body: 'hi', clientMsgId: 't1' });
      const m = await b.next('message');
      expect([m.senderId, m.body, m.seq]).toEqual(['ann', 'hi', 1]);
      expect((await a.next('ack')).seq).toBe(1);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('broadcast order', () => {
  it('every member sees one room order, in seq order without gaps, from several concurrent senders', async () => {
    const members = await Promise.all(['u1', 'u2', 'u3', 'u4'].map((u) => run.login(u)));
    for (const m of members) {
      m.send({ type: 'join_room', roomId: 'order' });
      await m.next('joined');
    }
    const perSender = 25;
    members.forEach((m, i) => {
      for (let k = 0; k < perSender; k++)
        m.send({ type: 'send_message', roomId: 'order', body: `u${i + 1}:${k}`, clientMsgId: `c${i}-${k}` });
    });
    const total = perSender * members.length;
    for (const m of members) await m.until(() => m.all('message').length === total, `${total} messages`, 10_000);
    const orders = members.map((m) => m.all('message').map((f) => f.seq));
    const expected = Array.from({ length: total }, (_, i) => i + 1);
    for (const o of orders) expect(o).toEqual(expected);
    // Each sender's own messages arrive in the order it sent them.
    const bodies = members[0]!.all('message').map((f) => f.body as string);
    for (let i = 0; i < members.length; i++) {
      const mine = bodies.filter((b) => b.startsWith(`u${i + 1}:`)).map((b) => Number(b.split(':')[1]));
      expect(mine).toEqual(Array.from({ length: perSender }, (_, k) => k));
    }
  });
});

describe('presence', () => {
  it('pushes online to a room on join, typing to its members, and offline with last-seen when a user goes', async () => {
    const alice = await run.login('alice');
    alice.send({ type: 'join_room', roomId: 'p' });
    await alice.next('joined');
    const bob = await run.login('bob');
    bob.send({ type: 'join_room', roomId: 'p' });
    await bob.next('joined');
    expect(await alice.next('presence')).toEqual({ type: 'presence', userId: 'bob', status: 'online' });
    expect(await bob.next('presence')).toEqual({ type: 'presence', userId: 'alice', status: 'online' });

    bob.send({ type: 'typing', roomId: 'p' });
    expect(await alice.next('typing_update')).toEqual({ type: 'typing_update', roomId: 'p', userIds: ['bob'] });

    const before = Date.now();
    bob.terminate();
    const off = await alice.next('presence');
    expect(off).toMatchObject({ type: 'presence', userId: 'bob', status: 'offline' });
    expect(off.lastSeen as number).toBeGreaterThanOrEqual(before);
    // Going offline also ends the typing indicator.
    expect(await alice.next('typing_update')).toEqual({ type: 'typing_update', roomId: 'p', userIds: [] });
    await eventually(() => run.app.hub.size === 1, 'bob’s connection to be gone');
    expect(await presenceServer.status('alice')).toMatchObject({ userId: 'alice', status: 'online' });
    const bobNow = await presenceServer.status('bob');
    expect(bobNow).toMatchObject({ userId: 'bob', status: 'offline' });
    expect(bobNow.lastSeen).toBeGreaterThanOrEqual(off.lastSeen as number);
    expect(await presenceServer.status('nobody')).toEqual({ userId: 'nobody', status: 'offline', lastSeen: null });
  });
});
