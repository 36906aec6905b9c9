import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, ensureBuilt, ggen, project, repoRoot } from './helpers.js';

beforeAll(ensureBuilt);

describe('signed receipts', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keys = (dir: string): { priv: string; pub: string } => {
    const priv = path.join(dir, 'signing.pem');
    const pub = path.join(dir, 'signing.pub.pem');
    writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    return { priv, pub };
  };

  it('verifies with its public key and fails after one byte is flipped', () => {
    const dir = project();
    const { priv, pub } = keys(dir);
    expect(ggen(dir, ['sync', '--signing-key', priv]).code).toBe(0);
    const env = JSON.parse(readFileSync(path.join(dir, 'receipts/latest.dsse.json'), 'utf8'));
    expect(env.payloadType).toBe('application/vnd.in-toto+json');
    const ok = ggen(dir, ['verify', '--key', pub]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/signature verified/);

    const receipt = path.join(dir, 'receipts/latest.json');
    const bytes = readFileSync(receipt);
    const i = bytes.indexOf('"sha256": "') + 11;
    bytes[i] = bytes[i] === 0x61 ? 0x62 : 0x61;
    writeFileSync(receipt, bytes);
    const bad = ggen(dir, ['verify', '--key', pub]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/signature\s+receipts\/latest\.json: receipt differs from the signed payload/);
  });

  it('signs from the environment variable, and a flipped signature byte fails', () => {
    const dir = project();
    const { pub } = keys(dir);
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(ggen(dir, ['sync'], { GGEN_SIGNING_KEY: pem }).code).toBe(0);
    expect(ggen(dir, ['verify', '--key', pub]).code).toBe(0);
    const file = path.join(dir, 'receipts/latest.dsse.json');
    const env = JSON.parse(readFileSync(file, 'utf8'));
    const sig = Buffer.from(env.signatures[0].sig, 'base64');
    sig[0] ^= 1;
    env.signatures[0].sig = sig.toString('base64');
    writeFileSync(file, JSON.stringify(env));
    const bad = ggen(dir, ['verify', '--key', pub]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/no signature verifies/);
  });

  it('a key that is not ed25519 is invalid input', () => {
    const dir = project();
    const rsa = path.join(dir, 'rsa.pem');
    writeFileSync(
      rsa,
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    const r = ggen(dir, ['sync', '--signing-key', rsa]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ed25519/);
  });
});

describe('CLI surface', () => {
  it('--help on every command, and --version', () => {
    const dir = project();
    const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version;
    expect(ggen(dir, ['--version']).stdout.trim()).toBe(version);
    const help = ggen(dir, ['--help']);
    expect(help.code).toBe(0);
    expect(ggen(dir, ['bogus']).code).toBe(2);
    expect(ggen(dir, ['sync', '--bogus']).code).toBe(2);
    for (const c of ['sync', 'verify', 'validate', 'query']) {
      expect(help.stdout).toContain(c);
      const h = ggen(dir, [c, '--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`Usage: ggen ${c}`));
    }
  });

  it('validate reports the graph; query prints a table and JSON', () => {
    const dir = project();
    const v = ggen(dir, ['validate']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/normalize\s+8 triples \(2 inferred\)/);
    const q = ggen(dir, ['query', 'SELECT ?l WHERE { ?s rdfs:label ?l } ORDER BY ?l']);
    expect(q.code).toBe(0);
    expect(q.stdout).toMatch(/Billing[\s\S]*Call router[\s\S]*\(2 rows\)/);
    const j = ggen(dir, ['query', 'queries/services.rq', '--json']);
    expect(JSON.parse(j.stdout).rows).toHaveLength(2);
    const bad = ggen(dir, ['query', 'SELECT ?l WHERE { ?s rdfs:label ?l }']);
    expect(bad.code).toBe(2);
  });

  it('verify without a receipt is invalid input', () => {
    const r = ggen(project(), ['verify']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/receipts\/latest\.json: receipt not found/);
  });
});

describe('start-up stays light', () => {
  it('--help and a no-op sync load no RDF, template or formatter library', () => {
    const dir = project();
    expect(ggen(dir, ['sync']).code).toBe(0);
    writeFileSync(
      path.join(dir, 'hook.mjs'),
      `export async function resolve(s, c, next) {
  const r = await next(s, c);
  const m = /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(r.url);
  if (m) process.stderr.write('LOADED ' + m[1] + '\\n');
  return r;
}\n`,
    );
    writeFileSync(
      path.join(dir, 'register.mjs'),
      "import { register } from 'node:module';\nregister(new URL('./hook.mjs', import.meta.url));\n",
    );
    const loaded = (args: string[]): string[] => {
      const r = spawnSync(process.execPath, ['--import', './register.mjs', cliPath, ...args], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      return [...new Set([...r.stderr.matchAll(/LOADED (\S+)/g)].map((m) => m[1]!))].sort();
    };
    expect(loaded(['--help'])).toEqual(['commander']);
    const noop = loaded(['sync']);
    for (const heavy of ['n3', '@comunica/query-sparql-rdfjs-lite', 'nunjucks', 'prettier'])
      expect(noop).not.toContain(heavy);
  });
});
