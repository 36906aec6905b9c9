/**
 * The contract of `ggen init`, end to end, as a user meets it: both packages as `npm pack`
 * tarballs, `ggen init`, `npm install` of the tarballs (other packages from the local npm
 * cache when it has them, else the registry), `npx ggen sync`, `npx tsc --noEmit` with
 * skipLibCheck false, then the generated tests; for the minimal example (a system that is
 * none of this repo's domains), then the telecom example in the same project, then the payments
 * fixture (hand-written code: stubs in src/domains, the user's code put in, compiled and tested).
 *
 * Affordable: one install serves both examples, and better-sqlite3's native build is taken from
 * this checkout (the same pinned version, so the same binary) instead of being compiled again,
 * which is the only install script the project needs. Prints one JSON line with the time of
 * each step.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, ensureBuilt, repoRoot } from '../cli/helpers.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'ggen-contract-'));
const app = path.join(work, 'app');
const timings: Record<string, number> = {};
// The child tools must not think they run inside this vitest.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'),
);

function step(name: string, cmd: string, args: string[], cwd = app): string {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...env, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  timings[name] = Math.round(performance.now() - t0);
  if (r.status !== 0) throw new Error(`${name}: ${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

afterAll(() => {
  process.stdout.write(`${JSON.stringify({ workload: 'init-contract', ms: timings })}\n`);
  rmSync(work, { recursive: true, force: true });
}, 300_000);

describe('ggen init: the end-to-end contract', () => {
  beforeAll(() => ensureBuilt());

  it('init, npm install (tarballs), sync, tsc --noEmit (skipLibCheck false) and the generated tests pass: minimal, telecom, then payments (hand-written code)', () => {
    // Both tarballs, as npm would publish them (dist/ is built by npm test before this runs).
    step(
      'pack',
      'npm',
      ['pack', '--ignore-scripts', '--workspaces', '--include-workspace-root', '--pack-destination', work, '--silent'],
      repoRoot,
    );
    const tarballs = readdirSync(work)
      .filter((f) => f.endsWith('.tgz'))
      .sort();
    expect(tarballs).toEqual(['ggen-ts-0.1.0.tgz', 'ggen-ts-runtime-0.1.0.tgz']);
    const [ggenTgz, runtimeTgz] = tarballs.map((t) => path.join(work, t));
    // What a user downloads: each tarball's size and file count (printed for the record, not asserted).
    process.stdout.write(
      `${JSON.stringify({
        workload: 'init-contract',
        tarballs: tarballs.map((t) => ({
          name: t,
          bytes: statSync(path.join(work, t)).size,
          files: step(`list-${t}`, 'tar', ['-tzf', path.join(work, t)], work)
            .split('\n')
            .filter((l) => l !== '' && !l.endsWith('/')).length,
        })),
      })}\n`,
    );

    step('init', process.execPath, [cliPath, 'init', 'app'], work);
    // The pinned versions init wrote, pointed at the tarballs (nothing is published yet).
    const pkgFile = path.join(app, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    expect(pkg.dependencies).toEqual({ '@ggen-ts/runtime': '0.1.0' });
    expect(pkg.devDependencies['ggen-ts']).toBe('0.1.0');
    pkg.dependencies['@ggen-ts/runtime'] = `file:${runtimeTgz}`;
    pkg.devDependencies['ggen-ts'] = `file:${ggenTgz}`;
    writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
    step('install', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts']);
    // better-sqlite3's install script would compile it; this checkout's build is the same version.
    const own = path.join(repoRoot, 'node_modules/better-sqlite3');
    const theirs = path.join(app, 'node_modules/better-sqlite3');
    expect(JSON.parse(readFileSync(path.join(theirs, 'package.json'), 'utf8')).version).toBe(
      JSON.parse(readFileSync(path.join(own, 'package.json'), 'utf8')).version,
    );
    cpSync(path.join(own, 'build/Release/better_sqlite3.node'), path.join(theirs, 'build/Release/better_sqlite3.node'));

    // The app's production tree holds the runtime and what it needs, not the generator's libraries.
    const prod = JSON.parse(step('npm-ls-prod', 'npm', ['ls', '--omit=dev', '--all', '--json'])) as {
      dependencies?: Record<string, { dependencies?: object }>;
    };
    const names = new Set<string>();
    const walk = (deps: Record<string, { dependencies?: object }> | undefined): void => {
      for (const [name, d] of Object.entries(deps ?? {})) {
        names.add(name);
        walk(d.dependencies as Record<string, { dependencies?: object }> | undefined);
      }
    };
    walk(prod.dependencies);
    expect(names.has('@ggen-ts/runtime')).toBe(true);
    for (const banned of ['ggen-ts', 'n3', 'prettier', 'nunjucks', '@comunica/query-sparql-rdfjs-lite'])
      expect(names.has(banned), banned).toBe(false);
    expect([...names].filter((n) => n.startsWith('@comunica/'))).toEqual([]);
    process.stdout.write(
      `${JSON.stringify({ workload: 'init-contract', productionDependencies: [...names].sort() })}\n`,
    );

    step('sync-minimal', 'npx', ['ggen', 'sync']);
    expect(existsSync(path.join(app, 'generated/hello/index.ts'))).toBe(true);
    step('tsc-minimal', 'npx', ['tsc', '--noEmit']);
    const minimal = step('test-minimal', 'npx', ['vitest', 'run']);
    expect(minimal).toMatch(/Tests\s+\d+ passed/);

    // The domain example, in the same project: its spec replaces the starter one.
    step('init-telecom', process.execPath, [cliPath, 'init', 'telecom', '--example', 'telecom'], work);
    rmSync(path.join(app, 'specs/hello.ttl'));
    cpSync(path.join(work, 'telecom/specs/telecom.ttl'), path.join(app, 'specs/telecom.ttl'));
    step('sync-telecom', 'npx', ['ggen', 'sync']);
    expect(existsSync(path.join(app, 'generated/hello'))).toBe(false);
    expect(existsSync(path.join(app, 'generated/telecom/index.ts'))).toBe(true);
    step('tsc-telecom', 'npx', ['tsc', '--noEmit']);
    const telecom = step('test-telecom', 'npx', ['vitest', 'run']);
    expect(telecom).toMatch(/Tests\s+\d+ passed/);
    expect(telecom).not.toMatch(/failed/);

    // Hand-written code (the generation gap): stubs land in src/domains, outside generated/; the
    // user's code replaces them; it compiles with skipLibCheck false and the generated tests pass.
    const fixture = path.join(repoRoot, 'test/fixtures/payments');
    rmSync(path.join(app, 'specs/telecom.ttl'));
    cpSync(path.join(fixture, 'specs/payments.ttl'), path.join(app, 'specs/payments.ttl'));
    step('sync-payments', 'npx', ['ggen', 'sync']);
    for (const f of ['payment-validator-checks.ts', 'payment.ts'])
      expect(readFileSync(path.join(app, 'src/domains/payments', f), 'utf8')).toContain('not implemented');
    step('tsc-payments-stubs', 'npx', ['tsc', '--noEmit']);
    for (const f of ['payment-validator-checks.ts', 'payment.ts'])
      cpSync(path.join(fixture, 'handwritten', f), path.join(app, 'src/domains/payments', f));
    step('tsc-payments', 'npx', ['tsc', '--noEmit']);
    const payments = step('test-payments', 'npx', ['vitest', 'run']);
    expect(payments).toMatch(/Tests\s+\d+ passed/);
    expect(payments).not.toMatch(/failed/);
  }, 1_800_000);
});
