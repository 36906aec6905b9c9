/**
 * A running application: OTP's application:start/stop for a generated app. Its entry module
 * starts the root supervisor through startApplication and hands back the handle.
 */
import { ExitError } from './exit-reason.js';
import { isProcessAlive, type Pid } from './process.js';
import { unwrapStart, type StartResult } from './gen.js';
import { Supervisor } from './supervisor.js';

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
