export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Trip when failures / requests in the window is strictly greater than this (0 < t <= 1). */
  errorThreshold: number;
  /** Length of the sliding window in ms. */
  windowMs: number;
  /** The rate is only judged once the window holds at least this many requests. */
  minRequests: number;
  /** How long the breaker stays open before letting probes through. */
  openMs: number;
  /** How many probe requests half-open admits before a verdict; default 1. */
  halfOpenProbes?: number;
  /** Number of buckets the window is divided into; default 10. More buckets = finer sliding, same O(1). */
  buckets?: number;
  /** Start disabled (allow() always true, nothing recorded); default true = enabled. */
  enabled?: boolean;
  now?: () => number;
}

export interface CircuitBreakerSnapshot {
  state: CircuitState;
  enabled: boolean;
  trips: number;
  rejected: number;
  windowRequests: number;
  windowFailures: number;
}

function requireNumber(name: string, value: unknown, ok: (n: number) => boolean, rule: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new RangeError(`CircuitBreaker: ${name} must be ${rule}, got ${String(value)}`);
  }
  return value;
}

/**
 * Error-rate circuit breaker over a bucketed sliding window.
 *
 * The window is a ring of `buckets` counters, each covering windowMs / buckets; advancing the clock
 * clears at most `buckets` slots, so every call is O(1) amortised regardless of request rate.
 * The window therefore slides in bucket-sized steps: an error leaves it between
 * windowMs - bucketMs and windowMs after it was recorded.
 */
export class CircuitBreaker {
  private readonly threshold: number;
  private readonly minRequests: number;
  private readonly openMs: number;
  private readonly halfOpenProbes: number;
  private readonly bucketCount: number;
  private readonly bucketMs: number;
  private readonly now: () => number;

  private readonly okCounts: Float64Array;
  private readonly failCounts: Float64Array;
  private currentBucket = Number.NEGATIVE_INFINITY;
  private totalOk = 0;
  private totalFail = 0;

  private current: CircuitState = 'closed';
  private openedAt = 0;
  private halfOpenedAt = 0;
  private probesIssued = 0;
  private isEnabled: boolean;
  private tripCount = 0;
  private rejectedCount = 0;

  constructor(options: CircuitBreakerOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('CircuitBreaker: options object required');
    this.threshold = requireNumber('errorThreshold', options.errorThreshold, (n) => n > 0 && n <= 1, 'in (0, 1]');
    const windowMs = requireNumber('windowMs', options.windowMs, (n) => n > 0, '> 0');
    this.minRequests = requireNumber(
      'minRequests',
      options.minRequests,
      (n) => Number.isInteger(n) && n >= 1,
      'an integer >= 1',
    );
    this.openMs = requireNumber('openMs', options.openMs, (n) => n >= 0, '>= 0');
    this.halfOpenProbes = requireNumber(
      'halfOpenProbes',
      options.halfOpenProbes ?? 1,
      (n) => Number.isInteger(n) && n >= 1,
      'an integer >= 1',
    );
    this.bucketCount = requireNumber(
      'buckets',
      options.buckets ?? 10,
      (n) => Number.isInteger(n) && n >= 1 && n <= 10_000,
      'an integer in [1, 10000]',
    );
    if (options.now !== undefined && typeof options.now !== 'function')
      throw new TypeError('CircuitBreaker: now must be a function');
    if (options.enabled !== undefined && typeof options.enabled !== 'boolean')
      throw new TypeError('CircuitBreaker: enabled must be a boolean');
    this.bucketMs = windowMs / this.bucketCount;
    this.now = options.now ?? Date.now;
    this.isEnabled = options.enabled ?? true;
    this.okCounts = new Float64Array(this.bucketCount);
    this.failCounts = new Float64Array(this.bucketCount);
  }

