/**
 * Same-run comparison of two built checkouts on a noisy machine: runs bench/sync.ts's selected
 * workloads once per checkout, alternating (A B, B A, A B ...), BENCH_PAIRS times, so both see the same
 * load, and prints one JSON line per workload and checkout with the median and min wall time, the
 * median CPU time, the median of each stage, and how many pairs each checkout's run was the faster.
 *
 *   BENCH_PAIR=/work/wt/base,/work/wt/mine BENCH_ONLY='^synthetic_100000_cold_sync$' BENCH_PAIRS=3 \
 *     node dist/bench/pair.js
 *
 * Each run is `node <this dist>/bench/sync.js` with BENCH_REPO set to the checkout and BENCH_RUNS=1
 * (the workloads, their projects and their preparation are bench/sync.ts's, for both checkouts).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Line {
  workload: string;
  median_ms: number;
  median_cpu_ms?: number;
  stages_ms?: Record<string, number>;
  error?: string;
}

const syncBench = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sync.js');
const repos = (process.env.BENCH_PAIR ?? '').split(',').filter(Boolean);
if (repos.length !== 2) {
  process.stderr.write('BENCH_PAIR must name two built checkouts: BENCH_PAIR=<a>,<b>\n');
  process.exit(2);
}
const pairs = Math.max(1, Number(process.env.BENCH_PAIRS) || 3);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** One pass of the selected workloads on `repo`: its JSON lines by workload. */
function runOnce(repo: string): Map<string, Line> {
  const r = spawnSync(process.execPath, [syncBench], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_REPO: repo, BENCH_RUNS: '1' },
    maxBuffer: 1 << 26,
  });
  const out = new Map<string, Line>();
  for (const text of r.stdout.split('\n')) {
    if (!text.startsWith('{')) continue;
    const line = JSON.parse(text) as Line;
    out.set(line.workload, line);
  }
  if (r.status !== 0) process.stderr.write(`${repo}: bench exited ${r.status}: ${r.stderr.slice(0, 500)}\n`);
  return out;
}

const samples: Array<Array<Map<string, Line>>> = [[], []];
// A B, then B A: the run that goes first in a pair meets the machine as the last pair left it
// (page cache, write-back of the files it deleted), which favoured one checkout when the order was
// always A B.
for (let p = 0; p < pairs; p++) for (const k of p % 2 ? [1, 0] : [0, 1]) samples[k]!.push(runOnce(repos[k]!));

const workloads = [...new Set(samples.flat().flatMap((m) => [...m.keys()]))];
for (const workload of workloads) {
  for (const k of [0, 1]) {
    const mine = samples[k]!.map((m) => m.get(workload));
    const other = samples[1 - k]!.map((m) => m.get(workload));
    const ok = mine.filter((l): l is Line => l !== undefined && l.error === undefined);
    if (ok.length === 0) {
      process.stdout.write(`${JSON.stringify({ workload, repo: repos[k], error: 'no successful run' })}\n`);
      continue;
    }
    const stages = [...new Set(ok.flatMap((l) => Object.keys(l.stages_ms ?? {})))];
    const cpu = ok.map((l) => l.median_cpu_ms).filter((x): x is number => typeof x === 'number');
    process.stdout.write(
      `${JSON.stringify({
        workload,
        repo: repos[k],
        runs: ok.length,
        median_ms: Math.round(median(ok.map((l) => l.median_ms))),
        min_ms: Math.round(Math.min(...ok.map((l) => l.median_ms))),
        ...(cpu.length ? { median_cpu_ms: Math.round(median(cpu)) } : {}),
        faster_in_pairs: mine.filter((l, i) => l && other[i] && l.median_ms < other[i]!.median_ms).length,
        wall_ms: mine.map((l) => l?.median_ms ?? null),
        stages_ms: Object.fromEntries(stages.map((s) => [s, Math.round(median(ok.map((l) => l.stages_ms?.[s] ?? 0)))])),
      })}\n`,
    );
  }
}
