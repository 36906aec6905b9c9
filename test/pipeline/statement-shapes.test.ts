/**
 * parseStatement on receipts of the wrong shape gives its own reason, never a TypeError from reading
 * into null (issue #16: the mutation run showed `?.` could be dropped unnoticed), skips list items
 * that are not objects, and takes no array for a hex digest; packOf's rules for which pack a file
 * belongs to.
 */
import { describe, expect, it } from 'vitest';
import {
  buildStatement,
  isRecordedPath,
  packOf,
  parseStatement,
  serializeStatement,
  type ReceiptInput,
} from '../../src/pipeline/receipt/index.js';
import type { Manifest, PackInfo } from '../../src/pipeline/types.js';

const h = (c: string): string => c.repeat(64);
const manifest = {
  root: '/p',
  path: 'ggen.toml',
  raw: {},
  generation: { templates: 'templates', outputDir: 'gen', vars: {} },
} as unknown as Manifest;
const input: ReceiptInput = {
  manifest,
  outputs: [{ path: 'gen/a.ts', sha256: h('a'), mode: 'overwrite' }],
  inputs: [{ path: 'specs/a.ttl', sha256: h('1'), role: 'spec' }],
  packages: [{ name: 'ggen-ts', version: '0.1.0' }],
  graph: { digest: h('9'), tripleCount: 1, inferredTriples: 0, rounds: 1 },
};
const good = (): any => JSON.parse(serializeStatement(buildStatement(input)));
const text = (o: unknown): string => JSON.stringify(o);
const LACKS = 'predicate lacks resolvedDependencies or byproducts';

describe('parseStatement on a receipt of the wrong shape', () => {
  it.each(['null', '7', '"x"'])('%s is not a statement (its reason, not a TypeError)', (t) => {
    expect(() => parseStatement(t)).toThrow(new Error('_type is not https://in-toto.io/Statement/v1'));
  });

  it.each([
    ['a predicate without buildDefinition', { runDetails: { byproducts: [] } }],
    ['a predicate without runDetails', { buildDefinition: { resolvedDependencies: [] } }],
    ['a buildDefinition that is null', { buildDefinition: null, runDetails: { byproducts: [] } }],
    ['a predicate that is null', null],
  ])('%s', (_what, predicate) => {
    expect(() => parseStatement(text({ ...good(), predicate }))).toThrow(new Error(LACKS));
  });

  it('skips dependencies and byproducts that are null, and inputs without a digest', () => {
    const s = good();
    s.predicate.buildDefinition.resolvedDependencies = [
      null,
      { uri: 'file:no-digest.ttl' },
      { uri: 'file:d.ttl', digest: { sha256: h('d') }, annotations: { role: 'spec' } },
    ];
    s.predicate.runDetails.byproducts = [null, { name: 'u.ts', annotations: { mode: 'create_once' } }];
    const v = parseStatement(text(s));
    expect([...v.inputs]).toEqual([['d.ttl', { sha256: h('d'), role: 'spec' }]]);
    expect(v.createOnce).toEqual(['u.ts']);
    expect(v.graphDigest).toBeUndefined();
  });

  it('a graph byproduct without a digest gives no graph digest', () => {
    const s = good();
    s.predicate.runDetails.byproducts = [{ name: 'graph' }];
    expect(parseStatement(text(s)).graphDigest).toBeUndefined();
  });

  it('a digest must be a string: an array holding the hex is refused', () => {
    const s = good();
    s.subject = [{ name: 'gen/a.ts', digest: { sha256: [h('a')] } }];
    expect(() => parseStatement(text(s))).toThrow(new Error('a subject lacks a name or sha256'));
  });

  it('a colon inside a path is no drive letter', () => {
    const s = good();
    s.subject = [{ name: 'gen/a:b.ts', digest: { sha256: h('a') } }];
    s.predicate.buildDefinition.internalParameters.outputDir = 'gen/a:b';
    const v = parseStatement(text(s));
    expect([...v.subjects.keys()]).toEqual(['gen/a:b.ts']);
  });
});

describe('paths a receipt may record', () => {
  it.each([5, null, undefined, '', ['a']])('isRecordedPath(%j) is false, whatever its type', (p) => {
    expect(isRecordedPath(p)).toBe(false);
  });

  it.each(['', 5])('an outputDir of %j is refused with its reason', (outputDir) => {
    const s = good();
    s.predicate.buildDefinition.internalParameters.outputDir = outputDir;
    expect(() => parseStatement(text(s))).toThrow(
      new Error(`outputDir ${JSON.stringify(outputDir)} is not a relative path inside the project`),
    );
  });

  it('a pack file above the project must be canonical below its ../ prefix', () => {
    const s = good();
    s.predicate.buildDefinition.resolvedDependencies = [
      { uri: 'file:..//etc/passwd', digest: { sha256: h('e') }, annotations: { role: 'pack', pack: 'otp' } },
    ];
    expect(() => parseStatement(text(s))).toThrow(
      new Error('input "file:..//etc/passwd" is not a relative path inside the project'),
    );
  });

  it('a purl must end with its version: a trailing @ makes it no package', () => {
    const s = good();
    s.predicate.buildDefinition.resolvedDependencies = [{ uri: 'pkg:npm/a@1@' }, { uri: 'pkg:npm/b@2' }];
    expect([...parseStatement(text(s)).packages]).toEqual([['b', '2']]);
  });
});

describe('packOf', () => {
  const otp: PackInfo = { name: 'otp', version: '1.0.0', dir: 'packs/otp' } as PackInfo;
  const self: PackInfo = { name: 'self', version: '0.0.1', dir: '.' } as PackInfo;

  it("a file under a pack's folder, not one whose name only starts like it", () => {
    expect(packOf([otp], 'packs/otp/pack.toml')).toBe(otp);
    expect(packOf([otp], 'packs/otp')).toBe(otp);
    expect(packOf([otp], 'packs/otp-extra/pack.toml')).toBeUndefined();
    expect(packOf([otp], 'specs/a.ttl')).toBeUndefined();
  });

  it('a pack at the project root holds every file of the project, none above it', () => {
    expect(packOf([otp, self], 'specs/a.ttl')).toBe(self);
    expect(packOf([otp, self], 'packs/otp/x.njk')).toBe(otp);
    expect(packOf([self], '../elsewhere/a.ttl')).toBeUndefined();
  });

  it('buildStatement annotates the files of a pack at the project root with that pack', () => {
    const s = buildStatement({ ...input, manifest: { ...manifest, packs: [self] } as unknown as Manifest });
    expect(s.predicate.buildDefinition.resolvedDependencies[0]).toEqual({
      uri: 'file:specs/a.ttl',
      digest: { sha256: h('1') },
      annotations: { role: 'spec', pack: 'self' },
    });
  });
});
