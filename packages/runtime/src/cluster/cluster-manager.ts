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
import { checkNodeId, type NodeId } from './node-id.js';
import { decode, encode, type ClusterMessage } from './protocol.js';

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
}

export interface ClusterEvents {
  memberUp: [member: Member];
  memberDown: [member: Member, reason: 'timeout' | 'left'];
  leaderChanged: [leader: NodeId, previous: NodeId | undefined];
}

export interface ClusterStats {
  sent: number;
  received: number;
  /** Datagrams that were malformed, from another cluster, or claimed our own id from elsewhere. */
  rejected: number;
}

const addrKey = (a: PeerAddress) => `${a.host}:${a.port}`;

export class ClusterManager extends EventEmitter<ClusterEvents> {
  readonly nodeId: NodeId;
  private readonly options: Required<Omit<ClusterOptions, 'seeds'>>;
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
    if (typeof options.cluster !== 'string' || options.cluster.length === 0) throw new ClusterConfigError('cluster: cluster name must be a non-empty string');
    const { heartbeatMs, failureAfterMs } = options;
    if (!Number.isFinite(heartbeatMs) || heartbeatMs <= 0) throw new ClusterConfigError(`cluster: heartbeatMs must be > 0, got ${String(heartbeatMs)}`);
    if (!Number.isFinite(failureAfterMs) || failureAfterMs <= 2 * heartbeatMs) {
      throw new ClusterConfigError(`cluster: failureAfterMs (${String(failureAfterMs)}) must exceed 2 × heartbeatMs (${heartbeatMs}), or one lost datagram drops a live peer`);
    }
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ClusterConfigError(`cluster: port must be 0..65535, got ${String(port)}`);
    this.options = {
      nodeId: this.nodeId,
      cluster: options.cluster,
      host: options.host ?? '127.0.0.1',
      port,
      heartbeatMs,
      failureAfterMs,
      clock: options.clock ?? (() => performance.now()),
    };
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
    const bye = encode({ v: 1, cluster: this.options.cluster, type: 'leave', id: this.nodeId });
    await Promise.all(this.targets().map((t) => new Promise<void>((resolve) => socket.send(bye, t.port, t.host, () => resolve()))));
    this.socket = null;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  addSeed(addr: PeerAddress): void {
    if (!addr || typeof addr.host !== 'string' || addr.host.length === 0 || !Number.isInteger(addr.port) || addr.port < 1 || addr.port > 65535) {
      throw new ClusterConfigError(`cluster: seed must be {host, port 1..65535}, got ${JSON.stringify(addr)}`, 'invalid_peer');
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
    const socket = this.socket;
    if (!socket) return;
    const msg = encode({
      v: 1,
      cluster: this.options.cluster,
      type: 'heartbeat',
      id: this.nodeId,
      peers: this.membership.peerList().map((m) => ({ host: m.host, port: m.port })),
    });
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
    const msg: ClusterMessage | undefined = decode(buf, this.options.cluster);
    const from = { host: rinfo.address, port: rinfo.port };
    if (!msg || (msg.id === this.nodeId && this.bound && addrKey(from) !== addrKey(this.bound))) {
      this.counters.rejected++;
      return;
    }
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
      this.gossip.set(k, { addr: p, expires: now + this.options.failureAfterMs });
    }
  }

  private dispatch(events: MembershipEvent[]): void {
    for (const e of events) {
      if (e.type === 'memberUp') this.emit('memberUp', e.member);
      else if (e.type === 'memberDown') this.emit('memberDown', e.member, e.reason);
      else this.emit('leaderChanged', e.leader, e.previous);
    }
  }
}
