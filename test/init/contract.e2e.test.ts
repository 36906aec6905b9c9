/**
 * The contract of `ggen init`, end to end, as a user meets it: both packages as `npm pack`
 * tarballs, `ggen init`, `npm install` of the tarballs (other packages from the local npm
 * cache when it has them, else the registry), `npx ggen sync`, `npx tsc --noEmit` with
 * skipLibCheck false, then the generated tests; for the minimal example (a system that is
 * none of this repo's domains), then the telecom example in the same project, then the payments
 * fixture (hand-written code: stubs in src/domains, the user's code put in, compiled and tested),
 * then the chat example.
 *
 * ws and better-sqlite3 are optional peers of the runtime: the minimal app's production tree has
 * neither. Moving to telecom (a durable store) and then chat (a WebSocket gateway), `ggen sync`
 * names what package.json lacks and the test installs exactly that, as a user would from the
 * hint; `ggen init --example` of each domain writes the same packages up front.
 *
 * Affordable: one project serves every example, and better-sqlite3's native build is taken from
 * this checkout (the same pinned version, so the same binary) instead of being compiled again,
 * which is the only install script the project needs. Prints one JSON line with the time of
 * each step, and the production tree (packages, bytes) of the minimal and telecom apps.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, ensureBuilt, repoRoot } from '../cli/helpers.js';

const own = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const work = mkdtempSync(path.join(os.tmpdir(), 'ggen-contract-'));
const app = path.join(work, 'app');
const timings: Record<string, number> = {};
// The child tools must not think they run inside this vitest.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'),
);

function step(name: string, cmd: string, args: string[], cwd = app): string {
  return stepFull(name, cmd, args, cwd).stdout;
}

function stepFull(name: string, cmd: string, args: string[], cwd = app): { stdout: string; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...env, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  timings[name] = Math.round(performance.now() - t0);
  if (r.status !== 0) throw new Error(`${name}: ${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** What `npm ci --omit=dev` would give the app: the package names, and their files' total size. */
function productionTree(name: string): { names: Set<string>; unmet: Set<string>; packages: number; bytes: number } {
  type Node = { version?: string; dependencies?: Record<string, Node> };
  const tree = JSON.parse(step(`npm-ls-${name}`, 'npm', ['ls', '--omit=dev', '--all', '--json'])) as Node;
  const names = new Set<string>();
  // npm lists an optional peer that is not installed as an entry without a version ("UNMET OPTIONAL DEPENDENCY").
  const unmet = new Set<string>();
  const walk = (deps: Record<string, Node> | undefined): void => {
    for (const [n, d] of Object.entries(deps ?? {})) {
      if (d.version === undefined) {
        unmet.add(n);
        continue;
      }
      names.add(n);
      walk(d.dependencies);
    }
  };
  walk(tree.dependencies);
  const dirs = step(`npm-ls-${name}-paths`, 'npm', ['ls', '--omit=dev', '--all', '--parseable'])
    .split('\n')
    .filter((l) => l !== '' && path.resolve(l) !== path.resolve(app));
  const size = (p: string): number => {
    const s = lstatSync(p);
    if (!s.isDirectory()) return s.size;
    // A package's own files; its nested node_modules are packages counted on their own.
    return readdirSync(p)
      .filter((e) => e !== 'node_modules')
      .reduce((sum, e) => sum + size(path.join(p, e)), 0);
  };
  const bytes = [...new Set(dirs)].reduce((sum, d) => sum + size(d), 0);
  process.stdout.write(
    `${JSON.stringify({ workload: 'init-contract', app: name, productionPackages: names.size, productionBytes: bytes })}\n`,
  );
  return { names, unmet, packages: names.size, bytes };
}

/** The dependencies `ggen init --example <example>` writes, read from a fresh project of that example. */
function initDeps(example: string): { dependencies: Record<string, string>; devDependencies: Record<string, string> } {
  step(`init-${example}`, process.execPath, [cliPath, 'init', example, '--example', example], work);
  return JSON.parse(readFileSync(path.join(work, example, 'package.json'), 'utf8'));
}

/** The `npm install ...` hint lines of sync's npm/missing-package warnings, as argument lists. */
function installHints(stderr: string): string[][] {
  return [...stderr.matchAll(/^\s*hint: npm install (.+)$/gm)].map((m) => m[1]!.split(' '));
}

/** better-sqlite3's install script would compile it; this checkout's build is the same version. */
function copyNativeSqlite(): void {
  const own = path.join(repoRoot, 'node_modules/better-sqlite3');
  const theirs = path.join(app, 'node_modules/better-sqlite3');
  expect(JSON.parse(readFileSync(path.join(theirs, 'package.json'), 'utf8')).version).toBe(
    JSON.parse(readFileSync(path.join(own, 'package.json'), 'utf8')).version,
  );
  cpSync(path.join(own, 'build/Release/better_sqlite3.node'), path.join(theirs, 'build/Release/better_sqlite3.node'));
}

