import { exited, type Pid, type StartResult, isStartOk } from '../../packages/runtime/src/index.js';

export function ok(r: StartResult): Pid {
  if (!isStartOk(r)) throw new Error(`expected {ok: pid}, got ${String(r === 'ignore' ? r : JSON.stringify(r))}`);
  return r.ok;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lets queued microtasks and one macrotask turn run. */
export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function waitFor(pred: () => boolean, what = 'condition', limitMs = 2000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

export { exited };
