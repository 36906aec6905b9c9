import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { ClusterConfigError } from './errors.js';

export type Health = 'healthy' | 'degraded' | 'critical';
export type MonitoredMetric = 'cpu' | 'memory' | 'processes';

/** One reading. `cpu` and `memory` are fractions in [0, 1]; `processes` is a count. */
export interface NodeSample {
  cpu: number;
  memory: number;
  processes: number;
  /** Extra context, not used for health: 1-minute load average per core, this process's CPU share. */
  load1PerCore?: number;
  processCpu?: number;
  rssBytes?: number;
  freeMemBytes?: number;
}

export interface Threshold {
  /** value ≥ degraded → degraded */
  degraded: number;
  /** value ≥ critical → critical */
  critical: number;
}

export type Thresholds = Record<MonitoredMetric, Threshold>;

export interface HealthReport {
  health: Health;
  sample: NodeSample;
  /** Health per metric, so a caller can say why. */
  metrics: Record<MonitoredMetric, Health>;
}

export interface NodeMonitorOptions {
  thresholds: Thresholds;
  /** The runtime's live process count. */
  processCount: () => number;
  /** Replaces the OS sampler (tests). Receives processCount's value. */
  sampler?: (processes: number) => NodeSample;
}

const METRICS: readonly MonitoredMetric[] = ['cpu', 'memory', 'processes'];
const RANK: Record<Health, number> = { healthy: 0, degraded: 1, critical: 2 };

export function validateThresholds(t: unknown): Thresholds {
  if (typeof t !== 'object' || t === null)
    throw new ClusterConfigError('node monitor: thresholds must be an object with cpu, memory and processes');
  const out = {} as Thresholds;
  for (const m of METRICS) {
    const th = (t as Record<string, unknown>)[m] as Threshold | undefined;
    if (!th || typeof th !== 'object')
      throw new ClusterConfigError(`node monitor: thresholds.${m} is required ({degraded, critical})`);
    const { degraded, critical } = th;
    if (typeof degraded !== 'number' || !Number.isFinite(degraded) || degraded < 0)
      throw new ClusterConfigError(
        `node monitor: thresholds.${m}.degraded must be a finite number ≥ 0, got ${String(degraded)}`,
      );
    if (typeof critical !== 'number' || !Number.isFinite(critical) || critical < degraded) {
      throw new ClusterConfigError(
        `node monitor: thresholds.${m}.critical must be a finite number ≥ degraded (${degraded}), got ${String(critical)}`,
      );
    }
    if (m !== 'processes' && critical > 1)
      throw new ClusterConfigError(
        `node monitor: thresholds.${m} are fractions; critical ${critical} > 1 can never trigger`,
      );
    out[m] = { degraded, critical };
  }
  for (const k of Object.keys(t))
    if (!METRICS.includes(k as MonitoredMetric))
      throw new ClusterConfigError(`node monitor: unknown threshold metric ${JSON.stringify(k)}`);
  return out;
}

export function classify(value: number, t: Threshold): Health {
  if (value >= t.critical) return 'critical';
  if (value >= t.degraded) return 'degraded';
  return 'healthy';
}

/**
 * Reads CPU, memory and process count and grades them against thresholds; overall health is the
 * worst metric. CPU is the whole machine's busy fraction between two samples (from os.cpus()
 * tick counters), which is what "the node is overloaded" means; the first sample after
 * construction compares against construction time.
 */
export class NodeMonitor {
  private readonly thresholds: Thresholds;
  private readonly processCount: () => number;
  private readonly sampler: (processes: number) => NodeSample;

  constructor(options: NodeMonitorOptions) {
    if (!options || typeof options !== 'object') throw new ClusterConfigError('node monitor: options required');
    this.thresholds = validateThresholds(options.thresholds);
    if (typeof options.processCount !== 'function')
      throw new ClusterConfigError('node monitor: processCount must be a function returning a number');
    this.processCount = options.processCount;
    this.sampler = options.sampler ?? osSampler();
  }

  sample(): NodeSample {
    const processes = this.processCount();
    if (!Number.isFinite(processes) || processes < 0)
      throw new ClusterConfigError(`node monitor: processCount returned ${String(processes)}`);
    return this.sampler(processes);
  }

  check(): HealthReport {
    return this.grade(this.sample());
  }

  grade(sample: NodeSample): HealthReport {
    const metrics = {} as Record<MonitoredMetric, Health>;
    let health: Health = 'healthy';
    for (const m of METRICS) {
      const h = classify(sample[m], this.thresholds[m]);
      metrics[m] = h;
      if (RANK[h] > RANK[health]) health = h;
    }
    return { health, sample, metrics };
  }
}

/** The default sampler: system CPU from tick deltas, this process's RSS over total memory. */
export function osSampler(): (processes: number) => NodeSample {
  let prevTicks = cpuTicks();
  let prevProc = process.cpuUsage();
  let prevWall = process.hrtime.bigint();
  const cores = cpus().length || 1;
  return (processes) => {
    const ticks = cpuTicks();
    const busy = ticks.busy - prevTicks.busy;
    const total = ticks.total - prevTicks.total;
    const proc = process.cpuUsage(prevProc);
    const wall = process.hrtime.bigint();
    const wallUs = Number(wall - prevWall) / 1000;
    prevTicks = ticks;
    prevProc = process.cpuUsage();
    prevWall = wall;
    const rss = process.memoryUsage().rss;
    const total_mem = totalmem();
    return {
      cpu: total > 0 ? clamp01(busy / total) : 0,
      memory: clamp01(rss / total_mem),
      processes,
      load1PerCore: (loadavg()[0] ?? 0) / cores,
      processCpu: wallUs > 0 ? clamp01((proc.user + proc.system) / (wallUs * cores)) : 0,
      rssBytes: rss,
      freeMemBytes: freemem(),
    };
  };
}

function cpuTicks(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const sum = t.user + t.nice + t.sys + t.idle + t.irq;
    total += sum;
    busy += sum - t.idle;
  }
  return { busy, total };
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
