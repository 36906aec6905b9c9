/**
 * Cluster membership over UDP heartbeats.
 *
 * Why UDP (node:dgram) rather than TCP: heartbeats are small, periodic and idempotent, so a lost
 * one costs nothing (the next replaces it and `failureAfterMs` spans several). There is no
 * connection state to set up, tear down or half-open-detect, a dead peer produces no connect
 * errors or retry storms, and one socket serves every peer. Failure detection is exactly "no
 * datagram for failureAfterMs", which is what the spec asks for.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { ClusterConfigError } from './errors.js';
import { Membership, type Member, type MembershipEvent, type PeerAddress } from './membership.js';
import { checkNodeId, nodeKey, type NodeId } from './node-id.js';
import { MAX_GOSSIP_PEERS, decode, encode, type ClusterMessage } from './protocol.js';

/**
 * The key used when neither `key` nor $GGEN_CLUSTER_KEY is set. It is public (it is in this
 * source), so it only keeps separate development clusters apart: a node refuses to use it
 * unless it listens on a loopback address.
 */
export const INSECURE_DEVELOPMENT_CLUSTER_KEY = 'ggen-insecure-development-cluster-key';
/** The environment variable a node reads its cluster key from when `key` is not given. */
export const CLUSTER_KEY_ENV = 'GGEN_CLUSTER_KEY';
const MIN_KEY_BYTES = 16;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface ClusterOptions {
  nodeId: NodeId;
  /** Cluster name; datagrams from other clusters are ignored (like an Erlang cookie, not a secret). */
  cluster: string;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Listen port; 0 (default) picks a free one, see `address()` after `start()`. */
  port?: number;
  /** Static peers to heartbeat from the start. */
  seeds?: PeerAddress[];
  heartbeatMs: number;
  /** A peer silent for longer than this is removed. Must exceed 2 × heartbeatMs. */
  failureAfterMs: number;
  /** Monotonic milliseconds; injectable for tests. */
  clock?: () => number;
  /**
   * Shared secret every datagram is authenticated with (HMAC-SHA256), at least 16 bytes.
   * Default: $GGEN_CLUSTER_KEY, else INSECURE_DEVELOPMENT_CLUSTER_KEY (loopback only).
   */
  key?: string | Buffer;
  /** Peers admitted at most; heartbeats from further ids are refused. Default 64. */
  maxPeers?: number;
  /** A datagram whose seq (the sender's wall clock) is further than this from ours is refused. Default max(30 s, failureAfterMs). */
  maxClockSkewMs?: number;
  /** Wall clock in milliseconds for seq and its freshness check; injectable for tests. */
  wallClock?: () => number;
}

export interface ClusterEvents {
  memberUp: [member: Member];
  memberDown: [member: Member, reason: 'timeout' | 'left'];
  leaderChanged: [leader: NodeId, previous: NodeId | undefined];
}

export interface ClusterStats {
  sent: number;
  received: number;
  /** Datagrams that were unauthenticated, replayed, stale, malformed, from another cluster, over the peer cap, or claimed our own id from elsewhere. */
  rejected: number;
}

const addrKey = (a: PeerAddress) => `${a.host}:${a.port}`;

export class ClusterManager extends EventEmitter<ClusterEvents> {
  readonly nodeId: NodeId;
  private readonly options: Required<Omit<ClusterOptions, 'seeds' | 'key'>>;
  private readonly key: Buffer;
  /** True when running on INSECURE_DEVELOPMENT_CLUSTER_KEY. */
  readonly usingDevelopmentKey: boolean;
  /** The highest seq accepted per node (nodeKey), so a datagram is accepted at most once. */
  private readonly lastSeq = new Map<string, number>();
  private seq = 0;
  private readonly seeds = new Map<string, PeerAddress>();
  /** Addresses learnt from peers' heartbeats, with the time they stop being worth pinging. */
  private readonly gossip = new Map<string, { addr: PeerAddress; expires: number }>();
  private readonly membership: Membership;
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private bound: PeerAddress | null = null;
  private readonly counters: ClusterStats = { sent: 0, received: 0, rejected: 0 };

