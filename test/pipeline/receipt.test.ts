import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildStatement,
  loadPrivateKey,
  loadPublicKey,
  packageVersions,
  pae,
  parseStatement,
  serializeStatement,
  signEnvelope,
  verifyEnvelope,
  type ReceiptInput,
} from '../../src/pipeline/receipt/index.js';
import type { Manifest } from '../../src/pipeline/types.js';

const h = (c: string): string => c.repeat(64);
const manifest = {
  root: '/p',
  path: 'ggen.toml',
  raw: { project: { name: 'x', version: '1' }, generation: { templates: 't' } },
  generation: { templates: 'templates', outputDir: 'generated', vars: {} },
} as unknown as Manifest;

const input = (): ReceiptInput => ({
  manifest,
  outputs: [
    { path: 'generated/b.ts', sha256: h('b'), mode: 'overwrite' },
    { path: 'generated/a.ts', sha256: h('a'), mode: 'overwrite' },
    { path: 'generated/user.ts', sha256: h('c'), mode: 'create_once' },
  ],
  inputs: [
    { path: 'specs/a.ttl', sha256: h('1'), role: 'spec' },
    { path: 'ggen.toml', sha256: h('2'), role: 'manifest' },
    { path: 'templates/x.njk', sha256: h('3'), role: 'template' },
  ],
  packages: [
    { name: 'prettier', version: '3.10.1' },
    { name: 'ggen-ts', version: '0.1.0' },
    { name: '@comunica/query-sparql-rdfjs-lite', version: '5.2.3' },
  ],
  graph: { digest: h('9'), tripleCount: 10, inferredTriples: 2, rounds: 1 },
});

describe('receipt statement', () => {
  it('is an in-toto Statement v1 with SLSA provenance, subjects sorted', () => {
    const s = buildStatement(input());
    expect(s._type).toBe('https://in-toto.io/Statement/v1');
    expect(s.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(s.subject).toEqual([
      { name: 'generated/a.ts', digest: { sha256: h('a') } },
      { name: 'generated/b.ts', digest: { sha256: h('b') } },
    ]);
    const deps = s.predicate.buildDefinition.resolvedDependencies.map((d) => d.uri);
    expect(deps).toEqual([
      'file:ggen.toml',
      'file:specs/a.ttl',
      'file:templates/x.njk',
      'pkg:npm/ggen-ts@0.1.0',
      'pkg:npm/%40comunica/query-sparql-rdfjs-lite@5.2.3',
      'pkg:npm/prettier@3.10.1',
    ]);
    expect(s.predicate.buildDefinition.externalParameters.command).toBe('ggen sync');
    expect(s.predicate.runDetails.byproducts[0]).toMatchObject({ name: 'graph', digest: { sha256: h('9') } });
    expect(s.predicate.runDetails.byproducts[1]).toMatchObject({
      name: 'generated/user.ts',
      annotations: { mode: 'create_once' },
    });
  });

  it('serializes byte for byte the same, with no timestamp', () => {
    const a = serializeStatement(buildStatement(input()));
    const b = serializeStatement(buildStatement({ ...input(), outputs: [...input().outputs].reverse() }));
    expect(a).toBe(b);
    expect(a).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(a.endsWith('}\n')).toBe(true);
  });

  it('parses back what it wrote, and refuses what is not a receipt', () => {
    const v = parseStatement(serializeStatement(buildStatement(input())));
    expect(v.subjects.get('generated/a.ts')).toBe(h('a'));
    expect(v.createOnce).toEqual(['generated/user.ts']);
    expect(v.inputs.get('specs/a.ttl')).toEqual({ sha256: h('1'), role: 'spec' });
    expect(v.packages.get('@comunica/query-sparql-rdfjs-lite')).toBe('5.2.3');
    expect(v.graphDigest).toBe(h('9'));
    expect(() => parseStatement('{"_type":"nope"}')).toThrow(/_type/);
  });

  it('reads real library versions', () => {
    const v = packageVersions();
    expect(v[0]!.name).toBe('ggen-ts');
    expect(v.find((p) => p.name === 'prettier')?.version).toBe('3.10.1');
    expect(v.find((p) => p.name === 'n3')?.version).toBe('2.13.12');
  });
});

describe('DSSE', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it('PAE matches the spec', () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  it('signs and verifies; a flipped byte fails', () => {
    const payload = Buffer.from(serializeStatement(buildStatement(input())));
    const env = signEnvelope(payload, loadPrivateKey(priv));
    expect(env.payloadType).toBe('application/vnd.in-toto+json');
    const ok = verifyEnvelope(env, loadPublicKey(pub));
    expect(ok.ok && ok.payload.equals(payload)).toBe(true);
    const tampered = Buffer.from(payload);
    tampered[10] ^= 1;
    expect(verifyEnvelope({ ...env, payload: tampered.toString('base64') }, loadPublicKey(pub)).ok).toBe(false);
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyEnvelope(env, loadPublicKey(other)).ok).toBe(false);
  });

  it('refuses non-ed25519 keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => loadPrivateKey(rsa)).toThrow(/ed25519/);
  });
});
