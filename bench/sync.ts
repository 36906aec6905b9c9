/**
 * `npm run bench:sync`: one JSON line per workload with the median wall time and
 * peak RSS of the compiled CLI run as a child process (peak RSS via /usr/bin/time
 * when present, else the CLI's own --json report).
 *
 * Workloads: cold sync (empty output dir, no caches) / full re-sync (`sync --full` over
 * the committed outputs, no caches: a fresh clone regenerating everything, as CI's
 * `--check --full` does) / no-op sync / --check of this repo's project (copied to a
 * temp dir so the repo is never touched); a template edit (specs unchanged: the graph
 * comes from .ggen/cache); a spec edit (a triple no output shows); a one-literal spec edit (with the
 * number of outputs each run wrote); under `sync --watch`, a one-literal spec edit saved → the
 * output on disk; `ggen --help`; synthetic specs of 1K, 10K and 100K triples
 * (~10 triples per entity, one generated module per entity); a 1.5K-triple "new user" spec (cold
 * sync, validate); 1M triples (one summary output); the repo on `--engine comunica`; `ggen validate`
 * (graph cache hit) and `ggen validate` after a spec edit (normalize on a changed graph). Every line carries node_start_ms,
 * the median of `node -e 0` in the same run.
 *
 * Select workloads with BENCH_ONLY=<regex> (e.g. `BENCH_ONLY='repo_(noop|template)' npm run bench:sync`)
 * and cap run counts with BENCH_RUNS=<n>.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticProject } from './lib/synthetic.js';

/** BENCH_REPO: another checkout (built) to measure with this bench, e.g. a baseline worktree in the same run. */
const repo = process.env.BENCH_REPO
  ? path.resolve(process.env.BENCH_REPO)
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'dist/src/cli/main.js');
const hasTime = existsSync('/usr/bin/time');

interface Sample {
  ms: number;
  /** User + system CPU time of the run (from /usr/bin/time), or null. */
  cpuMs?: number | null;
  stdout?: string;
  stages: Record<string, number>;
  rssKb: number | null;
  code: number;
  stderr: string;
}

