/**
 * Every tutorial under docs/tutorials runs, as a reader would follow it: each in an empty
 * directory, every shell block with bash (the working directory carries over from block to
 * block, as in one terminal), every file block written where it says, and every block marked
 * `<!-- doc-test: output -->` compared with the stdout of the shell block before it. A tutorial
 * that no longer works fails the build. (Conventions: test/docs/markdown.ts.)
 *
 * What a reader gets from npm, the test takes from this checkout, once for every tutorial:
 * `npx ggen-ts` resolves to it, and the `doc-test: use-local-packages` step (hidden in the page)
 * points the new project's package.json at the `npm pack` tarballs before `npm install`, which
 * installs other packages from the local npm cache when it has them, else from the registry,
 * with no install scripts; `doc-test: native-sqlite` then puts this checkout's better-sqlite3
 * build in place of compiling it. Prints one JSON line with each tutorial's time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../cli/helpers.js';
import {
  childEnv,
  copyNativeSqlite,
  NPM_INSTALL_ENV,
  packTarballs,
  pinToTarballs,
  provideGgenIn,
  type LocalPackages,
} from '../support/local-packages.js';
import { outputMatches, steps } from './markdown.js';

const tutorialsDir = path.join(repoRoot, 'docs/tutorials');
const tutorials = readdirSync(tutorialsDir)
  .filter((f) => /^\d.*\.md$/.test(f))
  .sort();
const work = mkdtempSync(path.join(os.tmpdir(), 'ggen-doc-tutorials-'));
const timings: Record<string, number> = {};
/** Each shell block's time, by tutorial:line, to see where a tutorial's time goes. */
const stepsMs: Record<string, number> = {};
let pkgs: LocalPackages;

beforeAll(() => {
  ensureBuilt();
  const t0 = performance.now();
  pkgs = packTarballs(work);
  provideGgenIn(work);
  timings.pack = Math.round(performance.now() - t0);
}, 300_000);

afterAll(() => {
  process.stdout.write(`${JSON.stringify({ workload: 'doc-tutorials', ms: timings, stepsMs })}\n`);
  // Three projects' node_modules take minutes to delete on a loaded machine; let rm do it
  // after the run instead of holding the suite (the directory is ours, under the OS temp dir).
  spawn('rm', ['-rf', work], { detached: true, stdio: 'ignore' }).unref();
});

function run(file: string): void {
  const md = readFileSync(path.join(tutorialsDir, file), 'utf8');
  const home = path.join(work, path.basename(file, '.md'));
  mkdirSync(home);
  let cwd = home;
  let last: { stdout: string; stderr: string; line: number } | undefined;
  const cwdFile = path.join(work, `.cwd-${path.basename(file, '.md')}`);
  const where = (line: number): string => `docs/tutorials/${file}:${line}`;
  for (const step of steps(md)) {
    switch (step.kind) {
      case 'shell': {
        const t0 = performance.now();
        const r = spawnSync('bash', ['-eo', 'pipefail', '-c', `${step.code}\npwd > ${JSON.stringify(cwdFile)}`], {
          cwd,
          env: childEnv({ ...NPM_INSTALL_ENV, FORCE_COLOR: '0' }),
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
          timeout: 600_000,
        });
        if (r.status !== 0)
          throw new Error(
            `${where(step.line)}: the shell block exited ${r.status ?? r.signal}\n--- block\n${step.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
          );
        stepsMs[`${file}:${step.line}`] = Math.round(performance.now() - t0);
        cwd = readFileSync(cwdFile, 'utf8').trim();
        last = { stdout: r.stdout, stderr: r.stderr, line: step.line };
        break;
      }
      case 'file': {
        const target = path.resolve(cwd, step.path);
        mkdirSync(path.dirname(target), { recursive: true });
        if (step.append) appendFileSync(target, step.code);
        else writeFileSync(target, step.code);
        break;
      }
      case 'output': {
        if (!last) throw new Error(`${where(step.line)}: an output block with no shell block before it`);
        if (!outputMatches(last.stdout, step.expected))
          expect.fail(
            `${where(step.line)}: the output of the block at line ${last.line} differs\n--- expected\n${step.expected}\n--- actual stdout\n${last.stdout}\n--- stderr\n${last.stderr}`,
          );
        break;
      }
      case 'directive': {
        if (step.name === 'use-local-packages') pinToTarballs(cwd, pkgs);
        else if (step.name === 'native-sqlite') copyNativeSqlite(cwd);
        else throw new Error(`${where(step.line)}: unknown doc-test step "${step.name}"`);
        break;
      }
    }
  }
}

describe('the tutorials run', () => {
  it('there are tutorials, and each has shell blocks and compared output', () => {
    expect(tutorials.length).toBeGreaterThanOrEqual(3);
    for (const t of tutorials) {
      const s = steps(readFileSync(path.join(tutorialsDir, t), 'utf8'));
      expect(s.filter((x) => x.kind === 'shell').length, t).toBeGreaterThan(0);
      expect(s.filter((x) => x.kind === 'output').length, t).toBeGreaterThan(0);
    }
  });

  for (const t of tutorials) {
    it(
      t,
      () => {
        const t0 = performance.now();
        try {
          run(t);
        } finally {
          timings[t] = Math.round(performance.now() - t0);
        }
      },
      1_200_000,
    );
  }
});
