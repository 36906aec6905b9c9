import type BetterSqlite3 from 'better-sqlite3';
import { requireOptional } from '../optional-package.js';
import type { SqliteDatabase } from './sqlite-types.js';

export type {
  SqliteDatabase,
  SqlitePragmaOptions,
  SqliteRunResult,
  SqliteStatement,
  SqliteTransaction,
} from './sqlite-types.js';
export type JournalMode = 'wal' | 'delete' | 'truncate' | 'persist' | 'memory' | 'off';
export type SynchronousMode = 'off' | 'normal' | 'full' | 'extra';

export interface OpenDatabaseOptions {
  journalMode: JournalMode;
  synchronous: SynchronousMode;
  /** How long a statement waits on another connection's lock before SQLITE_BUSY; default 5000. */
  busyTimeoutMs?: number;
  /**
   * WAL pages after which a commit also checkpoints (SQLite default 1000; 0 = never automatically).
   * Write-heavy stores gain from a larger value: hot pages rewritten by every batch are copied into
   * the database file (and fsync'd) once per checkpoint instead of every few batches, at the cost of
   * a larger WAL file and a longer WAL scan when the database is next opened.
   */
  walAutocheckpointPages?: number;
  readonly?: boolean;
  /**
   * What this connection serves, e.g. `otp:Ledger "ledger"`: named in the error when better-sqlite3
   * (an optional peer dependency, loaded on the first open) is not installed.
   */
  neededBy?: string;
}

const JOURNAL_MODES: readonly JournalMode[] = ['wal', 'delete', 'truncate', 'persist', 'memory', 'off'];
const SYNCHRONOUS_LEVELS: Readonly<Record<SynchronousMode, number>> = { off: 0, normal: 1, full: 2, extra: 3 };

export class DurabilityConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurabilityConfigError';
  }
}

/**
 * Opens a better-sqlite3 database and applies durability pragmas, then reads them back:
 * SQLite silently ignores some requests (e.g. WAL on ':memory:' or on a read-only file), and a
 * server that believes it is durable when it is not must not start.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions): SqliteDatabase {
  if (typeof path !== 'string' || path.length === 0)
    throw new DurabilityConfigError('openDatabase: path must be a non-empty string');
  if (options === null || typeof options !== 'object')
    throw new DurabilityConfigError('openDatabase: options object required');
  const { journalMode, synchronous } = options;
  if (!JOURNAL_MODES.includes(journalMode)) {
    throw new DurabilityConfigError(
      `openDatabase: journalMode must be one of ${JOURNAL_MODES.join(', ')}, got ${String(journalMode)}`,
    );
  }
  if (!Object.hasOwn(SYNCHRONOUS_LEVELS, synchronous)) {
    throw new DurabilityConfigError(
      `openDatabase: synchronous must be one of ${Object.keys(SYNCHRONOUS_LEVELS).join(', ')}, got ${String(synchronous)}`,
    );
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new DurabilityConfigError(
      `openDatabase: busyTimeoutMs must be an integer >= 0, got ${String(busyTimeoutMs)}`,
    );
  }

  const autocheckpoint = options.walAutocheckpointPages;
  if (autocheckpoint !== undefined && (!Number.isInteger(autocheckpoint) || autocheckpoint < 0)) {
    throw new DurabilityConfigError(
      `openDatabase: walAutocheckpointPages must be an integer >= 0, got ${String(autocheckpoint)}`,
    );
  }

  const Database = requireOptional<typeof BetterSqlite3>(
    'better-sqlite3',
    `openDatabase(${path})${options.neededBy ? ` for ${options.neededBy}` : ''}`,
  );
  // Assignment, not a cast: the build fails if better-sqlite3's Database stops matching the runtime's type.
  const db: SqliteDatabase = new Database(path, { readonly: options.readonly ?? false, timeout: busyTimeoutMs });
  try {
    if (options.readonly) {
      // A read-only connection cannot change the journal mode; it must find the one it was asked for.
      const actual = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
      if (actual !== journalMode)
        throw new DurabilityConfigError(`openDatabase(${path}): journal_mode is ${actual}, expected ${journalMode}`);
    } else {
      const actual = String(db.pragma(`journal_mode = ${journalMode}`, { simple: true })).toLowerCase();
      if (actual !== journalMode) {
        throw new DurabilityConfigError(
          `openDatabase(${path}): journal_mode = ${journalMode} did not take effect (SQLite reports ${actual})`,
        );
      }
    }
    db.pragma(`synchronous = ${synchronous}`);
    const level = Number(db.pragma('synchronous', { simple: true }));
    if (level !== SYNCHRONOUS_LEVELS[synchronous]) {
      throw new DurabilityConfigError(
        `openDatabase(${path}): synchronous = ${synchronous} did not take effect (SQLite reports ${level})`,
      );
    }
    const timeout = Number(db.pragma('busy_timeout', { simple: true }));
    if (timeout !== busyTimeoutMs) {
      throw new DurabilityConfigError(
        `openDatabase(${path}): busy_timeout = ${busyTimeoutMs} did not take effect (SQLite reports ${timeout})`,
      );
    }
    if (autocheckpoint !== undefined) {
      db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
      const actualPages = Number(db.pragma('wal_autocheckpoint', { simple: true }));
      if (actualPages !== autocheckpoint) {
        throw new DurabilityConfigError(
          `openDatabase(${path}): wal_autocheckpoint = ${autocheckpoint} did not take effect (SQLite reports ${actualPages})`,
        );
      }
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Reads back the durability pragmas of an open connection, e.g. for a health report. */
export function durabilitySettings(db: SqliteDatabase): { journalMode: string; synchronous: SynchronousMode } {
  const journalMode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  const level = Number(db.pragma('synchronous', { simple: true }));
  const synchronous = (Object.keys(SYNCHRONOUS_LEVELS) as SynchronousMode[]).find(
    (k) => SYNCHRONOUS_LEVELS[k] === level,
  );
  if (synchronous === undefined)
    throw new DurabilityConfigError(`durabilitySettings: unknown synchronous level ${level}`);
  return { journalMode, synchronous };
}
