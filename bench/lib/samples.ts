/**
 * Latency samples for the benchmarks: a growable Float64Array (no per-sample allocation on the
 * measured path) and nearest-rank percentiles, so every bench reports p50/p95/p99 the same way.
 */
export class Samples {
  private data: Float64Array;
  private n = 0;

  constructor(initialCapacity = 1 << 16) {
    this.data = new Float64Array(initialCapacity);
  }

  get count(): number {
    return this.n;
  }

  add(us: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = us;
  }

  /** Nearest-rank percentile in µs, rounded to 0.01; NaN with no samples. */
  percentile(p: number): number {
    const sorted = this.data.subarray(0, this.n).sort();
    if (sorted.length === 0) return NaN;
    return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
  }

  summary(): { p50_us: number; p95_us: number; p99_us: number; samples: number } {
    return { p50_us: this.percentile(50), p95_us: this.percentile(95), p99_us: this.percentile(99), samples: this.n };
  }
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
