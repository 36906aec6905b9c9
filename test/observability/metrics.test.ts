import { describe, expect, it } from 'vitest';
import { MetricsCollector, type Labels } from '../../packages/runtime/src/observability/index.js';

describe('MetricsCollector', () => {
  it('keeps counters and gauges per sorted label set, with a deterministic snapshot', () => {
    const a = new MetricsCollector();
    a.inc('requests_total', { route: '/b', code: '200' });
    a.inc('requests_total', { code: '200', route: '/b' }, 2);
    a.inc('requests_total', { route: '/a', code: '500' });
    a.set('queue_depth', 7);
    a.set('queue_depth', 3);
    expect(a.value('requests_total', { route: '/b', code: '200' })).toBe(3);
    expect(a.value('queue_depth')).toBe(3);
    expect(a.value('requests_total', { route: '/c' })).toBeUndefined();

    const b = new MetricsCollector();
    b.set('queue_depth', 3);
    b.inc('requests_total', { route: '/a', code: '500' });
    b.inc('requests_total', { route: '/b', code: '200' }, 3);
    expect(JSON.stringify(b.snapshot())).toBe(JSON.stringify(a.snapshot()));
    expect(a.snapshot()).toEqual([
      { name: 'queue_depth', type: 'gauge', labels: {}, value: 3 },
      { name: 'requests_total', type: 'counter', labels: { code: '200', route: '/b' }, value: 3 },
      { name: 'requests_total', type: 'counter', labels: { code: '500', route: '/a' }, value: 1 },
    ]);
  });

  it('fills fixed histogram buckets (le inclusive, +Inf overflow) and estimates quantiles', () => {
    const m = new MetricsCollector({ histograms: { latency_ms: [1, 5, 10, 50] } });
    for (let i = 1; i <= 100; i++) m.observe('latency_ms', i <= 90 ? 4 : 40, { op: 'get' });
    m.observe('latency_ms', 1, { op: 'put' });
    m.observe('latency_ms', 500, { op: 'put' });
    const get = m.histogram('latency_ms', { op: 'get' })!;
    expect(get.count).toBe(100);
    expect(get.sum).toBe(90 * 4 + 10 * 40);
    expect(get.buckets).toEqual([
      { le: 1, count: 0 },
      { le: 5, count: 90 },
      { le: 10, count: 90 },
      { le: 50, count: 100 },
      { le: '+Inf', count: 100 },
    ]);
    // Every observation in the (1, 5] bucket is 4; the estimate is clamped to what was observed.
    expect(get.p50).toBe(4);
    expect(get.p99).toBe(40);
    const put = m.histogram('latency_ms', { op: 'put' })!;
    expect(put.buckets.map((b) => b.count)).toEqual([1, 1, 1, 1, 2]);
    expect(put.p99).toBe(500);
    expect(put.p50).toBe(1);
  });

  it('interpolates inside a bucket', () => {
    const m = new MetricsCollector({ histograms: { h: [10, 20] } });
    for (let v = 11; v <= 20; v++) m.observe('h', v);
    m.observe('h', 10);
    m.observe('h', 10);
    const h = m.histogram('h')!;
    // rank 6 of 12: 2 in the first bucket, 4 of 10 into (10, 20] → 14.
    expect(h.p50).toBeCloseTo(14);
  });

  it('rejects bad names, label values that are not strings, type clashes and undeclared histograms', () => {
    const m = new MetricsCollector({ histograms: { h: [1] } });
    expect(() => m.inc('9lives')).toThrow(/must match \[a-zA-Z_:\]/);
    expect(() => m.inc('has-dash')).toThrow(/metric name "has-dash"/);
    expect(() => m.inc('ok_total', { code: 200 } as unknown as Labels)).toThrow(
      /label code must be a string, got number/,
    );
    expect(() => m.inc('ok_total', { 'bad-name': 'x' })).toThrow(/label name "bad-name"/);
    expect(() => m.inc('ok_total', {}, -1)).toThrow(/increment must be a finite number ≥ 0/);
    expect(() => m.set('g', Number.POSITIVE_INFINITY)).toThrow(/finite/);
    m.inc('c_total');
    expect(() => m.set('c_total', 1)).toThrow(/c_total is a counter, not a gauge/);
    expect(() => m.observe('undeclared', 1)).toThrow(/no buckets configured/);
    expect(() => m.inc('h')).toThrow(/h is a histogram, not a counter/);
    expect(() => new MetricsCollector({ histograms: { h: [5, 5] } })).toThrow(/strictly increasing/);
    expect(() => new MetricsCollector({ histograms: { h: [] } })).toThrow(/non-empty/);
    expect(m.snapshot().map((s) => s.name)).toEqual(['c_total']);
  });
});
