/**
 * ProtocolClient (the runtime class a generated protocol module's client extends): waits for
 * outbound messages by type, an error frame rejects the wait with its code, a close or a timeout
 * ends a wait, and a connection that does not open in time is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ProtocolClient } from '../../packages/runtime/src/ws/index.js';

type In = { type: 'ping' } | { type: 'fail' } | { type: 'bye' };
type Out = { type: 'pong'; n: number } | { type: 'error'; code: string; message: string };

class TestClient extends ProtocolClient<In, Out> {
  static async connect(url: string, timeoutMs?: number): Promise<TestClient> {
    return new TestClient(await ProtocolClient.open(url, timeoutMs));
  }
}

let server: WebSocketServer | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server answering ping with pong n (n counts), fail with an error frame, bye by closing with 4000. */
async function echoServer(): Promise<string> {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server!.once('listening', resolve));
  let n = 0;
  server.on('connection', (socket: WebSocket) =>
    socket.on('message', (data) => {
      const m = JSON.parse(data.toString()) as In;
      if (m.type === 'ping') socket.send(JSON.stringify({ type: 'pong', n: ++n }));
      else if (m.type === 'fail') socket.send(JSON.stringify({ type: 'error', code: 'nope', message: 'refused' }));
      else socket.close(4000, 'bye');
    }),
  );
  const { port } = server.address() as { port: number };
  return `ws://127.0.0.1:${port}`;
}

describe('ProtocolClient', () => {
  it('takes outbound messages by type, oldest first, and rejects a wait with the code of an error frame', async () => {
    const c = await TestClient.connect(await echoServer());
    c.send({ type: 'ping' });
    c.send({ type: 'ping' });
    expect(await c.next('pong')).toEqual({ type: 'pong', n: 1 });
    expect((await c.next('pong')).n).toBe(2);
    c.send({ type: 'fail' });
    await expect(c.next('pong')).rejects.toMatchObject({ code: 'nope', message: 'nope: refused' });
    await expect(c.next('pong', 50)).rejects.toThrow('no pong within 50 ms');
    c.close();
  });

  it('ends a wait when the server closes the connection', async () => {
    const c = await TestClient.connect(await echoServer());
    const waiting = c.next('pong');
    c.send({ type: 'bye' });
    await expect(waiting).rejects.toThrow('closed (4000 bye) while waiting for pong');
    expect(c.closed).toEqual({ code: 4000, reason: 'bye' });
  });

  it('refuses a connection that cannot be opened', async () => {
    await expect(TestClient.connect('ws://127.0.0.1:9/none', 2000)).rejects.toBeDefined();
  });
});