  get state(): CircuitState {
    if (this.current === 'open') {
      const now = this.now();
      if (now - this.openedAt >= this.openMs) {
        this.current = 'half_open';
        this.halfOpenedAt = now;
        this.probesIssued = 0;
      }
    }
    return this.current;
  }

  get enabled(): boolean {
    return this.isEnabled;
  }

  get trips(): number {
    return this.tripCount;
  }

  /** Requests refused by allow() while open or while half-open probes were all out. */
  get rejected(): number {
    return this.rejectedCount;
  }

  enable(): void {
    if (this.isEnabled) return;
    this.isEnabled = true;
    this.reset();
  }

  /** While disabled every request is allowed and outcomes are not recorded. */
  disable(): void {
    this.isEnabled = false;
    this.reset();
  }

  allow(): boolean {
    if (!this.isEnabled) return true;
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'half_open') {
      const now = this.now();
      // Probes whose outcome is never recorded (caller crashed) must not wedge the breaker half-open.
      if (this.probesIssued >= this.halfOpenProbes && now - this.halfOpenedAt >= this.openMs) {
        this.halfOpenedAt = now;
        this.probesIssued = 0;
      }
      if (this.probesIssued < this.halfOpenProbes) {
        this.probesIssued++;
        return true;
      }
    }
    this.rejectedCount++;
    return false;
  }

  recordSuccess(): void {
    if (!this.isEnabled) return;
    const state = this.state;
    if (state === 'half_open') {
      this.close();
      return;
    }
    if (state === 'closed') {
      this.okCounts[this.advance()]! += 1;
      this.totalOk++;
    }
  }

  recordFailure(): void {
    if (!this.isEnabled) return;
    const state = this.state;
    if (state === 'half_open') {
      this.trip();
      return;
    }
    if (state !== 'closed') return;
    this.failCounts[this.advance()]! += 1;
    this.totalFail++;
    const total = this.totalOk + this.totalFail;
    if (total >= this.minRequests && this.totalFail / total > this.threshold) this.trip();
  }

  snapshot(): CircuitBreakerSnapshot {
    const state = this.state;
    if (state === 'closed' && this.isEnabled) this.advance();
    return {
      state,
      enabled: this.isEnabled,
      trips: this.tripCount,
      rejected: this.rejectedCount,
      windowRequests: this.totalOk + this.totalFail,
      windowFailures: this.totalFail,
    };
  }

  /** Moves the ring to the current bucket, clearing slots that slid out; returns the slot index. */
  private advance(): number {
    const bucket = Math.floor(this.now() / this.bucketMs);
    if (bucket !== this.currentBucket) {
      if (bucket < this.currentBucket) {
        // A clock that steps backwards would otherwise resurrect expired counts; treat it as "now".
        return this.slot(this.currentBucket);
      }
      const steps = bucket - this.currentBucket;
      if (steps >= this.bucketCount) {
        this.clearWindow();
      } else {
        for (let b = this.currentBucket + 1; b <= bucket; b++) {
          const i = this.slot(b);
          this.totalOk -= this.okCounts[i]!;
          this.totalFail -= this.failCounts[i]!;
          this.okCounts[i] = 0;
          this.failCounts[i] = 0;
        }
      }
      this.currentBucket = bucket;
    }
    return this.slot(bucket);
  }

  private slot(bucket: number): number {
    return ((bucket % this.bucketCount) + this.bucketCount) % this.bucketCount;
  }

  private clearWindow(): void {
    this.okCounts.fill(0);
    this.failCounts.fill(0);
    this.totalOk = 0;
    this.totalFail = 0;
  }

  private trip(): void {
    this.current = 'open';
    this.openedAt = this.now();
    this.probesIssued = 0;
    this.tripCount++;
    this.clearWindow();
  }

  private close(): void {
    this.current = 'closed';
    this.probesIssued = 0;
    this.clearWindow();
  }

  private reset(): void {
    this.close();
    this.currentBucket = Number.NEGATIVE_INFINITY;
  }
}
