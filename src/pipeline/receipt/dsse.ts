/**
 * DSSE envelope signing with ed25519 from node:crypto (no extra dependency).
 * Signature is over PAE(payloadType, payload) as the DSSE spec defines it.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface Envelope {
  payload: string;
  payloadType: string;
  signatures: Array<{ keyid: string; sig: string }>;
}

export function pae(type: string, payload: Buffer): Buffer {
  const t = Buffer.from(type, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), payload]);
}

/** A PEM given inline, or a path to a PEM file. */
export function readKeyText(spec: string): string {
  return spec.includes('-----BEGIN') ? spec : readFileSync(spec, 'utf8');
}

export class KeyError extends Error {
  override readonly name = 'KeyError';
}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new KeyError(`${what} is a ${key.asymmetricKeyType} key; ggen signs with ed25519`);
  return key;
}

export function loadPrivateKey(spec: string): KeyObject {
  try {
    return ed25519(createPrivateKey(readKeyText(spec)), 'signing key');
  } catch (err) {
    if (err instanceof KeyError) throw err;
    throw new KeyError(`cannot read the ed25519 private key: ${(err as Error).message}`);
  }
}

export function loadPublicKey(spec: string): KeyObject {
  try {
    return ed25519(createPublicKey(readKeyText(spec)), 'public key');
  } catch (err) {
    if (err instanceof KeyError) throw err;
    throw new KeyError(`cannot read the ed25519 public key: ${(err as Error).message}`);
  }
}

export function keyId(pub: KeyObject): string {
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function signEnvelope(payload: Buffer, privateKey: KeyObject): Envelope {
  const sig = sign(null, pae(PAYLOAD_TYPE, payload), privateKey);
  return {
    payload: payload.toString('base64'),
    payloadType: PAYLOAD_TYPE,
    signatures: [{ keyid: keyId(createPublicKey(privateKey)), sig: sig.toString('base64') }],
  };
}

export function serializeEnvelope(env: Envelope): string {
  return `${JSON.stringify(env, null, 2)}\n`;
}

/** Verifies at least one signature by `publicKey`; returns the payload, or a reason. */
export function verifyEnvelope(
  env: Envelope,
  publicKey: KeyObject,
): { ok: true; payload: Buffer } | { ok: false; reason: string } {
  if (env?.payloadType !== PAYLOAD_TYPE) return { ok: false, reason: `payloadType is not ${PAYLOAD_TYPE}` };
  if (typeof env.payload !== 'string' || !Array.isArray(env.signatures))
    return { ok: false, reason: 'not a DSSE envelope' };
  const payload = Buffer.from(env.payload, 'base64');
  const message = pae(env.payloadType, payload);
  for (const s of env.signatures) {
    if (typeof s?.sig === 'string' && verify(null, message, publicKey, Buffer.from(s.sig, 'base64')))
      return { ok: true, payload };
  }
  return { ok: false, reason: 'no signature verifies with the given public key' };
}
