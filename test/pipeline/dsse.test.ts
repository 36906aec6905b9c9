/**
 * DSSE with payloads that are not ASCII. PAE lengths are byte counts (DSSE protocol spec,
 * https://github.com/secure-systems-lab/dsse/blob/master/protocol.md); a receipt naming a file
 * `café.ts` must be signed so that any standard verifier accepts it. The expected PAE here is
 * built by hand from the spec, not by the code under test.
 */
import { generateKeyPairSync, sign, verify as cryptoVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PAYLOAD_TYPE, pae, signEnvelope, verifyEnvelope } from '../../src/pipeline/receipt/dsse.js';

/** PAE exactly as the DSSE spec writes it: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN in bytes. */
function specPae(type: string, body: Buffer): Buffer {
  const typeBytes = Buffer.from(new TextEncoder().encode(type));
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${typeBytes.byteLength} `, 'ascii'),
    typeBytes,
    Buffer.from(` ${body.byteLength} `, 'ascii'),
    body,
  ]);
}

describe('PAE counts bytes, not characters', () => {
  it('a payload with multi-byte characters', () => {
    const body = Buffer.from('{"name":"generated/café ✓.ts"}', 'utf8');
    expect(body.byteLength).toBe(33);
    expect('{"name":"generated/café ✓.ts"}'.length).toBe(30);
    const got = pae('application/vnd.in-toto+json', body);
    expect(got.equals(specPae('application/vnd.in-toto+json', body))).toBe(true);
    expect(got.toString('utf8')).toBe('DSSEv1 28 application/vnd.in-toto+json 33 {"name":"generated/café ✓.ts"}');
  });

  it('a payload type with multi-byte characters', () => {
    const got = pae('types/ünï', Buffer.from('x'));
    expect(got.toString('utf8')).toBe('DSSEv1 11 types/ünï 1 x');
  });

  it('a payload that is not valid UTF-8 is counted and carried byte for byte', () => {
    const body = Buffer.from([0xff, 0xfe, 0x00, 0xc3]);
    const got = pae('t', body);
    expect(got.equals(Buffer.concat([Buffer.from('DSSEv1 1 t 4 '), body]))).toBe(true);
  });

  it('the empty payload', () => {
    expect(pae('t', Buffer.alloc(0)).toString()).toBe('DSSEv1 1 t 0 ');
  });
});

describe('a signed non-ASCII receipt verifies with a standard DSSE verifier', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const payload = Buffer.from(
    `${JSON.stringify({ subject: [{ name: 'generated/naïve-ü/日本.ts' }] }, null, 2)}\n`,
    'utf8',
  );

  it('the signature is over the spec PAE of the exact payload bytes', () => {
    const env = signEnvelope(payload, privateKey);
    expect(env.payloadType).toBe(PAYLOAD_TYPE);
    expect(Buffer.from(env.payload, 'base64').equals(payload)).toBe(true);
    const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
    expect(cryptoVerify(null, specPae(PAYLOAD_TYPE, payload), publicKey, sig)).toBe(true);
  });

  it('verifyEnvelope accepts a signature made by a standard signer over the spec PAE', () => {
    const sig = sign(null, specPae(PAYLOAD_TYPE, payload), privateKey).toString('base64');
    const res = verifyEnvelope(
      { payload: payload.toString('base64'), payloadType: PAYLOAD_TYPE, signatures: [{ keyid: '', sig }] },
      publicKey,
    );
    expect(res.ok).toBe(true);
    expect(res.ok && res.payload.equals(payload)).toBe(true);
  });

  it('verifyEnvelope refuses a signature over a character-counted PAE', () => {
    const text = payload.toString('utf8');
    const wrong = Buffer.from(`DSSEv1 ${PAYLOAD_TYPE.length} ${PAYLOAD_TYPE} ${text.length} ${text}`, 'utf8');
    expect(wrong.equals(specPae(PAYLOAD_TYPE, payload))).toBe(false);
    const sig = sign(null, wrong, privateKey).toString('base64');
    const res = verifyEnvelope(
      { payload: payload.toString('base64'), payloadType: PAYLOAD_TYPE, signatures: [{ keyid: '', sig }] },
      publicKey,
    );
    expect(res).toEqual({ ok: false, reason: 'no signature verifies with the given public key' });
  });
});

describe('verifyEnvelope refuses malformed envelopes with a reason', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const env = signEnvelope(Buffer.from('{}'), privateKey);
  it('another payloadType, or none', () => {
    expect(verifyEnvelope({ ...env, payloadType: 'text/plain' }, publicKey)).toEqual({
      ok: false,
      reason: `payloadType is not ${PAYLOAD_TYPE}`,
    });
    expect(verifyEnvelope(null as never, publicKey)).toEqual({
      ok: false,
      reason: `payloadType is not ${PAYLOAD_TYPE}`,
    });
  });
  it('a payload that is not a string, or signatures that are not a list', () => {
    expect(verifyEnvelope({ ...env, payload: 1 as never }, publicKey)).toEqual({
      ok: false,
      reason: 'not a DSSE envelope',
    });
    expect(verifyEnvelope({ ...env, signatures: {} as never }, publicKey)).toEqual({
      ok: false,
      reason: 'not a DSSE envelope',
    });
  });
  it('skips signature entries without a string sig and still finds the good one', () => {
    const good = env.signatures[0]!;
    expect(
      verifyEnvelope({ ...env, signatures: [null as never, { keyid: '', sig: 5 as never }, good] }, publicKey).ok,
    ).toBe(true);
    expect(verifyEnvelope({ ...env, signatures: [null as never, { keyid: '' } as never] }, publicKey)).toEqual({
      ok: false,
      reason: 'no signature verifies with the given public key',
    });
  });
});
