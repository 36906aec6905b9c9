/**
 * Leader election across three real Node processes on loopback, each running the generated
 * cluster_mgr compiled to dist/ (the test setup rebuilds dist/ when a source is newer). The lowest node id leads; when the
 * leader is killed (SIGKILL, no goodbye) the survivors elect the next lowest.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compiled } from '../support/compiled.js';
import { until } from './helpers.js';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const distDir = root('dist/generated/autonomics');
const fixture = fileURLToPath(new URL('./fixtures/cluster-mgr-node.mjs', import.meta.url));
for (const f of [
  'dist/generated/autonomics/cluster-mgr.js',
  'dist/generated/autonomics/cluster-mgr-client.js',
  'packages/runtime/dist/cluster/cluster-manager.js',
])
  compiled(f);

const HEARTBEAT_MS = 50;
const FAILURE_AFTER_MS = 300;

interface Node {
  id: string;
  port: number;
  child: ChildProcess;
  state?: { leader: string; members: string[]; isLeader: boolean };
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function spawnNode(id: string, port: number): Promise<Node> {
  const child = fork(fixture, [distDir, id, String(port), String(HEARTBEAT_MS), String(FAILURE_AFTER_MS)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const node: Node = { id, port, child };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${id} did not start within 10 s`)), 10_000);
    child.on('message', (m: { type: string; leader?: string; members?: string[]; isLeader?: boolean }) => {
      if (m.type === 'listening') {
        clearTimeout(timer);
        resolve(node);
      } else if (m.type === 'state') node.state = { leader: m.leader!, members: m.members!, isLeader: m.isLeader! };
    });
    child.once('exit', (code, signal) => reject(new Error(`${id} exited early (${code ?? signal})`)));
  });
}

describe('cluster_mgr across three processes', () => {
  it('elects the lowest node id, and a new leader when the leader is killed', async () => {
    const ids = ['node-b', 'node-a', 'node-c'];
    const ports = await Promise.all(ids.map(() => freeUdpPort()));
    const nodes = await Promise.all(ids.map((id, i) => spawnNode(id, ports[i]!)));
    // A ring of seeds is enough: heartbeats gossip the rest.
    nodes.forEach((n, i) => n.child.send({ type: 'seed', port: nodes[(i + 1) % nodes.length]!.port }));
    const agreed = (live: Node[], leader: string) => () =>
      live.every(
        (n) =>
          n.state?.leader === leader &&
          JSON.stringify(n.state.members) === JSON.stringify(live.map((x) => x.id).sort()),
      );
    await until(agreed(nodes, 'node-a'), 'all three to agree on node-a');
    expect(nodes.filter((n) => n.state!.isLeader).map((n) => n.id)).toEqual(['node-a']);

    const leader = nodes.find((n) => n.id === 'node-a')!;
    leader.child.kill('SIGKILL');
    const survivors = nodes.filter((n) => n !== leader);
    await until(agreed(survivors, 'node-b'), 'the survivors to elect node-b');
    expect(survivors.map((n) => [n.id, n.state!.isLeader])).toEqual([
      ['node-b', true],
      ['node-c', false],
    ]);
  });
});
