import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplates, discoverTemplateFiles } from '../../src/pipeline/emit/templates.js';
import { InputError } from '../../src/pipeline/errors.js';
import { loadManifest, resolveSources } from '../../src/pipeline/manifest/index.js';
import { ensureBuilt, ggen } from '../cli/helpers.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const greeter = path.join(repo, 'test/fixtures/packs/greeter');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ggen-packs-'));
  dirs.push(d);
  return d;
}

function write(root: string, files: Record<string, string>): string {
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), body);
  }
  return root;
}

const PEOPLE =
  '@prefix ex: <https://example.org/greet#> .\nex:ada a ex:Person ; ex:name "Ada" .\nex:bob a ex:Person ; ex:name "Bob" .\n';
const manifest = (packs: string[], extra = ''): string =>
  `packs = ${JSON.stringify(packs)}\n[project]\nname = "demo"\n[ontology]\nsources = ["specs/*.ttl"]\n${extra}`;

/** A project whose node_modules holds the greeter pack, with `files` on top. */
function greeterProject(files: Record<string, string> = {}, packs = ['greeter'], extra = ''): string {
  const root = tmp();
  cpSync(greeter, path.join(root, 'node_modules/greeter'), { recursive: true });
  return write(root, { 'ggen.toml': manifest(packs, extra), 'specs/people.ttl': PEOPLE, ...files });
}

