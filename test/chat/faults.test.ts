// Bad input, crashes and restarts against the generated chat backend on real sockets.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TokenService,
  Supervisor,
  call,
  currentState,
  exit,
  isProcessAlive,
  whereis,
  type Pid,
} from '../../packages/runtime/src/index.js';
import { gateway } from '../../generated/chat/index.js';
import { Client, SECRET, boot, eventually, tokenFor, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await boot();
});
afterEach(async () => {
  await run.cleanup();
});

async function sessions(): Promise<Pid[]> {
  return (await Supervisor.whichChildren('session_sup'))
    .map((c) => c.pid)
    .filter((p): p is Pid => p !== undefined && p !== 'restarting');
}

async function sessionOf(userId: string): Promise<Pid> {
  for (const pid of await sessions()) {
    const s = await currentState<{ userId: string }>(pid);
    if (s.data.userId === userId) return pid;
  }
  throw new Error(`no session for ${userId}`);
}

describe('bad frames', () => {
  it('answers malformed, unknown, mistyped and binary frames with error frames and keeps the session', async () => {
    const c = await run.connect();
    c.send('{not json');
    expect(await c.next('error')).toMatchObject({ code: 'malformed_json' });
    c.send({ type: 'launch_missiles' });
    expect(await c.next('error')).toMatchObject({ code: 'unknown_type' });
    c.send({ type: 'join_room', roomId: 7 });
    expect(await c.next('error')).toMatchObject({ code: 'bad_field_type' });
    c.send({ type: 'join_room', roomId: 'r', extra: true });
    expect(await c.next('error')).toMatchObject({ code: 'unknown_field' });
    c.send({ type: 'auth' });
    expect(await c.next('error')).toMatchObject({ code: 'missing_field' });
    c.send({ type: 'message', roomId: 'r', seq: 1, senderId: 'x', body: 'b', clientMsgId: 'c', ts: 1 });
    expect(await c.next('error')).toMatchObject({ code: 'wrong_direction' });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await c.next('error')).toMatchObject({ code: 'binary_not_supported' });
    c.send({ type: 'ping' });
    expect(await c.next('pong')).toEqual({ type: 'pong' });
    expect(c.closeInfo).toBeNull();
  });

  it('closes with 1009 on a frame over maxPayloadBytes; other connections are untouched', async () => {
    const other = await run.login('other');
    const c = await run.connect();
    c.send({ type: 'auth', token: 'x'.repeat(70_000) });
    expect((await c.closed()).code).toBe(1009);
    other.send({ type: 'ping' });
    expect(await other.next('pong')).toEqual({ type: 'pong' });
  });

  it('refuses every event but auth and ping before authentication, with the declared code', async () => {
    const c = await run.connect();
    for (const frame of [
      { type: 'join_room', roomId: 'r' },
      { type: 'send_message', roomId: 'r', body: 'b', clientMsgId: 'c' },
      { type: 'history', roomId: 'r' },
      { type: 'create_ticket', subject: 's', description: 'd' },
      { type: 'typing', roomId: 'r' },
      { type: 'logout' },
    ]) {
      c.send(frame);
      expect(await c.next('error')).toMatchObject({ code: 'event_not_accepted', ref: frame.type });
    }
    c.send({ type: 'ping' });
    await c.next('pong');
  });

  it('refuses bad, forged, expired and refresh tokens with invalid_token, and then accepts a good one', async () => {
    const c = await run.connect();
    const forged = new TokenService({ secret: 'another-secret-0123456789abcdef-xyz', issuer: 'ggen-chat' }).issueTokens(
      'mallory',
    ).accessToken;
    const expired = new TokenService({
      secret: SECRET,
      issuer: 'ggen-chat',
      now: () => Date.now() - 2 * 3600_000,
    }).issueTokens('old').accessToken;
    const refresh = new TokenService({ secret: SECRET, issuer: 'ggen-chat' }).issueTokens('r').refreshToken;
    for (const token of ['', 'not.a.jwt', forged, expired, refresh]) {
      c.send({ type: 'auth', token });
      expect(await c.next('error')).toMatchObject({ code: 'invalid_token', ref: 'auth' });
    }
    c.send({ type: 'auth', token: tokenFor('finally') });
    expect(await c.next('auth_ok')).toEqual({ type: 'auth_ok', userId: 'finally' });
  });

  it('refuses bad event parameters with the declared codes of the operations they reach', async () => {
    const c = await run.login('p');
    c.send({ type: 'join_room', roomId: 'bad room!' });
    expect(await c.next('error')).toMatchObject({ code: 'invalid_room' });
    c.send({ type: 'join_room', roomId: 'ok' });
    await c.next('joined');
    c.send({ type: 'send_message', roomId: 'ok', body: '', clientMsgId: 'm' });
    expect(await c.next('error')).toMatchObject({ code: 'invalid_message' });
    c.send({ type: 'send_message', roomId: 'elsewhere', body: 'sneaky', clientMsgId: 'm2' });
    expect(await c.next('error')).toMatchObject({ code: 'not_a_member' });
    c.send({ type: 'history', roomId: 'ok', limit: 201 });
    expect(await c.next('error')).toMatchObject({ code: 'bad_limit' });
    c.send({ type: 'history', roomId: 'ok', before: 'garbage' });
    expect(await c.next('error')).toMatchObject({ code: 'bad_cursor' });
    // Reading a room needs membership, as writing does (#14 finding 5).
    c.send({ type: 'history', roomId: 'elsewhere' });
    expect(await c.next('error')).toMatchObject({ code: 'not_a_member' });
    c.send({ type: 'history', roomId: 'ok' });
    expect(await c.next('history_page')).toEqual({ type: 'history_page', roomId: 'ok', messages: [] });
  });
});

