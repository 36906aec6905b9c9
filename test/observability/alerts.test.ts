import { describe, expect, it } from 'vitest';
import { AlertManager, type AlertPolicy } from '../../packages/runtime/src/observability/index.js';

const policies: AlertPolicy[] = [
  { name: 'high_cpu', metric: 'cpu_ratio', op: 'gt', threshold: 0.9, severity: 'critical' },
  { name: 'warm_cpu', metric: 'cpu_ratio', op: 'gte', threshold: 0.7, severity: 'warning' },
  { name: 'low_free_mem', metric: 'free_mem_ratio', op: 'lt', threshold: 0.1, severity: 'warning' },
  { name: 'no_replicas', metric: 'replicas', op: 'lte', threshold: 0, severity: 'critical', match: { tier: 'prod' } },
];
const MIN = 60_000;

describe('AlertManager', () => {
  it('applies gt, gte, lt and lte exactly at the threshold', () => {
    const am = new AlertManager({ policies });
    const names = (metric: string, value: number, labels?: Record<string, string>) =>
      am.evaluate({ metric, value, ...(labels ? { labels } : {}) }, 0).raised.map((a) => a.policy);
    expect(names('cpu_ratio', 0.9, { n: 'a' })).toEqual(['warm_cpu']);
    expect(names('cpu_ratio', 0.91, { n: 'b' })).toEqual(['high_cpu', 'warm_cpu']);
    expect(names('cpu_ratio', 0.69, { n: 'c' })).toEqual([]);
    expect(names('free_mem_ratio', 0.1)).toEqual([]);
    expect(names('free_mem_ratio', 0.09)).toEqual(['low_free_mem']);
    expect(names('replicas', 0, { tier: 'prod' })).toEqual(['no_replicas']);
    expect(names('replicas', 1, { tier: 'prod', x: 'y' })).toEqual([]);
    expect(names('replicas', 0, { tier: 'dev' })).toEqual([]);
  });

  it('deduplicates the same (policy, labels) within 5 minutes, even across a resolve, and re-raises after', () => {
    const am = new AlertManager({ policies: [policies[0]!] });
    const hot = (node: string, now: number) => am.evaluate({ metric: 'cpu_ratio', value: 0.95, labels: { node } }, now);
    expect(hot('a', 0).raised).toHaveLength(1);
    const again = hot('a', 1 * MIN);
    expect(again.raised).toEqual([]);
    expect(again.deduplicated).toBe(1);
    // Different labels are a different alert.
    expect(hot('b', 1 * MIN).raised).toHaveLength(1);
    // Clears, then flaps back inside the window: active again, but not re-notified.
    expect(
      am.evaluate({ metric: 'cpu_ratio', value: 0.5, labels: { node: 'a' } }, 2 * MIN).resolved.map((a) => a.labels),
    ).toEqual([{ node: 'a' }]);
    expect(am.active().map((a) => a.labels.node)).toEqual(['b']);
    expect(hot('a', 3 * MIN).raised).toEqual([]);
    expect(am.active().map((a) => a.labels.node)).toEqual(['a', 'b']);
    expect(hot('a', 5 * MIN - 1).raised).toEqual([]);
    // Window from the last notification (t=0) has passed: a reminder goes out.
    const reminder = hot('a', 5 * MIN);
    expect(reminder.raised).toMatchObject([{ policy: 'high_cpu', labels: { node: 'a' }, since: 3 * MIN, value: 0.95 }]);
    expect(hot('a', 6 * MIN).raised).toEqual([]);
  });

  it('honours a configured window and the injected clock', () => {
    let now = 0;
    const am = new AlertManager({ policies: [policies[2]!], dedupWindowMs: 1000, clock: () => now });
    expect(am.evaluate({ metric: 'free_mem_ratio', value: 0 }).raised).toHaveLength(1);
    now = 999;
    expect(am.evaluate({ metric: 'free_mem_ratio', value: 0 }).raised).toHaveLength(0);
    now = 1000;
    expect(am.evaluate({ metric: 'free_mem_ratio', value: 0 }).raised).toHaveLength(1);
  });

  it('lists active alerts most severe first, then by policy and labels', () => {
    const am = new AlertManager({ policies });
    am.evaluate(
      [
        { metric: 'free_mem_ratio', value: 0.01, labels: { node: 'z' } },
        { metric: 'cpu_ratio', value: 0.95, labels: { node: 'b' } },
        { metric: 'cpu_ratio', value: 0.95, labels: { node: 'a' } },
        { metric: 'replicas', value: 0, labels: { tier: 'prod' } },
      ],
      0,
    );
    expect(am.active().map((a) => `${a.severity}:${a.policy}:${JSON.stringify(a.labels)}`)).toEqual([
      'critical:high_cpu:{"node":"a"}',
      'critical:high_cpu:{"node":"b"}',
      'critical:no_replicas:{"tier":"prod"}',
      'warning:low_free_mem:{"node":"z"}',
      'warning:warm_cpu:{"node":"a"}',
      'warning:warm_cpu:{"node":"b"}',
    ]);
    const resolved = am.evaluate({ metric: 'cpu_ratio', value: 0.8, labels: { node: 'a' } }, 10).resolved;
    expect(resolved.map((a) => a.policy)).toEqual(['high_cpu']);
    expect(
      am
        .active()
        .filter((a) => a.labels.node === 'a')
        .map((a) => a.policy),
    ).toEqual(['warm_cpu']);
  });

  it('refuses bad policies and samples', () => {
    const p = policies[0]!;
    expect(() => new AlertManager({ policies: [{ ...p, op: 'eq' as 'gt' }] })).toThrow(
      /op must be one of gt, gte, lt, lte, got "eq"/,
    );
    expect(() => new AlertManager({ policies: [p, p] })).toThrow(/duplicate policy name "high_cpu"/);
    expect(() => new AlertManager({ policies: [{ ...p, threshold: Number.NaN }] })).toThrow(
      /threshold must be a finite number/,
    );
    expect(() => new AlertManager({ policies: [{ ...p, severity: 'page' as 'critical' }] })).toThrow(/severity/);
    expect(() => new AlertManager({ policies: [{ ...p, metric: 'cpu ratio' }] })).toThrow(/metric name/);
    expect(() => new AlertManager({ policies: [p], dedupWindowMs: -1 })).toThrow(/dedupWindowMs/);
    const am = new AlertManager({ policies: [p] });
    expect(() => am.evaluate({ metric: 'cpu_ratio', value: Number.NaN }, 0)).toThrow(/value must be a number/);
    expect(() => am.evaluate({ metric: 'cpu_ratio', value: 1, labels: { n: 1 as unknown as string } }, 0)).toThrow(
      /label n must be a string/,
    );
    expect(am.active()).toEqual([]);
  });
});
