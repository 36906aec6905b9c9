/**
 * buildStatement against a statement written out by hand (not computed by the code under test):
 * every field, every sort order, the manifest's keys sorted at every depth, purls of scoped
 * packages, the builder version, and what parseStatement reads back from it.
 */
import { describe, expect, it } from 'vitest';
import {
  buildStatement,
  parseStatement,
  serializeStatement,
  sortKeys,
  type ReceiptInput,
} from '../../src/pipeline/receipt/index.js';
import type { Manifest } from '../../src/pipeline/types.js';

const h = (c: string): string => c.repeat(64);
const manifest = {
  root: '/p',
  path: 'ggen.toml',
  raw: {
    project: { version: '1', name: 'x' },
    generation: { templates: 't', output_dir: 'gen' },
    list: [{ b: 1, a: 2 }],
    when: new Date('2026-01-02T03:04:05Z'),
  },
  generation: { templates: 'templates', outputDir: 'gen', vars: {} },
  packs: [{ name: 'otp', version: '2.0.0', dir: 'packs/otp' }],
} as unknown as Manifest;

const input = (): ReceiptInput => ({
  manifest,
  outputs: [
    { path: 'gen/z.ts', sha256: h('e'), mode: 'create_once' },
    { path: 'gen/b.ts', sha256: h('b'), mode: 'overwrite' },
    { path: 'gen/user.ts', sha256: h('c'), mode: 'create_once' },
    { path: 'gen/a.ts', sha256: h('a'), mode: 'overwrite' },
  ],
  inputs: [
    { path: 'specs/a.ttl', sha256: h('1'), role: 'spec' },
    { path: 'packs/otp/pack.toml', sha256: h('4'), role: 'pack' },
    { path: 'ggen.toml', sha256: h('2'), role: 'manifest' },
    { path: 'packs/otp/templates/x.njk', sha256: h('3'), role: 'template' },
  ],
  packages: [
    { name: 'prettier', version: '3.10.1' },
    { name: 'ggen-ts', version: '0.9.0' },
    { name: '@comunica/query-sparql', version: '5.2.3' },
  ],
  graph: { digest: h('9'), tripleCount: 10, inferredTriples: 2, rounds: 3 },
});

const expected = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [
    { name: 'gen/a.ts', digest: { sha256: h('a') } },
    { name: 'gen/b.ts', digest: { sha256: h('b') } },
  ],
  predicateType: 'https://slsa.dev/provenance/v1',
  predicate: {
    buildDefinition: {
      buildType: 'https://github.com/ggen-ts/ggen-ts/sync/v1',
      externalParameters: {
        command: 'ggen sync',
        manifest: {
          path: 'ggen.toml',
          content: {
            generation: { output_dir: 'gen', templates: 't' },
            list: [{ a: 2, b: 1 }],
            project: { name: 'x', version: '1' },
            when: '2026-01-02T03:04:05.000Z',
          },
        },
      },
      internalParameters: {
        outputDir: 'gen',
        templates: 'templates',
        packs: [{ name: 'otp', version: '2.0.0', path: 'packs/otp' }],
      },
      resolvedDependencies: [
        { uri: 'file:ggen.toml', digest: { sha256: h('2') }, annotations: { role: 'manifest' } },
        {
          uri: 'file:packs/otp/pack.toml',
          digest: { sha256: h('4') },
          annotations: { role: 'pack', pack: 'otp', version: '2.0.0' },
        },
        {
          uri: 'file:packs/otp/templates/x.njk',
          digest: { sha256: h('3') },
          annotations: { role: 'template', pack: 'otp' },
        },
        { uri: 'file:specs/a.ttl', digest: { sha256: h('1') }, annotations: { role: 'spec' } },
        { uri: 'pkg:npm/ggen-ts@0.9.0' },
        { uri: 'pkg:npm/%40comunica/query-sparql@5.2.3' },
        { uri: 'pkg:npm/prettier@3.10.1' },
      ],
    },
    runDetails: {
      builder: { id: 'https://github.com/ggen-ts/ggen-ts', version: { 'ggen-ts': '0.9.0' } },
      byproducts: [
        { name: 'graph', digest: { sha256: h('9') }, annotations: { triples: 10, inferred: 2, rounds: 3 } },
        { name: 'gen/user.ts', uri: 'file:gen/user.ts', annotations: { mode: 'create_once' } },
        { name: 'gen/z.ts', uri: 'file:gen/z.ts', annotations: { mode: 'create_once' } },
      ],
    },
  },
};

