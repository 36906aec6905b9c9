import { ObservabilityError } from './errors.js';
import { checkMetricName, compareStrings, normalizeLabels, type Labels } from './labels.js';

export type ThresholdOp = 'gt' | 'gte' | 'lt' | 'lte';
export type Severity = 'critical' | 'warning' | 'info';

export interface AlertPolicy {
  name: string;
  metric: string;
  op: ThresholdOp;
  threshold: number;
  severity: Severity;
  /** Only samples carrying all these labels are evaluated against this policy. */
  match?: Labels;
}

export interface Sample {
  metric: string;
  value: number;
  labels?: Labels;
}

export interface Alert {
  policy: string;
  metric: string;
  labels: Labels;
  severity: Severity;
  op: ThresholdOp;
  threshold: number;
  /** Latest value that breached. */
  value: number;
  /** When this activation began. */
  since: number;
  lastSeen: number;
  /** Breaching samples seen during this activation. */
  occurrences: number;
}

export interface Evaluation {
  /** Newly notified alerts (not deduplicated). */
  raised: Alert[];
  /** Alerts whose condition cleared. */
  resolved: Alert[];
  /** Breaches absorbed by deduplication. */
  deduplicated: number;
}

export interface AlertManagerOptions {
  policies: readonly AlertPolicy[];
  /** The same (policy, labels) is notified at most once per window. Default 300,000 (5 minutes). */
  dedupWindowMs?: number;
  /** Used when evaluate() is not given `now`. */
  clock?: () => number;
}

const OPS: Record<ThresholdOp, (v: number, t: number) => boolean> = {
  gt: (v, t) => v > t,
  gte: (v, t) => v >= t,
  lt: (v, t) => v < t,
  lte: (v, t) => v <= t,
};
const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

interface Compiled extends AlertPolicy {
  match: Labels;
}

/**
 * Evaluates threshold policies against samples. An alert is identified by (policy, sample labels).
 * It is active while its condition holds and resolves when a sample shows it cleared. Notifying is
 * deduplicated: the same alert is raised at most once per `dedupWindowMs` from its last
 * notification, even if it resolves and fires again in between (flapping), and an alert still
 * active when the window has passed is raised again as a reminder.
 */
export class AlertManager {
  private readonly byMetric = new Map<string, Compiled[]>();
  private readonly dedupWindowMs: number;
  private readonly clock: () => number;
  private readonly activeAlerts = new Map<string, Alert>();
  private readonly notifiedAt = new Map<string, number>();

  constructor(options: AlertManagerOptions) {
    if (!options || !Array.isArray(options.policies))
      throw new ObservabilityError('alert manager: policies must be an array');
    const window = options.dedupWindowMs ?? 300_000;
    if (!Number.isFinite(window) || window < 0)
      throw new ObservabilityError(`alert manager: dedupWindowMs must be ≥ 0, got ${String(window)}`);
    this.dedupWindowMs = window;
    this.clock = options.clock ?? Date.now;
    const names = new Set<string>();
    options.policies.forEach((p, i) => {
      const where = `alert policy[${i}]`;
      if (!p || typeof p !== 'object') throw new ObservabilityError(`${where} must be an object`);
      if (typeof p.name !== 'string' || p.name.length === 0)
        throw new ObservabilityError(`${where}: name must be a non-empty string`);
      if (names.has(p.name)) throw new ObservabilityError(`${where}: duplicate policy name ${JSON.stringify(p.name)}`);
      names.add(p.name);
      checkMetricName(p.metric);
      if (!Object.hasOwn(OPS, p.op))
        throw new ObservabilityError(
          `${where} (${p.name}): op must be one of gt, gte, lt, lte, got ${JSON.stringify(p.op)}`,
        );
      if (typeof p.threshold !== 'number' || !Number.isFinite(p.threshold))
        throw new ObservabilityError(`${where} (${p.name}): threshold must be a finite number`);
      if (!Object.hasOwn(SEVERITY_RANK, p.severity))
        throw new ObservabilityError(
          `${where} (${p.name}): severity must be critical, warning or info, got ${JSON.stringify(p.severity)}`,
        );
      const c: Compiled = {
        name: p.name,
        metric: p.metric,
        op: p.op,
        threshold: p.threshold,
        severity: p.severity,
        match: normalizeLabels(p.match, where).labels,
      };
      const list = this.byMetric.get(c.metric) ?? [];
      list.push(c);
      this.byMetric.set(c.metric, list);
    });
  }

  evaluate(samples: Sample | readonly Sample[], now: number = this.clock()): Evaluation {
    if (!Number.isFinite(now))
      throw new ObservabilityError(`alert manager: now must be a finite number, got ${String(now)}`);
    const list = Array.isArray(samples) ? (samples as readonly Sample[]) : [samples as Sample];
    const result: Evaluation = { raised: [], resolved: [], deduplicated: 0 };
    for (const s of list) {
      if (!s || typeof s !== 'object')
        throw new ObservabilityError('alert manager: sample must be {metric, value, labels?}');
      checkMetricName(s.metric);
      if (typeof s.value !== 'number' || Number.isNaN(s.value))
        throw new ObservabilityError(
          `alert manager: sample ${s.metric} value must be a number, got ${String(s.value)}`,
        );
      const { labels, key: labelKey } = normalizeLabels(s.labels, s.metric);
      for (const p of this.byMetric.get(s.metric) ?? []) {
        if (!Object.entries(p.match).every(([k, v]) => labels[k] === v)) continue;
        const key = JSON.stringify([p.name, labelKey]);
        const current = this.activeAlerts.get(key);
        if (OPS[p.op](s.value, p.threshold)) {
          const alert: Alert = current ?? {
            policy: p.name,
            metric: p.metric,
            labels,
            severity: p.severity,
            op: p.op,
            threshold: p.threshold,
            value: s.value,
            since: now,
            lastSeen: now,
            occurrences: 0,
          };
          alert.value = s.value;
          alert.lastSeen = now;
          alert.occurrences++;
          this.activeAlerts.set(key, alert);
          const last = this.notifiedAt.get(key);
          if (last !== undefined && now - last < this.dedupWindowMs) {
            result.deduplicated++;
          } else {
            this.notifiedAt.set(key, now);
            result.raised.push({ ...alert });
          }
        } else if (current) {
          this.activeAlerts.delete(key);
          result.resolved.push({ ...current, value: s.value, lastSeen: now });
        }
      }
    }
    // Forget notification times that can no longer suppress anything, so memory stays bounded.
    for (const [k, t] of this.notifiedAt)
      if (now - t >= this.dedupWindowMs && !this.activeAlerts.has(k)) this.notifiedAt.delete(k);
    return result;
  }

  /** Active alerts: most severe first, then by policy name, then by labels. */
  active(): Alert[] {
    return [...this.activeAlerts.values()]
      .sort(
        (a, b) =>
          SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
          compareStrings(a.policy, b.policy) ||
          compareStrings(JSON.stringify(a.labels), JSON.stringify(b.labels)),
      )
      .map((a) => ({ ...a }));
  }
}