function runOnce(cwd: string, args: string[]): Sample {
  const cmd = hasTime ? '/usr/bin/time' : process.execPath;
  const argv = hasTime ? ['-f', '__RSS__%M __CPU__%U %S', process.execPath, cli, ...args] : [cli, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let rssKb: number | null = null;
  let stages: Record<string, number> = {};
  try {
    stages = (JSON.parse(r.stdout) as { timings?: Record<string, number> }).timings ?? {};
  } catch {
    stages = {};
  }
  const m = /__RSS__(\d+)/.exec(r.stderr ?? '');
  rssKb = m ? Number(m[1]) : (stages.maxRssKb ?? null);
  const cpu = /__CPU__([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : null;
  delete stages.maxRssKb;
  return {
    ms,
    cpuMs,
    stdout: r.stdout,
    stages,
    rssKb,
    code: r.status ?? -1,
    stderr: (r.stderr ?? '').replace(/__RSS__\d+( __CPU__[\d.]+ [\d.]+)?\s*$/, '').trim(),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Median wall time of `node -e 0` (measured once per bench run), on every line so ratios can be read. */
let nodeStartMs: number | undefined;
function nodeStart(): number {
  if (nodeStartMs === undefined) {
    const xs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0']);
      xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    nodeStartMs = Math.round(median(xs));
  }
  return nodeStartMs;
}

function report(workload: string, samples: Sample[], extra: Record<string, unknown> = {}): void {
  const failed = samples.find((s) => s.code !== 0);
  const rss = samples.map((s) => s.rssKb).filter((x): x is number => x !== null);
  const line = {
    workload,
    runs: samples.length,
    median_ms: Math.round(median(samples.map((s) => s.ms))),
    min_ms: Math.round(Math.min(...samples.map((s) => s.ms))),
    ...(samples.every((s) => typeof s.cpuMs === 'number')
      ? { median_cpu_ms: Math.round(median(samples.map((s) => s.cpuMs!))) }
      : {}),
    peak_rss_mb: rss.length ? Math.round(Math.max(...rss) / 1024) : null,
    node_start_ms: nodeStart(),
    ...extra,
    ...(Object.keys(samples[0]?.stages ?? {}).length
      ? {
          stages_ms: Object.fromEntries(
            Object.keys(samples[0]!.stages).map((k) => [k, Math.round(median(samples.map((x) => x.stages[k] ?? 0)))]),
          ),
        }
      : {}),
    ...(failed ? { error: `exit ${failed.code}: ${failed.stderr.split('\n').slice(0, 3).join(' | ')}` } : {}),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * Workload selector: BENCH_ONLY is a regular expression (`BENCH_ONLY='noop|template'`); a bare
 * argument (`node dist/bench/sync.js noop`) is the older substring form. Unselected workloads are
 * not run, and their projects are not even built (the 1M-triple spec takes a while to write).
 */
const onlyArg = process.argv[2];
const onlyRe = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const selected = (workload: string): boolean =>
  (onlyArg === undefined || workload.includes(onlyArg)) && (onlyRe === undefined || onlyRe.test(workload));
const anySelected = (...workloads: string[]): boolean => workloads.some(selected);

/** Runs `prepare` then the command `runs` times. */

/** BENCH_RUNS caps every workload's run count (a quicker, noisier pass on a busy machine). */
const cap = (runs: number): number => Math.max(1, Math.min(runs, Number(process.env.BENCH_RUNS) || runs));

function measure(
  workload: string,
  cwd: string,
  args: string[],
  runs: number,
  prepare: () => void = () => {},
  extra: Record<string, unknown> = {},
): Sample[] {
  if (!selected(workload)) return [];
  runs = cap(runs);
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    prepare();
    samples.push(runOnce(cwd, args));
  }
  report(workload, samples, extra);
  return samples;
}

function firstTemplate(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !e.name.startsWith('_')) {
      const found = firstTemplate(p);
      if (found) return found;
    } else if (e.isFile() && e.name.endsWith('.njk')) return p;
  }
  return undefined;
}

function clean(dir: string): void {
  for (const d of ['generated', 'receipts', '.ggen']) rmSync(path.join(dir, d), { recursive: true, force: true });
}

function copyRepoProject(): string | null {
  if (!existsSync(path.join(repo, 'ggen.toml'))) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'ggen-bench-repo-'));
  const skip = new Set(['node_modules', 'dist', '.git', 'generated', 'receipts', '.ggen', 'coverage']);
  for (const e of readdirSync(repo))
    if (!skip.has(e)) cpSync(path.join(repo, e), path.join(dir, e), { recursive: true });
  // The copy renders its own copy of the otp pack (`./packs/otp`), not the one ggen ships, so that
  // the template-edit workload can edit one of its templates without touching the worktree. A pack
  // by path ships its view model as JavaScript: the compiled twin from dist/ is put beside the source.
  const views = path.join(repo, 'dist/packs/otp/view');
  const packToml = path.join(dir, 'packs/otp/pack.toml');
  if (existsSync(views) && existsSync(packToml)) {
    for (const f of readdirSync(views))
      if (f.endsWith('.js')) cpSync(path.join(views, f), path.join(dir, 'packs/otp/view', f));
    writeFileSync(
      packToml,
      readFileSync(packToml, 'utf8').replace(/^view = "view\/index\.ts"$/m, 'view = "view/index.js"'),
    );
    const manifest = path.join(dir, 'ggen.toml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^packs = \["otp"\]$/m, 'packs = ["./packs/otp"]'));
  }
  return dir;
}

/** The text of the literal the edit workloads change (a telecom server's comment: one server module shows it). */
const LITERAL = /Charges and refunds in (integer|whole \d+) cents/;

/**
 * One literal of specs/telecom.ttl changed per run; reports how many outputs each run wrote
 * (`written`: created or updated, from --json), which should be the few whose text shows it.
 */
function literalEdit(dir: string, spec: string): void {
  if (!selected('repo_spec_literal_edit_sync')) return;
  if (!LITERAL.test(readFileSync(spec, 'utf8'))) return;
  let k = 0;
  const written: number[] = [];
  const samples: Sample[] = [];
  for (let i = 0; i < cap(5); i++) {
    writeFileSync(spec, readFileSync(spec, 'utf8').replace(LITERAL, `Charges and refunds in whole ${k++} cents`));
    const s = runOnce(dir, ['sync', '--json']);
    samples.push(s);
    try {
      const doc = JSON.parse(s.stdout ?? '') as { outputs: Array<{ action: string }> };
      written.push(doc.outputs.filter((o) => o.action === 'create' || o.action === 'update').length);
    } catch {
      written.push(-1);
    }
  }
  report('repo_spec_literal_edit_sync', samples, { written_per_run: written });
}

/**
 * `ggen sync --watch` on the repo copy: the time from saving a one-literal spec edit to the
 * edited output on disk (polled every 2 ms), median of 7 edits, and the first edit's apart
 * (`first_edit_ms`), and the time from start to the first "watching" line (`start_to_watching_ms`).
 * Skipped when the CLI has no --watch.
 */
function watchEdit(dir: string, spec: string): void {
  if (!selected('repo_watch_spec_edit')) return;
  const help = spawnSync(process.execPath, [cli, 'sync', '--help'], { encoding: 'utf8' });
  if (!help.stdout.includes('--watch')) {
    process.stdout.write(
      `${JSON.stringify({ workload: 'repo_watch_spec_edit', skipped: 'this ggen has no sync --watch', node_start_ms: nodeStart() })}\n`,
    );
    return;
  }
  const out = path.join(dir, 'generated/telecom/billing-engine.ts');
  const script = `
    const { spawn } = require('node:child_process');
    const fs = require('node:fs');
    const [cli, dir, spec, out, runs] = process.argv.slice(1);
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [cli, 'sync', '--watch'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    const idle = (n) => new Promise((res) => { const t = setInterval(() => { if ((log.match(/^watching /gm) || []).length >= n) { clearInterval(t); res(); } }, 5); });
    const lit = /Charges and refunds in (integer|whole \\d+) cents/;
    (async () => {
      await idle(1);
      const startMs = Number(process.hrtime.bigint() - started) / 1e6;
      const times = [];
      for (let i = 0; i < Number(runs); i++) {
        await new Promise((r) => setTimeout(r, 300));
        const word = 'whole ' + (1000 + i);
        const t0 = process.hrtime.bigint();
        fs.writeFileSync(spec, fs.readFileSync(spec, 'utf8').replace(lit, 'Charges and refunds in ' + word + ' cents'));
        for (;;) {
          let text = '';
          try { text = fs.readFileSync(out, 'utf8'); } catch {}
          if (text.includes(word)) break;
          await new Promise((r) => setTimeout(r, 2));
        }
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        await idle(i + 2);
      }
      child.kill('SIGINT');
      child.on('exit', (code) => { process.stdout.write(JSON.stringify({ times, code, startMs })); });
    })();`;
  const r = spawnSync(process.execPath, ['-e', script, cli, dir, spec, out, '7'], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: 600_000,
  });
  try {
    const { times, code, startMs } = JSON.parse(r.stdout) as { times: number[]; code: number; startMs: number };
    const samples = times.map((ms) => ({ ms, stages: {}, rssKb: null, code, stderr: '' }));
    // The first edit after the watch starts is also reported apart (its run may have nothing warm
    // yet), and so is the time from spawning `sync --watch` to its first "watching" line: work done
    // before that line (a warm-up) leaves the first edit but is still a wait for the user.
    report('repo_watch_spec_edit', samples, {
      first_edit_ms: Math.round(times[0] ?? -1),
      start_to_watching_ms: Math.round(startMs),
    });
  } catch {
    process.stdout.write(
      `${JSON.stringify({ workload: 'repo_watch_spec_edit', error: (r.stderr || r.stdout || 'no output').slice(0, 300), node_start_ms: nodeStart() })}\n`,
    );
  }
}

function main(): void {
  if (!existsSync(cli)) throw new Error(`${cli} missing: run npm run build`);
  const scratch = mkdtempSync(path.join(tmpdir(), 'ggen-bench-empty-'));
  measure('help', scratch, ['--help'], 7);

  const repoWorkloads = [
    'repo_cold_sync',
    'repo_noop_sync',
    'repo_check',
    'repo_full_resync',
    'repo_cold_sync_comunica',
    'repo_validate',
    'repo_template_edit_sync',
    'repo_spec_edit_sync',
    'repo_spec_edit_validate',
    'repo_spec_literal_edit_sync',
    'repo_watch_spec_edit',
  ];
  const own = anySelected(...repoWorkloads) ? copyRepoProject() : null;
  if (!anySelected(...repoWorkloads)) {
    /* no repo workload selected */
  } else if (!own)
    process.stdout.write(
      `${JSON.stringify({ workload: 'repo_cold_sync', skipped: 'this repo has no ggen.toml yet' })}\n`,
    );
  else {
    // The other repo workloads start from the cold sync's outputs: it runs (once, unreported) even when not selected.
    const cold = selected('repo_cold_sync')
      ? measure('repo_cold_sync', own, ['sync', '--json'], 5, () => clean(own))
      : [runOnce(own, ['sync', '--json'])];
    if (cold.length > 0 && cold.every((s) => s.code === 0)) {
      measure('repo_noop_sync', own, ['sync', '--json'], 7);
      measure('repo_check', own, ['sync', '--check', '--json'], 7);
      measure('repo_full_resync', own, ['sync', '--full', '--json'], 5, () =>
        rmSync(path.join(own, '.ggen'), { recursive: true, force: true }),
      );
      // The same cold sync on the second engine (the outputs are identical), and `ggen validate`.
      measure('repo_cold_sync_comunica', own, ['sync', '--json', '--engine', 'comunica'], 3, () => clean(own));
      measure('repo_validate', own, ['validate', '--json'], 5);
      const template =
        firstTemplate(path.join(own, 'templates')) ?? firstTemplate(path.join(own, 'packs/otp/templates'));
      if (template) {
        // A Nunjucks comment changes the template's bytes, not its output.
        let n = 0;
        measure('repo_template_edit_sync', own, ['sync', '--json'], 5, () =>
          appendFileSync(template, `{# bench edit ${n++} #}\n`),
        );
      }
      // A new triple changes the graph digest, hence every output's banner, but no output's body.
      const spec = path.join(own, 'specs/telecom.ttl');
      if (existsSync(spec)) {
        let m = 0;
        measure('repo_spec_edit_sync', own, ['sync', '--json'], 5, () =>
          appendFileSync(
            spec,
            `\n<https://ggen.dev/otp> <http://www.w3.org/2000/01/rdf-schema#seeAlso> "bench edit ${m++}" .\n`,
          ),
        );
        // `ggen validate` after a spec edit: the graph cache misses, so this is normalize on a
        // changed graph (parse, inference, digest, SHACL) in a process of its own.
        let v = 0;
        measure('repo_spec_edit_validate', own, ['validate', '--json'], 5, () =>
          appendFileSync(
            spec,
            `\n<https://ggen.dev/otp> <http://www.w3.org/2000/01/rdf-schema#seeAlso> "bench validate edit ${v++}" .\n`,
          ),
        );
        literalEdit(own, spec);
        watchEdit(own, spec);
      }
    }
    rmSync(own, { recursive: true, force: true });
  }

  // A new user's first spec: ~1.5K triples, cold (no receipt, no caches), then validate.
  if (anySelected('new_user_1500_cold_sync', 'new_user_1500_validate')) {
    const dir = syntheticProject(1_500);
    measure('new_user_1500_cold_sync', dir, ['sync', '--json'], 5, () => clean(dir), { triples: 1_500 });
    measure('new_user_1500_validate', dir, ['validate', '--json'], 5, () => {}, { triples: 1_500 });
    rmSync(dir, { recursive: true, force: true });
  }
  // 1M triples: parse, digest, load and query at that size (one summary output, not 100K modules).
  if (selected('synthetic_1000000_cold_sync')) {
    const dir = syntheticProject(1_000_000, '', { perEntity: false });
    measure('synthetic_1000000_cold_sync', dir, ['sync', '--json'], 1, () => clean(dir), {
      triples: 1_000_000,
      modules: 1,
    });
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [triples, runs] of [
    [1_000, 5],
    [10_000, 3],
    [100_000, 2],
  ] as const) {
    if (!anySelected(`synthetic_${triples}_cold_sync`, `synthetic_${triples}_noop_sync`)) continue;
    const dir = syntheticProject(triples);
    const samples = selected(`synthetic_${triples}_cold_sync`)
      ? measure(`synthetic_${triples}_cold_sync`, dir, ['sync', '--json'], runs, () => clean(dir), {
          triples,
          modules: Math.round(triples / 10),
        })
      : [runOnce(dir, ['sync', '--json'])];
    if (samples.length > 0 && samples.every((s) => s.code === 0))
      measure(`synthetic_${triples}_noop_sync`, dir, ['sync', '--json'], 3, () => {}, { triples });
    rmSync(dir, { recursive: true, force: true });
  }
  rmSync(scratch, { recursive: true, force: true });
}

main();