const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'];

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
    step('install', 'npm', ['install', ...NPM_FLAGS]);

    // The app's production tree holds the runtime and what it needs, not the generator's libraries,
    // and not the runtime's optional peers: the minimal spec has no durable store and no gateway.
    const { names, unmet } = productionTree('minimal');
    expect([...unmet].sort()).toEqual(['better-sqlite3', 'ws']);
    expect(names.has('@ggen-ts/runtime')).toBe(true);
    for (const banned of ['ggen-ts', 'n3', 'prettier', 'nunjucks', '@comunica/query-sparql-rdfjs-lite'])
      expect(names.has(banned), banned).toBe(false);
    expect([...names].filter((n) => n.startsWith('@comunica/'))).toEqual([]);
    for (const peer of ['ws', 'better-sqlite3', 'prebuild-install', 'bindings', '@types/ws', '@types/better-sqlite3'])
      expect(names.has(peer), peer).toBe(false);
    // Not even as a dev dependency: nothing in the whole install needs them.
    expect(existsSync(path.join(app, 'node_modules/ws'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/better-sqlite3'))).toBe(false);
    process.stdout.write(
      `${JSON.stringify({ workload: 'init-contract', productionDependencies: [...names].sort() })}\n`,
    );

    const syncMinimal = stepFull('sync-minimal', 'npx', ['ggen', 'sync']);
    expect(syncMinimal.stderr).not.toContain('npm/missing-package');
    expect(existsSync(path.join(app, 'generated/hello/index.ts'))).toBe(true);
    step('tsc-minimal', 'npx', ['tsc', '--noEmit']);
    const minimal = step('test-minimal', 'npx', ['vitest', 'run']);
    expect(minimal).toMatch(/Tests\s+\d+ passed/);

    // The domain example, in the same project: its spec replaces the starter one.
    // Its durable store and ledger need better-sqlite3: init of the telecom example writes it, and
    // sync in the minimal project names it; installing what the hint says is all it takes.
    const telecomInit = initDeps('telecom');
    expect(telecomInit.dependencies).toEqual({
      '@ggen-ts/runtime': '0.1.0',
      'better-sqlite3': own.devDependencies['better-sqlite3'],
    });
    rmSync(path.join(app, 'specs/hello.ttl'));
    cpSync(path.join(work, 'telecom/specs/telecom.ttl'), path.join(app, 'specs/telecom.ttl'));
    const syncTelecom = stepFull('sync-telecom', 'npx', ['ggen', 'sync']);
    expect(syncTelecom.stderr).toMatch(
      /package\.json: warning: lacks better-sqlite3, which the generated code needs for otp:DurableStore <[^>]+>.* \[npm\/missing-package\]/,
    );
    expect(syncTelecom.stderr).not.toMatch(/lacks (ws|@types\/ws)/);
    expect(existsSync(path.join(app, 'generated/hello'))).toBe(false);
    expect(existsSync(path.join(app, 'generated/telecom/index.ts'))).toBe(true);
    const telecomHints = installHints(syncTelecom.stderr);
    expect(telecomHints).toEqual([['--save-exact', `better-sqlite3@${own.devDependencies['better-sqlite3']}`]]);
    for (const hint of telecomHints) step('install-telecom', 'npm', ['install', ...hint, ...NPM_FLAGS]);
    copyNativeSqlite();
    expect(JSON.parse(readFileSync(pkgFile, 'utf8')).dependencies).toEqual({
      ...telecomInit.dependencies,
      '@ggen-ts/runtime': `file:${runtimeTgz}`,
    });
    const telecomTree = productionTree('telecom');
    expect(telecomTree.names.has('better-sqlite3')).toBe(true);
    expect(telecomTree.names.has('ws')).toBe(false);
    expect([...telecomTree.unmet]).toEqual(['ws']);
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

    // The chat example: its gateway and protocol need ws (and its types, which the generated
    // protocol module's client imports); better-sqlite3 is there already.
    const chatInit = initDeps('chat');
    expect(chatInit.dependencies).toEqual({
      '@ggen-ts/runtime': '0.1.0',
      'better-sqlite3': own.devDependencies['better-sqlite3'],
      ws: own.devDependencies.ws,
    });
    expect(chatInit.devDependencies['@types/ws']).toBe(own.devDependencies['@types/ws']);
    rmSync(path.join(app, 'specs/payments.ttl'));
    rmSync(path.join(app, 'src/domains'), { recursive: true, force: true });
    cpSync(path.join(work, 'chat/specs/chat.ttl'), path.join(app, 'specs/chat.ttl'));
    const syncChat = stepFull('sync-chat', 'npx', ['ggen', 'sync']);
    expect(syncChat.stderr).toMatch(/lacks ws, which the generated code needs for otp:WebSocketGateway <[^>]+>/);
    expect(syncChat.stderr).not.toContain('lacks better-sqlite3');
    const chatHints = installHints(syncChat.stderr);
    expect(chatHints).toEqual([
      ['--save-exact', `ws@${own.devDependencies.ws}`],
      ['--save-dev', '--save-exact', `@types/ws@${own.devDependencies['@types/ws']}`],
    ]);
    for (const hint of chatHints) step('install-chat', 'npm', ['install', ...hint, ...NPM_FLAGS]);
    copyNativeSqlite(); // npm may have re-extracted it without its (skipped) build
    step('tsc-chat', 'npx', ['tsc', '--noEmit']);
    const chat = step('test-chat', 'npx', ['vitest', 'run']);
    expect(chat).toMatch(/Tests\s+\d+ passed/);
    expect(chat).not.toMatch(/failed/);
  }, 1_800_000);
});
