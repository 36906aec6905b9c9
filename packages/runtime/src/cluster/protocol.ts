import { isNodeId, type NodeId } from './node-id.js';
import type { PeerAddress } from './membership.js';

export const PROTOCOL_VERSION = 1;
/** Datagrams above this are not ours; a heartbeat with a few hundred peers stays well under it. */
export const MAX_DATAGRAM = 60_000;

export type ClusterMessage =
  | { v: 1; cluster: string; type: 'heartbeat'; id: NodeId; peers: PeerAddress[] }
  | { v: 1; cluster: string; type: 'leave'; id: NodeId };

export function encode(msg: ClusterMessage): Buffer {
  return Buffer.from(JSON.stringify(msg), 'utf8');
}

function isAddress(v: unknown): v is PeerAddress {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return typeof a.host === 'string' && a.host.length > 0 && Number.isInteger(a.port) && (a.port as number) > 0 && (a.port as number) < 65536;
}

/** Parses a datagram; anything malformed, from another protocol version or another cluster, yields undefined. */
export function decode(buf: Buffer, cluster: string): ClusterMessage | undefined {
  if (buf.length > MAX_DATAGRAM) return undefined;
  let m: unknown;
  try {
    m = JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as Record<string, unknown>;
  if (o.v !== PROTOCOL_VERSION || o.cluster !== cluster || !isNodeId(o.id)) return undefined;
  if (o.type === 'leave') return { v: 1, cluster, type: 'leave', id: o.id };
  if (o.type === 'heartbeat' && Array.isArray(o.peers) && o.peers.every(isAddress)) {
    return { v: 1, cluster, type: 'heartbeat', id: o.id, peers: o.peers.map((p) => ({ host: p.host, port: p.port })) };
  }
  return undefined;
}
