/**
 * The two SQLite pieces the receipt store and publisher need, kept behind this one file so that
 * the group committer can be swapped for a shared one from runtime/patterns without touching
 * the store or the publisher.
 */
import { openDatabase, type SqliteDatabase } from '../patterns/sqlite.js';

export type { SqliteDatabase };

/** Opens (creating if needed) a database in WAL mode with synchronous=FULL: a commit is on disk when it returns. */
export function openDurableDatabase(path: string): SqliteDatabase {
  return openDatabase(path, { journalMode: 'wal', synchronous: 'full' });
}

interface Pending<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Collects writes issued in the same turn of the event loop and commits them in one
 * transaction, so N concurrent callers pay for one fsync instead of N. Each caller's promise
 * settles only after the commit that contains its write has returned.
 */
export class GroupCommitter<T, R> {
  private queue: Pending<T, R>[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly apply: (item: T) => R,
    private readonly maxBatch = 10_000,
  ) {}

  submit(item: T): Promise<R> {
    if (this.closed) return Promise.reject(new Error('group commit: closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now; returns once it is durable. */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const results: R[] = [];
      try {
        this.db.transaction(() => {
          for (const p of batch) results.push(this.apply(p.item));
        })();
      } catch {
        // One bad write must not sink the others: fall back to one transaction per item.
        for (const p of batch) {
          try {
            p.resolve(this.db.transaction(() => this.apply(p.item))());
          } catch (e) {
            p.reject(e);
          }
        }
        continue;
      }
      batch.forEach((p, i) => p.resolve(results[i] as R));
    }
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
