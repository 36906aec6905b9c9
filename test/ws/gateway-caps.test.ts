// Issue #14 finding 8: no connection caps; incomplete handshakes stayed open for 80-90 s.
// Every attack runs on 127.0.0.1, bounded in count and time.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CloseCode,
  DEFAULT_GATEWAY_LIMITS,
  Protocol,
  startGateway,
  type Gateway,
  type GatewayOptions,
} from '../../packages/runtime/src/ws/index.js';
import { CHAT_SPEC, TestClient, eventually } from './fixtures.js';

const protocol = new Protocol(CHAT_SPEC);
let gateways: Gateway[] = [];
let clients: TestClient[] = [];
let sockets: Socket[] = [];

afterEach(async () => {
  for (const c of clients) c.terminate();
  for (const s of sockets) s.destroy();
  await Promise.all(gateways.map((g) => g.close()));
  gateways = [];
  clients = [];
  sockets = [];
});

async function start(extra: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const gw = await startGateway({
    port: 0,
    protocol,
    onConnect: () => ({ onMessage: () => undefined, onClose: () => undefined }),
    onError: () => undefined,
    ...extra,
  });
  gateways.push(gw);
  return gw;
}

/** A raw TCP connection; resolves with the ms until the server closed it (bounded by `waitMs`). */
function rawConnection(port: number, send: string, waitMs: number): Promise<number> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = connect(port, '127.0.0.1', () => {
      if (send !== '') s.write(send);
    });
    sockets.push(s);
    s.on('error', () => undefined);
    s.on('close', () => resolve(Date.now() - t0));
    setTimeout(() => resolve(Infinity), waitMs).unref();
  });
}

describe('gateway connection caps', () => {
  it('has finite defaults for every limit', () => {
    for (const [k, v] of Object.entries(DEFAULT_GATEWAY_LIMITS)) expect(Number.isFinite(v), k).toBe(true);
  });

  it('closes connections past maxConnectionsPerAddress with 1013 and admits again once one leaves', async () => {
    const gw = await start({ maxConnectionsPerAddress: 3 });
    const first = await Promise.all([0, 1, 2].map(() => TestClient.connect(gw.port)));
    clients.push(...first);
    const fourth = await TestClient.connect(gw.port);
    clients.push(fourth);
    expect((await fourth.closed()).code).toBe(CloseCode.tryAgainLater);
    expect(fourth.closeInfo?.reason).toMatch(/address/);
    first[0]?.ws.close();
    await eventually(() => gw.connectionCount === 2, 'one to leave');
    const again = await TestClient.connect(gw.port);
    clients.push(again);
    await new Promise((r) => setTimeout(r, 50));
    expect(again.closeInfo).toBeNull();
    expect(gw.connectionCount).toBe(3);
  });

  it('destroys a socket that does not complete the upgrade within handshakeTimeoutMs', async () => {
    const gw = await start({ handshakeTimeoutMs: 300 });
    const [silent, partial, trickle] = await Promise.all([
      rawConnection(gw.port, '', 5000),
      rawConnection(gw.port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n', 5000),
      rawConnection(gw.port, 'G', 5000),
    ]);
    for (const ms of [silent, partial, trickle]) {
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(3000);
    }
    // A completed handshake is not cut off by the timer.
    const c = await TestClient.connect(gw.port);
    clients.push(c);
    await new Promise((r) => setTimeout(r, 600));
    expect(c.closeInfo).toBeNull();
  });
});
