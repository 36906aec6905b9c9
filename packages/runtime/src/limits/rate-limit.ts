/**
 * Rate limits for network-facing mechanisms (phone-code login, the WebSocket gateway).
 *
 * TokenBucket: `capacity` events at once, refilled at `perSecond`; O(1) memory, so one per
 * connection costs two numbers. FixedWindowCounter: at most `limit` events per key per window;
 * the table is dropped when the window rolls over, so it never holds more keys than events
 * allowed in one window (bounded by the caller's global limit).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(capacity >= 1) || !Number.isFinite(capacity))
      throw new Error(`TokenBucket: capacity must be a finite number >= 1, got ${capacity}`);
    if (!(perSecond > 0) || !Number.isFinite(perSecond))
      throw new Error(`TokenBucket: perSecond must be a finite number > 0, got ${perSecond}`);
    this.tokens = capacity;
    this.last = now();
  }

  /** Takes one token; false (and nothing taken) when the bucket is empty. */
  take(): boolean {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.perSecond);
      this.last = t;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class FixedWindowCounter {
  private window = -1;
  private readonly counts = new Map<string, number>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new Error(`FixedWindowCounter: limit must be an integer >= 1, got ${limit}`);
    if (!Number.isSafeInteger(windowMs) || windowMs < 1)
      throw new Error(`FixedWindowCounter: windowMs must be an integer >= 1, got ${windowMs}`);
  }

  /** Counts one event for `key`; false (not counted) when the key has reached its limit in this window. */
  hit(key: string): boolean {
    const w = Math.floor(this.now() / this.windowMs);
    if (w !== this.window) {
      this.window = w;
      this.counts.clear();
    }
    const n = this.counts.get(key) ?? 0;
    if (n >= this.limit) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  /** Keys counted in the current window. */
  get size(): number {
    return this.counts.size;
  }
}
