import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectionPool } from '../../packages/runtime/src/patterns/connection-pool.js';
import { RoutingError, RoutingTable } from '../../packages/runtime/src/patterns/routing-table.js';
import { tempDir } from './tmp.js';

describe('ConnectionPool.stats', () => {
  it('counts idle, lent and queued borrowers', async () => {
    const t = tempDir('stats');
    const p = new ConnectionPool({
      path: join(t.dir, 'p.db'),
      size: 2,
      acquireTimeoutMs: 1000,
      journalMode: 'wal',
      synchronous: 'full',
    });
    try {
      expect(p.stats()).toEqual({ size: 2, idle: 2, inUse: 0, waiting: 0 });
      const a = await p.acquire();
      const b = await p.acquire();
      const third = p.acquire();
      expect(p.stats()).toEqual({ size: 2, idle: 0, inUse: 2, waiting: 1 });
      p.release(a);
      const c = await third;
      expect(p.stats()).toEqual({ size: 2, idle: 0, inUse: 2, waiting: 0 });
      p.release(b);
      p.release(c);
      expect(p.stats()).toEqual({ size: 2, idle: 2, inUse: 0, waiting: 0 });
    } finally {
      p.close();
      t.cleanup();
    }
  });
});

describe('RoutingTable.lookup with a call id', () => {
  it('keys on the number, not the call id', () => {
    const table = new RoutingTable([['911', 'sips:e@x']]);
    expect(table.lookup('call-1', '911')).toBe('sips:e@x');
    expect(table.lookup('911', 'nope')).toBeUndefined();
    expect(() => table.lookup('call-1', '')).toThrow(RoutingError);
  });
});
