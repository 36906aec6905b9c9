/**
 * The only time source the publisher uses, so that tests can drive retries and flush intervals
 * without sleeping. `now` is only used for stats and back-off bookkeeping, never for stored data.
 */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // Pending receipts are already on disk, so a timer must not keep the process alive by itself.
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
