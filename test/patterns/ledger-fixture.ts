import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Ledger, type LedgerConfig } from '../../packages/runtime/src/patterns/ledger.js';
import { tempDir } from './tmp.js';

/** The two accounts the ledger suites open with. */
export const ACCOUNTS = [
  { id: 'ACC-001', openingBalance: 10_000 },
  { id: 'ACC-002', openingBalance: 500 },
];

export interface LedgerFixture {
  /** A database path in a fresh temp dir. */
  freshPath(): string;
  /** A USD ledger over ACCOUNTS with floor 0 and a clock that ticks 1 ms a call; `defaults`, then `overrides`, win. */
  open(path?: string, overrides?: Partial<LedgerConfig>): Promise<Ledger>;
  /** Runs `release` after the test (newest first, like everything the fixture opened). */
  defer(release: () => unknown): void;
}

/** The ledger suites' shared setup: everything opened in a test is closed and removed after it. */
export function ledgerFixture(prefix: string, defaults: Partial<LedgerConfig> = {}): LedgerFixture {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const defer = (release: () => unknown): void => {
    cleanups.push(release);
  };
  const freshPath = (): string => {
    const t = tempDir(prefix);
    defer(t.cleanup);
    return join(t.dir, 'ledger.db');
  };
  const open = async (path = freshPath(), overrides: Partial<LedgerConfig> = {}): Promise<Ledger> => {
    let t = 1_700_000_000_000;
    const ledger = await Ledger.open({
      database: path,
      currency: 'USD',
      accounts: ACCOUNTS,
      floor: 0,
      now: () => t++,
      ...defaults,
      ...overrides,
    });
    defer(() => ledger.close());
    return ledger;
  };
  return { freshPath, open, defer };
}