async function loadError(root: string): Promise<string> {
  try {
    await loadManifest(path.join(root, 'ggen.toml'));
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected loadManifest to fail');
}

describe('packs: resolution and merge', () => {
  it('the built-in otp pack brings its ontology, shapes, rules in order, gates, prefixes and list_index', async () => {
    const root = write(tmp(), { 'ggen.toml': manifest(['otp']), 'specs/app.ttl': '' });
    const m = await loadManifest(path.join(root, 'ggen.toml'));
    const otp = path.relative(root, path.join(repo, 'packs/otp')).split(path.sep).join('/');
    expect(m.packs).toEqual([
      expect.objectContaining({
        name: 'otp',
        version: '0.1.0',
        dir: otp,
        manifestFile: `${otp}/pack.toml`,
        templates: `${otp}/templates`,
        sources: [`${otp}/ontology/otp.ttl`],
      }),
    ]);
    expect(m.inference.listIndex).toBe(true);
    expect(m.inference.rules.map((r) => r.name)).toEqual([
      'otp:root-part-of',
      'otp:children-part-of',
      'otp:lifecycle-part-of',
      'otp:types-used',
      'otp:message-types-used',
      'otp:nested-types-used',
    ]);
    expect(m.inference.rules[0]!.construct.file).toBe(`${otp}/queries/inference/010-root-part-of.rq`);
    expect(m.validation.shacl).toEqual([`${otp}/shapes/otp.shapes.ttl`]);
    expect(m.validation.ask.map((g) => g.name)).toEqual(['otp:has-an-application']);
    expect(m.ontology.prefixes).toMatchObject({ otp: 'https://ggen.dev/otp#', ggen: 'https://ggen.dev/ggen#' });
    expect(await resolveSources(m)).toEqual([`${otp}/ontology/otp.ttl`, 'specs/app.ttl'].sort());
  });

  it('resolves a module name from node_modules upward, the way Node finds a package', async () => {
    const outer = tmp();
    cpSync(greeter, path.join(outer, 'node_modules/greeter'), { recursive: true });
    const root = write(path.join(outer, 'apps/one'), { 'ggen.toml': manifest(['greeter']), 'specs/p.ttl': PEOPLE });
    const m = await loadManifest(path.join(root, 'ggen.toml'));
    expect(m.packs.map((p) => [p.name, p.version, p.dir])).toEqual([
      ['greeter', '1.2.3', '../../node_modules/greeter'],
    ]);
    expect(m.inference.rules.map((r) => [r.name, r.construct.file])).toEqual([
      ['greeter:greetable', '../../node_modules/greeter/rules/greetable.rq'],
    ]);
  });

  it('resolves a path from the project root, and the project rules run after the pack rules', async () => {
    const root = tmp();
    cpSync(greeter, path.join(root, 'vendor/greeter'), { recursive: true });
    write(root, {
      'ggen.toml': manifest(
        ['./vendor/greeter'],
        '[[inference.rules]]\nname = "mine"\nquery = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"\n',
      ),
      'specs/p.ttl': PEOPLE,
    });
    const m = await loadManifest(path.join(root, 'ggen.toml'));
    expect(m.packs[0]!.dir).toBe('vendor/greeter');
    expect(m.inference.rules.map((r) => r.name)).toEqual(['greeter:greetable', 'mine']);
    expect(m.validation.shacl).toEqual(['vendor/greeter/shapes/person.shapes.ttl']);
  });

  it('rejects an unknown pack, naming where it looked', async () => {
    const root = write(tmp(), { 'ggen.toml': manifest(['otp', 'no-such-pack']), 'specs/a.ttl': '' });
    expect(await loadError(root)).toBe(
      'ggen.toml: packs[1]: unknown pack "no-such-pack": not found in the packs that ship with ggen (otp), nor node_modules/no-such-pack/pack.toml from the project root upward',
    );
    const byPath = write(tmp(), { 'ggen.toml': manifest(['./packs/missing']), 'specs/a.ttl': '' });
    expect(await loadError(byPath)).toBe(
      'ggen.toml: packs[0]: unknown pack "./packs/missing": not found in packs/missing',
    );
  });

  it('rejects an invalid pack manifest, naming the pack file and the key', async () => {
    const root = greeterProject();
    const file = path.join(root, 'node_modules/greeter/pack.toml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('ggen = ">=0.1.0"\n', '').replace('version = "1.2.3"', 'version = "one"'),
    );
    const message = await loadError(root);
    expect(message).toContain('node_modules/greeter/pack.toml: invalid pack manifest:');
    expect(message).toMatch(/ggen/);
    expect(message).toMatch(/version/);
    writeFileSync(file, 'name = "greeter"\nversion = "1.0.0"\nggen = "*"\ntemplate = "x"\n');
    expect(await loadError(root)).toMatch(/^node_modules\/greeter\/pack\.toml: invalid pack manifest: .*template/);
    writeFileSync(file, 'name = "greeter"\nversion = "1.0.0"\nggen = "not a range!"\n');
    expect(await loadError(root)).toBe(
      'node_modules/greeter/pack.toml: invalid pack manifest: ggen: not a semver range: not a range!',
    );
  });

  it('rejects a pack that does not support this ggen version', async () => {
    const root = greeterProject();
    const file = path.join(root, 'node_modules/greeter/pack.toml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('ggen = ">=0.1.0"', 'ggen = ">=9.0.0"'));
    expect(await loadError(root)).toMatch(
      /^ggen\.toml: packs\[0\]: pack greeter 1\.2\.3 supports ggen >=9\.0\.0, but this is ggen \d+\.\d+\.\d+/,
    );
  });

  it('rejects a pack file that leaves the pack, and a project prefix that rebinds a pack prefix', async () => {
    const root = greeterProject();
    const file = path.join(root, 'node_modules/greeter/pack.toml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('shacl = ["shapes/person.shapes.ttl"]', 'shacl = ["../../secret.ttl"]'),
    );
    expect(await loadError(root)).toBe(
      'node_modules/greeter/pack.toml: validation.shacl[0]: must stay inside the pack: ../../secret.ttl',
    );
    const clash = greeterProject({}, ['greeter'], '[ontology.prefixes]\nex = "https://other.example/#"\n');
    writeFileSync(
      path.join(clash, 'ggen.toml'),
      manifest(['greeter']).replace(
        'sources = ["specs/*.ttl"]\n',
        'sources = ["specs/*.ttl"]\n[ontology.prefixes]\nex = "https://other.example/#"\n',
      ),
    );
    expect(await loadError(clash)).toBe(
      'ggen.toml: ontology.prefixes.ex: https://other.example/# rebinds a prefix a pack uses (https://example.org/greet#)',
    );
  });
});

describe('packs: templates', () => {
  it('project templates override a pack template of the same path, add new ones, and exclusion leaves one out', async () => {
    const root = greeterProject(
      {
        'templates/greet/hello.ts.njk':
          '---\nto: hello.ts\nquery: queries/mine.rq\n---\nexport const mine = {{ rows | length }};\n',
        'queries/mine.rq': 'PREFIX ex: <https://example.org/greet#>\nSELECT ?p WHERE { ?p a ex:Person } ORDER BY ?p\n',
        'templates/own.ts.njk': '---\nto: own.ts\n---\nexport const own = 1;\n',
      },
      ['greeter'],
      '[generation]\nexclude = ["greet/extra.ts.njk"]\n',
    );
    const m = await loadManifest(path.join(root, 'ggen.toml'));
    const found = await discoverTemplateFiles(m);
    expect(found.templates).toEqual(['templates/greet/hello.ts.njk', 'templates/own.ts.njk']);
    expect(found.partials).toEqual(['node_modules/greeter/templates/_greet/line.njk']);
    expect(found.excluded).toEqual([
      { template: 'node_modules/greeter/templates/greet/extra.ts.njk', pack: 'greeter', name: 'greet/extra.ts.njk' },
    ]);
    // The project's template reads its query from the project root, not from the pack.
    const set = await loadTemplates(m);
    expect(set.templates[0]!.deps).toEqual(['queries/mine.rq']);
  });

  it('a pack template reads its queries from its own pack', async () => {
    const root = greeterProject({ 'queries/names.rq': 'this project file must not be read' });
    const m = await loadManifest(path.join(root, 'ggen.toml'));
    const set = await loadTemplates(m);
    const hello = set.templates.find((t) => t.file.endsWith('greet/hello.ts.njk'))!;
    expect(hello.file).toBe('node_modules/greeter/templates/greet/hello.ts.njk');
    expect(hello.deps).toEqual(['node_modules/greeter/queries/names.rq']);
    expect(hello.queries[0]!.query.text).toContain('ex:Greetable');
  });

  it('rejects the exclusion of a template that no pack has, listing the pack templates', async () => {
    const root = greeterProject(
      {},
      ['greeter'],
      '[generation]\nexclude = ["greet/extra.ts.njk", "greet/nope.ts.njk", "_greet/line.njk"]\n',
    );
    const m = await loadManifest(path.join(root, 'ggen.toml'));
    await expect(discoverTemplateFiles(m)).rejects.toThrow(
      [
        'ggen.toml: generation.exclude[1]: no pack template named "greet/nope.ts.njk" (pack templates: greet/extra.ts.njk, greet/hello.ts.njk)',
        'ggen.toml: generation.exclude[2]: no pack template named "_greet/line.njk" (pack templates: greet/extra.ts.njk, greet/hello.ts.njk)',
      ].join('\n'),
    );
  });
});

describe('packs: sync (end to end)', () => {
  beforeAll(() => ensureBuilt());

  it('renders pack templates with the pack rules, records every pack file in the receipt, and reports exclusions', () => {
    const root = greeterProject({}, ['greeter'], '[generation]\nexclude = ["greet/extra.ts.njk"]\n');
    const r = ggen(root, ['sync', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { skipped: Array<{ template: string; outcome?: string }> };
    expect(doc.skipped).toEqual([
      expect.objectContaining({ template: 'node_modules/greeter/templates/greet/extra.ts.njk', outcome: 'excluded' }),
    ]);
    // The rule made both people greetable; the partial came from the pack.
    expect(readFileSync(path.join(root, 'generated/hello.ts'), 'utf8')).toContain("export const ada = 'hello Ada';");
    expect(existsSync(path.join(root, 'generated/extra.ts'))).toBe(false);

    const receipt = JSON.parse(readFileSync(path.join(root, 'receipts/latest.json'), 'utf8'));
    expect(receipt.predicate.buildDefinition.internalParameters.packs).toEqual([
      { name: 'greeter', version: '1.2.3', path: 'node_modules/greeter' },
    ]);
    const deps = receipt.predicate.buildDefinition.resolvedDependencies as Array<{
      uri: string;
      digest?: { sha256: string };
      annotations?: Record<string, string>;
    }>;
    const packFiles = deps.filter((d) => d.annotations?.pack === 'greeter');
    expect(packFiles.map((d) => [d.uri, d.annotations!.role])).toEqual([
      ['file:node_modules/greeter/ontology/greet.ttl', 'spec'],
      ['file:node_modules/greeter/pack.toml', 'pack'],
      ['file:node_modules/greeter/queries/names.rq', 'query'],
      ['file:node_modules/greeter/rules/greetable.rq', 'rule'],
      ['file:node_modules/greeter/shapes/person.shapes.ttl', 'shapes'],
      ['file:node_modules/greeter/templates/_greet/line.njk', 'partial'],
      ['file:node_modules/greeter/templates/greet/hello.ts.njk', 'template'],
    ]);
    expect(packFiles.find((d) => d.annotations!.role === 'pack')!.annotations!.version).toBe('1.2.3');
    for (const d of packFiles) {
      const bytes = readFileSync(path.join(root, d.uri.slice('file:'.length)));
      expect(d.digest!.sha256, d.uri).toBe(createHash('sha256').update(bytes).digest('hex'));
    }

    // A changed pack file is an input change: the fast path does not hide it, verify names it.
    const query = path.join(root, 'node_modules/greeter/queries/names.rq');
    writeFileSync(query, readFileSync(query, 'utf8').replace('ORDER BY ?name', 'ORDER BY DESC(?name)'));
    const v = ggen(root, ['verify']);
    expect(v.code).toBe(1);
    expect(v.stdout + v.stderr).toContain('node_modules/greeter/queries/names.rq');
    expect(ggen(root, ['sync', '--check']).code).toBe(1);
  });
});
