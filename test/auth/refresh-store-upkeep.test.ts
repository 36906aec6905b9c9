// SqliteConsumedRefreshStore upkeep: the automatic prune every 1024 consumed ids, close, and an
// incompatible existing table refused at open instead of a half-made store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteConsumedRefreshStore } from '../../packages/runtime/src/auth/index.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});
const dbPath = (): string => {
  dir = mkdtempSync(join(tmpdir(), 'ggen-refresh-upkeep-'));
  return join(dir, 'auth.db');
};

describe('SqliteConsumedRefreshStore upkeep', () => {
  it('prunes expired ids by itself on every 1024th consume, not before', () => {
    const clock = { t: 10_000 };
    const s = SqliteConsumedRefreshStore.open(dbPath(), { now: () => clock.t });
    try {
      expect(s.consume('x0', 1)).toBe(true);
      expect(s.consume('x0', 1)).toBe(false); // the 2nd consume: not pruned yet
      for (let i = 1; i < 1021; i++) s.consume(`x${i}`, 1); // 1022 consumed so far
      expect(s.consume('x1', 1)).toBe(false); // the 1023rd: still remembered
      expect(s.consume('live', 20_000)).toBe(true); // the 1024th prunes the expired ids
      expect(s.consume('x0', 1)).toBe(true);
      expect(s.consume('live', 20_000)).toBe(false);
      expect(s.prune()).toBe(1); // only the x0 just consumed again
    } finally {
      s.close();
    }
  });

  it('close releases the database: the store is unusable afterwards', () => {
    const s = SqliteConsumedRefreshStore.open(dbPath());
    s.close();
    expect(() => s.consume('a', Date.now() + 1000)).toThrow(/not open/);
  });

  it('refuses an existing table of another shape when opening, and closes the database', () => {
    const path = dbPath();
    const raw = new Database(path);
    raw.exec('CREATE TABLE auth_consumed_refresh (jti TEXT PRIMARY KEY)');
    raw.close();
    expect(() => SqliteConsumedRefreshStore.open(path)).toThrow(/expires_at/);
  });
});
