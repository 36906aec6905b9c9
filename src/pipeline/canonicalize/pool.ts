/**
 * Prettier in worker threads. Formatting is one of the largest costs of a cold sync, and while
 * extract keeps the main thread busy another core can format what is already rendered. So sync
 * starts the pool at the first file its format cache cannot answer and feeds it template by
 * template. Output is identical either way: same Prettier, same options, results in input order.
 * (Warming the JIT on the previous outputs was tried: on 2 vCPUs it slowed normalize more than
 * it sped up formatting.)
 *
 * Every request is sent to every worker at once, and the workers share it out among themselves:
 * each takes the largest file no worker has taken yet, claiming it in a shared array. The main
 * thread hands out nothing: while it extracts and renders (synchronous work that turns no event
 * loop), the workers still go from file to file, and a large file rendered last (a long Markdown
 * reference) is started before the small ones queued ahead of it, not alone at the end.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FormatterMissing, type FormatFailure } from './format.js';

export type FormatResult = { ok: true; text: string } | { ok: false; error: FormatFailure };
export interface FormatJob {
  path: string;
  text: string;
}

/** Worker → main: results (a request's id and a file's index in it), or Prettier could not be loaded. */
export type WorkerReply =
  | { kind: 'done'; out: Array<{ batch: number; i: number; res: FormatResult }> }
  | { kind: 'failed'; message: string }
  /** Prettier is loaded (and, for a warm start, warmed up). */
  | { kind: 'ready' };
/** Given to each worker at its start. */
export interface WorkerData {
  warm: boolean;
  /** Int32 counter of files formatted by all workers (pool.ts `formatted`). */
  formatted: SharedArrayBuffer;
}
/**
 * Main → worker: a request's files, and its claim array (one Int32 per file: 0 free, 1 taken,
 * 2 formatted), shared by all workers.
 */
export type WorkerRequest = { kind: 'jobs'; batch: number; jobs: FormatJob[]; claims: SharedArrayBuffer };

/**
 * Work (bytes of files sent and not yet formatted) that warrants a second worker: Prettier formats
 * ~100-200 KB/s per cold worker here, and a worker's start costs ~0.3 s of CPU. Env
 * GGEN_FORMAT_SPARE_BYTES is for measuring only.
 */
const SPARE_BYTES = Number(process.env.GGEN_FORMAT_SPARE_BYTES) || 128 * 1024;

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

/** One `format` call: its files, their shared claims, and the results received so far. */
interface Batch {
  id: number;
  request: WorkerRequest;
  results: FormatResult[];
  left: number;
  resolve(results: FormatResult[]): void;
  reject(err: Error): void;
}

export class FormatPool {
  /** Workers that are sent every request. */
  private readonly workers: Worker[] = [];
  /** Spare workers, started and ready but sent nothing until `grow` asks for them. */
  private readonly standby: Worker[] = [];
  /** Requests not yet answered in full; a worker started later is sent each of them. */
  private readonly open = new Map<number, Batch>();
  private nextBatch = 0;
  private readonly counter = new SharedArrayBuffer(4);
  private failure: Error | undefined;
  private closed = false;
  /** Workers still to start once enough work is queued (`start`'s `spare`). */
  private spare = 0;
  private ready = 0;
  /** Bytes of the files sent to the workers and not yet answered. */
  private pending = 0;

  /**
   * Starts `size` workers now. `warm`: each formats a small module and README first (worker.ts),
   * for a pool started before there is work for it; one started with its work waiting skips that.
   * `spare`: up to that many more, started one at a time when every worker is ready and at least
   * SPARE_BYTES of work wait, and kept on standby (sent nothing) until `grow` asks for them. Loading
   * Prettier into a worker costs ~0.3 s of a core the main thread also needs: on a small run (a new
   * user's 150 files, 70 KB) one worker finishes sooner alone (1.9 s wall, 2.1 s CPU vs 2.2 / 2.4 s
   * with a spare), while on this repo's cold run (370 KB, a 110 KB Markdown reference rendered
   * first) the spare is ready when the main thread has rendered the rest, and joins at once.
   */
  static start(size: number, warm = true, spare = 0): FormatPool {
    const pool = new FormatPool();
    pool.spare = spare;
    pool.grow(size, warm);
    return pool;
  }

