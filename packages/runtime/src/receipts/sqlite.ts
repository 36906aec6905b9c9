import { openDatabase, type SqliteDatabase } from '../patterns/sqlite.js';

export type { SqliteDatabase };

/** Opens (creating if needed) a database in WAL mode with synchronous=FULL: a commit is on disk when it returns. */
export function openDurableDatabase(path: string, neededBy = 'a receipt database (otp:ReceiptLedger)'): SqliteDatabase {
  return openDatabase(path, { journalMode: 'wal', synchronous: 'full', neededBy });
}