  constructor(options: ClusterOptions) {
    super();
    if (!options || typeof options !== 'object') throw new ClusterConfigError('cluster: options required');
    this.nodeId = checkNodeId(options.nodeId);
    if (typeof options.cluster !== 'string' || options.cluster.length === 0)
      throw new ClusterConfigError('cluster: cluster name must be a non-empty string');
    const { heartbeatMs, failureAfterMs } = options;
    if (!Number.isFinite(heartbeatMs) || heartbeatMs <= 0)
      throw new ClusterConfigError(`cluster: heartbeatMs must be > 0, got ${String(heartbeatMs)}`);
    if (!Number.isFinite(failureAfterMs) || failureAfterMs <= 2 * heartbeatMs) {
      throw new ClusterConfigError(
        `cluster: failureAfterMs (${String(failureAfterMs)}) must exceed 2 × heartbeatMs (${heartbeatMs}), or one lost datagram drops a live peer`,
      );
    }
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ClusterConfigError(`cluster: port must be 0..65535, got ${String(port)}`);
    const maxPeers = options.maxPeers ?? MAX_GOSSIP_PEERS;
    if (!Number.isSafeInteger(maxPeers) || maxPeers < 1 || maxPeers > MAX_GOSSIP_PEERS) {
      throw new ClusterConfigError(
        `cluster: maxPeers must be an integer in 1..${MAX_GOSSIP_PEERS}, got ${String(maxPeers)}`,
      );
    }
    const maxClockSkewMs = options.maxClockSkewMs ?? Math.max(30_000, failureAfterMs);
    if (!Number.isFinite(maxClockSkewMs) || maxClockSkewMs <= 0)
      throw new ClusterConfigError(`cluster: maxClockSkewMs must be > 0, got ${String(maxClockSkewMs)}`);
    this.options = {
      nodeId: this.nodeId,
      cluster: options.cluster,
      host: options.host ?? '127.0.0.1',
      port,
      heartbeatMs,
      failureAfterMs,
      clock: options.clock ?? (() => performance.now()),
      maxPeers,
      maxClockSkewMs,
      wallClock: options.wallClock ?? Date.now,
    };
    const configured = options.key ?? process.env[CLUSTER_KEY_ENV];
    const key = configured === undefined || configured === '' ? undefined : Buffer.from(configured);
    if (key !== undefined && key.length < MIN_KEY_BYTES)
      throw new ClusterConfigError(`cluster: the key must be at least ${MIN_KEY_BYTES} bytes, got ${key.length}`);
    this.usingDevelopmentKey = key === undefined;
    if (this.usingDevelopmentKey && !isLoopback(this.options.host)) {
      throw new ClusterConfigError(
        `cluster: listening on ${this.options.host} needs a key (options.key or $${CLUSTER_KEY_ENV}); the built-in development key is public and only allowed on loopback`,
      );
    }
    this.key = key ?? Buffer.from(INSECURE_DEVELOPMENT_CLUSTER_KEY);
    for (const s of options.seeds ?? []) this.addSeed(s);
    this.membership = new Membership(this.nodeId, failureAfterMs);
  }