  /** Workers started, on standby or not. */
  get size(): number {
    return this.workers.length + this.standby.length;
  }

  /** Workers that take work (not on standby). */
  get active(): number {
    return this.workers.length;
  }

  /** Files formatted by the workers so far (read from shared memory: current even while this thread is busy). */
  get formatted(): number {
    return Atomics.load(new Int32Array(this.counter), 0);
  }

  /**
   * Makes `size` workers take work (never fewer): those on standby first, then new ones; `warm` as
   * for `start` (work is waiting by default).
   */
  grow(size: number, warm = false): void {
    while (!this.closed && this.workers.length < size && this.standby.length > 0) {
      const worker = this.standby.shift()!;
      this.workers.push(worker);
      for (const batch of this.open.values()) worker.postMessage(batch.request);
    }
    while (!this.closed && this.workers.length < size) this.spawn(warm);
  }

  /**
   * `grow` for the work left once everything is submitted: to `size` workers, or to as many as
   * take work already when less than SPARE_BYTES wait (a worker started now would load Prettier
   * for longer than it helps; one on standby joins, as it costs nothing more). GGEN_FORMAT_WORKERS
   * overrides.
   */
  growFor(size: number): void {
    if (process.env.GGEN_FORMAT_WORKERS === undefined && this.pending < SPARE_BYTES)
      size = Math.min(size, Math.max(1, this.workers.length + this.standby.length));
    this.grow(size);
  }

  /** Starts a spare worker on standby (`start`) when every worker is ready and enough work waits. */
  private startSpare(): void {
    if (this.spare > 0 && this.ready === this.size && this.pending >= SPARE_BYTES && !this.closed) {
      this.spare--;
      this.spawn(true, true);
    }
  }

  private spawn(warm: boolean, standby = false): void {
    const worker = new Worker(workerUrl, {
      workerData: { warm, formatted: this.counter } satisfies WorkerData,
    });
    // A pool left open by a failing run must not keep the process alive.
    worker.unref();
    worker.on('message', (msg: WorkerReply) => this.onReply(msg));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`format worker exited with code ${code}`));
    });
    if (standby) {
      this.standby.push(worker);
      return;
    }
    this.workers.push(worker);
    for (const batch of this.open.values()) worker.postMessage(batch.request);
  }

  /** Formats `jobs`; results in input order. May be called again before earlier calls finish. */
  format(jobs: FormatJob[]): Promise<FormatResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('format pool is closed'));
    if (jobs.length === 0) return Promise.resolve([]);
    return new Promise<FormatResult[]>((resolve, reject) => {
      const id = this.nextBatch++;
      const request: WorkerRequest = {
        kind: 'jobs',
        batch: id,
        jobs: jobs.map(({ path, text }) => ({ path, text })),
        claims: new SharedArrayBuffer(4 * jobs.length),
      };
      this.open.set(id, { id, request, results: new Array(jobs.length), left: jobs.length, resolve, reject });
      for (const worker of this.workers) worker.postMessage(request);
      for (const job of request.jobs) this.pending += job.text.length;
      this.startSpare();
    });
  }

  private onReply(msg: WorkerReply): void {
    if (msg.kind === 'ready') {
      this.ready++;
      this.startSpare();
      return;
    }
    if (msg.kind === 'failed') {
      this.fail(
        msg.message.startsWith('prettier could not be loaded')
          ? new FormatterMissing(msg.message)
          : new Error(msg.message),
      );
      return;
    }
    for (const { batch: id, i, res } of msg.out) {
      const batch = this.open.get(id);
      // A claim is taken once, so a file is answered once; anything else is ignored.
      if (!batch || i < 0 || i >= batch.results.length || batch.results[i] !== undefined) continue;
      batch.results[i] = res;
      this.pending -= batch.request.jobs[i]!.text.length;
      if (--batch.left === 0) {
        this.open.delete(id);
        batch.resolve(batch.results);
      }
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    const batches = [...this.open.values()];
    this.open.clear();
    this.pending = 0;
    for (const batch of batches) batch.reject(err);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers, ...this.standby].map((w) => w.terminate()));
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
