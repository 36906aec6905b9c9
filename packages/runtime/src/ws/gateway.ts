import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
// Types only: `ws` is an optional peer dependency, loaded by startGateway (no exported declaration names its types).
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { requireOptional } from '../optional-package.js';
import { TokenBucket } from '../limits/rate-limit.js';
import { ConnectionInbox } from './inbox.js';
import type { Protocol, ProtocolMessage } from './protocol.js';

/** Close codes the gateway uses (RFC 6455 §7.4.1). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;

export interface ConnectionInfo {
  remoteAddress: string | undefined;
  url: string;
}

/**
 * What the generated code returns per connection, typically a thin adapter that casts into a
 * session process started under a simple_one_for_one supervisor.
 */
export interface SessionHandler {
  /**
   * A validated client frame. May return a promise: the connection's next frame is delivered only
   * once it settles (one at a time, in order). A throw or rejection counts as a session crash.
   */
  onMessage(message: ProtocolMessage, connection: GatewayConnection): unknown;
  /** The socket is gone (for whatever reason); the session should stop. Called exactly once. */
  onClose(code: number, reason: string): unknown;
  /**
   * No client frame for `idleTimeoutMs` (once per quiet period). Lets a session state machine move
   * to idle without a timer per session; without this hook the gateway closes with 1000 'idle timeout'.
   */
  onIdle?(idleMs: number): unknown;
}

export interface GatewayConnection {
  readonly id: number;
  readonly isOpen: boolean;
  /** Validates (unless disabled) and sends a server-to-client message; false if not sent. */
  send(message: ProtocolMessage): boolean;
  /** Sends an already-encoded frame, e.g. one broadcast encoded once for many members. */
  sendRaw(text: string): boolean;
  sendError(code: string, message: string, ref?: string): boolean;
  close(code?: number, reason?: string): void;
  /** For the session process's terminate: closes the socket with a reason (1000 if normal, else 1011). */
  sessionEnded(reason: string, normal?: boolean): void;
  /**
   * Closes the connection at wall-clock time `atMs` (e.g. when the token it authenticated with
   * expires), with `code` and `reason`; a later call replaces the deadline. At or before now: at once.
   */
  closeAt(atMs: number, code: number, reason: string): void;
}

/** The limits a spec can set on a gateway (otp:maxConnections, ...); every one has a safe default. */
export interface GatewayLimits {
  /** Open connections at most; more are closed with 1013. Default 10000. */
  maxConnections?: number;
  /** Open connections from one remote address at most; more are closed with 1013. Default 64. */
  maxConnectionsPerAddress?: number;
  /** Time to complete the HTTP upgrade after the TCP connect; then the socket is destroyed. Default 5000. */
  handshakeTimeoutMs?: number;
  /**
   * Frames accepted from one connection and not yet handled (queued + running). Reading pauses at
   * half of it; a peer that still gets past it is closed with 1013. Default 64.
   */
  maxInFlight?: number;
  /** Sustained frames per second one connection may send, valid or not, before or after auth; beyond it: 1008. Default 50. */
  messagesPerSecond?: number;
  /** Frames one connection may send at once above that rate. Default 100. */
  messageBurst?: number;
  /** Authenticated connections of one user (enforced by SessionHub, see its maxConnectionsPerUser). Default 8. */
  maxConnectionsPerUser?: number;
}

export const DEFAULT_GATEWAY_LIMITS: Readonly<Required<GatewayLimits>> = {
  maxConnections: 10_000,
  maxConnectionsPerAddress: 64,
  handshakeTimeoutMs: 5000,
  maxInFlight: 64,
  messagesPerSecond: 50,
  messageBurst: 100,
  maxConnectionsPerUser: 8,
};

