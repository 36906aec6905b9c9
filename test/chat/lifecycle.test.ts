// Session idle timeouts (shortened through startChat's stateTimeoutsMs) and the ticket lifecycle.
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor, currentState, type Pid } from '../../packages/runtime/src/index.js';
import { startChat, ticketServer } from '../../generated/chat/index.js';
import { boot, eventually, type Running } from './helpers.js';

let run: Running | undefined;
afterEach(async () => {
  await run?.cleanup();
  run = undefined;
});

async function onlySession(): Promise<Pid> {
  const pids = (await Supervisor.whichChildren('session_sup'))
    .map((c) => c.pid)
    .filter((p): p is Pid => p !== undefined && p !== 'restarting');
  expect(pids).toHaveLength(1);
  return pids[0]!;
}

describe('idle timeout', () => {
  it('active → idle after the idle timeout, back to active on a message, closed (socket 1000) after the idle expiry', async () => {
    run = await boot({ stateTimeoutsMs: { idle_timeout: 80, idle_expired: 400 } });
    const c = await run.login('sleepy');
    c.send({ type: 'join_room', roomId: 'z' });
    await c.next('joined');
    const pid = await onlySession();
    await eventually(async () => (await currentState(pid)).state === 'idle', 'the session to go idle', 3000);
    // An idle session still answers pings (and stays idle); a message makes it active again.
    c.send({ type: 'ping' });
    await c.next('pong');
    expect((await currentState(pid)).state).toBe('idle');
    c.send({ type: 'send_message', roomId: 'z', body: 'awake', clientMsgId: 'w1' });
    await c.next('ack');
    expect((await currentState(pid)).state).toBe('active');
    const closed = await c.closed(5000);
    expect(closed.code).toBe(1000);
    await eventually(async () => (await Supervisor.whichChildren('session_sup')).length === 0, 'the session to stop');
    expect(run.app.hub.size).toBe(0);
  });

  it('a connection that never authenticates is closed after the auth deadline', async () => {
    run = await boot({ stateTimeoutsMs: { auth_deadline: 60 } });
    const c = await run.connect();
    expect((await c.closed()).code).toBe(1000);
  });
});

describe('ticket lifecycle', () => {
  it('a ticket opened from a chat session walks the declared lifecycle; undeclared changes are refused', async () => {
    run = await boot();
    const c = await run.login('customer');
    c.send({ type: 'join_room', roomId: 'support' });
    await c.next('joined');
    c.send({ type: 'create_ticket', subject: 'cannot log in', description: 'the app says invalid code' });
    const created = await c.next('ticket_created');
    expect(created).toMatchObject({ type: 'ticket_created', status: 'open' });
    const id = created.ticketId as string;

    const t = await ticketServer.getTicket(id);
    expect(t).toMatchObject({
      ticketId: id,
      subject: 'cannot log in',
      requesterId: 'customer',
      roomId: 'support',
      status: 'open',
      agentId: null,
    });
    expect(typeof t.sessionId).toBe('string');
    expect(t.updatedAt).toBeGreaterThanOrEqual(t.createdAt);

    await expect(ticketServer.applyEvent(id, 'resolve', { resolution: 'x' })).rejects.toMatchObject({
      code: 'transition_refused',
    });
    await expect(ticketServer.applyEvent(id, 'assign', {})).rejects.toMatchObject({ code: 'transition_refused' });
    expect(await ticketServer.applyEvent(id, 'assign', { agentId: 'agent-7' })).toMatchObject({
      status: 'assigned',
      agentId: 'agent-7',
    });
    expect(await ticketServer.applyEvent(id, 'start', {})).toMatchObject({ status: 'in_progress' });
    expect(await ticketServer.applyEvent(id, 'request_info', {})).toMatchObject({ status: 'waiting_on_customer' });
    expect(await ticketServer.applyEvent(id, 'customer_replied', {})).toMatchObject({ status: 'in_progress' });
    expect(await ticketServer.applyEvent(id, 'resolve', { resolution: 'reset the code' })).toMatchObject({
      status: 'resolved',
      resolution: 'reset the code',
    });
    expect(await ticketServer.applyEvent(id, 'reopen', {})).toMatchObject({
      status: 'open',
      reopens: 1,
      resolution: null,
    });
    expect(await ticketServer.applyEvent(id, 'close', {})).toMatchObject({ status: 'closed' });
    await expect(ticketServer.applyEvent(id, 'reopen', {})).rejects.toMatchObject({ code: 'transition_refused' });
    await expect(ticketServer.applyEvent(id, 'explode', {})).rejects.toMatchObject({ code: 'transition_refused' });
    await expect(ticketServer.getTicket('no-such-ticket')).rejects.toMatchObject({ code: 'ticket_not_found' });
    await expect(ticketServer.applyEvent('no-such-ticket', 'close', {})).rejects.toMatchObject({
      code: 'ticket_not_found',
    });

    const direct = await ticketServer.createTicket('walk-in', 'printer', '');
    expect(direct).toMatchObject({
      requesterId: 'walk-in',
      description: '',
      status: 'open',
      sessionId: null,
      roomId: null,
      agentId: null,
    });
  });

  it('tickets are durable across a restart of the whole application', async () => {
    run = await boot();
    const t = await ticketServer.createTicket('r', 'subject', 'description');
    await ticketServer.applyEvent(t.ticketId, 'assign', { agentId: 'a1' });
    await run.app.stop();
    const again = await startChat({ dataDir: run.dataDir, port: 0 });
    try {
      expect(await ticketServer.getTicket(t.ticketId)).toMatchObject({ status: 'assigned', agentId: 'a1' });
    } finally {
      await again.stop();
    }
  });

  it('startChat fails clearly without the JWT secret', async () => {
    const saved = process.env.CHAT_JWT_SECRET;
    delete process.env.CHAT_JWT_SECRET;
    try {
      await expect(startChat({ dataDir: '/nonexistent', port: 0 })).rejects.toThrow(/CHAT_JWT_SECRET must be set/);
    } finally {
      process.env.CHAT_JWT_SECRET = saved;
    }
  });
});
