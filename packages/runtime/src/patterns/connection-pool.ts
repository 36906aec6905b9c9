import { openDatabase, type OpenDatabaseOptions, type SqliteDatabase } from './sqlite.js';

export type PoolErrorCode = 'acquire_timeout' | 'pool_closed' | 'not_borrowed' | 'invalid_config';

export class PoolError extends Error {
  readonly code: PoolErrorCode;
  constructor(code: PoolErrorCode, message: string) {
    super(message);
    this.name = 'PoolError';
    this.code = code;
  }
}

export interface ConnectionPoolOptions extends OpenDatabaseOptions {
  path: string;
  size: number;
  /** How long acquire() waits for a free connection before failing with `acquire_timeout`. */
  acquireTimeoutMs: number;
}

interface Waiter {
  resolve: (conn: SqliteDatabase) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A fixed-size pool of better-sqlite3 connections to one database file.
 *
 * better-sqlite3 is synchronous, so a pool does not buy parallel CPU inside one thread. It still
 * matters because (1) in WAL mode each connection reads its own snapshot, so a borrower holding a
 * read transaction across awaits is isolated from writers on other connections; (2) a borrower that
 * opens a transaction and awaits must not have other code run statements on the same handle in the
 * middle of it; (3) the number of open file handles, page caches and WAL readers stays bounded by
 * `size`, and excess demand queues (with a deadline) instead of opening unbounded connections.
 */
export class ConnectionPool {
  readonly size: number;
  private readonly acquireTimeoutMs: number;
  private readonly all: SqliteDatabase[] = [];
  private readonly idle: SqliteDatabase[] = [];
  private readonly borrowed = new Set<SqliteDatabase>();
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(options: ConnectionPoolOptions) {
    if (options === null || typeof options !== 'object')
      throw new PoolError('invalid_config', 'ConnectionPool: options object required');
    const { size, acquireTimeoutMs } = options;
    if (!Number.isInteger(size) || size < 1)
      throw new PoolError('invalid_config', `ConnectionPool: size must be an integer >= 1, got ${String(size)}`);
    if (typeof acquireTimeoutMs !== 'number' || !Number.isFinite(acquireTimeoutMs) || acquireTimeoutMs < 0) {
      throw new PoolError(
        'invalid_config',
        `ConnectionPool: acquireTimeoutMs must be a finite number >= 0, got ${String(acquireTimeoutMs)}`,
      );
    }
    this.size = size;
    this.acquireTimeoutMs = acquireTimeoutMs;
    // Opened eagerly so a bad path or an ineffective pragma fails at startup, not on first use.
    try {
      for (let i = 0; i < size; i++) {
        const conn = openDatabase(options.path, options);
        this.all.push(conn);
        this.idle.push(conn);
      }
    } catch (error) {
      for (const conn of this.all) conn.close();
      throw error;
    }
  }

  get available(): number {
    return this.idle.length;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Counts for a health report: open connections, idle ones, lent ones, and borrowers queued for one. */
  stats(): { size: number; idle: number; inUse: number; waiting: number } {
    return { size: this.size, idle: this.idle.length, inUse: this.borrowed.size, waiting: this.waiters.length };
  }

  acquire(): Promise<SqliteDatabase> {
    if (this.closed) return Promise.reject(new PoolError('pool_closed', 'ConnectionPool: acquire() on a closed pool'));
    const conn = this.idle.pop();
    if (conn !== undefined) {
      this.borrowed.add(conn);
      return Promise.resolve(conn);
    }
    return new Promise<SqliteDatabase>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(
            new PoolError(
              'acquire_timeout',
              `ConnectionPool: no connection free within ${this.acquireTimeoutMs} ms (size ${this.size})`,
            ),
          );
        }, this.acquireTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  release(conn: SqliteDatabase): void {
    if (!this.borrowed.has(conn)) {
      // After close() every connection is already closed; releasing one then is harmless.
      if (this.closed && this.all.includes(conn)) return;
      throw new PoolError(
        'not_borrowed',
        'ConnectionPool: release() of a connection that is not borrowed from this pool',
      );
    }
    this.borrowed.delete(conn);
    if (conn.inTransaction) {
      // Never hand a half-finished transaction to the next borrower.
      conn.exec('ROLLBACK');
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      this.borrowed.add(conn);
      waiter.resolve(conn);
      return;
    }
    this.idle.push(conn);
  }

  async withConnection<T>(fn: (conn: SqliteDatabase) => T | Promise<T>): Promise<T> {
    const conn = await this.acquire();
    try {
      return await fn(conn);
    } finally {
      this.release(conn);
    }
  }

  /** Rejects every waiter and closes every connection, including borrowed ones (their later use throws). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new PoolError('pool_closed', 'ConnectionPool: pool closed while waiting for a connection'));
    }
    this.idle.length = 0;
    this.borrowed.clear();
    for (const conn of this.all) if (conn.open) conn.close();
  }
}
