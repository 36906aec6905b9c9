import { Pid, exit, isProcessAlive, type ServerRef } from '../process.js';
import { Supervisor } from '../supervisor.js';

export type RestartStrategy = 'one_for_one' | 'one_for_all' | 'rest_for_one' | 'simple_one_for_one';

/** The pid of every running child of `sup`, by child id. */
export async function childPids(sup: ServerRef): Promise<Map<unknown, Pid>> {
  const out = new Map<unknown, Pid>();
  for (const c of await Supervisor.whichChildren(sup)) if (c.pid instanceof Pid) out.set(c.id, c.pid);
  return out;
}

/**
 * Waits (up to about `attempts` ms) until `sup` runs `expected` live children and child `id` runs
 * under a pid other than `old`; resolves the children's pids then. Throws when it never does.
 */
export async function waitForRestart(
  sup: ServerRef,
  id: unknown,
  old: Pid,
  expected: number,
  attempts = 2000,
): Promise<Map<unknown, Pid>> {
  for (let i = 0; i < attempts; i++) {
    const now = await childPids(sup);
    const p = now.get(id);
    if (now.size === expected && p !== undefined && p !== old && [...now.values()].every(isProcessAlive)) return now;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`${String(id)} was not restarted`);
}

/** Waits (up to about `attempts` ms) until `pid` is no longer among the children of `sup`. */
export async function waitForRemoval(sup: ServerRef, pid: Pid, attempts = 1000): Promise<void> {
  for (let i = 0; i < attempts && (await Supervisor.whichChildren(sup)).some((x) => x.pid === pid); i++)
    await new Promise((r) => setTimeout(r, 1));
}

/**
 * Whether OTP restarts child `index` (in start order) when child `victim` dies, under `strategy`:
 * one_for_all restarts every child, rest_for_one the victim and those started after it, the others
 * the victim alone. Written from OTP's supervisor documentation, not from this runtime's supervisor.
 */
export function restartedBy(strategy: RestartStrategy, victim: number, index: number): boolean {
  return strategy === 'one_for_all' || index === victim || (strategy === 'rest_for_one' && index > victim);
}

/** A child as a supervision test compares it with the spec: its child spec's id, restart, shutdown and type. */
export interface DeclaredChild {
  id: unknown;
  restart: unknown;
  shutdown: unknown;
  type: unknown;
}

/**
 * The running children of `sup` in start order (whichChildren lists the newest first, as OTP
 * does), each as its child spec's id, restart, shutdown and type; a child without a spec as its id alone.
 */
export async function startedChildren(sup: ServerRef): Promise<(DeclaredChild | { id: unknown })[]> {
  const out: (DeclaredChild | { id: unknown })[] = [];
  for (const c of (await Supervisor.whichChildren(sup)).reverse()) {
    const spec = await Supervisor.getChildspec(sup, c.id);
    out.push(
      'ok' in spec
        ? { id: spec.ok.id, restart: spec.ok.restart, shutdown: spec.ok.shutdown, type: spec.ok.type }
        : { id: c.id },
    );
  }
  return out;
}

/**
 * Kills child `ids[victim]` of `sup`, waits until it runs again with all `ids` alive, and says for
 * each child (in the order of `ids`) whether it now runs under a new pid.
 */
export async function restartsAfterKill(sup: ServerRef, ids: readonly unknown[], victim: number): Promise<boolean[]> {
  const before = await childPids(sup);
  const old = before.get(ids[victim]);
  if (old === undefined) throw new Error(`${String(ids[victim])} is not running`);
  exit(old, 'kill');
  const after = await waitForRestart(sup, ids[victim], old, ids.length);
  return ids.map((id) => after.get(id) !== before.get(id));
}
