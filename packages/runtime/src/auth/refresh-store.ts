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
  private readonly revoke;
  private readonly isRevoked;
  private readonly purgeRevoked;
  private readonly now: () => number;
  private sincePrune = 0;

  private constructor(db: SqliteDatabase, now: () => number) {
    this.db = db;
    this.now = now;
    db.exec(
      'CREATE TABLE IF NOT EXISTS auth_consumed_refresh (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) STRICT',
    );
    this.insert = db.prepare<[string, number]>(
      'INSERT OR IGNORE INTO auth_consumed_refresh (jti, expires_at) VALUES (?, ?)',
    );
    this.purge = db.prepare<[number]>('DELETE FROM auth_consumed_refresh WHERE expires_at <= ?');
    db.exec(
      'CREATE TABLE IF NOT EXISTS auth_revoked_family (fam TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) STRICT',
    );
    this.revoke = db.prepare<[string, number]>(
      'INSERT INTO auth_revoked_family (fam, expires_at) VALUES (?, ?) ON CONFLICT (fam) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)',
    );
    this.isRevoked = db.prepare<[string, number], { one: number }>(
      'SELECT 1 AS one FROM auth_revoked_family WHERE fam = ? AND expires_at > ?',
    );
    this.purgeRevoked = db.prepare<[number]>('DELETE FROM auth_revoked_family WHERE expires_at <= ?');
  }

  static open(path: string, options: { now?: () => number } = {}): SqliteConsumedRefreshStore {
    const db = openDatabase(path, {
      journalMode: 'wal',
      synchronous: 'full',
      neededBy: 'the refresh-token store (otp:JwtAuth)',
    });
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

  /** Durable: a family revoked before a crash stays revoked after it. */
  revokeFamily(fam: string, expiresAtMs: number): void {
    this.revoke.run(fam, Math.ceil(expiresAtMs));
  }

  isFamilyRevoked(fam: string): boolean {
    return this.isRevoked.get(fam, this.now()) !== undefined;
  }

  /** Forgets ids of tokens that have expired anyway. */
  prune(): number {
    this.sincePrune = 0;
    const t = this.now();
    return this.purge.run(t).changes + this.purgeRevoked.run(t).changes;
  }

  close(): void {
    this.db.close();
  }
}
