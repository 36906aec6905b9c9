import type { SqliteDatabase } from './sqlite.js';

export type GroupCommitErrorCode = 'closed' | 'commit_failed' | 'async_work' | 'not_durable' | 'invalid_config';

export class GroupCommitError extends Error {
  readonly code: GroupCommitErrorCode;
  constructor(code: GroupCommitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GroupCommitError';
    this.code = code;
  }
}

export interface GroupCommitOptions {
  /** Most requests folded into one transaction; default 512. */
  maxBatch?: number;
  /** Allow a connection with synchronous < full (COMMIT then does not fsync). Default false. */
  allowNonDurable?: boolean;
}

interface Request {
  work: (db: SqliteDatabase) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Folds write requests submitted in the same event-loop turn into one SQLite transaction, so one
 * COMMIT (one WAL fsync under synchronous=full) covers many requests. Each request runs inside its
 * own SAVEPOINT: a request that throws is rolled back alone and its batch-mates still commit.
 * Every promise settles only after COMMIT has returned, so an acknowledged write is durable.
 *
 * Work functions must be synchronous (better-sqlite3 is) and must not BEGIN, COMMIT or ROLLBACK
 * themselves (nested db.transaction() is fine: it becomes a savepoint). Requests run in submission
 * order, so a later request in a batch sees the effects of earlier ones.
 */
export class GroupCommit {
  private readonly db: SqliteDatabase;
  private readonly maxBatch: number;
  private queue: Request[] = [];
  private scheduled = false;
  private closed = false;
  private drained: Array<() => void> = [];
  private batchCount = 0;
  private committedCount = 0;
  private readonly stmts: Record<
    'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo',
    { run: () => unknown }
  >;

  constructor(db: SqliteDatabase, options: GroupCommitOptions = {}) {
    const maxBatch = options.maxBatch ?? 512;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new GroupCommitError(
        'invalid_config',
        `GroupCommit: maxBatch must be an integer >= 1, got ${String(maxBatch)}`,
      );
    }
    const level = Number(db.pragma('synchronous', { simple: true }));
    if (level < 2 && options.allowNonDurable !== true) {
      throw new GroupCommitError(
        'not_durable',
        `GroupCommit: connection has synchronous=${level}; need full (2) or extra (3) for durable commits, or pass allowNonDurable`,
      );
    }
    this.db = db;
    this.maxBatch = maxBatch;
    this.stmts = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT group_commit_request'),
      release: db.prepare('RELEASE group_commit_request'),
      rollbackTo: db.prepare('ROLLBACK TO group_commit_request'),
    };
  }

  /** Requests waiting for the next batch. */
  get pending(): number {
    return this.queue.length;
  }

  /** Transactions committed so far (each covers up to maxBatch requests). */
  get batches(): number {
    return this.batchCount;
  }

  /** Requests whose work committed successfully. */
  get committed(): number {
    return this.committedCount;
  }

  submit<T>(work: (db: SqliteDatabase) => T): Promise<T> {
    if (typeof work !== 'function') return Promise.reject(new TypeError('GroupCommit: work must be a function'));
    if (this.closed) return Promise.reject(new GroupCommitError('closed', 'GroupCommit: submit() after close()'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Refuses new work, commits what is queued, and resolves once the queue is empty. */
  close(): Promise<void> {
    this.closed = true;
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: it lets every caller that is runnable in this turn enqueue first.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch);
    const outcomes = this.runBatch(batch);
    for (let i = 0; i < batch.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome.ok) batch[i]!.resolve(outcome.value);
      else batch[i]!.reject(outcome.error);
    }
    if (this.queue.length > 0) this.schedule();
    else for (const done of this.drained.splice(0)) done();
  }

  private runBatch(batch: Request[]): Outcome[] {
    const { begin, commit, rollback, savepoint, release, rollbackTo } = this.stmts;
    try {
      begin.run();
    } catch (error) {
      const failure = new GroupCommitError('commit_failed', `GroupCommit: BEGIN failed: ${(error as Error).message}`, {
        cause: error,
      });
      return batch.map(() => ({ ok: false, error: failure }));
    }
    const outcomes: Outcome[] = [];
    let committedHere = 0;
    try {
      for (const request of batch) {
        savepoint.run();
        try {
          const value = request.work(this.db);
          if (value !== null && typeof (value as { then?: unknown })?.then === 'function') {
            throw new GroupCommitError(
              'async_work',
              'GroupCommit: work returned a promise; it must be synchronous so it finishes inside the transaction',
            );
          }
          release.run();
          outcomes.push({ ok: true, value });
          committedHere++;
        } catch (error) {
          rollbackTo.run();
          release.run();
          outcomes.push({ ok: false, error });
        }
      }
      commit.run();
    } catch (error) {
      // SAVEPOINT bookkeeping or COMMIT itself failed: nothing in this batch is durable.
      if (this.db.inTransaction) {
        try {
          rollback.run();
        } catch {
          // The connection already rolled back (e.g. SQLITE_FULL); the original error is the one to report.
        }
      }
      const failure = new GroupCommitError(
        'commit_failed',
        `GroupCommit: batch of ${batch.length} rolled back: ${(error as Error).message}`,
        { cause: error },
      );
      return batch.map(() => ({ ok: false, error: failure }));
    }
    this.batchCount++;
    this.committedCount += committedHere;
    return outcomes;
  }
}
