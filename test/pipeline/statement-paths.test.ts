/**
 * parseStatement refuses every path a receipt could use to point sync or verify outside the
 * project: subjects, the output directory, inputs (a pack's files may sit above the project) and
 * create_once byproducts, each with its message; canonical relative paths are accepted.
 */
import { describe, expect, it } from 'vitest';
import {
  buildStatement,
  parseStatement,
  serializeStatement,
  type ReceiptInput,
} from '../../src/pipeline/receipt/index.js';
import type { Manifest } from '../../src/pipeline/types.js';

const h = (c: string): string => c.repeat(64);
const input: ReceiptInput = {
  manifest: {
    root: '/p',
    path: 'ggen.toml',
    raw: {},
    generation: { templates: 'templates', outputDir: 'gen', vars: {} },
  } as unknown as Manifest,
  outputs: [
    { path: 'gen/a.ts', sha256: h('a'), mode: 'overwrite' },
    { path: 'gen/u.ts', sha256: h('b'), mode: 'create_once' },
  ],
  inputs: [{ path: 'specs/a.ttl', sha256: h('1'), role: 'spec' }],
  packages: [{ name: 'ggen-ts', version: '0.1.0' }],
  graph: { digest: h('9'), tripleCount: 1, inferredTriples: 0, rounds: 1 },
};
const good = (): any => JSON.parse(serializeStatement(buildStatement(input)));
const parse = (s: unknown) => () => parseStatement(JSON.stringify(s));

const BAD = [
  '',
  '../x.ts',
  '/etc/passwd',
  'C:/x.ts',
  'c:x.ts',
  'a\\b.ts',
  'a/./b.ts',
  'a//b.ts',
  'a/..',
  './a.ts',
  'a/',
  'x\0.ts',
];

describe('parseStatement and paths', () => {
  it.each(BAD)('refuses the subject %j', (p) => {
    const s = good();
    s.subject[0].name = p;
    expect(parse(s)).toThrow(`subject ${JSON.stringify(p)} is not a relative path inside the project`);
  });

  it.each(BAD.filter((p) => p !== ''))('refuses the create_once byproduct %j', (p) => {
    const s = good();
    s.predicate.runDetails.byproducts[1].name = p;
    expect(parse(s)).toThrow(`create_once byproduct ${JSON.stringify(p)} is not a relative path inside the project`);
  });

  it.each(BAD.filter((p) => p !== ''))('refuses the input %j', (p) => {
    const s = good();
    s.predicate.buildDefinition.resolvedDependencies[0].uri = `file:${p}`;
    expect(parse(s)).toThrow(`input ${JSON.stringify(`file:${p}`)} is not a relative path inside the project`);
  });

  it('accepts a pack file above the project, and only a pack file', () => {
    const s = good();
    const dep = s.predicate.buildDefinition.resolvedDependencies[0];
    dep.uri = 'file:../../node_modules/ggen-ts/packs/otp/pack.toml';
    expect(parse(s)).toThrow('is not a relative path inside the project');
    dep.annotations = { role: 'pack', pack: 'otp' };
    expect([...parseStatement(JSON.stringify(s)).inputs.keys()]).toEqual([
      '../../node_modules/ggen-ts/packs/otp/pack.toml',
    ]);
    dep.uri = 'file:../../node_modules/../x/../../y';
    expect(parse(s)).toThrow('is not a relative path inside the project');
    dep.uri = 'file:a/../../b';
    expect(parse(s)).toThrow('is not a relative path inside the project');
  });

  it.each(['..', '../x', '/abs', 'C:gen', 'a\\b', 'x\0'])('refuses the output directory %j', (p) => {
    const s = good();
    s.predicate.buildDefinition.internalParameters.outputDir = p;
    expect(parse(s)).toThrow(`outputDir ${JSON.stringify(p)} is not a relative path inside the project`);
  });

  it.each(['.', './gen', 'gen/', 'a/../gen', 'gen/sub'])('accepts the output directory %j', (p) => {
    const s = good();
    s.predicate.buildDefinition.internalParameters.outputDir = p;
    expect(parseStatement(JSON.stringify(s)).subjects.size).toBe(1);
  });

  it('accepts canonical relative paths, also with dots inside names', () => {
    const s = good();
    s.subject[0].name = 'gen/.hidden/a..b.ts';
    expect([...parseStatement(JSON.stringify(s)).subjects.keys()]).toEqual(['gen/.hidden/a..b.ts']);
  });
});
