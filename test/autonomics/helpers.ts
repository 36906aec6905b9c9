import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resetRuntime } from '../../packages/runtime/src/index.js';
import { startAutonomics, type AppEnv, type AutonomicsHandle } from '../../generated/autonomics/index.js';

export interface Running {
  app: AutonomicsHandle;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** A fresh runtime and autonomics tree on a temporary data directory. */
export async function boot(env: Omit<AppEnv, 'dataDir'> = {}, dataDir?: string): Promise<Running> {
  resetRuntime();
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'ggen-autonomics-'));
  const app = await startAutonomics({ ...env, dataDir: dir });
  return {
    app,
    dataDir: dir,
    async cleanup() {
      await app.stop();
      resetRuntime();
      if (dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `pred` (every ms) until it holds; throws `what` after `ms`. */
export async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** The OperationError code a promise rejects with. */
export async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    throw err;
  }
  throw new Error('expected a refusal');
}
