import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DurabilityConfigError,
  durabilitySettings,
  openDatabase,
  type OpenDatabaseOptions,
} from '../../packages/runtime/src/patterns/sqlite.js';
import { tempDir } from './tmp.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function dbPath(): string {
  const t = tempDir('sqlite');
  cleanups.push(t.cleanup);
  return join(t.dir, 'test.db');
}

describe('openDatabase', () => {
  it('applies WAL + synchronous=full and reads them back', () => {
    const db = openDatabase(dbPath(), { journalMode: 'wal', synchronous: 'full' });
    expect(durabilitySettings(db)).toEqual({ journalMode: 'wal', synchronous: 'full' });
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
  });

  it('sets wal_autocheckpoint when asked and leaves the default otherwise', () => {
    const tuned = openDatabase(dbPath(), { journalMode: 'wal', synchronous: 'full', walAutocheckpointPages: 10_000 });
    expect(tuned.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    tuned.close();
    const plain = openDatabase(dbPath(), { journalMode: 'wal', synchronous: 'full' });
    expect(plain.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    plain.close();
  });

  it('applies other modes too', () => {
    const db = openDatabase(dbPath(), { journalMode: 'delete', synchronous: 'extra', busyTimeoutMs: 10 });
    expect(durabilitySettings(db)).toEqual({ journalMode: 'delete', synchronous: 'extra' });
    db.close();
  });

  it('fails loudly when SQLite silently refuses WAL (in-memory database)', () => {
    expect(() => openDatabase(':memory:', { journalMode: 'wal', synchronous: 'full' })).toThrow(
      /journal_mode = wal did not take effect \(SQLite reports memory\)/,
    );
  });

  it('fails when a read-only connection finds a different journal mode', () => {
    const path = dbPath();
    const rw = openDatabase(path, { journalMode: 'delete', synchronous: 'full' });
    rw.exec('CREATE TABLE t (x)');
    rw.close();
    expect(() => openDatabase(path, { journalMode: 'wal', synchronous: 'full', readonly: true })).toThrow(
      /journal_mode is delete, expected wal/,
    );
    const ro = openDatabase(path, { journalMode: 'delete', synchronous: 'full', readonly: true });
    expect(() => ro.exec('INSERT INTO t VALUES (1)')).toThrow(/readonly/);
    ro.close();
  });

  it.each<[Partial<OpenDatabaseOptions>, RegExp]>([
    [{ journalMode: 'wall' as 'wal' }, /journalMode must be one of/],
    [{ synchronous: 'FULL' as 'full' }, /synchronous must be one of/],
    [{ synchronous: 'toString' as 'full' }, /synchronous must be one of/],
    [{ busyTimeoutMs: -1 }, /busyTimeoutMs/],
    [{ walAutocheckpointPages: -1 }, /walAutocheckpointPages/],
    [{ walAutocheckpointPages: 1.5 }, /walAutocheckpointPages/],
  ])('rejects bad options %o', (bad, message) => {
    expect(() => openDatabase(dbPath(), { journalMode: 'wal', synchronous: 'full', ...bad })).toThrow(message);
  });

  it('rejects an empty path', () => {
    expect(() => openDatabase('', { journalMode: 'wal', synchronous: 'full' })).toThrow(DurabilityConfigError);
  });
});
