import { describe, expect, it } from 'vitest';
import { NodeMonitor, type NodeSample, type Thresholds } from '../../packages/runtime/src/cluster/index.js';

const thresholds: Thresholds = {
  cpu: { degraded: 0.7, critical: 0.9 },
  memory: { degraded: 0.8, critical: 0.95 },
  processes: { degraded: 10_000, critical: 50_000 },
};

function monitorWith(sample: Omit<NodeSample, 'processes'>, processes = 10) {
  return new NodeMonitor({ thresholds, processCount: () => processes, sampler: (p) => ({ ...sample, processes: p }) });
}

describe('NodeMonitor', () => {
  it('grades each metric at its thresholds (inclusive) and reports the worst as overall health', () => {
    expect(monitorWith({ cpu: 0.1, memory: 0.1 }).check()).toMatchObject({
      health: 'healthy',
      metrics: { cpu: 'healthy', memory: 'healthy', processes: 'healthy' },
    });
    expect(monitorWith({ cpu: 0.7, memory: 0.1 }).check()).toMatchObject({
      health: 'degraded',
      metrics: { cpu: 'degraded' },
    });
    expect(monitorWith({ cpu: 0.75, memory: 0.95 }).check()).toMatchObject({
      health: 'critical',
      metrics: { cpu: 'degraded', memory: 'critical' },
    });
    expect(monitorWith({ cpu: 0, memory: 0 }, 50_000).check()).toMatchObject({
      health: 'critical',
      metrics: { processes: 'critical' },
    });
    expect(monitorWith({ cpu: 0, memory: 0 }, 9_999).check().health).toBe('healthy');
  });

  it('samples the real machine by default, with fractions in [0, 1]', () => {
    const m = new NodeMonitor({ thresholds, processCount: () => 3 });
    const r = m.check();
    expect(r.sample.processes).toBe(3);
    for (const v of [r.sample.cpu, r.sample.memory]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(r.sample.rssBytes).toBeGreaterThan(0);
  });

  it('refuses incomplete or contradictory thresholds and bad process counts', () => {
    const mk =
      (t: unknown, pc: () => number = () => 1) =>
      () =>
        new NodeMonitor({ thresholds: t as Thresholds, processCount: pc });
    expect(mk({ cpu: thresholds.cpu, memory: thresholds.memory })).toThrow(/thresholds.processes is required/);
    expect(mk({ ...thresholds, cpu: { degraded: 0.9, critical: 0.5 } })).toThrow(
      /critical must be a finite number ≥ degraded/,
    );
    expect(mk({ ...thresholds, memory: { degraded: 0.5, critical: 80 } })).toThrow(/fractions/);
    expect(mk({ ...thresholds, disk: { degraded: 1, critical: 2 } })).toThrow(/unknown threshold metric "disk"/);
    expect(() => new NodeMonitor({ thresholds, processCount: () => Number.NaN }).check()).toThrow(
      /processCount returned NaN/,
    );
  });
});
