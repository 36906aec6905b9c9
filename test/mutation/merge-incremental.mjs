#!/usr/bin/env node
/**
 * Merges per-file Stryker runs into the recorded incremental report.
 *
 *   node test/mutation/merge-incremental.mjs <run.json>[=<file>,<file>]... [--into test/mutation/stryker-incremental.json] [--min 80]
 *
 * Each run is the incrementalFile of a `stryker run` over some of the scope (e.g. one file with
 * MUTATE_TESTS naming its suites). A file measured by a run replaces that file's entry; files no run
 * measured are kept. An incremental run also carries the other files of the report it started from:
 * name the files it measured after `=` to take only those. Test ids are per run, so every test is
 * renumbered by (test file, test name) and each mutant's killedBy/coveredBy follows; a test file's
 * source is the one on disk when a run saw that version, else the newest run's (later arguments
 * win): Stryker's incremental mode diffs against it next time.
 * Refuses to write a report whose score is below --min (default: thresholds.break of
 * stryker.config.json), since .ci/mutate-changed would then fail on every change.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, v] = args.splice(i, 2);
  return v;
};
const into = opt('--into') ?? 'test/mutation/stryker-incremental.json';
const config = JSON.parse(readFileSync('stryker.config.json', 'utf8'));
const min = Number(opt('--min') ?? config.thresholds.break);
if (args.length === 0) {
  console.error('usage: merge-incremental.mjs <run.json>... [--into file] [--min score]');
  process.exit(2);
}

const base = JSON.parse(readFileSync(into, 'utf8'));
const reports = [
  { report: base, only: undefined },
  ...args.map((a) => {
    const [f, only] = a.split('=');
    return { report: JSON.parse(readFileSync(f, 'utf8')), only: only?.split(',') };
  }),
];
const onDisk = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

const ids = new Map(); // `${file}\0${name}` -> new id
const testFiles = {};
const idOf = (file, name) => {
  const key = `${file}\0${name}`;
  if (!ids.has(key)) ids.set(key, String(ids.size));
  return ids.get(key);
};

const files = {};
for (const { report: r, only } of reports) {
  const local = new Map();
  for (const [file, tf] of Object.entries(r.testFiles ?? {})) {
    const tests = tf.tests.map((t) => ({ ...t, id: idOf(file, t.name) }));
    for (let i = 0; i < tf.tests.length; i++) local.set(tf.tests[i].id, tests[i].id);
    const known = new Map((testFiles[file]?.tests ?? []).map((t) => [t.id, t]));
    for (const t of tests) known.set(t.id, t);
    const keepSource = testFiles[file] !== undefined && testFiles[file].source === onDisk(file);
    testFiles[file] = { ...tf, source: keepSource ? testFiles[file].source : tf.source, tests: [...known.values()] };
  }
  const map = (list) => (list ?? []).map((id) => local.get(id)).filter((id) => id !== undefined);
  for (const [file, f] of Object.entries(r.files ?? {})) {
    if (only && !only.includes(file)) continue;
    files[file] = {
      ...f,
      mutants: f.mutants.map((m) => ({ ...m, killedBy: map(m.killedBy), coveredBy: map(m.coveredBy) })),
    };
  }
}

let detected = 0;
let undetected = 0;
const perFile = [];
for (const [file, f] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
  const c = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0 };
  for (const m of f.mutants) if (m.status in c) c[m.status]++;
  const d = c.Killed + c.Timeout;
  const u = c.Survived + c.NoCoverage;
  detected += d;
  undetected += u;
  perFile.push(
    `${file}: ${((100 * d) / (d + u)).toFixed(1)}% (${d} killed, ${c.Survived} survived, ${c.NoCoverage} no coverage)`,
  );
}
const score = (100 * detected) / (detected + undetected);
console.log(perFile.join('\n'));
console.log(`whole recorded scope: ${score.toFixed(2)}% (${detected} of ${detected + undetected})`);
if (score < min) {
  console.error(`refusing to write ${into}: ${score.toFixed(2)}% is below ${min}`);
  process.exit(1);
}
writeFileSync(into, `${JSON.stringify({ ...base, files, testFiles }, null, 2)}\n`);
console.log(`wrote ${into}`);
