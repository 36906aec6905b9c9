import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import { expandGlob, globToRegExp } from '../../src/pipeline/fs/glob.js';
import { readFileSync } from 'node:fs';
import {
  checkRelative,
  createAjv,
  loadManifest,
  resolveSources,
  schemaPath,
} from '../../src/pipeline/manifest/index.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function project(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ggen-manifest-'));
  dirs.push(root);
  for (const [rel, body] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), body);
  }
  return root;
}

async function loadError(root: string): Promise<InputError> {
  try {
    await loadManifest(path.join(root, 'ggen.toml'));
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected loadManifest to fail');
}

const MINIMAL = `[project]\nname = "demo"\n[ontology]\nsources = ["specs/*.ttl"]\n`;

describe('loadManifest', () => {
  it('ships a schema that is valid in strict mode, with a description on every key', async () => {
    const schema = JSON.parse(readFileSync(schemaPath(), 'utf8')) as Record<string, unknown>;
    (await createAjv(true)).compile(schema);
    const walk = (node: Record<string, unknown>, at: string): void => {
      const props = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
      if (node.type === 'object' && at !== 'generation.vars') {
        expect(node.additionalProperties, `${at} additionalProperties`).not.toBe(true);
        expect(node.additionalProperties, `${at} additionalProperties`).toBeDefined();
      }
      for (const [k, v] of Object.entries(props)) {
        expect(typeof v.description, `${at}.${k} description`).toBe('string');
        walk(v, at ? `${at}.${k}` : k);
        if (v.items) walk(v.items as Record<string, unknown>, `${at}.${k}[]`);
      }
    };
    walk(schema, '');
  });

  it('applies the defaults to a minimal manifest', async () => {
    const root = await project({ 'ggen.toml': MINIMAL });
    const m = await loadManifest(path.join(root, 'ggen.toml'));
    expect(m.root).toBe(root);
    expect(m.path).toBe('ggen.toml');
    expect(m.project).toEqual({ name: 'demo' });
    expect(m.ontology).toEqual({ sources: ['specs/*.ttl'], prefixes: {} });
    expect(m.inference).toEqual({ maxRounds: 16, listIndex: false, rules: [] });
    expect(m.validation).toEqual({ shacl: [], ask: [] });
    expect(m.generation).toEqual({
      templates: 'templates',
      outputDir: 'generated',
      handwrittenDir: 'src/domains',
      vars: {},
    });
    expect(m.receipt).toEqual({ path: 'receipts/latest.json', signingKeyEnv: 'GGEN_SIGNING_KEY' });
    expect(m.raw).toEqual({ project: { name: 'demo' }, ontology: { sources: ['specs/*.ttl'] } });
  });

  it('maps every key of a full manifest and reads rule files', async () => {
    const toml = [
      '[project]',
      'name = "ggen-ts"',
      'version = "0.1.0"',
      'description = "demo"',
      '[ontology]',
      'sources = ["specs/a.ttl"]',
      'base_iri = "https://ggen.dev/"',
      '[ontology.prefixes]',
      'otp = "https://ggen.dev/otp#"',
      '[inference]',
      'max_rounds = 4',
      '[[inference.rules]]',
      'name = "from-file"',
      'construct = "queries/r.rq"',
      '[[inference.rules]]',
      'name = "inline"',
      'query = """',
      'CONSTRUCT { ?s a ?o }',
      'WHERE { ?s a ?o }"""',
      '[validation]',
      'shacl = ["specs/shapes/s.ttl"]',
      '[[validation.ask]]',
      'name = "gate"',
      'query = "ASK { ?a a otp:Application }"',
      'message = "no application"',
      '[[validation.ask]]',
      'name = "gate2"',
      'file = "queries/g.rq"',
      'expect = false',
      '[generation]',
      'templates = "tpl"',
      'output_dir = "out/gen"',
      '[generation.vars]',
      'license = "MIT"',
      '[receipt]',
      'path = "r.json"',
      'signing_key_env = "KEY"',
      '',
    ].join('\n');
    const root = await project({
      'ggen.toml': toml,
      'queries/r.rq': 'CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }\n',
      'queries/g.rq': 'ASK { ?s ?p ?o }\n',
    });
    const m = await loadManifest(path.join(root, 'ggen.toml'));
    expect(m.project).toEqual({ name: 'ggen-ts', version: '0.1.0', description: 'demo' });
    expect(m.ontology).toEqual({
      sources: ['specs/a.ttl'],
      baseIri: 'https://ggen.dev/',
      prefixes: { otp: 'https://ggen.dev/otp#' },
    });
    expect(m.inference.maxRounds).toBe(4);
    expect(m.inference.rules[0]).toEqual({
      name: 'from-file',
      construct: { text: 'CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }\n', file: 'queries/r.rq', line: 1, column: 1 },
    });
    // The newline after """ is not part of the string, so the query starts on line 18.
    expect(m.inference.rules[1]).toEqual({
      name: 'inline',
      construct: { text: 'CONSTRUCT { ?s a ?o }\nWHERE { ?s a ?o }', file: 'ggen.toml', line: 18, column: 1 },
    });
    expect(m.validation.shacl).toEqual(['specs/shapes/s.ttl']);
    expect(m.validation.ask[0]).toEqual({
      name: 'gate',
      ask: { text: 'ASK { ?a a otp:Application }', file: 'ggen.toml', line: 24, column: 10 },
      expect: true,
      message: 'no application',
    });
    expect(m.validation.ask[1]).toMatchObject({ name: 'gate2', expect: false, ask: { file: 'queries/g.rq', line: 1 } });
    expect(m.validation.ask[1]!.message).toBe('');
    expect(m.generation).toEqual({
      templates: 'tpl',
      outputDir: 'out/gen',
      handwrittenDir: 'src/domains',
      vars: { license: 'MIT' },
    });
    expect(m.receipt).toEqual({ path: 'r.json', signingKeyEnv: 'KEY' });
  });

  it('reports a TOML syntax error with line and column', async () => {
    const root = await project({ 'ggen.toml': '[project]\nname = "x"\nversion = = 1\n' });
    const err = await loadError(root);
    expect(err.diagnostics).toHaveLength(1);
    expect(err.diagnostics[0]).toMatchObject({ file: 'ggen.toml', line: 3 });
    expect(err.diagnostics[0]!.col).toBeGreaterThan(0);
    expect(err.message).toMatch(/^ggen\.toml:3:\d+: /);
    expect(err.message).not.toContain('\n');
  });

  it('rejects unknown keys, naming their key path, and lists every error', async () => {
    const root = await project({
      'ggen.toml':
        MINIMAL +
        'colour = "red"\n[generation]\noutput_dir = 3\nflavour = 1\n[[inference.rules]]\nname = "r"\nconstrut = "x.rq"\n',
    });
    const err = await loadError(root);
    const lines = err.message.split('\n');
    expect(lines).toContain('ggen.toml: ontology.colour: unknown key');
    expect(lines).toContain('ggen.toml: generation.output_dir: must be string');
    expect(lines).toContain('ggen.toml: generation.flavour: unknown key');
    expect(lines).toContain('ggen.toml: inference.rules[0].construt: unknown key');
    expect(lines).toContain('ggen.toml: inference.rules[0]: needs exactly one of `construct` (a file) or `query`');
  });

  it('names missing required keys and wrong types', async () => {
    const root = await project({
      'ggen.toml': '[project]\nversion = 1\n[ontology]\nsources = "specs/a.ttl"\n[inference]\nmax_rounds = 0\n',
    });
    const lines = (await loadError(root)).message.split('\n');
    expect(lines).toContain('ggen.toml: project.name: is required');
    expect(lines).toContain('ggen.toml: project.version: must be string');
    expect(lines).toContain('ggen.toml: ontology.sources: must be array');
    expect(lines).toContain('ggen.toml: inference.max_rounds: must be >= 1');
  });

  it('rejects a rule with both construct and query, and a rule file with the wrong extension', async () => {
    const root = await project({
      'ggen.toml':
        MINIMAL +
        '[[inference.rules]]\nname = "r"\nconstruct = "a.rq"\nquery = "CONSTRUCT {} WHERE {}"\n[[inference.rules]]\nname = "s"\nconstruct = "a.txt"\n',
    });
    const lines = (await loadError(root)).message.split('\n');
    expect(lines).toContain('ggen.toml: inference.rules[0]: needs exactly one of `construct` (a file) or `query`');
    expect(lines.some((l) => l.startsWith('ggen.toml: inference.rules[1].construct: must match pattern'))).toBe(true);
  });

  it('rejects paths that escape the project root', async () => {
    const root = await project({
      'ggen.toml':
        '[project]\nname = "x"\n[ontology]\nsources = ["../outside/*.ttl"]\n[generation]\noutput_dir = "gen/../../x"\n[receipt]\npath = "/etc/receipt.json"\n',
    });
    const lines = (await loadError(root)).message.split('\n');
    expect(lines).toContain('ggen.toml: ontology.sources[0]: escapes the project root: ../outside/*.ttl');
    expect(lines).toContain('ggen.toml: generation.output_dir: escapes the project root: gen/../../x');
    expect(lines).toContain('ggen.toml: receipt.path: must be relative to the project root: /etc/receipt.json');
  });

  it('reports a missing rule file with its key path', async () => {
    const root = await project({
      'ggen.toml': MINIMAL + '[[inference.rules]]\nname = "r"\nconstruct = "queries/missing.rq"\n',
    });
    expect((await loadError(root)).message).toBe(
      'ggen.toml: inference.rules[0].construct: file not found: queries/missing.rq',
    );
  });

  it('reports a missing manifest', async () => {
    const root = await project({});
    expect((await loadError(root)).message).toMatch(/ggen\.toml: cannot read manifest: ENOENT$/);
  });
});

describe('resolveSources', () => {
  it('expands globs, deduplicates and sorts', async () => {
    const root = await project({
      'ggen.toml': '[project]\nname = "x"\n[ontology]\nsources = ["specs/*.ttl", "specs/b.ttl", "specs/**/*.ttl"]\n',
      'specs/b.ttl': '',
      'specs/a.ttl': '',
      'specs/sub/deep/c.ttl': '',
      'specs/sub/notes.md': '',
      'specs/.hidden.ttl': '',
    });
    const m = await loadManifest(path.join(root, 'ggen.toml'));
    expect(await resolveSources(m)).toEqual(['specs/a.ttl', 'specs/b.ttl', 'specs/sub/deep/c.ttl']);
  });

  it('fails on a glob that matches nothing and on a missing file, naming both', async () => {
    const root = await project({
      'ggen.toml':
        '[project]\nname = "x"\n[ontology]\nsources = ["specs/*.ttl", "nothing/*.ttl", "specs/missing.ttl"]\n',
      'specs/a.ttl': '',
    });
    const m = await loadManifest(path.join(root, 'ggen.toml'));
    await expect(resolveSources(m)).rejects.toThrow(
      'ggen.toml: ontology.sources[1]: glob matched no file: nothing/*.ttl\nggen.toml: ontology.sources[2]: file not found: specs/missing.ttl',
    );
  });
});

describe('glob', () => {
  it('compiles *, ? and ** to segment-aware expressions', () => {
    expect(globToRegExp('specs/*.ttl').test('specs/a.ttl')).toBe(true);
    expect(globToRegExp('specs/*.ttl').test('specs/x/a.ttl')).toBe(false);
    expect(globToRegExp('specs/?.ttl').test('specs/ab.ttl')).toBe(false);
    expect(globToRegExp('specs/**/*.ttl').test('specs/a.ttl')).toBe(true);
    expect(globToRegExp('specs/**/*.ttl').test('specs/x/y/a.ttl')).toBe(true);
    expect(globToRegExp('specs/**').test('specs/x/y/a.ttl')).toBe(true);
    expect(globToRegExp('a+b/*.ttl').test('a+b/c.ttl')).toBe(true);
  });

  it('lists only under the static prefix', async () => {
    const root = await project({ 'a/x.ttl': '', 'b/x.ttl': '' });
    expect(await expandGlob(root, 'a/*.ttl')).toEqual(['a/x.ttl']);
    expect(await expandGlob(root, '**/x.ttl')).toEqual(['a/x.ttl', 'b/x.ttl']);
    expect(await expandGlob(root, 'missing/*.ttl')).toEqual([]);
  });

  it('checkRelative normalizes and refuses escapes', () => {
    expect(checkRelative('./specs//a.ttl')).toEqual({ ok: true, path: 'specs/a.ttl' });
    expect(checkRelative('a/../../b').ok).toBe(false);
    expect(checkRelative('C:\\x').ok).toBe(false);
  });
});
