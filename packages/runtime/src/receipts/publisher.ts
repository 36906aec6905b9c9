import { backoffDelay, DEFAULT_BACKOFF, validateBackoff, type BackoffOptions } from './backoff.js';
import { ReceiptError } from './errors.js';
import { GroupCommit } from '../patterns/group-commit.js';
import type { SqliteStatement } from '../patterns/sqlite-types.js';
import { openDurableDatabase, type SqliteDatabase } from './sqlite.js';
import { realTimers, type Timers } from './timers.js';
import type { Receipt } from './types.js';

/** Where published receipts go (Pub/Sub, HTTP, a file...). A rejected promise means nothing in the batch was accepted. */
export interface Sink {
  deliver(batch: readonly Receipt[]): Promise<void>;
}

export interface PublisherOptions {
  /** Outbox database file; ignored when `db` is given. */
  path?: string;
  /** An open durable database to keep the outbox in (not closed by the publisher). */
  db?: SqliteDatabase;
  sink: Sink;
  /** Deliver as soon as this many receipts are pending. */
  batchSize: number;
  /** Deliver whatever is pending at least this often. */
  intervalMs: number;
  backoff?: BackoffOptions;
  /** A delivery not settled within this long counts as failed and is retried; default 30,000. */
  deliveryTimeoutMs?: number;
  /** Source of jitter in [0, 1); injectable for deterministic tests. */
  random?: () => number;
  timers?: Timers;
  /** Told about each failed delivery; the publisher keeps retrying regardless. */
  onDeliveryError?: (error: unknown, attempt: number, retryInMs: number) => void;
}

export interface PublisherStats {
  pending: number;
  delivered: number;
  batchesDelivered: number;
  failedAttempts: number;
  /** Consecutive failures of the batch at the head of the outbox. */
  currentAttempt: number;
  retrying: boolean;
}

interface OutboxRow {
  seq: number;
  body: string;
}

/**
 * Batches receipts to a sink through a durable outbox.
 *
 * A receipt is on disk before `publish` resolves and leaves the outbox only after the sink has
 * accepted the batch holding it, so a crash or a long sink outage loses nothing (delivery is
 * at-least-once: a crash between the sink's acceptance and the outbox delete redelivers that
 * batch, so sinks should be idempotent by executionId).
 * Exactly one batch is in flight at a time and a failed batch is retried before anything behind
 * it, which keeps the outbox's FIFO order, and therefore each tenant's order, at the sink.
 */
export class ReceiptPublisher {
  private readonly db: SqliteDatabase;
  private readonly ownsDb: boolean;
  private readonly sink: Sink;
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly deliveryTimeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly timers: Timers;
  private readonly onDeliveryError: PublisherOptions['onDeliveryError'];
  private readonly commit: GroupCommit;
  private readonly stmts: Record<'enqueue' | 'head' | 'remove' | 'count', SqliteStatement>;

  private running = false;
  private inFlight: Promise<void> | null = null;
  private retryTimer: unknown = null;
  private intervalTimer: unknown = null;
  private attempt = 0;
  private delivered = 0;
  private batchesDelivered = 0;
  private failedAttempts = 0;

