import { openDatabase, type SqliteDatabase } from '../patterns/sqlite.js';
import type { ConsumedRefreshStore } from './jwt.js';

/**
 * Consumed refresh-token ids on SQLite (WAL, synchronous=full), so rotation still holds after a
 * restart: a refresh token exchanged before a crash cannot be exchanged again afterwards.
 */
export class SqliteConsumedRefreshStore implements ConsumedRefreshStore {
  private readonly db: SqliteDatabase;
  private readonly insert;
  private readonly purge;
  private readonly now: () => number;
  private sincePrune = 0;

  private constructor(db: SqliteDatabase, now: () => number) {
    this.db = db;
    this.now = now;
    db.exec('CREATE TABLE IF NOT EXISTS auth_consumed_refresh (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) STRICT');
    this.insert = db.prepare<[string, number]>('INSERT OR IGNORE INTO auth_consumed_refresh (jti, expires_at) VALUES (?, ?)');
    this.purge = db.prepare<[number]>('DELETE FROM auth_consumed_refresh WHERE expires_at <= ?');
  }

  static open(path: string, options: { now?: () => number } = {}): SqliteConsumedRefreshStore {
    const db = openDatabase(path, { journalMode: 'wal', synchronous: 'full' });
    try {
      return new SqliteConsumedRefreshStore(db, options.now ?? Date.now);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  consume(jti: string, expiresAtMs: number): boolean {
    const fresh = this.insert.run(jti, Math.ceil(expiresAtMs)).changes === 1;
    if (++this.sincePrune >= 1024) this.prune();
    return fresh;
  }

  /** Forgets ids of tokens that have expired anyway. */
  prune(): number {
    this.sincePrune = 0;
    return this.purge.run(this.now()).changes;
  }

  close(): void {
    this.db.close();
  }
}
