/**
 * Loading DSSE keys: inline PEM or a path to one, exact refusals (wrong algorithm, unreadable key),
 * and the key id (sha256 of the public key's SPKI DER, in hex).
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyError, keyId, loadPrivateKey, loadPublicKey } from '../../src/pipeline/receipt/dsse.js';

const ed = generateKeyPairSync('ed25519');
const edPub = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const edPriv = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
const rsaPub = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const rsaPriv = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function keyError(fn: () => unknown): KeyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KeyError);
    expect((e as Error).name).toBe('KeyError');
    return e as KeyError;
  }
  throw new Error('expected a KeyError');
}

describe('DSSE keys', () => {
  it('reads a key from a PEM file as well as inline', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ggen-keys-'));
    writeFileSync(path.join(dir, 'pub.pem'), edPub);
    writeFileSync(path.join(dir, 'priv.pem'), edPriv);
    expect(keyId(loadPublicKey(path.join(dir, 'pub.pem')))).toBe(keyId(loadPublicKey(edPub)));
    expect(loadPrivateKey(path.join(dir, 'priv.pem')).asymmetricKeyType).toBe('ed25519');
    expect(loadPrivateKey(edPriv).asymmetricKeyType).toBe('ed25519');
  });

  it('refuses a key of another algorithm, saying which key and which algorithm', () => {
    expect(keyError(() => loadPublicKey(rsaPub)).message).toBe('public key is a rsa key; ggen signs with ed25519');
    expect(keyError(() => loadPrivateKey(rsaPriv)).message).toBe('signing key is a rsa key; ggen signs with ed25519');
  });

  it('refuses what is not a key, saying which key it wanted', () => {
    expect(
      keyError(() => loadPublicKey('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n')).message,
    ).toMatch(/^cannot read the ed25519 public key: /);
    expect(keyError(() => loadPrivateKey('/no/such/key.pem')).message).toMatch(
      /^cannot read the ed25519 private key: ENOENT/,
    );
  });

  it('the key id is the sha256 of the public key in SPKI DER, as 64 hex digits', () => {
    const der = ed.publicKey.export({ type: 'spki', format: 'der' });
    expect(keyId(loadPublicKey(edPub))).toBe(createHash('sha256').update(der).digest('hex'));
    expect(keyId(loadPublicKey(edPub))).toMatch(/^[0-9a-f]{64}$/);
  });
});
