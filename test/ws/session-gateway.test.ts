// SessionGateway: the WebSocket gateway a generated server configures, each connection a declared
// session machine (issue #13: it used to be a class body in _otp/chat-bindings.njk).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DeclaredMachine,
  MemoryLogger,
  Supervisor,
  resetRuntime,
  unwrapStart,
  type MachineDefinition,
} from '../../packages/runtime/src/index.js';
import {
  Protocol,
  SessionGateway,
  SessionHub,
  type MachineSessionSpec,
  type SessionGatewayOptions,
} from '../../packages/runtime/src/ws/index.js';
import { TestClient, eventually } from './fixtures.js';

/** A session that answers ping with pong and ends on quit or when its socket closes. */
const echo: MachineDefinition = {
  name: 'echo_session',
  states: [{ name: 'open' }, { name: 'closed', terminal: true }],
  initialState: 'open',
  dataFields: [{ name: 'connectionId', initial: '' }],
  events: [
    { name: 'ping', kind: 'call', params: [], replyType: 'string' },
    { name: 'quit', kind: 'call', params: [], replyType: 'string' },
    { name: 'socket_closed', kind: 'info', params: [] },
  ],
  transitions: [
    { from: 'open', event: 'ping', to: 'open', actions: [{ kind: 'reply', value: 'pong' }] },
    { from: 'open', event: 'quit', to: 'closed', actions: [{ kind: 'reply', value: 'closed' }] },
    { from: 'open', event: 'socket_closed', to: 'closed' },
  ],
  unhandledError: { code: 'event_not_accepted', message: 'not now' },
};

const protocol = new Protocol({
  maxFrameBytes: 1024,
  messages: [
    { type: 'ping', direction: 'client_to_server', fields: [] },
    { type: 'quit', direction: 'client_to_server', fields: [] },
    { type: 'pong', direction: 'server_to_client', fields: [] },
  ],
});

const sessions: MachineSessionSpec = {
  supervisor: 'echo_sup',
  events: { ping: 'ping', quit: 'quit' },
  absent: {},
  outbound: { pong: [] },
  terminal: new Set(['closed']),
};

let gateways: SessionGateway[] = [];
let clients: TestClient[] = [];

beforeEach(async () => {
  resetRuntime({ logger: new MemoryLogger() });
  const machine = new DeclaredMachine(echo);
  unwrapStart(
    await Supervisor.start(
      { strategy: 'simple_one_for_one', intensity: 100, period: 1000 },
      [{ id: 'echo', start: (connectionId: string) => machine.startLink({ connectionId }), restart: 'temporary' }],
      { name: 'echo_sup' },
    ),
  );
});
afterEach(async () => {
  for (const c of clients) c.terminate();
  for (const g of gateways) await g.close();
  clients = [];
  gateways = [];
});

async function listen(hub: SessionHub, o: Partial<SessionGatewayOptions> = {}): Promise<SessionGateway> {
  const g = new SessionGateway(
    await SessionGateway.listen({
      hub,
      limits: {},
      port: 0,
      host: '127.0.0.1',
      protocol,
      path: '/',
      maxPayload: 1024,
      sessions,
      ...o,
    }),
  );
  gateways.push(g);
  return g;
}

async function client(g: SessionGateway): Promise<TestClient> {
  const c = await TestClient.connect(g.port);
  clients.push(c);
  return c;
}

describe('SessionGateway', () => {
  it('delivers frames as session events and sends the reply; a terminal reply closes the socket', async () => {
    const hub = new SessionHub();
    const g = await listen(hub);
    const c = await client(g);
    c.send({ type: 'ping' });
    expect(await c.nextFrame()).toEqual({ type: 'pong' });
    expect(g.connectionCount()).toBe(1);
    expect(hub.size).toBe(1);
    c.send({ type: 'quit' });
    expect((await c.closed()).code).toBe(1000);
    await eventually(() => g.connectionCount() === 0 && hub.size === 0, 'the connection to be gone');
  });

  it("takes the spec's limits, and overrides over them; the hub gets the per-user limit", async () => {
    const hub = new SessionHub();
    const g = await listen(hub, { limits: { maxConnections: 1, maxConnectionsPerUser: 3 } });
    expect(hub.maxConnectionsPerUser).toBe(3);
    await client(g);
    const refused = await client(g);
    expect((await refused.closed()).code).toBe(1013);

    const hub2 = new SessionHub();
    const g2 = await listen(hub2, {
      limits: { maxConnections: 1, maxConnectionsPerUser: 3 },
      overrides: { maxConnections: 2, maxConnectionsPerUser: 5 },
    });
    expect(hub2.maxConnectionsPerUser).toBe(5);
    const a = await client(g2);
    const b = await client(g2);
    b.send({ type: 'ping' });
    a.send({ type: 'ping' });
    expect(await b.nextFrame()).toEqual({ type: 'pong' });
    expect(await a.nextFrame()).toEqual({ type: 'pong' });

    const hub3 = new SessionHub();
    await listen(hub3);
    expect(hub3.maxConnectionsPerUser).toBe(8); // DEFAULT_GATEWAY_LIMITS
  });

  it('gives sessions of two gateways on one hub distinct ids', async () => {
    const hub = new SessionHub();
    const [g1, g2] = [await listen(hub), await listen(hub)];
    const [c1, c2] = [await client(g1), await client(g2)];
    c1.send({ type: 'ping' });
    c2.send({ type: 'ping' });
    expect(await c1.nextFrame()).toEqual({ type: 'pong' });
    expect(await c2.nextFrame()).toEqual({ type: 'pong' });
    expect(hub.size).toBe(2);
  });
});
