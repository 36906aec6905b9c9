/**
 * A typed client of a declared JSON protocol on the `ws` package (an optional peer dependency,
 * loaded when a client opens a connection): it sends inbound messages and waits for outbound ones
 * by type, every wait bounded. A generated protocol module names its message unions on it; for
 * tests, tools and load generators.
 */
import { requireOptional } from '../optional-package.js';

/**
 * What the client uses of a `ws` WebSocket. Declared here, not imported from ws, so an app
 * without ws still type-checks the runtime's declarations (ws is an optional peer dependency).
 */
export interface ClientSocket {
  send(data: string): void;
  close(): void;
  terminate(): void;
  on(event: 'message', listener: (data: { toString(): string }) => void): unknown;
  on(event: 'close', listener: (code: number, reason: { toString(): string }) => void): unknown;
  once(event: 'open', listener: () => void): unknown;
  once(event: 'error', listener: (err: Error) => void): unknown;
}

/** An error frame as every protocol sends it (type 'error'). */
interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
}

export class ProtocolClient<In extends { type: string }, Out extends { type: string }> {
  private readonly received: Out[] = [];
  private readonly waiters = new Set<() => void>();
  closed: { code: number; reason: string } | null = null;

  /** Opens a WebSocket to `url` (per-message deflate off); rejects if it is not open within `timeoutMs`. */
  static open(url: string, timeoutMs = 5000): Promise<ClientSocket> {
    const ws = requireOptional<typeof import('ws')>('ws', 'ProtocolClient (otp:Protocol)');
    const socket: ClientSocket = new ws.WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`${url}: not open after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  protected constructor(readonly socket: ClientSocket) {
    socket.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as Out);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  send(message: In): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Resolves with the oldest not yet taken message of `type` (an error frame of a refused request rejects). */
  next<T extends Out['type']>(type: T, timeoutMs = 5000): Promise<Extract<Out, { type: T }>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const i = this.received.findIndex((m) => m.type === type || (m.type === 'error' && type !== 'error'));
        if (i >= 0) {
          const [m] = this.received.splice(i, 1) as [Out];
          if (m.type === 'error' && type !== 'error') {
            const e = m as unknown as ErrorFrame;
            reject(Object.assign(new Error(`${e.code}: ${e.message}`), { code: e.code }));
          } else resolve(m as Extract<Out, { type: T }>);
          return true;
        }
        if (this.closed !== null) {
          reject(new Error(`closed (${this.closed.code} ${this.closed.reason}) while waiting for ${type}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.waiters.delete(waiter);
        }
      };
      this.waiters.add(waiter);
    });
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
