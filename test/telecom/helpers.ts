import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, resetRuntime, type ChainVerdict } from '../../packages/runtime/src/index.js';
import { startTelecom, type AppEnv, type TelecomHandle } from '../../generated/telecom/index.js';

export interface Running {
  app: TelecomHandle;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** A fresh runtime and telecom tree on a temporary data directory. */
export async function boot(env: Omit<AppEnv, 'dataDir'> = {}, dataDir?: string): Promise<Running> {
  resetRuntime();
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'ggen-telecom-'));
  const app = await startTelecom({ ...env, dataDir: dir });
  return {
    app,
    dataDir: dir,
    async cleanup() {
      await app.stop();
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const OPENING: Readonly<Record<string, number>> = { 'ACC-001': 1_000_000, 'ACC-002': 250_000, 'ACC-003': 0 };

/** Opens the billing store directly (the tree must be stopped) and walks the whole audit chain. */
export async function verifyChain(dataDir: string): Promise<ChainVerdict> {
  const ledger = await Ledger.open({
    database: join(dataDir, 'telecom-billing.db'),
    currency: 'USD',
    floor: 0,
    accounts: Object.entries(OPENING).map(([id, openingBalance]) => ({ id, openingBalance })),
  });
  try {
    return await ledger.verifyChain();
  } finally {
    await ledger.close();
  }
}

/** Deterministic uniform [0, 1) source (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function until<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  what: string,
  tries = 3000,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`timed out waiting for ${what}`);
}
