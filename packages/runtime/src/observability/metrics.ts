import { ObservabilityError } from './errors.js';
import { checkMetricName, compareStrings, normalizeLabels, type Labels } from './labels.js';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricsOptions {
  /** Histogram name → strictly increasing finite upper bounds; an implicit +Inf bucket follows. */
  histograms?: Record<string, readonly number[]>;
  /** Bounds for a histogram observed without a definition; without them such an observation is refused. */
  defaultBuckets?: readonly number[];
}

export interface BucketCount {
  /** Upper bound (inclusive); '+Inf' for the overflow bucket. */
  le: number | '+Inf';
  /** Cumulative count of observations ≤ le. */
  count: number;
}

export interface HistogramValue {
  count: number;
  sum: number;
  min: number | undefined;
  max: number | undefined;
  buckets: BucketCount[];
  /** Estimates by linear interpolation inside the bucket, clamped to the observed min/max; undefined when empty. */
  p50: number | undefined;
  p99: number | undefined;
}

export type MetricSnapshot =
  | { name: string; type: 'counter' | 'gauge'; labels: Labels; value: number }
  | ({ name: string; type: 'histogram'; labels: Labels } & HistogramValue);

interface HistogramState {
  bounds: readonly number[];
  counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

interface Series {
  labels: Labels;
  value: number | HistogramState;
}

interface Family {
  type: MetricType;
  series: Map<string, Series>;
}

/** Prometheus's default histogram bounds (seconds-scaled latencies); used when a spec declares none. */
export const DEFAULT_HISTOGRAM_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** Counters, gauges and histograms, each series keyed by name and its sorted label set. */
export class MetricsCollector {
  private readonly families = new Map<string, Family>();
  private readonly buckets = new Map<string, readonly number[]>();

  private readonly defaultBuckets: readonly number[] | undefined;

  constructor(options: MetricsOptions = {}) {
    if (options.defaultBuckets !== undefined) {
      // Validated as a histogram definition would be.
      new MetricsCollector({ histograms: { default_buckets: options.defaultBuckets } });
      this.defaultBuckets = [...options.defaultBuckets];
    }
    for (const [name, bounds] of Object.entries(options.histograms ?? {})) this.defineHistogram(name, bounds);
  }

  defineHistogram(name: string, bounds: readonly number[]): void {
    checkMetricName(name);
    if (!Array.isArray(bounds) || bounds.length === 0)
      throw new ObservabilityError(`histogram ${name}: buckets must be a non-empty array`);
    bounds.forEach((b, i) => {
      if (typeof b !== 'number' || !Number.isFinite(b))
        throw new ObservabilityError(`histogram ${name}: bucket ${i} must be a finite number`);
      if (i > 0 && b <= (bounds[i - 1] as number))
        throw new ObservabilityError(
          `histogram ${name}: buckets must be strictly increasing (${bounds[i - 1]} then ${b})`,
        );
    });
    const existing = this.buckets.get(name);
    if (existing && JSON.stringify(existing) !== JSON.stringify(bounds))
      throw new ObservabilityError(`histogram ${name}: already defined with buckets ${JSON.stringify(existing)}`);
    this.family(name, 'histogram');
    this.buckets.set(name, [...bounds]);
  }

  inc(name: string, labels?: Labels, by = 1): void {
    if (typeof by !== 'number' || !Number.isFinite(by) || by < 0)
      throw new ObservabilityError(`counter ${name}: increment must be a finite number ≥ 0, got ${String(by)}`);
    const s = this.series(name, 'counter', labels, () => 0);
    s.value = (s.value as number) + by;
  }

  set(name: string, value: number, labels?: Labels): void {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new ObservabilityError(`gauge ${name}: value must be a finite number, got ${String(value)}`);
    this.series(name, 'gauge', labels, () => 0).value = value;
  }

