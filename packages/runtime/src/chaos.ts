/**
 * Chaos monkey over a supervision tree: kill workers the way a crash would (an untrappable
 * 'kill'), then check that the tree put everything back. Generic: the tree is discovered with
 * Supervisor.whichChildren, so it works for any application's supervisors.
 */
import { ExitError } from './exit-reason.js';
import { exit, isProcessAlive, Pid, resolveRef, type ServerRef } from './process.js';
import { Supervisor, type ChildInfo } from './supervisor.js';

export interface TreeWorker {
  /** The supervisor that owns this child. */
  supervisor: Pid;
  id: unknown;
  pid: Pid;
}

export interface KillReport {
  supervisor: Pid;
  id: unknown;
  pid: Pid;
}

export interface ChaosOptions {
  /** Uniform [0, 1) source; inject a seeded one for reproducible runs. Default Math.random. */
  random?: () => number;
}

export interface VerifyOptions {
  /** How long to wait for every child to be running and answering; default 5000 ms. */
  timeoutMs?: number;
  /** Poll interval while children are restarting; default 1 ms. */
  intervalMs?: number;
  /** Proves a worker answers (e.g. a call); rejecting or throwing means "not yet". Default: alive. */
  probe?: (worker: TreeWorker) => Promise<unknown> | unknown;
}

export type RecoveryVerdict =
  { ok: true; workers: number; elapsedMs: number } | { ok: false; reason: string; elapsedMs: number };

function supervisorPid(sup: ServerRef): Pid {
  const proc = resolveRef(sup);
  if (!proc) throw new ExitError('noproc', 'chaos');
  return proc.pid;
}

/** Every worker under `sup`, depth first in start order, with the supervisor that owns it. Children without a live pid are skipped. */
export async function treeWorkers(sup: ServerRef): Promise<TreeWorker[]> {
  const out: TreeWorker[] = [];
  const walk = async (s: Pid): Promise<void> => {
    // whichChildren lists the newest child first (OTP's order); walk in start order.
    const children: ChildInfo[] = (await Supervisor.whichChildren(s)).reverse();
    for (const c of children) {
      if (!(c.pid instanceof Pid) || !isProcessAlive(c.pid)) continue;
      if (c.type === 'supervisor') await walk(c.pid);
      else out.push({ supervisor: s, id: c.id, pid: c.pid });
    }
  };
  await walk(supervisorPid(sup));
  return out;
}

/** Kills one live worker chosen uniformly at random. Rejects 'noproc' if the tree has none running. */
export async function killRandomWorker(sup: ServerRef, opts: ChaosOptions = {}): Promise<KillReport> {
  const random = opts.random ?? Math.random;
  const workers = await treeWorkers(sup);
  if (workers.length === 0) throw new ExitError('noproc', 'killRandomWorker');
  const i = Math.min(workers.length - 1, Math.floor(random() * workers.length));
  const victim = workers[i]!;
  exit(victim.pid, 'kill');
  return { supervisor: victim.supervisor, id: victim.id, pid: victim.pid };
}

/**
 * Kills the first running child of `sup`: the one every later sibling depends on. Under
 * rest_for_one or one_for_all the supervisor must then restart all of them, so this exercises
 * the widest restart the tree declares.
 */
export async function cascadeFailure(sup: ServerRef): Promise<KillReport> {
  const s = supervisorPid(sup);
  const children = (await Supervisor.whichChildren(s)).reverse(); // start order
  const first = children.find((c) => c.pid instanceof Pid && isProcessAlive(c.pid));
  if (!first) throw new ExitError('noproc', 'cascadeFailure');
  const pid = first.pid as Pid;
  exit(pid, 'kill');
  return { supervisor: s, id: first.id, pid };
}

/**
 * Waits until the supervisor is alive, every static child of every supervisor in the tree has a
 * live pid (none 'restarting' or missing), and `probe` accepts every worker.
 */
export async function verifyRecovery(sup: ServerRef, opts: VerifyOptions = {}): Promise<RecoveryVerdict> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 1;
  const started = performance.now();
  let last = 'not checked';
  for (;;) {
    const elapsedMs = performance.now() - started;
    const proc = resolveRef(sup);
    if (!proc) return { ok: false, reason: `supervisor ${String(sup)} is not running`, elapsedMs };
    last = await check(proc.pid, opts.probe);
    if (last === '')
      return { ok: true, workers: (await treeWorkers(proc.pid)).length, elapsedMs: performance.now() - started };
    if (elapsedMs >= timeoutMs) return { ok: false, reason: last, elapsedMs };
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** '' when healthy, else why not. */
async function check(root: Pid, probe: VerifyOptions['probe']): Promise<string> {
  const workers: TreeWorker[] = [];
  const walk = async (s: Pid): Promise<string> => {
    let children: ChildInfo[];
    try {
      children = (await Supervisor.whichChildren(s)).reverse(); // start order
    } catch (err) {
      return `supervisor ${s.toString()} did not answer: ${String((err as ExitError).reason ?? err)}`;
    }
    for (const c of children) {
      if (!(c.pid instanceof Pid) || !isProcessAlive(c.pid))
        return `child ${JSON.stringify(c.id)} of ${s.toString()} is ${c.pid === 'restarting' ? 'restarting' : 'not running'}`;
      if (c.type === 'supervisor') {
        const why = await walk(c.pid);
        if (why !== '') return why;
      } else workers.push({ supervisor: s, id: c.id, pid: c.pid });
    }
    return '';
  };
  const why = await walk(root);
  if (why !== '' || !probe) return why;
  for (const w of workers) {
    try {
      await probe(w);
    } catch (err) {
      return `worker ${JSON.stringify(w.id)} did not answer: ${err instanceof ExitError ? String(err.reason) : String((err as Error)?.message ?? err)}`;
    }
  }
  return '';
}

/** The chaos monkey bound to one application's tree: what a generated app's chaos module exports. */
export interface BoundChaos {
  /** Kills one worker of the tree, chosen by `opts.random`. */
  killRandomWorker(opts?: ChaosOptions, root?: ServerRef): Promise<KillReport>;
  /** Kills the first child of the root supervisor, which its later siblings depend on. */
  cascadeFailure(root?: ServerRef): Promise<KillReport>;
  /** Waits until every child of the tree runs and `probe` accepts every worker (default 5000 ms). */
  verifyRecovery(opts?: { timeoutMs?: number }, root?: ServerRef): Promise<RecoveryVerdict>;
}

/** killRandomWorker, cascadeFailure and verifyRecovery over `root` (each may name another root), with `probe` as the recovery check. */
export function bindChaos(root: ServerRef, probe: NonNullable<VerifyOptions['probe']>): BoundChaos {
  return {
    killRandomWorker: (opts = {}, at = root) => killRandomWorker(at, opts),
    cascadeFailure: (at = root) => cascadeFailure(at),
    verifyRecovery: (opts = {}, at = root) => verifyRecovery(at, { timeoutMs: opts.timeoutMs ?? 5000, probe }),
  };
}
