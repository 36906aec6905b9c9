/**
 * ws and better-sqlite3 are optional peer dependencies of @ggen-ts/runtime: importing the runtime
 * must not load them, and a mechanism that needs a missing one must say which package to install
 * and why, not throw the module loader's stack. Resolved from a temporary directory that has
 * neither, as in an app whose spec uses no SQLite-backed pattern and no WebSocket gateway.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MissingPackageError, requireOptional } from '../../packages/runtime/src/optional-package.js';
import { repoRoot } from '../cli/helpers.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'ggen-peers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('requireOptional', () => {
  it('loads an installed peer from the runtime itself', () => {
    const ws = requireOptional<{ WebSocketServer?: unknown }>('ws', 'a test');
    expect(typeof ws.WebSocketServer).toBe('function');
  });

  for (const name of ['better-sqlite3', 'ws'] as const) {
    it(`names ${name}, who needed it and how to install it when it cannot be resolved`, () => {
      const from = pathToFileURL(path.join(work, 'nowhere.js'));
      let caught: unknown;
      try {
        requireOptional(name, 'the test mechanism (otp:Something)', from);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(MissingPackageError);
      const e = caught as MissingPackageError;
      expect(e.packageName).toBe(name);
      expect(e.code).toBe('GGEN_MISSING_PACKAGE');
      expect(e.message).toMatch(new RegExp(`^the test mechanism \\(otp:Something\\) needs the npm package ${name}, `));
      // The range comes from the runtime's peerDependencies, so the advice matches what it was tested with.
      expect(e.message).toContain(`npm install ${name}@">=`);
      expect((e.cause as { code?: string }).code).toBe('MODULE_NOT_FOUND');
    });
  }

  it('passes other load failures through unchanged (a broken install is not a missing one)', () => {
    const dir = path.join(work, 'broken');
    mkdirSync(path.join(dir, 'node_modules/ws'), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules/ws/package.json'), '{"name":"ws","main":"index.js"}');
    writeFileSync(path.join(dir, 'node_modules/ws/index.js'), "require('./lib/missing-part');");
    expect(() => requireOptional('ws', 'x', pathToFileURL(path.join(dir, 'a.js')))).toThrow(
      /Cannot find module '\.\/lib\/missing-part'/,
    );
  });
});

describe('the built runtime in an app without ws and better-sqlite3', () => {
  it('imports without them; openDatabase and startGateway fail with MissingPackageError naming the package', () => {
    const dist = path.join(repoRoot, 'packages/runtime/dist');
    expect(existsSync(path.join(dist, 'index.js')), 'packages/runtime/dist is built by the test setup').toBe(true);
    const app = path.join(work, 'app');
    const runtime = path.join(app, 'node_modules/@ggen-ts/runtime');
    mkdirSync(runtime, { recursive: true });
    cpSync(dist, path.join(runtime, 'dist'), { recursive: true });
    cpSync(path.join(repoRoot, 'packages/runtime/package.json'), path.join(runtime, 'package.json'));
    writeFileSync(
      path.join(app, 'main.mjs'),
      `
import * as rt from '@ggen-ts/runtime';
const out = { loaded: Object.keys(rt).length > 0 };
try { rt.openDatabase('x.db', { journalMode: 'wal', synchronous: 'full', neededBy: 'otp:Ledger "ledger"' }); }
catch (e) { out.sqlite = { name: e.name, pkg: e.packageName, message: e.message }; }
try { await rt.startGateway({ port: 0, protocol: { maxFrameBytes: 1024 }, onConnect() { throw new Error('unreachable'); } }); }
catch (e) { out.ws = { name: e.name, pkg: e.packageName, message: e.message }; }
console.log(JSON.stringify(out));
`,
    );
    const r = spawnSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, { name: string; pkg: string; message: string }> & {
      loaded: boolean;
    };
    expect(out.loaded).toBe(true);
    expect(out.sqlite!.name).toBe('MissingPackageError');
    expect(out.sqlite!.pkg).toBe('better-sqlite3');
    expect(out.sqlite!.message).toMatch(
      /^openDatabase\(x\.db\) for otp:Ledger "ledger" needs the npm package better-sqlite3/,
    );
    expect(out.ws!.name).toBe('MissingPackageError');
    expect(out.ws!.pkg).toBe('ws');
    expect(out.ws!.message).toMatch(/^startGateway \(otp:WebSocketGateway\) needs the npm package ws/);
  });
});
