import { ClusterConfigError } from './errors.js';

/** A node's identity: a safe integer or a non-empty string. */
export type NodeId = number | string;

export function isNodeId(v: unknown): v is NodeId {
  return (
    (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && v.length > 0 && v.length <= 256)
  );
}

export function checkNodeId(v: unknown, what = 'nodeId'): NodeId {
  if (!isNodeId(v))
    throw new ClusterConfigError(
      `${what} must be a safe integer or a non-empty string (≤ 256 chars), got ${JSON.stringify(v)}`,
    );
  return v;
}

/**
 * Total order used for leader election: numbers before strings, numbers numerically, strings by
 * UTF-16 code unit (not locale), so every node computes the same order whatever its locale.
 */
export function compareNodeIds(a: NodeId, b: NodeId): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Map key that keeps 1 and "1" apart. */
export function nodeKey(id: NodeId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}
