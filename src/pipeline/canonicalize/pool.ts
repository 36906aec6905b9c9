/**
 * Prettier in worker threads. Formatting is one of the largest costs of a cold sync, and while
 * extract keeps the main thread busy another core can format what is already rendered. So sync
 * starts the pool at the first file its format cache cannot answer and feeds it template by
 * template. Output is identical either way: same Prettier, same options, results in input order.
 * (Warming the JIT on the previous outputs was tried: on 2 vCPUs it slowed normalize more than
 * it sped up formatting.)
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FormatterMissing, type FormatFailure } from './format.js';

export type FormatResult = { ok: true; text: string } | { ok: false; error: FormatFailure };
export interface FormatJob {
  path: string;
  text: string;
}

/** Worker → main. */
export type WorkerReply =
  { kind: 'done'; out: Array<{ i: number; res: FormatResult }> } | { kind: 'failed'; message: string };
/** Given to each worker at its start. */
export interface WorkerData {
  warm: boolean;
}
/** Main → worker. */
export type WorkerRequest = { kind: 'jobs'; jobs: Array<FormatJob & { i: number }> };

const workerUrl = new URL('./worker.js', import.meta.url);

/** Workers only run compiled: the worker is a .js file next to this one. */
export const workersAvailable = (): boolean => import.meta.url.endsWith('.js');

/**
 * How many workers formatting `count` files should use; 0 means the main thread. A pool fed while
 * extract still runs (`early`) pays off from a few dozen files, because its start-up and work
 * hide behind extract; one started once everything is rendered pays off only for thousands.
 * GGEN_FORMAT_WORKERS overrides.
 */
export function workerCount(count: number, early = false): number {
  if (!workersAvailable()) return 0;
  const env = process.env.GGEN_FORMAT_WORKERS;
  if (env !== undefined) return Math.max(0, Number(env) || 0);
  if (count < (early ? 16 : 2000)) return 0;
  return Math.min(4, Math.max(1, availableParallelism()));
}

interface Pending {
  resolve(): void;
  reject(err: Error): void;
  results: FormatResult[];
  left: number;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

export class FormatPool {
  private readonly slots: Slot[] = [];
  /** Jobs not yet sent: the index into their request's results, and the request. */
  private readonly queue: Array<{ job: FormatJob; i: number; owner: Pending }> = [];
  private readonly inFlight = new Map<Slot, Array<{ i: number; owner: Pending }>>();
  private failure: Error | undefined;
  private closed = false;

  /**
   * Starts `size` workers now. `warm`: each formats a small module and README first (worker.ts),
   * for a pool started before there is work for it; one started with its work waiting skips that.
   */
  static start(size: number, warm = true): FormatPool {
    const pool = new FormatPool();
    pool.grow(size, warm);
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Adds workers up to `size` (never removes); `warm` as for `start` (work is waiting by default). */
  grow(size: number, warm = false): void {
    while (!this.closed && this.slots.length < size) this.spawn(warm);
  }

  private spawn(warm: boolean): void {
    const slot: Slot = { worker: new Worker(workerUrl, { workerData: { warm } satisfies WorkerData }), busy: false };
    // A pool left open by a failing run must not keep the process alive.
    slot.worker.unref();
    slot.worker.on('message', (msg: WorkerReply) => this.onReply(slot, msg));
    slot.worker.on('error', (err) => this.fail(err));
    slot.worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`format worker exited with code ${code}`));
    });
    this.slots.push(slot);
    this.feed(slot);
  }

  /** Formats `jobs`; results in input order. May be called again before earlier calls finish. */
  format(jobs: FormatJob[]): Promise<FormatResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('format pool is closed'));
    if (jobs.length === 0) return Promise.resolve([]);
    return new Promise<FormatResult[]>((resolve, reject) => {
      const owner: Pending = {
        resolve: () => resolve(owner.results),
        reject,
        results: new Array(jobs.length),
        left: jobs.length,
      };
      // Largest first: a big file started last would leave one worker running alone at the end.
      const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.text.length - jobs[a]!.text.length || a - b);
      for (const i of order) this.queue.push({ job: jobs[i]!, i, owner });
      for (const slot of this.slots) this.feed(slot);
    });
  }

  private feed(slot: Slot): void {
    if (slot.busy || this.queue.length === 0) return;
    // Small batches keep the workers evenly loaded; one message per file costs little next to Prettier.
    const batch = this.queue.splice(0, 2);
    slot.busy = true;
    this.inFlight.set(
      slot,
      batch.map(({ i, owner }) => ({ i, owner })),
    );
    slot.worker.postMessage({
      kind: 'jobs',
      jobs: batch.map(({ job }, k) => ({ ...job, i: k })),
    } satisfies WorkerRequest);
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    if (msg.kind === 'failed') {
      this.fail(
        msg.message.startsWith('prettier could not be loaded')
          ? new FormatterMissing(msg.message)
          : new Error(msg.message),
      );
      return;
    }
    const sent = this.inFlight.get(slot) ?? [];
    this.inFlight.delete(slot);
    slot.busy = false;
    const finished = new Set<Pending>();
    for (const { i: k, res } of msg.out) {
      const target = sent[k];
      if (!target) continue;
      target.owner.results[target.i] = res;
      target.owner.left--;
      finished.add(target.owner);
    }
    for (const owner of finished) if (owner.left === 0) owner.resolve();
    this.feed(slot);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    const owners = new Set<Pending>([
      ...this.queue.map((q) => q.owner),
      ...[...this.inFlight.values()].flat().map((x) => x.owner),
    ]);
    this.queue.length = 0;
    this.inFlight.clear();
    for (const owner of owners) owner.reject(err);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** One-shot: formats `jobs` with a pool of `workers` and closes it. */
export async function formatInWorkers(jobs: FormatJob[], workers: number): Promise<FormatResult[]> {
  const pool = FormatPool.start(workers, false);
  try {
    return await pool.format(jobs);
  } finally {
    await pool.close();
  }
}
