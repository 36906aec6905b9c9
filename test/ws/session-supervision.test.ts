// The gateway with the OTP runtime the way generated code wires it: one session state machine per
// connection under a simple_one_for_one supervisor; socket and process lifetimes tied together.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MemoryLogger,
  StateMachine,
  Supervisor,
  exited,
  formatReason,
  resetRuntime,
  unwrapStart,
  type EventResult,
  type EventType,
  type Pid,
  type StateMachineBehaviour,
} from '../../packages/runtime/src/index.js';
import { AuthError, TokenService } from '../../packages/runtime/src/auth/index.js';
import {
  Protocol,
  startGateway,
  type Gateway,
  type GatewayConnection,
  type ProtocolMessage,
} from '../../packages/runtime/src/ws/index.js';
import { CHAT_SPEC, TestClient, eventually } from './fixtures.js';

type State = 'connecting' | 'authenticated' | 'active' | 'idle';
interface Data {
  conn: GatewayConnection;
  user: string | null;
}

const protocol = new Protocol(CHAT_SPEC);
const tokens = new TokenService({ secret: 'session-supervision-secret-0123456789' });
const IDLE_MS = 40;
const IDLE_CLOSE_MS = 40;

const session: StateMachineBehaviour<State, Data, GatewayConnection> = {
  init: (conn) => ({ ok: 'connecting', data: { conn, user: null } }),
  handleEvent(type: EventType, event: any, state: State, data: Data): EventResult<State, Data> {
    if (event === 'socket_closed') return { stop: 'normal' };
    if (type === 'timeout' && state === 'active')
      return { nextState: 'idle', actions: [['state_timeout', IDLE_CLOSE_MS, 'close']] };
    if (type === 'state_timeout' && state === 'idle') return { stop: { shutdown: 'idle timeout' } };
    const m = (event as { frame: ProtocolMessage }).frame;
    if (state === 'connecting') {
      if (m.type !== 'auth') {
        data.conn.sendError('unauthenticated', `"${m.type}" needs an authenticated session`);
        return 'keep_state_and_data';
      }
      try {
        return { nextState: 'authenticated', data: { ...data, user: tokens.verifyAccess(m.token as string).sub } };
      } catch (e) {
        if (!(e instanceof AuthError)) throw e;
        data.conn.sendError(e.code, e.message);
        return 'keep_state_and_data';
      }
    }
    if (m.type === 'typing' && m.room === 'crash') throw new Error('session bug');
    if (m.type === 'send') data.conn.send({ type: 'message', room: m.room as string, seq: 1 });
    return { nextState: 'active', data, actions: [['timeout', IDLE_MS, 'idle']] };
  },
};

let gw: Gateway | null = null;
let clients: TestClient[] = [];
let sup: Pid;

beforeEach(async () => {
  resetRuntime({ logger: new MemoryLogger() });
  sup = unwrapStart(
    await Supervisor.start({ strategy: 'simple_one_for_one', intensity: 0, period: 1 }, [
      {
        id: 'session',
        start: (conn: GatewayConnection) => StateMachine.startLink(session, conn),
        restart: 'temporary',
      },
    ]),
  );
  gw = await startGateway({
    port: 0,
    protocol,
    onError: () => {},
    onConnect: async (conn) => {
      const started = await Supervisor.startChild(sup, [conn]);
      if (!('ok' in started) || started.ok === undefined)
        throw new Error(`session did not start: ${formatReason(started)}`);
      const pid = started.ok;
      void exited(pid).then((reason) =>
        conn.sessionEnded(
          formatReason(reason),
          reason === 'normal' || (typeof reason === 'object' && reason !== null && 'shutdown' in reason),
        ),
      );
      return {
        onMessage: (m) => StateMachine.cast(pid, { frame: m }),
        onClose: () => StateMachine.cast(pid, 'socket_closed'),
      };
    },
  });
});

afterEach(async () => {
  for (const c of clients) c.terminate();
  clients = [];
  await gw?.close();
  gw = null;
  await Supervisor.stop(sup, 'shutdown');
});

async function client(): Promise<TestClient> {
  const c = await TestClient.connect((gw as Gateway).port);
  clients.push(c);
  return c;
}

const sessions = async () => (await Supervisor.countChildren(sup)).active;

describe('gateway sessions under a simple_one_for_one supervisor', () => {
  it('starts one session per connection and refuses unauthenticated messages', async () => {
    const a = await client();
    const b = await client();
    await eventually(() => (gw as Gateway).connectionCount === 2, 'connections');
    expect(await sessions()).toBe(2);
    a.send({ type: 'send', room: 'r', body: 'too early' });
    expect(await a.nextFrame()).toMatchObject({ type: 'error', code: 'unauthenticated' });
    a.send({ type: 'auth', token: tokens.issueTokens('alice').accessToken });
    a.send({ type: 'send', room: 'r', body: 'now' });
    expect(await a.nextFrame(2)).toMatchObject({ type: 'message', room: 'r' });
    b.send({ type: 'auth', token: 'forged.token.x' });
    expect(await b.nextFrame()).toMatchObject({ type: 'error', code: 'malformed_token' });
  });

  it('stops the session process when its socket drops', async () => {
    const a = await client();
    await client();
    await eventually(() => (gw as Gateway).connectionCount === 2, 'connections');
    a.terminate();
    let n = 2;
    const deadline = Date.now() + 3000;
    while ((n = await sessions()) !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(n).toBe(1);
  });

  it('closes the socket with the exit reason when the session crashes, and keeps serving others', async () => {
    const a = await client();
    const b = await client();
    a.send({ type: 'auth', token: tokens.issueTokens('alice').accessToken });
    a.send({ type: 'typing', room: 'crash', on: true });
    const closed = await a.closed();
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(/session bug/);
    b.send({ type: 'auth', token: tokens.issueTokens('bob').accessToken });
    b.send({ type: 'send', room: 'r', body: 'fine' });
    expect(await b.nextFrame()).toMatchObject({ type: 'message' });
  });

  it('goes active → idle → closed on inactivity and closes the socket normally', async () => {
    const a = await client();
    a.send({ type: 'auth', token: tokens.issueTokens('alice').accessToken });
    a.send({ type: 'send', room: 'r', body: 'hello' });
    expect(await a.nextFrame()).toMatchObject({ type: 'message' });
    const closed = await a.closed();
    expect(closed.code).toBe(1000);
    expect(closed.reason).toMatch(/idle timeout/);
  });
});