export interface GatewayOptions extends GatewayLimits {
  port: number;
  host?: string;
  /** Accept upgrades only on this URL path (e.g. '/ws'); others get HTTP 400. Default: any path. */
  path?: string;
  protocol: Protocol;
  /** Defaults to protocol.maxFrameBytes; never above it. */
  maxPayload?: number;
  onConnect(connection: GatewayConnection, info: ConnectionInfo): SessionHandler | Promise<SessionHandler>;
  /** Errors that were contained (handler throws, socket errors). Default: console.error, except 'socket' errors. */
  onError?: (error: unknown, where: string, connectionId?: number) => void;
  /** Consecutive protocol errors tolerated before closing with 1008. Default 16. */
  maxProtocolErrors?: number;
  /** Frames buffered while an async onConnect is pending. Default 32. */
  maxPendingFrames?: number;
  /** A socket whose send buffer exceeds this is closed (1013) rather than buffering without bound. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Ping interval to find dead peers; 0 disables. Default 30000. */
  heartbeatMs?: number;
  /** Quiet time after which onIdle fires (or the socket is closed); 0 disables. Default 0. */
  idleTimeoutMs?: number;
  /** Clock for idle tracking. */
  now?: () => number;
  /** Validate outbound messages against the protocol. Default true. */
  validateOutbound?: boolean;
  /** How long close() waits for clients to finish the close handshake before terminating them. Default 2000. */
  closeTimeoutMs?: number;
}

export interface Gateway {
  readonly port: number;
  readonly host: string;
  readonly connectionCount: number;
  connections(): IterableIterator<GatewayConnection>;
  /** Runs the idle check now (it also runs on a timer every idleTimeoutMs / 4). */
  sweepIdle(): void;
  close(): Promise<void>;
}

