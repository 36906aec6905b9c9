import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compiled } from '../support/compiled.js';

const distIndex = compiled('packages/runtime/dist/cluster/index.js');
const fixture = fileURLToPath(new URL('./fixtures/cluster-node.mjs', import.meta.url));

const HEARTBEAT_MS = 50;
const FAILURE_AFTER_MS = 300;
const WAIT_MS = 8000;

interface State {
  leader: number;
  members: number[];
}

interface Node {
  id: number;
  child: ChildProcess;
  port: number;
  state?: State;
}

const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function spawnNode(id: number, cluster: string): Promise<Node> {
  const child = fork(
    fixture,
    [pathToFileURL(distIndex).href, JSON.stringify(id), cluster, String(HEARTBEAT_MS), String(FAILURE_AFTER_MS)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    const node: Partial<Node> = { id, child };
    const timer = setTimeout(
      () => reject(new Error(`node ${id} did not report its port within ${WAIT_MS} ms`)),
      WAIT_MS,
    );
    child.on('message', (m: { type: string; port?: number; leader?: number; members?: number[] }) => {
      if (m.type === 'listening') {
        node.port = m.port as number;
        clearTimeout(timer);
        resolve(node as Node);
      } else if (m.type === 'state') {
        node.state = { leader: m.leader as number, members: m.members as number[] };
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`node ${id} exited early (${code ?? signal})`)));
  });
}

/** Polls until `pred` holds; fails with a description of the last states after WAIT_MS. */
async function until(nodes: Node[], pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!pred()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; states: ${JSON.stringify(nodes.map((n) => ({ id: n.id, ...n.state })))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const agree = (nodes: Node[], leader: number, members: number[]) => () =>
  nodes.every((n) => n.state?.leader === leader && JSON.stringify(n.state.members) === JSON.stringify(members));

function seedAll(nodes: Node[]): void {
  for (const n of nodes) for (const p of nodes) if (p !== n) n.child.send({ type: 'seed', port: p.port });
}

describe('cluster across three real processes on loopback', () => {
  it('elects the lowest id, re-elects the next lowest when the leader is killed, and hands back when it rejoins', async () => {
    const cluster = `test-${process.pid}-${Date.now()}`;
    // Started in an order unrelated to id, so the election cannot be riding on start order.
    const nodes = await Promise.all([spawnNode(3, cluster), spawnNode(1, cluster), spawnNode(2, cluster)]);
    seedAll(nodes);
    await until(nodes, agree(nodes, 1, [1, 2, 3]), 'all three to agree on leader 1');

    const leader = nodes.find((n) => n.id === 1)!;
    leader.child.kill('SIGKILL');
    const survivors = nodes.filter((n) => n !== leader);
    await until(survivors, agree(survivors, 2, [2, 3]), 'nodes 2 and 3 to agree on leader 2 after node 1 was killed');
    expect(survivors.map((n) => n.state)).toEqual([
      { leader: 2, members: [2, 3] },
      { leader: 2, members: [2, 3] },
    ]);

    // Node 1 restarts on a new port; only it knows the others' addresses, they learn it from its heartbeats.
    const reborn = await spawnNode(1, cluster);
    for (const p of survivors) reborn.child.send({ type: 'seed', port: p.port });
    const all = [reborn, ...survivors];
    await until(all, agree(all, 1, [1, 2, 3]), 'the restarted node 1 to be leader again');
  });
});