  constructor(options: PublisherOptions) {
    if (!options || typeof options !== 'object') throw new ReceiptError('publisher: options required');
    const { batchSize, intervalMs } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new ReceiptError(`publisher: batchSize must be an integer >= 1, got ${String(batchSize)}`);
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new ReceiptError(`publisher: intervalMs must be > 0, got ${String(intervalMs)}`);
    if (!options.sink || typeof options.sink.deliver !== 'function') throw new ReceiptError('publisher: sink must have a deliver(batch) method');
    if (!options.db && !options.path) throw new ReceiptError('publisher: either path or db is required');
    const deliveryTimeoutMs = options.deliveryTimeoutMs ?? 30_000;
    if (!Number.isFinite(deliveryTimeoutMs) || deliveryTimeoutMs <= 0) throw new ReceiptError(`publisher: deliveryTimeoutMs must be > 0, got ${String(deliveryTimeoutMs)}`);
    this.deliveryTimeoutMs = deliveryTimeoutMs;
    this.batchSize = batchSize;
    this.intervalMs = intervalMs;
    this.backoff = validateBackoff(options.backoff ?? DEFAULT_BACKOFF);
    this.random = options.random ?? Math.random;
    this.timers = options.timers ?? realTimers;
    this.sink = options.sink;
    this.onDeliveryError = options.onDeliveryError;
    this.ownsDb = !options.db;
    this.db = options.db ?? openDurableDatabase(options.path as string, 'the receipt publisher outbox (otp:ReceiptLedger)');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS receipt_outbox (
        seq INTEGER PRIMARY KEY,
        execution_id TEXT NOT NULL UNIQUE,
        tenant TEXT NOT NULL,
        body TEXT NOT NULL
      );
    `);
    this.stmts = {
      enqueue: this.db.prepare('INSERT INTO receipt_outbox (execution_id, tenant, body) VALUES (?, ?, ?) ON CONFLICT (execution_id) DO NOTHING'),
      head: this.db.prepare('SELECT seq, body FROM receipt_outbox ORDER BY seq LIMIT ?'),
      remove: this.db.prepare('DELETE FROM receipt_outbox WHERE seq <= ?'),
      count: this.db.prepare('SELECT count(*) AS n FROM receipt_outbox'),
    };
    this.commit = new GroupCommit(this.db, { maxBatch: 4096 });
  }

  /** Starts the flush interval and delivers anything a previous run left in the outbox. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.armInterval();
    if (this.pendingCount() > 0) this.kick(true);
  }

  /**
   * Queues a receipt; resolves once it is durably in the outbox. `queued` is false when a
   * receipt with the same executionId is already waiting.
   */
  async publish(receipt: Receipt): Promise<{ queued: boolean }> {
    if (!receipt || typeof receipt.executionId !== 'string' || receipt.executionId.length === 0 || typeof receipt.tenant !== 'string') {
      throw new ReceiptError('publisher: receipt must have a non-empty executionId and a tenant');
    }
    const body = JSON.stringify(receipt);
    const queued = await this.commit.submit(() => this.stmts.enqueue.run(receipt.executionId, receipt.tenant, body).changes === 1);
    if (this.running && this.pendingCount() >= this.batchSize) this.kick(false);
    return { queued };
  }

  pendingCount(): number {
    return (this.stmts.count.get() as { n: number }).n;
  }

  stats(): PublisherStats {
    return {
      pending: this.pendingCount(),
      delivered: this.delivered,
      batchesDelivered: this.batchesDelivered,
      failedAttempts: this.failedAttempts,
      currentAttempt: this.attempt,
      retrying: this.retryTimer !== null,
    };
  }

  /** Stops timers and waits for an in-flight delivery; undelivered receipts stay in the outbox. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.intervalTimer !== null) this.timers.clearTimeout(this.intervalTimer);
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.intervalTimer = null;
    this.retryTimer = null;
    if (this.inFlight) await this.inFlight;
    await this.commit.close();
    if (this.ownsDb) this.db.close();
  }

  private armInterval(): void {
    this.intervalTimer = this.timers.setTimeout(() => {
      this.intervalTimer = null;
      if (!this.running) return;
      this.armInterval();
      this.kick(true);
    }, this.intervalMs);
  }

  /** Starts a delivery run unless one is already going or a retry is scheduled (the retry owns the head batch). */
  private kick(partial: boolean): void {
    if (!this.running || this.inFlight || this.retryTimer !== null) return;
    this.inFlight = this.run(partial).finally(() => {
      this.inFlight = null;
    });
  }

  /** A sink that never answers must not stall the outbox forever; if it answers late, the batch is simply delivered twice. */
  private deliverWithTimeout(batch: readonly Receipt[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => reject(new ReceiptError(`publisher: sink did not answer within ${this.deliveryTimeoutMs} ms`)), this.deliveryTimeoutMs);
      let delivery: Promise<void>;
      try {
        delivery = Promise.resolve(this.sink.deliver(batch));
      } catch (err) {
        delivery = Promise.reject(err);
      }
      delivery.then(
        () => {
          this.timers.clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          this.timers.clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /** Delivers head batches until the outbox is empty (or, for a size trigger, below one batch) or the sink fails. */
  private async run(partial: boolean): Promise<void> {
    while (this.running) {
      const rows = this.stmts.head.all(this.batchSize) as OutboxRow[];
      if (rows.length === 0 || (!partial && rows.length < this.batchSize)) return;
      const batch = rows.map((r) => JSON.parse(r.body) as Receipt);
      try {
        await this.deliverWithTimeout(batch);
      } catch (err) {
        this.attempt++;
        this.failedAttempts++;
        const delay = backoffDelay(this.attempt, this.backoff, this.random);
        this.onDeliveryError?.(err, this.attempt, delay);
        if (!this.running) return;
        this.retryTimer = this.timers.setTimeout(() => {
          this.retryTimer = null;
          this.kick(true);
        }, delay);
        return;
      }
      this.stmts.remove.run((rows[rows.length - 1] as OutboxRow).seq);
      this.attempt = 0;
      this.delivered += rows.length;
      this.batchesDelivered++;
    }
  }
}
