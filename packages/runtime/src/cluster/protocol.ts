import { createHmac, timingSafeEqual } from 'node:crypto';
import { isNodeId, type NodeId } from './node-id.js';
import type { PeerAddress } from './membership.js';

/**
 * The cluster's datagrams: HMAC-SHA256(key, body) followed by the body, a JSON object.
 *
 * Without the key nothing is accepted: a forged heartbeat cannot elect its sender, move a
 * peer's address or list third-party addresses to reflect heartbeats at, and a forged leave
 * cannot evict anyone. `seq` is the sender's wall clock in microseconds, strictly increasing per
 * sender; the receiver refuses a seq it has seen (or an older one) and one too far from its
 * own clock, so a captured datagram cannot be replayed.
 */
export const PROTOCOL_VERSION = 2;
/** Datagrams above this are not ours; a heartbeat with a few hundred peers stays well under it. */
export const MAX_DATAGRAM = 60_000;
export const MAC_BYTES = 32;
/** Peers one heartbeat may list (the sender never lists more; a receiver refuses more). */
export const MAX_GOSSIP_PEERS = 64;

export type ClusterMessage =
  | { v: 2; cluster: string; type: 'heartbeat'; id: NodeId; seq: number; peers: PeerAddress[] }
  | { v: 2; cluster: string; type: 'leave'; id: NodeId; seq: number };

function mac(key: Buffer, body: Buffer): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

export function encode(msg: ClusterMessage, key: Buffer): Buffer {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  return Buffer.concat([mac(key, body), body]);
}

function isAddress(v: unknown): v is PeerAddress {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return (
    typeof a.host === 'string' &&
    a.host.length > 0 &&
    a.host.length <= 255 &&
    Number.isInteger(a.port) &&
    (a.port as number) > 0 &&
    (a.port as number) < 65536
  );
}

/**
 * Parses a datagram; anything unauthenticated, malformed, from another protocol version or
 * another cluster, or listing more than `maxPeers` peers yields undefined. (Replay is the
 * receiver's check: it knows which seqs it has seen.)
 */
export function decode(
  buf: Buffer,
  cluster: string,
  key: Buffer,
  maxPeers = MAX_GOSSIP_PEERS,
): ClusterMessage | undefined {
  if (buf.length > MAX_DATAGRAM || buf.length <= MAC_BYTES) return undefined;
  const body = buf.subarray(MAC_BYTES);
  if (!timingSafeEqual(buf.subarray(0, MAC_BYTES), mac(key, body))) return undefined;
  let m: unknown;
  try {
    m = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as Record<string, unknown>;
  if (o.v !== PROTOCOL_VERSION || o.cluster !== cluster || !isNodeId(o.id)) return undefined;
  if (typeof o.seq !== 'number' || !Number.isSafeInteger(o.seq) || o.seq <= 0) return undefined;
  if (o.type === 'leave') return { v: 2, cluster, type: 'leave', id: o.id, seq: o.seq };
  if (o.type === 'heartbeat' && Array.isArray(o.peers) && o.peers.length <= maxPeers && o.peers.every(isAddress)) {
    return {
      v: 2,
      cluster,
      type: 'heartbeat',
      id: o.id,
      seq: o.seq,
      peers: o.peers.map((p) => ({ host: p.host, port: p.port })),
    };
  }
  return undefined;
}
