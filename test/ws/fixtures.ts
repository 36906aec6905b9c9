import { WebSocket } from 'ws';
import type { ProtocolSpec } from '../../packages/runtime/src/ws/index.js';

export const CHAT_SPEC: ProtocolSpec = {
  maxFrameBytes: 1024,
  messages: [
    { type: 'auth', direction: 'client_to_server', fields: [{ name: 'token', type: 'string', maxLength: 512 }] },
    {
      type: 'send',
      direction: 'client_to_server',
      fields: [
        { name: 'room', type: 'string', maxLength: 64 },
        { name: 'body', type: 'string', maxLength: 200 },
        { name: 'clientMsgId', type: 'string', required: false },
        { name: 'priority', type: 'integer', required: false },
      ],
    },
    {
      type: 'typing',
      direction: 'client_to_server',
      fields: [
        { name: 'room', type: 'string' },
        { name: 'on', type: 'boolean' },
      ],
    },
    {
      type: 'message',
      direction: 'server_to_client',
      fields: [
        { name: 'room', type: 'string' },
        { name: 'seq', type: 'integer' },
      ],
    },
  ],
};

/** A test client that records frames and the close event; every wait is bounded. */
export class TestClient {
  readonly ws: WebSocket;
  readonly frames: Record<string, unknown>[] = [];
  closeInfo: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on('error', () => this.wake());
  }

  static connect(port: number): Promise<TestClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const c = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  until(pred: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = (): void => {
        if (pred()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  async nextFrame(count = this.frames.length + 1): Promise<Record<string, unknown>> {
    await this.until(() => this.frames.length >= count, `frame #${count}`);
    return this.frames[count - 1] as Record<string, unknown>;
  }

  async closed(): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closeInfo !== null, 'close');
    return this.closeInfo as { code: number; reason: string };
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Polls a condition on the server side; bounded. */
export async function eventually(pred: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