/** WebSocket readyState values (WHATWG WebSocket, the values of `ws`'s WebSocket.OPEN etc.). */
const ReadyState = { OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

const CONN = Symbol('ggen.connection');
const HANDSHAKE = Symbol('ggen.handshakeTimer');
type TaggedSocket = WebSocket & { [CONN]?: Connection };

class Connection implements GatewayConnection {
  readonly id: number;
  ws: TaggedSocket;
  gw: GatewayImpl;
  handler: SessionHandler | null = null;
  pending: ProtocolMessage[] | null = null;
  protocolErrors = 0;
  alive = true;
  closed = false;
  lastActive: number;
  idleNotified = false;
  /** Why the gateway dropped the socket itself (the local close event then reports 1006), or the close code seen before the session existed. */
  failCode = 0;
  readonly inbox: ConnectionInbox<ProtocolMessage>;
  readonly rate: TokenBucket;
  /** The remote address counted against maxConnectionsPerAddress. */
  address = '';
  private deadline: NodeJS.Timeout | null = null;

  constructor(id: number, ws: TaggedSocket, gw: GatewayImpl, now: number) {
    this.id = id;
    this.ws = ws;
    this.gw = gw;
    this.lastActive = now;
    this.rate = new TokenBucket(gw.messageBurst, gw.messagesPerSecond);
    this.inbox = new ConnectionInbox<ProtocolMessage>(gw.maxInFlight, {
      deliver: (m) => (this.handler as SessionHandler).onMessage(m, this),
      failed: (e) => gw.crashed(this, e),
      pause: () => this.ws.pause(),
      resume: () => {
        if (this.ws.readyState === ReadyState.OPEN) this.ws.resume();
      },
    });
  }

  /** Frames accepted and not yet handled by the session. */
  get inFlight(): number {
    return this.inbox.inFlight;
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === ReadyState.OPEN;
  }

  send(message: ProtocolMessage): boolean {
    let text: string;
    try {
      text = this.gw.validateOutbound ? this.gw.protocol.encode(message) : JSON.stringify(message);
    } catch (e) {
      this.gw.report(e, 'send', this.id);
      return false;
    }
    return this.sendRaw(text);
  }

  sendRaw(text: string): boolean {
    if (!this.isOpen) return false;
    if (this.ws.bufferedAmount > this.gw.maxBufferedBytes) {
      // A close frame would queue behind the backlog the peer is not reading; drop the socket now.
      this.failCode = CloseCode.tryAgainLater;
      this.ws.terminate();
      return false;
    }
    this.ws.send(text);
    return true;
  }

  sendError(code: string, message: string, ref?: string): boolean {
    return this.sendRaw(this.gw.protocol.errorFrame(code, message, ref));
  }

  close(code: number = CloseCode.normal, reason = ''): void {
    if (this.ws.readyState === ReadyState.CLOSED || this.ws.readyState === ReadyState.CLOSING) return;
    // A socket paused for back-pressure must read again, or the peer's close frame is never seen.
    if (this.ws.isPaused) this.ws.resume();
    try {
      this.ws.close(code, closeReason(reason));
    } catch (e) {
      // ws refuses codes outside the sendable ranges; a bad code from a session must not leak the socket.
      this.gw.report(e, 'close', this.id);
      this.ws.terminate();
    }
  }

  sessionEnded(reason: string, normal = false): void {
    this.close(normal ? CloseCode.normal : CloseCode.internalError, reason);
  }

  closeAt(atMs: number, code: number, reason: string): void {
    this.clearDeadline();
    if (this.closed) return;
    const wait = atMs - Date.now();
    if (!(wait > 0)) {
      this.close(code, reason);
      return;
    }
    // setTimeout holds at most ~24.8 days; a later deadline re-arms itself.
    this.deadline = setTimeout(() => this.closeAt(atMs, code, reason), Math.min(wait, 2 ** 31 - 1));
    this.deadline.unref();
  }

  clearDeadline(): void {
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.deadline = null;
  }
}

// Listeners are shared functions (`this` is the socket) so an idle connection costs no closures.
function onSocketMessage(this: TaggedSocket, data: RawData, isBinary: boolean): void {
  const c = this[CONN];
  if (c !== undefined) c.gw.frame(c, data, isBinary);
}
function onSocketClose(this: TaggedSocket, code: number, reason: Buffer): void {
  const c = this[CONN];
  if (c !== undefined) c.gw.closed(c, code, reason);
}
function onSocketError(this: TaggedSocket, error: Error): void {
  const c = this[CONN];
  if (c !== undefined) c.gw.socketError(c, error);
}
function onSocketPong(this: TaggedSocket): void {
  const c = this[CONN];
  if (c !== undefined) c.alive = true;
}

class GatewayImpl implements Gateway {
  readonly protocol: Protocol;
  readonly validateOutbound: boolean;
  readonly maxBufferedBytes: number;
  readonly maxInFlight: number;
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  port = 0;
  readonly host: string;
  private readonly wss: WebSocketServer;
  private readonly live = new Set<Connection>();
  private readonly perAddress = new Map<string, number>();
  private readonly maxPerAddress: number;
  private readonly http: Server;
  private readonly onConnect: GatewayOptions['onConnect'];
  private readonly onError: NonNullable<GatewayOptions['onError']>;
  private readonly maxFrame: number;
  private readonly maxConnections: number;
  private readonly maxProtocolErrors: number;
  private readonly maxPendingFrames: number;
  private readonly closeTimeoutMs: number;
  private heartbeat: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly idleMs: number;
  private readonly now: () => number;
  private nextId = 1;
  private closing: Promise<void> | null = null;

  constructor(options: GatewayOptions, wss: WebSocketServer, http: Server, maxFrame: number) {
    this.protocol = options.protocol;
    this.host = options.host ?? '127.0.0.1';
    this.wss = wss;
    this.http = http;
    this.maxFrame = maxFrame;
    this.onConnect = options.onConnect;
    // Socket errors (resets, clients breaking the framing rules) are peer behaviour, not server faults; the default stays quiet about them.
    this.onError =
      options.onError ??
      ((e, where, id) =>
        where === 'socket' || console.error(`ws gateway: ${where}${id === undefined ? '' : ` #${id}`}:`, e));
    this.validateOutbound = options.validateOutbound ?? true;
    this.maxConnections = options.maxConnections ?? DEFAULT_GATEWAY_LIMITS.maxConnections;
    this.maxPerAddress = options.maxConnectionsPerAddress ?? DEFAULT_GATEWAY_LIMITS.maxConnectionsPerAddress;
    this.maxProtocolErrors = options.maxProtocolErrors ?? 16;
    this.maxPendingFrames = options.maxPendingFrames ?? 32;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_GATEWAY_LIMITS.maxInFlight;
    this.messagesPerSecond = options.messagesPerSecond ?? DEFAULT_GATEWAY_LIMITS.messagesPerSecond;
    this.messageBurst = options.messageBurst ?? DEFAULT_GATEWAY_LIMITS.messageBurst;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    this.now = options.now ?? Date.now;
    this.idleMs = options.idleTimeoutMs ?? 0;
    if (this.idleMs > 0) {
      this.idleTimer = setInterval(() => this.sweepIdle(), Math.max(10, Math.floor(this.idleMs / 4)));
      this.idleTimer.unref();
    }
    const hb = options.heartbeatMs ?? 30_000;
    if (hb > 0) {
      this.heartbeat = setInterval(() => this.beat(), hb);
      this.heartbeat.unref();
    }
    wss.on('connection', (ws: TaggedSocket, req: IncomingMessage) => {
      try {
        this.accept(ws, req);
      } catch (e) {
        this.report(e, 'connection');
        ws.terminate();
      }
    });
    wss.on('error', (e) => this.report(e, 'server'));
  }

  get connectionCount(): number {
    return this.live.size;
  }

  connections(): IterableIterator<GatewayConnection> {
    return this.live.values();
  }

  report(error: unknown, where: string, id?: number): void {
    try {
      this.onError(error, where, id);
    } catch {
      // A failing error reporter must not take the server down either.
    }
  }

  private accept(ws: TaggedSocket, req: IncomingMessage): void {
    ws.on('error', onSocketError);
    if (this.closing !== null) {
      ws.close(CloseCode.goingAway, 'server shutting down');
      return;
    }
    if (this.live.size >= this.maxConnections) {
      ws.close(CloseCode.tryAgainLater, 'server full');
      return;
    }
    const address = req.socket.remoteAddress ?? '';
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (fromAddress >= this.maxPerAddress) {
      ws.close(CloseCode.tryAgainLater, 'too many connections from this address');
      return;
    }
    const c = new Connection(this.nextId++, ws, this, this.now());
    c.address = address;
    this.perAddress.set(address, fromAddress + 1);
    ws[CONN] = c;
    this.live.add(c);
    ws.on('message', onSocketMessage);
    ws.on('close', onSocketClose);
    ws.on('pong', onSocketPong);
    let result: SessionHandler | Promise<SessionHandler>;
    try {
      result = this.onConnect(c, { remoteAddress: req.socket.remoteAddress, url: req.url ?? '/' });
    } catch (e) {
      this.report(e, 'onConnect', c.id);
      c.close(CloseCode.internalError, 'session start failed');
      return;
    }
    if (isPromise(result)) {
      c.pending = [];
      result.then(
        (h) => this.attach(c, h),
        (e) => {
          this.report(e, 'onConnect', c.id);
          c.pending = null;
          c.close(CloseCode.internalError, 'session start failed');
        },
      );
    } else {
      this.attach(c, result);
    }
  }

  private attach(c: Connection, handler: SessionHandler): void {
    if (
      handler === null ||
      typeof handler !== 'object' ||
      typeof handler.onMessage !== 'function' ||
      typeof handler.onClose !== 'function'
    ) {
      this.report(new Error('onConnect must return a SessionHandler { onMessage, onClose }'), 'onConnect', c.id);
      c.pending = null;
      c.close(CloseCode.internalError, 'session start failed');
      return;
    }
    c.handler = handler;
    const queued = c.pending;
    c.pending = null;
    if (c.closed) {
      this.notifyClosed(c, c.failCode === 0 ? 1006 : c.failCode, 'closed before the session started');
      return;
    }
    if (queued !== null) for (const m of queued) if (!c.closed) this.deliver(c, m);
  }

  frame(c: Connection, data: RawData, isBinary: boolean): void {
    try {
      if (c.closed || c.ws.readyState !== ReadyState.OPEN) return;
      c.alive = true;
      if (!c.rate.take()) {
        c.close(CloseCode.policyViolation, 'message rate exceeded');
        return;
      }
      if (this.idleMs > 0) {
        c.lastActive = this.now();
        c.idleNotified = false;
      }
      if (isBinary) return this.protocolError(c, 'binary_not_supported', 'frames must be UTF-8 JSON text');
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (buf.length > this.maxFrame) {
        c.close(CloseCode.messageTooBig, 'frame too large');
        return;
      }
      const r = this.protocol.parse(buf);
      if (!r.ok) return this.protocolError(c, r.error.code, r.error.message);
      c.protocolErrors = 0;
      if (c.handler === null) {
        if (c.pending === null) return;
        if (c.pending.length >= this.maxPendingFrames) {
          c.close(CloseCode.tryAgainLater, 'session not ready');
          return;
        }
        c.pending.push(r.message);
        return;
      }
      this.deliver(c, r.message);
    } catch (e) {
      this.report(e, 'frame', c.id);
    }
  }

  private protocolError(c: Connection, code: string, message: string): void {
    c.sendError(code, message);
    if (++c.protocolErrors > this.maxProtocolErrors) c.close(CloseCode.policyViolation, 'too many protocol errors');
  }

  private deliver(c: Connection, m: ProtocolMessage): void {
    if (c.inbox.push(m) === 'overflow') c.close(CloseCode.tryAgainLater, 'too many frames in flight');
  }

  crashed(c: Connection, e: unknown): void {
    this.report(e, 'session', c.id);
    c.close(CloseCode.internalError, 'session crashed');
  }

  closed(c: Connection, code: number, reason: Buffer): void {
    if (c.closed) return;
    c.closed = true;
    c.clearDeadline();
    this.live.delete(c);
    const n = (this.perAddress.get(c.address) ?? 1) - 1;
    if (n <= 0) this.perAddress.delete(c.address);
    else this.perAddress.set(c.address, n);
    if (c.handler === null) {
      if (c.failCode === 0) c.failCode = code;
      return;
    }
    if (c.failCode !== 0) this.notifyClosed(c, c.failCode, failReason(c.failCode));
    else this.notifyClosed(c, code, reason.toString('utf8'));
  }

  private notifyClosed(c: Connection, code: number, reason: string): void {
    const h = c.handler as SessionHandler;
    try {
      const r = h.onClose(code, reason);
      if (isPromise(r)) r.then(undefined, (e: unknown) => this.report(e, 'onClose', c.id));
    } catch (e) {
      this.report(e, 'onClose', c.id);
    }
  }

  socketError(c: Connection, error: Error): void {
    // ws closes the socket itself after a receive error (e.g. 1009 over maxPayload); remember why.
    const code = (error as { code?: unknown }).code;
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') c.failCode = CloseCode.messageTooBig;
    else if (typeof code === 'string' && code.startsWith('WS_ERR_')) c.failCode = 1002;
    this.report(error, 'socket', c.id);
  }

  sweepIdle(): void {
    if (this.idleMs <= 0) return;
    const t = this.now();
    for (const c of this.live) {
      if (c.idleNotified || c.handler === null || t - c.lastActive < this.idleMs) continue;
      c.idleNotified = true;
      const h = c.handler;
      if (h.onIdle === undefined) {
        c.close(CloseCode.normal, 'idle timeout');
        continue;
      }
      try {
        const r = h.onIdle(t - c.lastActive);
        if (isPromise(r)) r.then(undefined, (e: unknown) => this.crashed(c, e));
      } catch (e) {
        this.crashed(c, e);
      }
    }
  }

  private beat(): void {
    for (const c of this.live) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch (e) {
        this.report(e, 'ping', c.id);
      }
    }
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      if (this.heartbeat !== null) clearInterval(this.heartbeat);
      if (this.idleTimer !== null) clearInterval(this.idleTimer);
      for (const c of this.live) c.close(CloseCode.goingAway, 'server shutting down');
      const deadline = Date.now() + this.closeTimeoutMs;
      const finish = (): void => {
        if (this.live.size > 0 && Date.now() < deadline) {
          setTimeout(finish, 10);
          return;
        }
        for (const c of this.live) c.ws.terminate();
        this.wss.close(() => {
          this.http.close(() => resolve());
          this.http.closeAllConnections();
        });
      };
      finish();
    });
    return this.closing;
  }
}

