import { afterEach, describe, expect, it } from 'vitest';
import {
  Protocol,
  startGateway,
  type Gateway,
  type GatewayConnection,
  type GatewayOptions,
  type ProtocolMessage,
  type SessionHandler,
} from '../../packages/runtime/src/ws/index.js';
import { CHAT_SPEC, TestClient, eventually } from './fixtures.js';

const protocol = new Protocol(CHAT_SPEC);

interface Recorder {
  received: { conn: number; message: ProtocolMessage }[];
  closes: { conn: number; code: number; reason: string }[];
  errors: { where: string; error: unknown }[];
  conns: GatewayConnection[];
}

let gateways: Gateway[] = [];
let clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients) c.terminate();
  await Promise.all(gateways.map((g) => g.close()));
  gateways = [];
  clients = [];
});

async function start(
  handler: (conn: GatewayConnection, rec: Recorder) => SessionHandler | Promise<SessionHandler> = echoHandler,
  extra: Partial<GatewayOptions> = {},
): Promise<{ gw: Gateway; rec: Recorder }> {
  const rec: Recorder = { received: [], closes: [], errors: [], conns: [] };
  const gw = await startGateway({
    port: 0,
    protocol,
    onConnect: (conn) => {
      rec.conns.push(conn);
      return handler(conn, rec);
    },
    onError: (error, where) => rec.errors.push({ where, error }),
    ...extra,
  });
  gateways.push(gw);
  return { gw, rec };
}

function echoHandler(conn: GatewayConnection, rec: Recorder): SessionHandler {
  return {
    onMessage(message) {
      rec.received.push({ conn: conn.id, message });
      if (message.type === 'send')
        conn.send({ type: 'message', room: message.room as string, seq: rec.received.length });
    },
    onClose(code, reason) {
      rec.closes.push({ conn: conn.id, code, reason });
    },
  };
}

async function client(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  clients.push(c);
  return c;
}

