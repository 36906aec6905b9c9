// Issue #14 finding 4: the cluster protocol had no authentication. Forged heartbeats made the
// attacker leader, moved a peer's address and reflected datagrams to third parties; a forged
// leave evicted a live node; thousands of fake ids pushed the heartbeat past its size limit.
// Every attack runs on 127.0.0.1 with bounded counts and waits.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterManager, type NodeId } from '../../packages/runtime/src/cluster/index.js';

const KEY = 'cluster-test-key-0123456789abcdef';
const running: ClusterManager[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const n of running.splice(0)) await n.stop();
  for (const s of sockets.splice(0)) s.close();
});

function node(nodeId: NodeId, extra: Record<string, unknown> = {}): ClusterManager {
  const n = new ClusterManager({
    nodeId,
    cluster: 'c1',
    heartbeatMs: 20,
    failureAfterMs: 5000,
    key: KEY,
    ...extra,
  } as ConstructorParameters<typeof ClusterManager>[0]);
  running.push(n);
  return n;
}

async function udp(): Promise<{ sock: Socket; port: number; got: Buffer[] }> {
  const sock = createSocket('udp4');
  sockets.push(sock);
  const got: Buffer[] = [];
  sock.on('message', (b) => got.push(b));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { sock, port: sock.address().port, got };
}

async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const plain = (m: unknown) => Buffer.from(JSON.stringify(m), 'utf8');

describe('cluster protocol under forgery (issue #14, finding 4)', () => {
  it('ignores an unauthenticated heartbeat with id 0, a forged leave, a moved address and third-party peers', async () => {
    const a = node(5);
    const b = node(7);
    const pa = await a.start();
    const pb = await b.start();
    a.addSeed(pb);
    await until(() => a.members().length === 2 && b.members().length === 2, 'a and b to meet');
    const attacker = await udp();
    const victim = await udp();
    const rejected = a.stats().rejected;
    for (const v of [1, 2]) {
      attacker.sock.send(
        plain({ v, cluster: 'c1', type: 'heartbeat', id: 0, peers: [{ host: '127.0.0.1', port: victim.port }] }),
        pa.port,
        pa.host,
      );
      attacker.sock.send(plain({ v, cluster: 'c1', type: 'leave', id: 7 }), pa.port, pa.host);
      attacker.sock.send(plain({ v, cluster: 'c1', type: 'heartbeat', id: 7, peers: [] }), pa.port, pa.host);
    }
    await until(() => a.stats().rejected >= rejected + 6, 'the forgeries to be rejected');
    await new Promise((r) => setTimeout(r, 150)); // several heartbeat periods
    expect(a.leader()).toBe(5);
    expect(a.members()).toEqual([5, 7]);
    expect(a.peers()).toEqual([{ id: 7, host: '127.0.0.1', port: pb.port }]);
    expect(victim.got).toHaveLength(0); // no reflection to addresses an attacker listed
  });

  it('refuses a replayed genuine datagram', async () => {
    const a = node(5);
    const pa = await a.start();
    // A genuine node heartbeats to the attacker's socket (as if the attacker sniffed the wire).
    const sniffer = await udp();
    const b = node(7, { seeds: [{ host: '127.0.0.1', port: sniffer.port }] });
    await b.start();
    await until(() => sniffer.got.length >= 1, 'a genuine heartbeat');
    await b.stop();
    running.splice(running.indexOf(b), 1);
    const captured = sniffer.got.at(-1) as Buffer;
    // The leave b sent on stop is the last one; replay b's last heartbeat to a.
    const hb = sniffer.got.find((g) => !g.includes(Buffer.from('"leave"'))) as Buffer;
    expect(captured).toBeDefined();
    sniffer.sock.send(hb, pa.port, pa.host);
    await until(() => a.stats().received + a.stats().rejected >= 1, 'the first copy');
    const accepted = a.stats().received;
    for (let i = 0; i < 5; i++) sniffer.sock.send(hb, pa.port, pa.host);
    await until(() => a.stats().rejected >= 5, 'the replays to be rejected');
    expect(a.stats().received).toBe(accepted);
  });

  it('caps the peers a node admits, so its own heartbeat cannot outgrow the datagram limit', async () => {
    const a = node(5, { maxPeers: 16 });
    const pa = await a.start();
    // 200 genuine-keyed nodes (the worst case: a holder of the key misbehaving) each heartbeat once.
    const many: ClusterManager[] = [];
    for (let i = 0; i < 200; i++) many.push(node(`n${i}`, { seeds: [pa], heartbeatMs: 1000 }));
    await Promise.all(many.map((m) => m.start()));
    await until(() => a.stats().received + a.stats().rejected >= 200, '200 heartbeats');
    expect(a.members()).toHaveLength(17);
    expect(a.stats().rejected).toBeGreaterThanOrEqual(200 - 16);
  }, 20_000);

  it('refuses the development key when it listens beyond loopback', () => {
    expect(
      () => new ClusterManager({ nodeId: 1, cluster: 'c', heartbeatMs: 50, failureAfterMs: 300, host: '0.0.0.0' }),
    ).toThrow(/development key/);
  });
});
