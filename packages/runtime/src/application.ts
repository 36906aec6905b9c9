/**
 * A running application: OTP's application:start/stop for a generated app. Its entry module
 * starts the root supervisor through startApplication and hands back the handle.
 */
import { ExitError } from './exit-reason.js';
import { isProcessAlive, type Pid } from './process.js';
import { unwrapStart, type StartResult } from './gen.js';
import { Supervisor } from './supervisor.js';

/** What every generated application's env holds; its AppEnv adds what its patterns need. */
export interface AppEnvBase {
  /** Directory for durable stores (their otp:path is relative to it). Required when a server opens a store. */
  dataDir?: string;
  /** Overrides every supervisor's restart intensity (otp:intensity); for chaos runs and benchmarks. */
  intensity?: number;
  /** Overrides every supervisor's restart window (otp:periodMs). */
  periodMs?: number;
}

/** A started application. */
export interface AppHandle {
  /** The root supervisor. */
  readonly pid: Pid;
  /** Stops the tree in reverse start order, letting each child flush within its shutdown time. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the root supervisor with `startRoot`. Rejects with the start error if a child fails to start. */
export async function startApplication(startRoot: () => Promise<StartResult>): Promise<AppHandle> {
  const pid = unwrapStart(await startRoot());
  return {
    pid,
    async stop() {
      if (!isProcessAlive(pid)) return;
      try {
        await Supervisor.stop(pid, 'shutdown');
      } catch (err) {
        // Already gone (it may have given up after too many restarts): nothing left to stop.
        if (!(err instanceof ExitError) || isProcessAlive(pid)) throw err;
      }
    },
  };
}