describe('startGateway', () => {
  it('binds an ephemeral port on 127.0.0.1 and routes valid frames to the session', async () => {
    const { gw, rec } = await start();
    expect(gw.port).toBeGreaterThan(0);
    expect(gw.host).toBe('127.0.0.1');
    const c = await client(gw.port);
    c.send({ type: 'send', room: 'r1', body: 'hello' });
    expect(await c.nextFrame()).toEqual({ type: 'message', room: 'r1', seq: 1 });
    expect(rec.received).toEqual([{ conn: 1, message: { type: 'send', room: 'r1', body: 'hello' } }]);
    expect(gw.connectionCount).toBe(1);
  });

  it('answers malformed JSON, unknown types and missing fields with error frames and keeps serving', async () => {
    const { gw, rec } = await start();
    const bad = await client(gw.port);
    bad.send('{not json');
    expect(await bad.nextFrame(1)).toMatchObject({ type: 'error', code: 'malformed_json' });
    bad.send({ type: 'launch_missiles' });
    expect(await bad.nextFrame(2)).toMatchObject({ type: 'error', code: 'unknown_type' });
    bad.send({ type: 'send', room: 'r' });
    expect(await bad.nextFrame(3)).toMatchObject({ type: 'error', code: 'missing_field' });
    bad.ws.send(Buffer.from('{"type":"auth","token":"t"}'), { binary: true });
    expect(await bad.nextFrame(4)).toMatchObject({ type: 'error', code: 'binary_not_supported' });
    expect(rec.received).toEqual([]);
    bad.send({ type: 'auth', token: 't' });
    await eventually(() => rec.received.length === 1, 'valid frame after errors');
    const good = await client(gw.port);
    good.send({ type: 'send', room: 'x', body: 'y' });
    expect(await good.nextFrame()).toMatchObject({ type: 'message', room: 'x' });
    expect(bad.closeInfo).toBeNull();
  });

  it('closes with 1009 on an oversized frame, cleans up the session, and serves other clients', async () => {
    const { gw, rec } = await start();
    const big = await client(gw.port);
    const other = await client(gw.port);
    big.send('x'.repeat(CHAT_SPEC.maxFrameBytes + 1));
    expect((await big.closed()).code).toBe(1009);
    await eventually(() => rec.closes.length === 1, 'session cleanup');
    expect(rec.closes[0]?.code).toBe(1009);
    other.send({ type: 'send', room: 'r', body: 'still here' });
    expect(await other.nextFrame()).toMatchObject({ type: 'message' });
    expect(gw.connectionCount).toBe(1);
  });

  it('closes with 1009 when the gateway limit is below the protocol limit', async () => {
    const { gw } = await start(echoHandler, { maxPayload: 64 });
    const c = await client(gw.port);
    c.send({ type: 'send', room: 'r', body: 'y'.repeat(80) });
    expect((await c.closed()).code).toBe(1009);
  });

  it('contains handlers that throw: the session is closed with 1011, the server keeps serving', async () => {
    const { gw, rec } = await start((conn, r) => ({
      onMessage(m) {
        if (m.type === 'auth') throw new Error('boom');
        if (m.type === 'typing') return Promise.reject(new Error('async boom'));
        return echoHandler(conn, r).onMessage(m, conn);
      },
      onClose() {
        throw new Error('close boom');
      },
    }));
    const a = await client(gw.port);
    a.send({ type: 'auth', token: 't' });
    expect(await a.closed()).toEqual({ code: 1011, reason: 'session crashed' });
    const b = await client(gw.port);
    b.send({ type: 'typing', room: 'r', on: true });
    expect((await b.closed()).code).toBe(1011);
    const c = await client(gw.port);
    c.send({ type: 'send', room: 'r', body: 'ok' });
    expect(await c.nextFrame()).toMatchObject({ type: 'message' });
    await eventually(() => rec.errors.filter((e) => e.where === 'onClose').length === 2, 'onClose errors reported');
    expect(rec.errors.filter((e) => e.where === 'session').map((e) => (e.error as Error).message)).toEqual([
      'boom',
      'async boom',
    ]);
  });

  it('contains onConnect that throws, rejects or returns garbage', async () => {
    let mode = 0;
    const { gw } = await start((conn, rec) => {
      mode++;
      if (mode === 1) throw new Error('no session');
      if (mode === 2) return Promise.reject(new Error('no session'));
      if (mode === 3) return {} as SessionHandler;
      return echoHandler(conn, rec);
    });
    for (let i = 0; i < 3; i++) {
      const c = await client(gw.port);
      expect((await c.closed()).code).toBe(1011);
    }
    const ok = await client(gw.port);
    ok.send({ type: 'send', room: 'r', body: 'b' });
    expect(await ok.nextFrame()).toMatchObject({ type: 'message' });
  });

  it('buffers frames that arrive while an async onConnect is pending, in order', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const { gw, rec } = await start(async (conn, r) => {
      await gate;
      return echoHandler(conn, r);
    });
    const c = await client(gw.port);
    for (let i = 0; i < 5; i++) c.send({ type: 'auth', token: `t${i}` });
    await eventually(() => gw.connectionCount === 1, 'connection');
    await new Promise((r) => setTimeout(r, 20));
    expect(rec.received).toEqual([]);
    release();
    await eventually(() => rec.received.length === 5, 'buffered frames');
    expect(rec.received.map((x) => x.message.token)).toEqual(['t0', 't1', 't2', 't3', 't4']);
  });

  it('tells the session when the socket drops', async () => {
    const { gw, rec } = await start();
    const c = await client(gw.port);
    c.send({ type: 'auth', token: 't' });
    await eventually(() => rec.received.length === 1, 'frame');
    c.terminate();
    await eventually(() => rec.closes.length === 1, 'onClose');
    expect(rec.closes[0]?.code).toBe(1006);
    expect(gw.connectionCount).toBe(0);
    expect(rec.conns[0]?.isOpen).toBe(false);
    expect(rec.conns[0]?.send({ type: 'message', room: 'r', seq: 1 })).toBe(false);
  });

  it('closes the socket with a reason when the session process ends', async () => {
    const { gw, rec } = await start();
    const c = await client(gw.port);
    await eventually(() => rec.conns.length === 1, 'connect');
    rec.conns[0]?.sessionEnded('idle timeout', true);
    expect(await c.closed()).toEqual({ code: 1000, reason: 'idle timeout' });
    const d = await client(gw.port);
    await eventually(() => rec.conns.length === 2, 'connect');
    rec.conns[1]?.sessionEnded('session exited: badarg');
    expect(await d.closed()).toEqual({ code: 1011, reason: 'session exited: badarg' });
    await eventually(() => rec.closes.length === 2, 'onClose once each');
  });

  it('refuses invalid outbound messages instead of sending them', async () => {
    const { gw, rec } = await start();
    await client(gw.port);
    await eventually(() => rec.conns.length === 1, 'connect');
    expect(rec.conns[0]?.send({ type: 'message', room: 'r' })).toBe(false);
    expect(rec.errors.map((e) => e.where)).toEqual(['send']);
  });

  it('closes with 1008 after too many consecutive protocol errors', async () => {
    const { gw } = await start(echoHandler, { maxProtocolErrors: 2 });
    const c = await client(gw.port);
    for (let i = 0; i < 3; i++) c.send('nope');
    expect((await c.closed()).code).toBe(1008);
  });

  it('refuses connections beyond maxConnections with 1013', async () => {
    const { gw } = await start(echoHandler, { maxConnections: 1 });
    await client(gw.port);
    const second = await client(gw.port);
    expect((await second.closed()).code).toBe(1013);
  });

  it('close() closes every socket with 1001 and stops listening', async () => {
    const { gw, rec } = await start();
    const a = await client(gw.port);
    const b = await client(gw.port);
    await gw.close();
    expect((await a.closed()).code).toBe(1001);
    expect((await b.closed()).code).toBe(1001);
    expect(rec.closes).toHaveLength(2);
    await expect(TestClient.connect(gw.port)).rejects.toThrow();
  });

  it('rejects when the port is taken', async () => {
    const { gw } = await start();
    await expect(
      startGateway({ port: gw.port, protocol, onConnect: () => echoHandler({} as GatewayConnection, {} as Recorder) }),
    ).rejects.toThrow(/EADDRINUSE/);
  });

  it('terminates peers that stop answering pings', async () => {
    const { gw, rec } = await start(echoHandler, { heartbeatMs: 20 });
    const c = await TestClient.connect(gw.port);
    clients.push(c);
    // Silence the client's automatic pong by pausing its socket reads.
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await eventually(() => rec.closes.length === 1, 'heartbeat termination');
    expect(gw.connectionCount).toBe(0);
  });

  it('reports idle sessions once per quiet period, or closes them when there is no onIdle hook', async () => {
    const clock = { t: 0 };
    const idle: { conn: number; ms: number }[] = [];
    const { gw, rec } = await start(
      (conn, r) => ({ ...echoHandler(conn, r), onIdle: (ms: number) => void idle.push({ conn: conn.id, ms }) }),
      { idleTimeoutMs: 60_000, now: () => clock.t },
    );
    const c = await client(gw.port);
    await eventually(() => rec.conns.length === 1, 'connect');
    clock.t = 59_999;
    gw.sweepIdle();
    expect(idle).toEqual([]);
    clock.t = 60_000;
    gw.sweepIdle();
    gw.sweepIdle();
    expect(idle).toEqual([{ conn: 1, ms: 60_000 }]);
    c.send({ type: 'auth', token: 't' });
    await eventually(() => rec.received.length === 1, 'frame');
    clock.t = 100_000;
    gw.sweepIdle();
    expect(idle).toHaveLength(1);
    clock.t = 120_000;
    gw.sweepIdle();
    expect(idle).toEqual([
      { conn: 1, ms: 60_000 },
      { conn: 1, ms: 60_000 },
    ]);

    const plain = await start(echoHandler, { idleTimeoutMs: 1000, now: () => clock.t });
    const d = await client(plain.gw.port);
    await eventually(() => plain.rec.conns.length === 1, 'connect');
    clock.t += 1000;
    plain.gw.sweepIdle();
    expect(await d.closed()).toEqual({ code: 1000, reason: 'idle timeout' });
  });

  it('drops a peer that stops reading once its send backlog passes maxBufferedBytes', async () => {
    const { gw, rec } = await start(echoHandler, { maxBufferedBytes: 64 * 1024 });
    const c = await client(gw.port);
    await eventually(() => rec.conns.length === 1, 'connect');
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const conn = rec.conns[0]!;
    const room = 'r'.repeat(900);
    let sent = 0;
    // Kernel socket buffers absorb the first few MB; the loop is bounded either way.
    while (sent < 20_000 && conn.send({ type: 'message', room, seq: sent })) {
      sent++;
      if (sent % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(sent).toBeLessThan(20_000);
    await eventually(() => rec.closes.length === 1, 'slow consumer dropped');
    expect(rec.closes[0]).toMatchObject({ code: 1013, reason: 'slow consumer' });
    expect(gw.connectionCount).toBe(0);
  });

  it('tells a session that started after its socket already closed', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const { gw, rec } = await start(async (conn, r) => {
      await gate;
      return echoHandler(conn, r);
    });
    const c = await client(gw.port);
    await eventually(() => gw.connectionCount === 1, 'connect');
    c.ws.close(4000, 'bye');
    await eventually(() => gw.connectionCount === 0, 'socket closed');
    release();
    await eventually(() => rec.closes.length === 1, 'late onClose');
    expect(rec.closes[0]?.code).toBe(4000);
  });

  it('trims long close reasons on a character boundary and survives invalid close codes', async () => {
    const { gw, rec } = await start();
    const a = await client(gw.port);
    const b = await client(gw.port);
    await eventually(() => rec.conns.length === 2, 'connect');
    rec.conns[0]?.sessionEnded('crashed: ' + '😀'.repeat(100));
    const closed = await a.closed();
    expect(closed.code).toBe(1011);
    expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
    expect(closed.reason).toMatch(/^crashed: (😀)+…$/);
    rec.conns[1]?.close(999, 'not a valid code');
    await b.closed();
    expect(rec.errors.map((e) => e.where)).toContain('close');
    await eventually(() => gw.connectionCount === 0, 'server side close');
  });
});