describe('session processes', () => {
  it('one session per connection under session_sup; a dropped socket ends its session and cleans up', async () => {
    const a = await run.login('a');
    await run.login('b');
    expect(await sessions()).toHaveLength(2);
    a.send({ type: 'join_room', roomId: 'r' });
    await a.next('joined');
    expect(await call('rooms_server', ['members', 'r'])).toHaveLength(1);
    a.terminate();
    await eventually(async () => (await sessions()).length === 1, 'a’s session to stop');
    expect(await call('rooms_server', ['members', 'r'])).toEqual([]);
    expect(await gateway.connectionCount()).toBe(1);
  });

  it('logout ends the session and closes the socket normally', async () => {
    const a = await run.login('a');
    a.send({ type: 'logout' });
    expect((await a.closed()).code).toBe(1000);
    await eventually(async () => (await sessions()).length === 0, 'the session to stop');
  });

  it('a killed session process closes only its own socket; the other sessions keep chatting', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((u) => run.login(u)));
    for (const m of [a, b, c]) {
      m!.send({ type: 'join_room', roomId: 'k' });
      await m!.next('joined');
    }
    const victim = await sessionOf('b');
    exit(victim, 'kill');
    const closed = await b!.closed();
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(/killed/);
    expect(isProcessAlive(victim)).toBe(false);
    a!.send({ type: 'send_message', roomId: 'k', body: 'still here', clientMsgId: 'x1' });
    expect(await c!.next('message')).toMatchObject({ body: 'still here', senderId: 'a' });
    expect(await a!.next('ack')).toMatchObject({ clientMsgId: 'x1' });
    await eventually(
      async () => ((await call('rooms_server', ['members', 'k'])) as string[]).length === 2,
      'b’s membership to go',
    );
    expect(await sessions()).toHaveLength(2);
  });
});

describe('message history after a restart of the message store', () => {
  it('acknowledged messages survive a killed message_store (the tree restarts what depends on it)', async () => {
    const a = await run.login('a');
    a.send({ type: 'join_room', roomId: 'h' });
    await a.next('joined');
    for (let i = 1; i <= 5; i++) {
      a.send({ type: 'send_message', roomId: 'h', body: `m${i}`, clientMsgId: `k${i}` });
      expect(await a.next('ack')).toMatchObject({ seq: i });
    }
    const store = whereis('message_store') as Pid;
    exit(store, 'kill');
    // rest_for_one: everything started after the store restarts too, the gateway included.
    expect((await a.closed()).code).not.toBe(1000);
    await eventually(() => {
      const p = whereis('message_store');
      const g = whereis('gateway');
      return p !== undefined && p !== store && g !== undefined;
    }, 'the store and the gateway to be back');
    const { port } = await call<{ port: number }>('gateway', ['$handle', 'ws']);
    const again = await Client.connect(`ws://127.0.0.1:${port}/ws`);
    run.clients.push(again);
    again.send({ type: 'auth', token: tokenFor('a') });
    await again.next('auth_ok');
    again.send({ type: 'join_room', roomId: 'h' });
    expect(await again.next('joined')).toEqual({ type: 'joined', roomId: 'h', lastSeq: 5 });
    again.send({ type: 'history', roomId: 'h', limit: 3 });
    const first = await again.next('history_page');
    expect((first.messages as { body: string }[]).map((m) => m.body)).toEqual(['m5', 'm4', 'm3']);
    again.send({ type: 'history', roomId: 'h', limit: 3, before: first.nextCursor });
    const second = await again.next('history_page');
    expect((second.messages as { body: string }[]).map((m) => m.body)).toEqual(['m2', 'm1']);
  });
});