  /** Binds the socket, elects self until peers are heard, and starts heartbeating. */
  async start(): Promise<PeerAddress> {
    if (this.socket) throw new ClusterConfigError('cluster: already started');
    const socket = createSocket({ type: 'udp4' });
    this.socket = socket;
    // Sends to a peer that is gone can surface as socket errors; they are expected, not fatal.
    socket.on('error', () => undefined);
    socket.on('message', (buf, rinfo) => this.onMessage(buf, rinfo));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port, this.options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const a = socket.address();
    this.bound = { host: a.address, port: a.port };
    this.dispatch(this.membership.start());
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.heartbeatMs);
    return this.bound;
  }

  /** Tells peers we are leaving (so they re-elect at once rather than after a timeout), then closes. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const socket = this.socket;
    if (!socket) return;
    const bye = encode(
      { v: 2, cluster: this.options.cluster, type: 'leave', id: this.nodeId, seq: this.nextSeq() },
      this.key,
    );
    await Promise.all(
      this.targets().map((t) => new Promise<void>((resolve) => socket.send(bye, t.port, t.host, () => resolve()))),
    );
    this.socket = null;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  addSeed(addr: PeerAddress): void {
    if (
      !addr ||
      typeof addr.host !== 'string' ||
      addr.host.length === 0 ||
      !Number.isInteger(addr.port) ||
      addr.port < 1 ||
      addr.port > 65535
    ) {
      throw new ClusterConfigError(
        `cluster: seed must be {host, port 1..65535}, got ${JSON.stringify(addr)}`,
        'invalid_peer',
      );
    }
    this.seeds.set(addrKey(addr), { host: addr.host, port: addr.port });
  }

  address(): PeerAddress {
    if (!this.bound) throw new ClusterConfigError('cluster: not started');
    return { ...this.bound };
  }

  /** Self and live peers, sorted by id. */
  members(): NodeId[] {
    return this.membership.members();
  }

  peers(): Member[] {
    return this.membership.peerList();
  }

  leader(): NodeId {
    return this.membership.leader();
  }

  isLeader(): boolean {
    return this.membership.leader() === this.nodeId;
  }

  stats(): ClusterStats {
    return { ...this.counters };
  }

  private tick(): void {
    const now = this.options.clock();
    this.dispatch(this.membership.sweep(now));
    for (const [k, g] of this.gossip) if (g.expires < now) this.gossip.delete(k);
    // Seqs older than the skew window can no longer be replayed (they are stale); forget them.
    const oldest = (this.options.wallClock() - this.options.maxClockSkewMs) * 1000;
    for (const [k, seq] of this.lastSeq) if (seq < oldest) this.lastSeq.delete(k);
    const socket = this.socket;
    if (!socket) return;
    const msg = encode(
      {
        v: 2,
        cluster: this.options.cluster,
        type: 'heartbeat',
        id: this.nodeId,
        seq: this.nextSeq(),
        peers: this.membership
          .peerList()
          .slice(0, this.options.maxPeers)
          .map((m) => ({ host: m.host, port: m.port })),
      },
      this.key,
    );
    for (const t of this.targets()) {
      socket.send(msg, t.port, t.host);
      this.counters.sent++;
    }
  }

  private targets(): PeerAddress[] {
    const all = new Map<string, PeerAddress>(this.seeds);
    for (const m of this.membership.peerList()) all.set(addrKey(m), { host: m.host, port: m.port });
    for (const [k, g] of this.gossip) all.set(k, g.addr);
    if (this.bound) all.delete(addrKey(this.bound));
    return [...all.values()];
  }

  private onMessage(buf: Buffer, rinfo: RemoteInfo): void {
    const msg: ClusterMessage | undefined = decode(buf, this.options.cluster, this.key, this.options.maxPeers);
    const from = { host: rinfo.address, port: rinfo.port };
    if (!msg || msg.id === this.nodeId || !this.fresh(msg)) {
      this.counters.rejected++;
      return;
    }
    if (
      msg.type === 'heartbeat' &&
      !this.membership.has(msg.id) &&
      this.membership.peerCount >= this.options.maxPeers
    ) {
      this.counters.rejected++;
      return;
    }
    this.lastSeq.set(nodeKey(msg.id), msg.seq);
    this.counters.received++;
    const now = this.options.clock();
    if (msg.type === 'leave') {
      this.dispatch(this.membership.left(msg.id));
      return;
    }
    this.dispatch(this.membership.heard(msg.id, from, now));
    for (const p of msg.peers) {
      const k = addrKey(p);
      if (this.bound && k === addrKey(this.bound)) continue;
      if (!this.gossip.has(k) && this.gossip.size >= this.options.maxPeers) break;
      this.gossip.set(k, { addr: p, expires: now + this.options.failureAfterMs });
    }
  }

  /** Not seen before from this sender (strictly increasing seq), and close to our wall clock. */
  private fresh(msg: ClusterMessage): boolean {
    const last = this.lastSeq.get(nodeKey(msg.id));
    if (last !== undefined && msg.seq <= last) return false;
    return Math.abs(msg.seq / 1000 - this.options.wallClock()) <= this.options.maxClockSkewMs;
  }

  /** The sender's wall clock in microseconds, strictly increasing even if the clock steps back. */
  private nextSeq(): number {
    this.seq = Math.max(this.seq + 1, Math.floor(this.options.wallClock() * 1000));
    return this.seq;
  }

  private dispatch(events: MembershipEvent[]): void {
    for (const e of events) {
      if (e.type === 'memberUp') this.emit('memberUp', e.member);
      else if (e.type === 'memberDown') this.emit('memberDown', e.member, e.reason);
      else this.emit('leaderChanged', e.leader, e.previous);
    }
  }
}
