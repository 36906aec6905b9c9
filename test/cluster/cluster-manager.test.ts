import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterManager, type NodeId } from '../../packages/runtime/src/cluster/index.js';
import { decode, encode } from '../../packages/runtime/src/cluster/protocol.js';

const running: ClusterManager[] = [];
afterEach(async () => {
  for (const n of running.splice(0)) await n.stop();
});

function node(nodeId: NodeId, cluster = 'c1'): ClusterManager {
  const n = new ClusterManager({ nodeId, cluster, heartbeatMs: 20, failureAfterMs: 5000 });
  running.push(n);
  return n;
}

async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ClusterManager (in one process)', () => {
  it('a graceful stop tells peers, who re-elect without waiting for the failure timeout', async () => {
    const a = node('a');
    const b = node('b');
    const events: string[] = [];
    b.on('leaderChanged', (l) => events.push(`leader:${String(l)}`));
    b.on('memberDown', (m, reason) => events.push(`down:${String(m.id)}:${reason}`));
    const pa = await a.start();
    await b.start();
    b.addSeed(pa);
    await until(() => a.leader() === 'a' && b.leader() === 'a', 'both to see leader a');
    await a.stop();
    running.splice(running.indexOf(a), 1);
    // failureAfterMs is 5 s, so reaching this within the wait proves the leave message was used.
    await until(() => b.leader() === 'b', 'b to lead after a left');
    expect(b.members()).toEqual(['b']);
    expect(events).toEqual(['leader:b', 'leader:a', 'down:a:left', 'leader:b']);
  });

  it('ignores datagrams from another cluster and junk', async () => {
    const a = node(1, 'c1');
    const stranger = node(0, 'other');
    const pa = await a.start();
    await stranger.start();
    stranger.addSeed(pa);
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    sock.send(Buffer.from('not json'), pa.port, pa.host);
    sock.send(
      Buffer.from(JSON.stringify({ v: 2, cluster: 'c1', type: 'heartbeat', id: 0, peers: [] })),
      pa.port,
      pa.host,
    );
    await until(() => a.stats().rejected >= 4, 'junk and foreign heartbeats to be rejected');
    sock.close();
    expect(a.members()).toEqual([1]);
    expect(a.leader()).toBe(1);
  });

  it('refuses configurations that cannot detect failures correctly', () => {
    const base = { nodeId: 1, cluster: 'c', heartbeatMs: 50, failureAfterMs: 300 };
    expect(() => new ClusterManager({ ...base, failureAfterMs: 100 })).toThrow(/must exceed 2 × heartbeatMs/);
    expect(() => new ClusterManager({ ...base, heartbeatMs: 0 })).toThrow(/heartbeatMs must be > 0/);
    expect(() => new ClusterManager({ ...base, nodeId: 1.5 })).toThrow(
      /nodeId must be a safe integer or a non-empty string/,
    );
    expect(() => new ClusterManager({ ...base, cluster: '' })).toThrow(/cluster name/);
    expect(() => new ClusterManager({ ...base, seeds: [{ host: '127.0.0.1', port: 0 }] })).toThrow(/seed must be/);
  });
});

describe('protocol', () => {
  const key = Buffer.from('k'.repeat(32));
  it('round-trips heartbeats and leaves; rejects other versions, clusters, keys and shapes', () => {
    const hb = {
      v: 2 as const,
      cluster: 'c',
      type: 'heartbeat' as const,
      id: 3,
      seq: 1,
      peers: [{ host: '127.0.0.1', port: 9 }],
    };
    expect(decode(encode(hb, key), 'c', key)).toEqual(hb);
    expect(decode(encode({ v: 2, cluster: 'c', type: 'leave', id: 'x', seq: 2 }, key), 'c', key)).toEqual({
      v: 2,
      cluster: 'c',
      type: 'leave',
      id: 'x',
      seq: 2,
    });
    expect(decode(encode(hb, key), 'other', key)).toBeUndefined();
    expect(decode(encode(hb, key), 'c', Buffer.from('j'.repeat(32)))).toBeUndefined();
    const tampered = encode(hb, key);
    tampered[tampered.length - 3] ^= 1;
    expect(decode(tampered, 'c', key)).toBeUndefined();
    expect(decode(encode({ ...hb, peers: [{ host: 'h', port: 70000 }] }, key), 'c', key)).toBeUndefined();
    expect(decode(encode({ ...hb, id: null } as never, key), 'c', key)).toBeUndefined();
    expect(decode(encode({ ...hb, type: 'elect' } as never, key), 'c', key)).toBeUndefined();
    expect(decode(encode({ ...hb, seq: 0 }, key), 'c', key)).toBeUndefined();
    expect(
      decode(
        encode({ ...hb, peers: Array.from({ length: 65 }, (_, i) => ({ host: 'h', port: i + 1 })) }, key),
        'c',
        key,
      ),
    ).toBeUndefined();
    expect(decode(Buffer.from('[]'), 'c', key)).toBeUndefined();
  });
});