  observe(name: string, value: number, labels?: Labels): void {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new ObservabilityError(`histogram ${name}: observation must be a finite number, got ${String(value)}`);
    let bounds = this.buckets.get(name);
    if (!bounds && this.defaultBuckets !== undefined && !this.families.has(name)) {
      this.defineHistogram(name, this.defaultBuckets);
      bounds = this.defaultBuckets;
    }
    if (!bounds)
      throw new ObservabilityError(
        `histogram ${checkMetricName(name)}: no buckets configured; define it in the spec's histograms`,
      );
    const h = this.series(name, 'histogram', labels, () => ({
      bounds,
      counts: new Array<number>(bounds.length + 1).fill(0),
      count: 0,
      sum: 0,
      min: Infinity,
      max: -Infinity,
    })).value as HistogramState;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    h.counts[i] = (h.counts[i] as number) + 1;
    h.count++;
    h.sum += value;
    if (value < h.min) h.min = value;
    if (value > h.max) h.max = value;
  }

  /** Current value of a counter or gauge series; undefined if never written. */
  value(name: string, labels?: Labels): number | undefined {
    const s = this.lookup(name, labels);
    return s === undefined || typeof s.value !== 'number' ? undefined : s.value;
  }

  histogram(name: string, labels?: Labels): HistogramValue | undefined {
    const s = this.lookup(name, labels);
    return s === undefined || typeof s.value === 'number' ? undefined : histogramValue(s.value);
  }

  /** Every series, ordered by name then label key, so two equal registries snapshot identically. */
  snapshot(): MetricSnapshot[] {
    const out: MetricSnapshot[] = [];
    for (const name of [...this.families.keys()].sort(compareStrings)) {
      const f = this.families.get(name) as Family;
      for (const key of [...f.series.keys()].sort(compareStrings)) {
        const s = f.series.get(key) as Series;
        if (f.type === 'histogram')
          out.push({ name, type: 'histogram', labels: s.labels, ...histogramValue(s.value as HistogramState) });
        else out.push({ name, type: f.type, labels: s.labels, value: s.value as number });
      }
    }
    return out;
  }

  private lookup(name: string, labels: Labels | undefined): Series | undefined {
    const f = this.families.get(checkMetricName(name));
    return f?.series.get(normalizeLabels(labels, name).key);
  }

  private family(name: string, type: MetricType): Family {
    checkMetricName(name);
    let f = this.families.get(name);
    if (!f) {
      f = { type, series: new Map() };
      this.families.set(name, f);
    } else if (f.type !== type) {
      throw new ObservabilityError(`metric ${name} is a ${f.type}, not a ${type}`);
    }
    return f;
  }

  private series(name: string, type: MetricType, labels: Labels | undefined, init: () => Series['value']): Series {
    const f = this.family(name, type);
    const { labels: norm, key } = normalizeLabels(labels, name);
    let s = f.series.get(key);
    if (!s) {
      s = { labels: norm, value: init() };
      f.series.set(key, s);
    }
    return s;
  }
}

function histogramValue(h: HistogramState): HistogramValue {
  let cum = 0;
  const buckets: BucketCount[] = h.counts.map((c, i) => {
    cum += c;
    return { le: i < h.bounds.length ? (h.bounds[i] as number) : '+Inf', count: cum };
  });
  const empty = h.count === 0;
  return {
    count: h.count,
    sum: h.sum,
    min: empty ? undefined : h.min,
    max: empty ? undefined : h.max,
    buckets,
    p50: quantile(h, 0.5),
    p99: quantile(h, 0.99),
  };
}

/** Prometheus-style histogram_quantile, then clamped to what was actually observed. */
function quantile(h: HistogramState, q: number): number | undefined {
  if (h.count === 0) return undefined;
  const rank = q * h.count;
  let cum = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i] as number;
    if (cum + c >= rank && c > 0) {
      if (i === h.bounds.length) return h.max;
      const upper = h.bounds[i] as number;
      const lower = i === 0 ? Math.min(h.min, upper) : (h.bounds[i - 1] as number);
      const est = lower + ((upper - lower) * (rank - cum)) / c;
      return Math.min(h.max, Math.max(h.min, est));
    }
    cum += c;
  }
  return h.max;
}
