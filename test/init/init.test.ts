import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initFiles } from '../../src/init/index.js';
import { ensureBuilt, ggen, repoRoot } from '../cli/helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ggen-init-'));
  dirs.push(d);
  return d;
};
const own = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

describe('ggen init', () => {
  beforeAll(() => ensureBuilt());

  it('writes ggen.toml with a schema line, a starter spec, package.json, tsconfig.json and .gitignore', () => {
    const parent = tmp();
    const r = ggen(parent, ['init', 'My App']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dir = path.join(parent, 'My App');
    const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
    expect(read('ggen.toml').split('\n')[0]).toBe('#:schema ./node_modules/ggen-ts/schema/ggen.schema.json');
    expect(read('ggen.toml')).toContain('packs = ["otp"]');
    expect(read('ggen.toml')).toContain('handwritten_dir = "src/domains"');
    expect(read('specs/hello.ttl')).toBe(readFileSync(path.join(repoRoot, 'packs/otp/examples/minimal.ttl'), 'utf8'));
    const pkg = JSON.parse(read('package.json'));
    expect(pkg).toMatchObject({ name: 'my-app', type: 'module', private: true });
    expect(Object.keys(pkg.scripts).sort()).toEqual(['check', 'generate', 'test']);
    expect(pkg.scripts.generate).toBe('ggen sync');
    // The runtime is the only production dependency (the minimal spec uses no pattern that needs
    // ws or better-sqlite3); the generator is a dev tool. Both pinned to this version.
    expect(pkg.dependencies).toEqual({ '@ggen-ts/runtime': own.version });
    expect(Object.keys(pkg.devDependencies).sort()).toEqual(['@types/node', 'ggen-ts', 'typescript', 'vitest']);
    expect(pkg.devDependencies['ggen-ts']).toBe(own.version);
    for (const [name, v] of Object.entries(pkg.devDependencies as Record<string, string>)) {
      expect(v, name).toMatch(/^\d+\.\d+\.\d+$/);
      if (name !== 'ggen-ts') expect(v, name).toBe(own.devDependencies[name]);
    }
    expect(JSON.parse(read('tsconfig.json')).compilerOptions).toMatchObject({
      skipLibCheck: false,
      strict: true,
      module: 'NodeNext',
    });
    expect(read('.gitignore').split('\n')).toContain('.ggen/');
  });

  it('starts from a domain example, with the npm packages its patterns need (ws for its gateway and protocol)', async () => {
    const dir = tmp();
    expect(ggen(dir, ['init', '.', '--example', 'chat']).code).toBe(0);
    expect(readFileSync(path.join(dir, 'specs/chat.ttl'), 'utf8')).toBe(
      readFileSync(path.join(repoRoot, 'specs/chat.ttl'), 'utf8'),
    );
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toEqual({
      '@ggen-ts/runtime': own.version,
      'better-sqlite3': own.devDependencies['better-sqlite3'],
      ws: own.devDependencies.ws,
    });
    expect(pkg.devDependencies['@types/ws']).toBe(own.devDependencies['@types/ws']);
    expect((await initFiles(dir, 'telecom')).map((f) => f.path)).toEqual([
      'ggen.toml',
      'specs/telecom.ttl',
      'package.json',
      'tsconfig.json',
      '.gitignore',
    ]);
  });

  // pack.toml npm_packages, applied to each starter spec: only what its patterns need, pinned to
  // the versions this repo tests with; nothing ggen-specific reaches dependencies.
  const sqlite = { 'better-sqlite3': '' };
  for (const [example, runtimeExtras, devExtras] of [
    ['minimal', {}, {}],
    ['telecom', sqlite, {}],
    ['autonomics', sqlite, {}],
    ['chat', { ...sqlite, ws: '' }, { '@types/ws': '' }],
  ] as const) {
    it(`${example}: package.json has exactly the optional packages its spec needs`, async () => {
      const files = await initFiles(tmp(), example);
      const pkg = JSON.parse(files.find((f) => f.path === 'package.json')!.content);
      const pinned = (o: object): Record<string, string> =>
        Object.fromEntries(Object.keys(o).map((k) => [k, own.devDependencies[k]!]));
      expect(pkg.dependencies).toEqual({ '@ggen-ts/runtime': own.version, ...pinned(runtimeExtras) });
      expect(pkg.devDependencies).toEqual({
        '@types/node': own.devDependencies['@types/node'],
        'ggen-ts': own.version,
        typescript: own.devDependencies.typescript,
        vitest: own.devDependencies.vitest,
        ...pinned(devExtras),
      });
      // Keys sorted, as npm itself writes them.
      expect(Object.keys(pkg.dependencies)).toEqual(Object.keys(pkg.dependencies).sort());
      expect(Object.keys(pkg.devDependencies)).toEqual(Object.keys(pkg.devDependencies).sort());
    });
  }

  it('refuses to overwrite existing files, lists them and writes nothing; --force overwrites', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'package.json'), '{"name":"mine"}\n');
    mkdirSync(path.join(dir, 'specs'));
    writeFileSync(path.join(dir, 'specs/hello.ttl'), '# mine\n');
    const r = ggen(dir, ['init']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ggen init stopped; nothing was written: these files exist (--force overwrites):');
    expect(r.stderr).toContain(path.join('specs', 'hello.ttl'));
    expect(r.stderr).toContain('package.json');
    expect(r.stderr).not.toContain('tsconfig.json');
    expect(existsSync(path.join(dir, 'ggen.toml'))).toBe(false);
    expect(readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe('{"name":"mine"}\n');
    const f = ggen(dir, ['init', '--force']);
    expect(f.code).toBe(0);
    expect(readFileSync(path.join(dir, 'specs/hello.ttl'), 'utf8')).not.toBe('# mine\n');
    expect(existsSync(path.join(dir, 'ggen.toml'))).toBe(true);
  });

  it('rejects an unknown example with exit 2', () => {
    const dir = tmp();
    const r = ggen(dir, ['init', '--example', 'payments']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--example: unknown example "payments" (choose one of minimal, telecom, chat, autonomics)',
    );
    expect(existsSync(path.join(dir, 'ggen.toml'))).toBe(false);
  });
});
