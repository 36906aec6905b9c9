import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running generated application, as its start function resolves it. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

export interface AppFixture<H extends Stoppable> {
  /** Makes a fresh data directory, sets the placeholder secrets, then starts the app in it. */
  start(): Promise<H>;
  /** Stops the app (if it started) and removes its data directory. */
  stop(): Promise<void>;
  /** The running app; throws before start(). */
  readonly app: H;
}

/** A value for each secret variable the spec names, only where the environment does not set one. */
export const TEST_ONLY_SECRET = 'generated-tests-only-secret-0123456789abcdef';

/**
 * A generated application started for a test file in a throwaway data directory
 * (`<tmp>/ggen-<name>-XXXXXX`), with `secretEnv` variables set to a test-only value when unset.
 */
export function appFixture<H extends Stoppable>(
  name: string,
  start: (dataDir: string) => Promise<H>,
  secretEnv: readonly string[] = [],
): AppFixture<H> {
  let dataDir: string | undefined;
  let app: H | undefined;
  return {
    async start() {
      dataDir = mkdtempSync(join(tmpdir(), `ggen-${name}-`));
      for (const v of secretEnv) process.env[v] ??= TEST_ONLY_SECRET;
      app = await start(dataDir);
      return app;
    },
    async stop() {
      try {
        await app?.stop();
      } finally {
        app = undefined;
        if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
        dataDir = undefined;
      }
    },
    get app() {
      if (app === undefined) throw new Error(`${name}: the app is not started`);
      return app;
    },
  };
}
