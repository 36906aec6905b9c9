// Issue #14 finding 5: any user could read any room's history without joining it, and phone-code
// logins used the raw phone number as the user id, which presence and message frames broadcast.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authServer } from '../../generated/chat/index.js';
import { boot, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await boot();
});
afterEach(async () => {
  await run.cleanup();
});

describe('room privacy', () => {
  it('refuses history of a room the connection has not joined (not_a_member)', async () => {
    const alice = await run.login('alice');
    alice.send({ type: 'join_room', roomId: 'secret' });
    await alice.next('joined');
    alice.send({ type: 'send_message', roomId: 'secret', body: 'the plan', clientMsgId: 'p1' });
    await alice.next('ack');

    const eve = await run.login('eve');
    eve.send({ type: 'join_room', roomId: 'lobby' });
    await eve.next('joined');
    eve.send({ type: 'history', roomId: 'secret' });
    expect(await eve.next('error')).toMatchObject({ code: 'not_a_member' });
    expect(eve.all('history_page')).toHaveLength(0);
    // A member still reads it.
    alice.send({ type: 'history', roomId: 'secret' });
    expect(await alice.next('history_page')).toMatchObject({ messages: [{ body: 'the plan' }] });
  });

  it('a phone-code login gets an opaque, stable user id; the phone number is never broadcast', async () => {
    const phone = '+15557654321';
    const login = async () => {
      const { code } = await authServer.requestCode(phone, '127.0.0.1');
      return authServer.verifyCode(phone, code, '127.0.0.1');
    };
    const first = await login();
    const claims = await authServer.verifyAccess(first.tokens.accessToken);
    expect(claims.sub).not.toContain('5557654321');
    expect(claims.sub).toMatch(/^u_[A-Za-z0-9_-]{16,}$/);

    const c = await run.connect();
    c.send({ type: 'auth', token: first.tokens.accessToken });
    const ok = await c.next('auth_ok');
    const other = await run.login('bob');
    other.send({ type: 'join_room', roomId: 'lobby' });
    await other.next('joined');
    c.send({ type: 'join_room', roomId: 'lobby' });
    await c.next('joined');
    c.send({ type: 'send_message', roomId: 'lobby', body: 'hi', clientMsgId: 'x' });
    await other.next('message');
    const seen = JSON.stringify([ok, ...other.frames]);
    expect(seen).not.toContain('5557654321');
    expect(other.all('message')[0]?.senderId).toBe(claims.sub);
  });
});
