/**
 * A receipt read from disk is untrusted input: parseStatement accepts only an in-toto Statement v1
 * with our SLSA provenance v1 predicate, and refuses every other shape with a reason.
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
const manifest = {
  root: '/p',
  path: 'ggen.toml',
  raw: { project: { name: 'x' } },
  generation: { templates: 'templates', outputDir: 'generated', vars: {} },
} as unknown as Manifest;
const input: ReceiptInput = {
  manifest,
  outputs: [{ path: 'generated/a.ts', sha256: h('a'), mode: 'overwrite' }],
  inputs: [{ path: 'specs/a.ttl', sha256: h('1'), role: 'spec' }],
  packages: [{ name: 'ggen-ts', version: '0.1.0' }],
  graph: { digest: h('9'), tripleCount: 1, inferredTriples: 0, rounds: 1 },
};
const good = (): any => JSON.parse(serializeStatement(buildStatement(input)));
const text = (o: unknown): string => JSON.stringify(o);

describe('parseStatement refuses what is not our receipt', () => {
  it('accepts the statement buildStatement writes', () => {
    const v = parseStatement(text(good()));
    expect([...v.subjects]).toEqual([['generated/a.ts', h('a')]]);
    expect([...v.inputs]).toEqual([['specs/a.ttl', { sha256: h('1'), role: 'spec' }]]);
  });

  it('a statement with another predicateType', () => {
    for (const predicateType of [
      'https://slsa.dev/provenance/v0.2',
      'https://in-toto.io/attestation/vulns/v0.1',
      '',
      undefined,
    ]) {
      const s = { ...good(), predicateType };
      expect(() => parseStatement(text(s))).toThrow('predicateType is not https://slsa.dev/provenance/v1');
    }
  });

  it('a statement of another _type, or no object at all', () => {
    expect(() => parseStatement(text({ ...good(), _type: 'https://in-toto.io/Statement/v0.1' }))).toThrow(
      '_type is not https://in-toto.io/Statement/v1',
    );
    expect(() => parseStatement('null')).toThrow(/_type/);
    expect(() => parseStatement('[]')).toThrow(/_type/);
    expect(() => parseStatement('not json')).toThrow(SyntaxError);
  });

  it('subjects must be a list of names with a sha256 of 64 lower-case hex digits', () => {
    expect(() => parseStatement(text({ ...good(), subject: {} }))).toThrow('subject is not a list');
    for (const sub of [
      { name: 'a' },
      { digest: { sha256: h('a') } },
      { name: 1, digest: { sha256: h('a') } },
      { name: 'a', digest: { sha256: h('A') } },
      { name: 'a', digest: { sha256: 'a'.repeat(63) } },
      { name: 'a', digest: { sha256: `${h('a')}\n` } },
      null,
    ]) {
      expect(() => parseStatement(text({ ...good(), subject: [sub] }))).toThrow('a subject lacks a name or sha256');
    }
  });

  it('the predicate must carry resolvedDependencies and byproducts lists', () => {
    const noDeps = good();
    delete noDeps.predicate.buildDefinition.resolvedDependencies;
    expect(() => parseStatement(text(noDeps))).toThrow('predicate lacks resolvedDependencies or byproducts');
    const noBy = good();
    noBy.predicate.runDetails.byproducts = 'x';
    expect(() => parseStatement(text(noBy))).toThrow('predicate lacks resolvedDependencies or byproducts');
    const noPredicate = good();
    delete noPredicate.predicate;
    expect(() => parseStatement(text(noPredicate))).toThrow('predicate lacks resolvedDependencies or byproducts');
  });

  it('an input without a valid digest, or not a file: uri, is not an input', () => {
    const s = good();
    s.predicate.buildDefinition.resolvedDependencies = [
      { uri: 'file:a', digest: { sha256: 'zz' } },
      { uri: 'http://x/b', digest: { sha256: h('b') } },
      { digest: { sha256: h('c') } },
      { uri: 'file:d', digest: { sha256: h('d') } },
      { uri: 'pkg:npm/%40scope/name@1.2.3' },
      { uri: 'pkg:npm/plain@0.0.1' },
    ];
    const v = parseStatement(text(s));
    expect([...v.inputs]).toEqual([['d', { sha256: h('d'), role: '' }]]);
    expect([...v.packages]).toEqual([
      ['@scope/name', '1.2.3'],
      ['plain', '0.0.1'],
    ]);
  });

  it('create_once byproducts need a name; the graph digest is the byproduct named graph', () => {
    const s = good();
    s.predicate.runDetails.byproducts = [
      { name: 'graph', digest: { sha256: h('9') } },
      { name: 'u.ts', annotations: { mode: 'create_once' } },
      { annotations: { mode: 'create_once' } },
      { name: 'v.ts', annotations: { mode: 'overwrite' } },
    ];
    const v = parseStatement(text(s));
    expect(v.createOnce).toEqual(['u.ts']);
    expect(v.graphDigest).toBe(h('9'));
  });
});
