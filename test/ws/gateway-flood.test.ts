import { afterEach, describe, expect, it } from 'vitest';
import {
  CloseCode,
  Protocol,
  startGateway,
  type Gateway,
  type GatewayConnection,
  type GatewayOptions,
  type SessionHandler,
} from '../../packages/runtime/src/ws/index.js';
import { CHAT_SPEC, TestClient, eventually } from './fixtures.js';

// Issue #14 finding 3: one connection that floods frames (before or after auth) grew the server's
// per-connection queue without bound. Every attack here is on 127.0.0.1, bounded in count and time.

const protocol = new Protocol(CHAT_SPEC);
let gateways: Gateway[] = [];
let clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients) c.terminate();
  await Promise.all(gateways.map((g) => g.close()));
  gateways = [];
  clients = [];
});

async function start(handler: () => SessionHandler, extra: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const gw = await startGateway({ port: 0, protocol, onConnect: () => handler(), onError: () => undefined, ...extra });
  gateways.push(gw);
  return gw;
}

async function client(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  clients.push(c);
  return c;
}

const frame = (i: number) => ({ type: 'send', room: 'r', body: `m${i}` });

describe('gateway limits per connection', () => {
  function stuck() {
    const seen = { running: 0, maxRunning: 0, calls: 0 };
    const handler = (): SessionHandler => ({
      onMessage() {
        seen.calls++;
        seen.maxRunning = Math.max(seen.maxRunning, ++seen.running);
        return new Promise<void>(() => undefined); // a session that never finishes its event
      },
      onClose: () => undefined,
    });
    return { seen, handler };
  }

  it('delivers one frame at a time and closes with 1013 when a burst overflows the frames in flight', async () => {
    const { seen, handler } = stuck();
    const gw = await start(handler, { maxInFlight: 8, messagesPerSecond: 1e6, messageBurst: 1e6 });
    const c = await client(gw.port);
    for (let i = 0; i < 5000; i++) c.send(frame(i));
    expect((await c.closed()).code).toBe(CloseCode.tryAgainLater);
    expect(seen.maxRunning).toBe(1);
    expect(seen.calls).toBe(1);
  });

  it('stops reading a connection whose frames in flight reach half the cap (back-pressure, no close)', async () => {
    const { seen, handler } = stuck();
    const gw = await start(handler, { maxInFlight: 8, messagesPerSecond: 1e6, messageBurst: 1e6 });
    const c = await client(gw.port);
    for (let i = 0; i < 40; i++) {
      c.send(frame(i));
      await new Promise((r) => setTimeout(r, 5)); // one frame per TCP segment
    }
    await new Promise((r) => setTimeout(r, 100));
    const [conn] = [...gw.connections()] as (GatewayConnection & { inFlight: number })[];
    // The rest waits in the peer's socket, not in this process.
    expect(conn?.inFlight).toBe(4);
    expect(c.closeInfo).toBeNull();
    expect(seen.calls).toBe(1);
  });

  it('keeps every frame, in order, when the session catches up (reading pauses, nothing is dropped)', async () => {
    const got: string[] = [];
    const gw = await start(
      () => ({
        async onMessage(m) {
          await new Promise((r) => setTimeout(r, 1));
          got.push(m.body as string);
        },
        onClose: () => undefined,
      }),
      { maxInFlight: 64, messagesPerSecond: 1e6, messageBurst: 1e6 },
    );
    const c = await client(gw.port);
    for (let i = 0; i < 40; i++) c.send(frame(i));
    await eventually(() => got.length === 40, '40 frames handled', 5000);
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`));
    expect(c.closeInfo).toBeNull();
  });

  it('closes a connection that exceeds its message rate with 1008, whether or not its session ever authenticated', async () => {
    let handled = 0;
    const gw = await start(() => ({ onMessage: () => void handled++, onClose: () => undefined }), {
      messagesPerSecond: 20,
      messageBurst: 40,
    });
    const flooder = await client(gw.port);
    const polite = await client(gw.port);
    for (let i = 0; i < 2000; i++) flooder.send(frame(i));
    expect((await flooder.closed()).code).toBe(CloseCode.policyViolation);
    expect(handled).toBeLessThanOrEqual(45);
    // Bad frames count too: a flood of garbage before any valid frame is closed the same way.
    const garbage = await client(gw.port);
    for (let i = 0; i < 2000; i++) garbage.send('{');
    expect((await garbage.closed()).code).toBe(CloseCode.policyViolation);
    polite.send(frame(1));
    await eventually(() => handled >= 1, 'the polite client served');
    expect(polite.closeInfo).toBeNull();
  });
});
