import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { MemoryLogger, TokenService, resetRuntime } from '../../packages/runtime/src/index.js';
import { startChat, type AppEnv, type ChatHandle } from '../../generated/chat/index.js';

export const SECRET = 'chat-system-tests-secret-0123456789abcdef';
process.env.CHAT_JWT_SECRET = SECRET;

export interface Running {
  app: ChatHandle;
  dataDir: string;
  logger: MemoryLogger;
  url: string;
  clients: Client[];
  connect(): Promise<Client>;
  /** Connects and authenticates as `userId`; resolves once auth_ok arrived. */
  login(userId: string): Promise<Client>;
  cleanup(): Promise<void>;
}

/** A fresh runtime and chat tree on a temporary data directory, the gateway on an ephemeral loopback port. */
export async function boot(env: Omit<AppEnv, 'dataDir' | 'port'> = {}, dataDir?: string): Promise<Running> {
  const logger = new MemoryLogger();
  resetRuntime({ logger });
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'ggen-chat-'));
  const app = await startChat({ ...env, dataDir: dir, port: 0 });
  const url = `ws://127.0.0.1:${app.port}/ws`;
  const clients: Client[] = [];
  const connect = async (): Promise<Client> => {
    const c = await Client.connect(url);
    clients.push(c);
    return c;
  };
  return {
    app,
    dataDir: dir,
    logger,
    url,
    clients,
    connect,
    async login(userId: string) {
      const c = await connect();
      c.send({ type: 'auth', token: tokenFor(userId) });
      await c.next('auth_ok');
      return c;
    },
    async cleanup() {
      for (const c of clients) c.terminate();
      await app.stop();
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

const tokens = new TokenService({ secret: SECRET, issuer: 'ggen-chat' });

/** An access token signed with the test secret, as auth_server would issue it. */
export function tokenFor(userId: string): string {
  return tokens.issueTokens(userId).accessToken;
}

export type Frame = Record<string, unknown> & { type: string };

/** A real `ws` client that records frames and its close; every wait is bounded. */
export class Client {
  readonly frames: Frame[] = [];
  closeInfo: { code: number; reason: string } | null = null;
  private read = 0;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on('error', () => this.wake());
  }

  static connect(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    const c = new Client(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connect timed out')), 3000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(c);
      });
      ws.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next unread frame of `type` (frames of other types before it are skipped and stay readable by type). */
  async next(type: string, timeoutMs = 3000): Promise<Frame> {
    let found: Frame | undefined;
    await this.until(
      () => {
        for (let i = this.read; i < this.frames.length; i++) {
          const f = this.frames[i] as Frame;
          if (f.type === type && !(f as { consumed?: boolean }).consumed) {
            Object.defineProperty(f, 'consumed', { value: true, enumerable: false });
            found = f;
            return true;
          }
        }
        return false;
      },
      `a "${type}" frame`,
      timeoutMs,
    );
    return found as Frame;
  }

  /** Every frame of `type` received so far. */
  all(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  until(pred: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames.slice(-5))}`)),
        timeoutMs,
      );
      const check = (): void => {
        if (pred()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  async closed(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closeInfo !== null, 'close', timeoutMs);
    return this.closeInfo as { code: number; reason: string };
  }

  terminate(): void {
    this.ws.terminate();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Polls a server-side condition; bounded. */
export async function eventually(
  pred: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
