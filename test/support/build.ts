/**
 * Vitest globalSetup: brings dist/ up to date before any test runs, so suites that run compiled
 * code (the CLI end to end, crash durability, several processes, the format worker) never test
 * an old build. Cheap when nothing changed: a walk comparing modification times against the stamp
 * of the last build made here; otherwise `npm run build`, which is incremental (tsc --incremental),
 * so after `npm test` has just built, it costs nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const STAMP = path.join(root, 'dist', '.build-stamp');
const ENTRY = path.join(root, 'dist', 'src', 'cli', 'main.js');
/** What tsconfig.json compiles, and the files that change how it compiles. */
const SOURCE_DIRS = ['src', 'packs', 'generated', 'bench', 'packages/runtime/src'];
const SOURCE_FILES = [
  'tsconfig.json',
  'package.json',
  'packages/runtime/tsconfig.json',
  'packages/runtime/package.json',
];

function newest(dir: string): number {
  let t = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.(ts|json)$/.test(e.name) && !e.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Why dist/ must be rebuilt, or undefined when it is current. */
export function buildNeeded(): string | undefined {
  if (!existsSync(ENTRY)) return 'dist/ is missing';
  if (!existsSync(STAMP)) return 'dist/ was not built by the test setup';
  const built = statSync(STAMP).mtimeMs;
  const src = Math.max(
    ...SOURCE_DIRS.map((d) => newest(path.join(root, d))),
    ...SOURCE_FILES.map((f) => statSync(path.join(root, f)).mtimeMs),
  );
  return src > built ? 'sources are newer than dist/' : undefined;
}

export default function setup(): void {
  const why = buildNeeded();
  if (!why) return;
  // An incremental build trusts its .tsbuildinfo; without the entry point that would be wrong.
  if (!existsSync(ENTRY)) rmSync(path.join(root, 'dist', '.tsbuildinfo'), { force: true });
  const started = Date.now();
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`test setup: ${why}, and \`npm run build\` failed:\n${r.stdout}${r.stderr}`);
  // The stamp carries the time the build started: a source saved during the build is newer, so the next run rebuilds.
  writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
  utimesSync(STAMP, started / 1000, started / 1000);
}
