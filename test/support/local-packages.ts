/**
 * This checkout as the packages a user would install from npm, for tests that play a user
 * (the doc tutorials): both `npm pack` tarballs, made once; a project's package.json pointed at
 * them; and better-sqlite3's native build taken from this checkout (the same pinned version,
 * so the same binary) instead of compiled again. Follows test/init/contract.e2e.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../cli/helpers.js';

export interface LocalPackages {
  ggen: string;
  runtime: string;
}

/** The environment of a child tool, without what tells it that it runs inside vitest. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] =>
        e[1] !== undefined && !e[0].startsWith('VITEST') && e[0] !== 'NODE_OPTIONS' && e[0] !== 'TEST',
    ),
  );
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Both tarballs, as npm would publish them, into `dir` (dist/ must be built). */
export function packTarballs(dir: string): LocalPackages {
  const r = spawnSync(
    'npm',
    ['pack', '--ignore-scripts', '--workspaces', '--include-workspace-root', '--pack-destination', dir, '--silent'],
    { cwd: repoRoot, env: childEnv(), encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`npm pack exited ${r.status}: ${r.stderr}`);
  const tgz = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  const find = (prefix: string): string => {
    const f = tgz.find((t) => t.startsWith(prefix) && /^\d/.test(t.slice(prefix.length)));
    if (!f) throw new Error(`npm pack wrote no ${prefix}*.tgz in ${dir}`);
    return path.join(dir, f);
  };
  return { ggen: find('ggen-ts-'), runtime: find('ggen-ts-runtime-') };
}

/**
 * Makes `npx ggen-ts` resolve, under `dir`, to this checkout (as if ggen-ts were installed
 * there), so `npx ggen-ts init` needs no registry.
 */
export function provideGgenIn(dir: string): void {
  mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(repoRoot, path.join(dir, 'node_modules/ggen-ts'), 'dir');
  symlinkSync('../ggen-ts/dist/src/cli/main.js', path.join(dir, 'node_modules/.bin/ggen'));
}

/** Points a project made by `ggen init` at the tarballs (nothing is published yet). */
export function pinToTarballs(project: string, pkgs: LocalPackages): void {
  const file = path.join(project, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  if (!pkg.dependencies['@ggen-ts/runtime'] || !pkg.devDependencies['ggen-ts'])
    throw new Error(`${file} does not depend on @ggen-ts/runtime and ggen-ts`);
  pkg.dependencies['@ggen-ts/runtime'] = `file:${pkgs.runtime}`;
  pkg.devDependencies['ggen-ts'] = `file:${pkgs.ggen}`;
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}

/** npm settings for an install of the tarballs: no install scripts, the local cache first. */
export const NPM_INSTALL_ENV = {
  npm_config_ignore_scripts: 'true',
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

/** better-sqlite3's install script would compile it; this checkout's build is the same version. */
export function copyNativeSqlite(project: string): void {
  const own = path.join(repoRoot, 'node_modules/better-sqlite3');
  const theirs = path.join(project, 'node_modules/better-sqlite3');
  const version = (dir: string): string =>
    (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  if (version(own) !== version(theirs))
    throw new Error(`better-sqlite3 ${version(theirs)} in ${project}, ${version(own)} here`);
  mkdirSync(path.join(theirs, 'build/Release'), { recursive: true });
  copyFileSync(
    path.join(own, 'build/Release/better_sqlite3.node'),
    path.join(theirs, 'build/Release/better_sqlite3.node'),
  );
}
