/**
 * `ggen sync` and the npm packages a spec's patterns need (pack.toml `npm_packages`): it warns,
 * naming the package, the class and the instance, when the project's package.json lacks one, is
 * quiet once it is declared, and never edits package.json itself.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initProject } from '../../src/init/index.js';
import { ensureBuilt, ggen } from '../cli/helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A minimal project (ggen init) plus a pack of its own that maps otp:RoutingTable to an npm package. */
async function project(pack: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ggen-app-packages-'));
  dirs.push(dir);
  await initProject(dir);
  mkdirSync(path.join(dir, 'extra/templates'), { recursive: true });
  writeFileSync(path.join(dir, 'extra/pack.toml'), pack);
  const toml = path.join(dir, 'ggen.toml');
  writeFileSync(toml, readFileSync(toml, 'utf8').replace('packs = ["otp"]', 'packs = ["otp", "./extra"]'));
  return dir;
}

const EXTRA = `name = "extra"
version = "1.0.0"
ggen = ">=0.1.0"

[ontology.prefixes]
otp = "https://ggen.dev/otp#"

[[npm_packages]]
name = "left-pad"
version = "1.3.0"
types = "@types/left-pad"
types_version = "1.2.0"
classes = ["otp:RoutingTable", "otp:Ledger"]
`;

describe('ggen sync: npm packages the spec needs', () => {
  beforeAll(() => ensureBuilt());

  it('warns for each package the spec needs and package.json lacks, naming the class and the instance; quiet once declared', async () => {
    const dir = await project(EXTRA);
    const pkgFile = path.join(dir, 'package.json');
    const before = readFileSync(pkgFile, 'utf8');
    const r = ggen(dir, ['sync']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'package.json: warning: lacks left-pad, which the generated code needs for otp:RoutingTable <https://example.org/hello#greetings> (pack extra) [npm/missing-package]',
    );
    expect(r.stderr).toContain('hint: npm install --save-exact left-pad@1.3.0');
    expect(r.stderr).toContain('lacks @types/left-pad');
    expect(r.stderr).toContain('hint: npm install --save-dev --save-exact @types/left-pad@1.2.0');
    // The spec has no otp:Ledger, so it is not given as a reason; the otp pack needs nothing for it.
    expect(r.stderr).not.toContain('otp:Ledger');
    expect(r.stderr).not.toMatch(/better-sqlite3|lacks ws/);
    // Reported, not acted on: the user's package.json is theirs.
    expect(readFileSync(pkgFile, 'utf8')).toBe(before);

    // A template edit: the graph comes from the graph cache, its store unbuilt (normalize/cache.ts
    // subjectsOfType answers from the entry); the same warnings, for the same instances.
    writeFileSync(path.join(dir, 'extra/templates/note.txt.njk'), '---\nto: note.txt\n---\nnote\n');
    const edited = ggen(dir, ['sync']);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toMatch(/^normalize .*graph from/m);
    const warningsOf = (stderr: string) => stderr.split('\n').filter((l) => /warning|hint/.test(l));
    expect(warningsOf(edited.stderr)).toEqual(warningsOf(r.stderr));

    const pkg = JSON.parse(before);
    pkg.dependencies['left-pad'] = '1.3.0';
    pkg.devDependencies['@types/left-pad'] = '1.2.0';
    writeFileSync(pkgFile, JSON.stringify(pkg));
    // An edited spec, so that sync reads it again (an up-to-date run stops before the check).
    const spec = path.join(dir, 'specs/hello.ttl');
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\n`);
    const quiet = ggen(dir, ['sync']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toMatch(/^normalize /m);
    expect(quiet.stderr).not.toContain('npm/missing-package');
  });

  it('an unreadable package.json is a warning, not a crash', async () => {
    const dir = await project(EXTRA);
    writeFileSync(path.join(dir, 'package.json'), '{ not json');
    const r = ggen(dir, ['sync']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /package\.json: warning: cannot check the npm packages the spec needs \(left-pad, @types\/left-pad\): .*JSON.* \[npm\/unreadable-package-json\]/,
    );
  });

  it('rejects a pack whose npm_packages class uses a prefix the pack does not declare', async () => {
    const dir = await project(EXTRA.replace('"otp:Ledger"', '"nope:Ledger"'));
    const r = ggen(dir, ['sync']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "extra/pack.toml: npm_packages[0].classes: nope:Ledger is neither <iri> nor a prefixed name with a prefix of the pack's ontology.prefixes",
    );
  });
});