/** RFC 6455 limits a close reason to 123 bytes of UTF-8; cut on a code point boundary. */
function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let out = '';
  let bytes = 0;
  for (const ch of reason) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > 120) break;
    out += ch;
    bytes += n;
  }
  return `${out}…`;
}

function failReason(code: number): string {
  if (code === CloseCode.messageTooBig) return 'frame too large';
  if (code === CloseCode.tryAgainLater) return 'slow consumer';
  return 'protocol error';
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Starts a WebSocket server (the `ws` package). Resolves once listening; port 0 binds an ephemeral port. */
export function startGateway(options: GatewayOptions): Promise<Gateway> {
  const maxFrame = options.maxPayload ?? options.protocol.maxFrameBytes;
  if (!Number.isSafeInteger(maxFrame) || maxFrame <= 0 || maxFrame > options.protocol.maxFrameBytes) {
    return Promise.reject(
      new Error(
        `startGateway: maxPayload must be a positive integer <= protocol.maxFrameBytes (${options.protocol.maxFrameBytes})`,
      ),
    );
  }
  for (const k of [
    'maxInFlight',
    'messagesPerSecond',
    'messageBurst',
    'maxConnections',
    'maxConnectionsPerAddress',
    'handshakeTimeoutMs',
    'maxConnectionsPerUser',
  ] as const) {
    const v = options[k];
    if (v !== undefined && (!Number.isFinite(v) || v < 1))
      return Promise.reject(new Error(`startGateway: ${k} must be a finite number >= 1, got ${v}`));
  }
  if (!Number.isSafeInteger(options.port) || options.port < 0 || options.port > 65535) {
    return Promise.reject(new Error(`startGateway: port must be an integer in 0..65535, got ${options.port}`));
  }
  const handshakeMs = options.handshakeTimeoutMs ?? DEFAULT_GATEWAY_LIMITS.handshakeTimeoutMs;
  let ws: typeof import('ws');
  try {
    ws = requireOptional<typeof import('ws')>('ws', 'startGateway (otp:WebSocketGateway)');
  } catch (e) {
    return Promise.reject(e as Error);
  }
  return new Promise<Gateway>((resolve, reject) => {
    // Our own HTTP server, so a client that connects and never completes the upgrade (or sends
    // its headers a byte at a time) is cut off after handshakeTimeoutMs, not Node's 60-90 s.
    const http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
      res.end('WebSocket upgrade required');
    });
    http.headersTimeout = handshakeMs;
    http.requestTimeout = handshakeMs;
    http.on('connection', (socket: Socket) => {
      const timer = setTimeout(() => socket.destroy(), handshakeMs);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
      (socket as Socket & { [HANDSHAKE]?: NodeJS.Timeout })[HANDSHAKE] = timer;
    });
    http.on('upgrade', (req: IncomingMessage) => {
      const sock = req.socket as Socket & { [HANDSHAKE]?: NodeJS.Timeout };
      if (sock[HANDSHAKE] !== undefined) clearTimeout(sock[HANDSHAKE]);
    });
    http.on('clientError', (_e, socket) => socket.destroy());
    const wss = new ws.WebSocketServer({
      server: http,
      maxPayload: maxFrame,
      ...(options.path !== undefined ? { path: options.path } : {}),
      clientTracking: false,
      perMessageDeflate: false,
    });
    // ws re-emits the server's errors on wss; until the gateway reports them, the listen error is ours.
    const quiet = (): void => undefined;
    wss.on('error', quiet);
    const onStartError = (e: Error): void => {
      wss.close();
      http.close();
      reject(e);
    };
    http.once('error', onStartError);
    http.listen(options.port, options.host ?? '127.0.0.1', () => {
      http.off('error', onStartError);
      wss.off('error', quiet);
      const gw = new GatewayImpl(options, wss, http, maxFrame);
      const addr = http.address();
      gw.port = typeof addr === 'object' && addr !== null ? addr.port : options.port;
      resolve(gw);
    });
  });
}