describe('buildStatement', () => {
  it('writes exactly the statement described in statement.ts, key order included', () => {
    const s = buildStatement(input());
    expect(s).toEqual(expected);
    // key order is part of the bytes (the receipt is compared byte for byte)
    expect(serializeStatement(s)).toBe(`${JSON.stringify(expected, null, 2)}\n`);
  });

  it('without ggen-ts among the packages, the builder version is "unknown"; without packs, no packs key', () => {
    const i = input();
    i.packages = i.packages.filter((p) => p.name !== 'ggen-ts');
    i.manifest = { ...manifest, packs: [] } as unknown as Manifest;
    const s = buildStatement(i);
    expect(s.predicate.runDetails.builder).toEqual({
      id: 'https://github.com/ggen-ts/ggen-ts',
      version: { 'ggen-ts': 'unknown' },
    });
    expect(Object.keys(s.predicate.buildDefinition.internalParameters)).toEqual(['outputDir', 'templates']);
  });

  it('reads back subjects, inputs, packages (scoped names decoded), create_once files and the graph digest', () => {
    const view = parseStatement(serializeStatement(buildStatement(input())));
    expect([...view.subjects]).toEqual([
      ['gen/a.ts', h('a')],
      ['gen/b.ts', h('b')],
    ]);
    expect(view.createOnce).toEqual(['gen/user.ts', 'gen/z.ts']);
    expect([...view.packages]).toEqual([
      ['ggen-ts', '0.9.0'],
      ['@comunica/query-sparql', '5.2.3'],
      ['prettier', '3.10.1'],
    ]);
    expect(view.inputs.get('packs/otp/pack.toml')).toEqual({ sha256: h('4'), role: 'pack' });
    expect(view.graphDigest).toBe(h('9'));
  });

  it('parseStatement takes the graph digest from the byproduct named graph only, and refuses uppercase hex', () => {
    const s = JSON.parse(serializeStatement(buildStatement(input())));
    s.predicate.runDetails.byproducts.unshift({ name: 'other', digest: { sha256: h('7') } });
    expect(parseStatement(JSON.stringify(s)).graphDigest).toBe(h('9'));
    s.subject[0].digest.sha256 = h('A');
    expect(() => parseStatement(JSON.stringify(s))).toThrow('a subject lacks a name or sha256');
    s.subject[0].digest.sha256 = `x${h('a')}`;
    expect(() => parseStatement(JSON.stringify(s))).toThrow('a subject lacks a name or sha256');
    s.subject[0].digest.sha256 = `${h('a')}0`;
    expect(() => parseStatement(JSON.stringify(s))).toThrow('a subject lacks a name or sha256');
  });

  it('parseStatement reads a purl only when it is one from end to end', () => {
    const s = JSON.parse(serializeStatement(buildStatement(input())));
    s.predicate.buildDefinition.resolvedDependencies.push(
      { uri: 'x-pkg:npm/evil@1' },
      { uri: 'pkg:npm/plain%40name@2' },
    );
    const packages = parseStatement(JSON.stringify(s)).packages;
    expect(packages.has('evil')).toBe(false);
    expect(packages.get('plain%40name')).toBe('2'); // only a leading %40 is a scope's @
  });

  it('sortKeys keeps scalars and arrays, and sorts keys at every depth', () => {
    expect(sortKeys('s')).toBe('s');
    expect(sortKeys(null)).toBeNull();
    expect(JSON.stringify(sortKeys({ b: [{ d: 1, c: { f: 0, e: 0 } }], a: 0 }))).toBe(
      '{"a":0,"b":[{"c":{"e":0,"f":0},"d":1}]}',
    );
  });
});
