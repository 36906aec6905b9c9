/**
 * observability_sup and node_monitor through their generated clients: alert policies from the spec
 * with dedup inside the 5-minute window, metrics with labels, spans with parent links and status,
 * and node health graded against the spec's thresholds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whereis } from '../../packages/runtime/src/index.js';
import {
  alertManager,
  entitlementGovernor,
  metricsCollector,
  nodeMonitor,
  startEntitlementGovernorChild,
  traceHandler,
} from '../../generated/autonomics/index.js';
import { boot, refusal, type Running } from './helpers.js';

let run: Running;
beforeAll(async () => {
  run = await boot();
});
afterAll(async () => {
  await run.cleanup();
});

interface Evaluation {
  raised: Array<{ policy: string; severity: string; labels: Record<string, string> }>;
  resolved: Array<{ policy: string }>;
  deduplicated: number;
}

describe('alert_manager', () => {
  it('raises per the declared policies (gt, gte, lt, lte) and deduplicates repeats within the window', async () => {
    const first = (await alertManager.evaluate([
      { metric: 'cpu', value: 0.95, labels: { node: 'a' } },
      { metric: 'memory', value: 0.85 },
      { metric: 'disk_free_ratio', value: 0.05 },
      { metric: 'cluster_members', value: 1 },
      { metric: 'processes', value: 10 },
    ])) as unknown as Evaluation;
    expect(first.raised.map((a) => [a.policy, a.severity]).sort()).toEqual([
      ['few_cluster_members', 'info'],
      ['high_cpu', 'critical'],
      ['high_memory', 'warning'],
      ['low_disk', 'warning'],
    ]);
    // The same breaches again: nothing new is raised.
    const again = (await alertManager.evaluate([
      { metric: 'cpu', value: 0.97, labels: { node: 'a' } },
      { metric: 'memory', value: 0.9 },
    ])) as unknown as Evaluation;
    expect(again.raised).toEqual([]);
    expect(again.deduplicated).toBe(2);
    // Another label set is another alert.
    const other = (await alertManager.evaluate({
      metric: 'cpu',
      value: 0.91,
      labels: { node: 'b' },
    })) as unknown as Evaluation;
    expect(other.raised.map((a) => a.labels)).toEqual([{ node: 'b' }]);
    // Boundaries: gt 0.9 does not fire at 0.9; gte 0.85 does at 0.85 (checked above).
    const edge = (await alertManager.evaluate({
      metric: 'cpu',
      value: 0.9,
      labels: { node: 'c' },
    })) as unknown as Evaluation;
    expect(edge.raised).toEqual([]);

    const active = (await alertManager.active()) as unknown as Array<{ policy: string }>;
    expect(active.map((a) => a.policy)).toEqual([
      'high_cpu',
      'high_cpu',
      'high_memory',
      'low_disk',
      'few_cluster_members',
    ]);
    const cleared = (await alertManager.evaluate({
      metric: 'cpu',
      value: 0.1,
      labels: { node: 'a' },
    })) as unknown as Evaluation;
    expect(cleared.resolved.map((a) => a.policy)).toEqual(['high_cpu']);
    expect(((await alertManager.active()) as unknown as unknown[]).length).toBe(4);
    // Flapping back within the window is still deduplicated.
    const flap = (await alertManager.evaluate({
      metric: 'cpu',
      value: 0.99,
      labels: { node: 'a' },
    })) as unknown as Evaluation;
    expect(flap).toMatchObject({ raised: [], deduplicated: 1 });
  });

  it('refuses malformed samples with invalid_metric and keeps running', async () => {
    const pid = whereis('alert_manager');
    expect(await refusal(alertManager.evaluate([{ metric: 'bad name!', value: 1 }]))).toBe('invalid_metric');
    expect(await refusal(alertManager.evaluate(null))).toBe('invalid_metric');
    expect(whereis('alert_manager')).toBe(pid);
  });
});

describe('metrics_collector and trace_handler', () => {
  it('keeps counters, gauges and histograms with labels', async () => {
    metricsCollector.inc('governor_events', { tenant: 't1' }, 1);
    metricsCollector.inc('governor_events', { tenant: 't1' }, 2);
    metricsCollector.inc('governor_events', { tenant: 't2' }, 1);
    metricsCollector.set('tenants', 42, {});
    metricsCollector.observe('decision_seconds', 0.02, { governor: 'quota' });
    metricsCollector.inc('bad name', {}, 1); // refused (a cast: dropped, the server keeps running)
    const snap = (await metricsCollector.snapshot()) as unknown as Array<{
      name: string;
      labels: Record<string, string>;
      value?: number;
      count?: number;
    }>;
    const find = (name: string, labels: Record<string, string>) =>
      snap.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels));
    expect(find('governor_events', { tenant: 't1' })?.value).toBe(3);
    expect(find('governor_events', { tenant: 't2' })?.value).toBe(1);
    expect(find('tenants', {})?.value).toBe(42);
    expect(find('decision_seconds', { governor: 'quota' })?.count).toBe(1);
    expect(snap.some((s) => s.name === 'bad name')).toBe(false);
  });

  it("counts the governors' emit_metric actions by default, labelled by machine", async () => {
    const a = await startEntitlementGovernorChild('metrics-a');
    const b = await startEntitlementGovernorChild('metrics-b');
    for (const pid of [a, b]) await entitlementGovernor.activate(pid);
    await entitlementGovernor.suspend(a, 'x');
    await entitlementGovernor.suspend(b, 'x');
    await entitlementGovernor.revoke(b, 'y');
    const snap = (await metricsCollector.snapshot()) as unknown as Array<{
      name: string;
      labels: Record<string, string>;
      value?: number;
    }>;
    expect(snap.find((s) => s.name === 'entitlement_suspensions')).toMatchObject({
      labels: { machine: 'entitlement_governor' },
      value: 2,
    });
    expect(snap.find((s) => s.name === 'entitlement_revocations')).toMatchObject({
      labels: { machine: 'entitlement_governor' },
      value: 1,
    });
  });

  it('keeps spans with parent links, attributes and status', async () => {
    const root = await traceHandler.startSpan('tenant.onboard', { attributes: { tenant: 't1' } });
    const child = await traceHandler.startSpan('entitlement.activate', {
      parent: { traceId: root.traceId, spanId: root.spanId },
    });
    expect(child.traceId).toBe(root.traceId);
    expect(await traceHandler.endSpan(child.spanId, 'ok')).toBe('ok');
    expect(await traceHandler.endSpan(root.spanId, 'error')).toBe('ok');
    expect(await refusal(traceHandler.endSpan(root.spanId, 'ok'))).toBe('invalid_metric');
    expect(await refusal(traceHandler.endSpan('0000000000000000', 'ok'))).toBe('span_not_found');
    expect(await traceHandler.getSpan(child.spanId)).toMatchObject({
      parentSpanId: root.spanId,
      status: 'ok',
      name: 'entitlement.activate',
    });
    const tree = (await traceHandler.getTrace(root.traceId)) as unknown as Array<{
      spanId: string;
      status: string;
      attributes: Record<string, unknown>;
      children: Array<{ spanId: string }>;
    }>;
    expect(tree).toHaveLength(1);
    expect(tree[0]).toMatchObject({ spanId: root.spanId, status: 'error', attributes: { tenant: 't1' } });
    expect(tree[0]!.children.map((c) => c.spanId)).toEqual([child.spanId]);
    expect(await refusal(traceHandler.getSpan('nope'))).toBe('span_not_found');
  });
});

describe('node_monitor', () => {
  it('reports cpu, memory and process count graded healthy/degraded/critical against the spec thresholds', async () => {
    const r = (await nodeMonitor.check()) as unknown as {
      health: string;
      sample: { cpu: number; memory: number; processes: number };
      metrics: Record<string, string>;
    };
    expect(['healthy', 'degraded', 'critical']).toContain(r.health);
    expect(Object.keys(r.metrics).sort()).toEqual(['cpu', 'memory', 'processes']);
    // The tree alone is well under the 50,000-process degraded threshold.
    expect(r.sample.processes).toBeGreaterThan(10);
    expect(r.metrics.processes).toBe('healthy');
    expect(r.sample.cpu).toBeGreaterThanOrEqual(0);
    expect(r.sample.memory).toBeLessThanOrEqual(1);
  });
});
