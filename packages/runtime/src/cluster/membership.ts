import { compareNodeIds, nodeKey, type NodeId } from './node-id.js';

export interface PeerAddress {
  host: string;
  port: number;
}

export interface Member extends PeerAddress {
  id: NodeId;
}

export type MembershipEvent =
  | { type: 'memberUp'; member: Member }
  | { type: 'memberDown'; member: Member; reason: 'timeout' | 'left' }
  | { type: 'leaderChanged'; leader: NodeId; previous: NodeId | undefined };

interface Entry extends Member {
  lastSeen: number;
}

/**
 * Membership as pure state: who has been heard from recently, and who leads. No sockets or
 * timers here, so the rules (timeouts, re-election) are tested without a network.
 * Members = self + peers heard within `failureAfterMs`; leader = lowest id among members.
 */
export class Membership {
  private readonly peers = new Map<string, Entry>();
  private currentLeader: NodeId | undefined;

  constructor(
    readonly self: NodeId,
    private readonly failureAfterMs: number,
  ) {}

  /** A heartbeat from `id` at `addr`. Returns the events it causes. */
  heard(id: NodeId, addr: PeerAddress, now: number): MembershipEvent[] {
    if (nodeKey(id) === nodeKey(this.self)) return [];
    const key = nodeKey(id);
    const entry = this.peers.get(key);
    if (entry) {
      entry.lastSeen = now;
      // A restarted node comes back on a new port; follow it.
      entry.host = addr.host;
      entry.port = addr.port;
      return [];
    }
    const member: Member = { id, host: addr.host, port: addr.port };
    this.peers.set(key, { ...member, lastSeen: now });
    return [{ type: 'memberUp', member }, ...this.reelect()];
  }

  /** Whether `id` is a current peer. */
  has(id: NodeId): boolean {
    return this.peers.has(nodeKey(id));
  }

  /** Current peers (self not counted). */
  get peerCount(): number {
    return this.peers.size;
  }

  /** A peer said goodbye. */
  left(id: NodeId): MembershipEvent[] {
    const entry = this.peers.get(nodeKey(id));
    if (!entry) return [];
    this.peers.delete(nodeKey(id));
    return [{ type: 'memberDown', member: strip(entry), reason: 'left' }, ...this.reelect()];
  }

  /** Drops peers not heard from for longer than failureAfterMs. */
  sweep(now: number): MembershipEvent[] {
    const events: MembershipEvent[] = [];
    for (const [key, entry] of this.peers) {
      if (now - entry.lastSeen > this.failureAfterMs) {
        this.peers.delete(key);
        events.push({ type: 'memberDown', member: strip(entry), reason: 'timeout' });
      }
    }
    return events.length > 0 ? [...events.sort((a, b) => cmpEvents(a, b)), ...this.reelect()] : events;
  }

  /** Initial election (self alone). */
  start(): MembershipEvent[] {
    return this.reelect();
  }

  members(): NodeId[] {
    return [this.self, ...[...this.peers.values()].map((e) => e.id)].sort(compareNodeIds);
  }

  peerList(): Member[] {
    return [...this.peers.values()].map(strip).sort((a, b) => compareNodeIds(a.id, b.id));
  }

  leader(): NodeId {
    return this.currentLeader ?? this.self;
  }

  private reelect(): MembershipEvent[] {
    const leader = this.members()[0] as NodeId;
    if (this.currentLeader !== undefined && nodeKey(leader) === nodeKey(this.currentLeader)) return [];
    const previous = this.currentLeader;
    this.currentLeader = leader;
    return [{ type: 'leaderChanged', leader, previous }];
  }
}

function strip(e: Entry): Member {
  return { id: e.id, host: e.host, port: e.port };
}

function cmpEvents(a: MembershipEvent, b: MembershipEvent): number {
  return 'member' in a && 'member' in b ? compareNodeIds(a.member.id, b.member.id) : 0;
}
