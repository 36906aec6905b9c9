// TokenService verification, one check at a time: tokens are forged here with the right key (an
// HMAC computed by the test, not by the service), so each claim check is reached on its own and
// must refuse with its own code and message. Also the clock boundaries (exp, iat, nbf, leeway),
// what a verified token returns, and the revocation bookkeeping of the refresh store.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AuthError,
  type ConsumedRefreshStore,
  MemoryConsumedRefreshStore,
  TokenService,
} from '../../packages/runtime/src/auth/index.js';

const SECRET = 'k'.repeat(32);
const NOW_S = 1_767_225_600; // 2026-01-01T00:00:00Z
const HEADER = { alg: 'HS256', typ: 'JWT' };

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const sign = (input: string, secret = SECRET): string =>
  `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
/** A token with the given JSON texts for header and payload, correctly signed. */
const forgeRaw = (header: string, payload: string): string => sign(`${b64(header)}.${b64(payload)}`);
const forge = (payload: Record<string, unknown>, header: unknown = HEADER): string =>
  forgeRaw(JSON.stringify(header), JSON.stringify(payload));
const claims = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: 'alice',
  typ: 'access',
  iat: NOW_S - 10,
  exp: NOW_S + 3600,
  jti: 'j1',
  ...over,
});
const service = (options: Partial<ConstructorParameters<typeof TokenService>[0]> = {}, t = NOW_S * 1000) =>
  new TokenService({ secret: SECRET, now: () => t, ...options });

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    return { code: (e as AuthError).code, message: (e as AuthError).message };
  }
  throw new Error('expected an AuthError');
}
const malformed = (message: string) => ({ code: 'malformed_token', message });
const payloadOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('TokenService: the token shape', () => {
  it('refuses a token longer than 8192 characters before parsing it, and parses one of exactly 8192', () => {
    const ts = service();
    expect(failure(() => ts.verifyAccess('a'.repeat(8193)))).toEqual(malformed('token is not a string of sane length'));
    expect(failure(() => ts.verifyAccess('a'.repeat(8192)))).toEqual(malformed('token must have three segments'));
    expect(failure(() => ts.verifyAccess(42 as unknown as string))).toEqual(
      malformed('token is not a string of sane length'),
    );
  });

  it.each(['a.b', 'a.b.c.d', 'abc'])('refuses %s: not three segments', (token) => {
    expect(failure(() => service().verifyAccess(token))).toEqual(malformed('token must have three segments'));
  });

  it.each([
    ['empty', '', 'token header is not base64url'],
    ['not base64url', 'ab+c', 'token header is not base64url'],
    ['not JSON', b64('{nope'), 'token header is not JSON'],
    ['a JSON array', b64('[]'), 'token header is not a JSON object'],
    ['JSON null', b64('null'), 'token header is not a JSON object'],
    ['a JSON number', b64('7'), 'token header is not a JSON object'],
  ])('refuses a header that is %s', (_label, header, message) => {
    const token = sign(`${header}.${b64(JSON.stringify(claims()))}`);
    expect(failure(() => service().verifyAccess(token))).toEqual(malformed(message));
  });

  it.each([
    ['empty', '', 'token payload is not base64url'],
    ['not base64url', 'ab=c', 'token payload is not base64url'],
    ['not JSON', b64('{nope'), 'token payload is not JSON'],
    ['a JSON array', b64('[1]'), 'token payload is not a JSON object'],
    ['JSON null', b64('null'), 'token payload is not a JSON object'],
    ['a JSON string', b64('"x"'), 'token payload is not a JSON object'],
  ])('refuses a correctly signed payload that is %s', (_label, payload, message) => {
    const token = sign(`${b64(JSON.stringify(HEADER))}.${payload}`);
    expect(failure(() => service().verifyAccess(token))).toEqual(malformed(message));
  });

  it('names the refused algorithm, and checks typ and crit of the header', () => {
    const ts = service();
    expect(failure(() => ts.verifyAccess(forge(claims(), { alg: 'none' })))).toEqual({
      code: 'unsupported_algorithm',
      message: 'token alg must be HS256, got "none"',
    });
    expect(failure(() => ts.verifyAccess(forge(claims(), { alg: 'HS256', typ: 'jwt' })))).toEqual(
      malformed('token header typ must be JWT'),
    );
    expect(failure(() => ts.verifyAccess(forge(claims(), { alg: 'HS256', crit: ['exp'] })))).toEqual(
      malformed('token header crit is not supported'),
    );
    // typ is optional
    expect(ts.verifyAccess(forge(claims(), { alg: 'HS256' })).sub).toBe('alice');
  });

  it('tells a non-canonical signature from a wrong one', () => {
    const ts = service();
    const token = forge(claims());
    expect(failure(() => ts.verifyAccess(`${token.slice(0, -1)}!`))).toEqual(
      malformed('token signature is not canonical base64url'),
    );
    const other = sign(token.slice(0, token.lastIndexOf('.')), 'z'.repeat(32));
    expect(failure(() => ts.verifyAccess(other))).toEqual({
      code: 'bad_signature',
      message: 'token signature does not match',
    });
  });
});

describe('TokenService: the claims of a correctly signed token', () => {
  it.each([
    ['no sub', { sub: undefined }, 'token sub missing'],
    ['an empty sub', { sub: '' }, 'token sub missing'],
    ['a numeric sub', { sub: 7 }, 'token sub missing'],
    ['no jti', { jti: undefined }, 'token jti missing'],
    ['an empty jti', { jti: '' }, 'token jti missing'],
    ['a numeric jti', { jti: 7 }, 'token jti missing'],
    ['no iat', { iat: undefined }, 'token iat/exp missing'],
    ['a string exp', { exp: String(NOW_S + 60) }, 'token iat/exp missing'],
    ['a negative iat', { iat: -1 }, 'token iat/exp missing'],
    ['a nbf that is not a date', { nbf: 'soon' }, 'token nbf is not a date'],
    ['a negative nbf', { nbf: -5 }, 'token nbf is not a date'],
    ['no typ', { typ: undefined }, 'token typ claim missing'],
    ['another typ', { typ: 'id' }, 'token typ claim missing'],
    ['an empty fam', { fam: '' }, 'token fam is not a string'],
    ['a numeric fam', { fam: 3 }, 'token fam is not a string'],
  ])('refuses %s', (_label, over, message) => {
    expect(failure(() => service().verifyAccess(forge(claims(over))))).toEqual(malformed(message));
  });

  it('refuses an exp that JSON turns into Infinity (not a finite date)', () => {
    const payload = JSON.stringify(claims()).replace(`"exp":${NOW_S + 3600}`, '"exp":1e400');
    expect(failure(() => service().verifyAccess(forgeRaw(JSON.stringify(HEADER), payload)))).toEqual(
      malformed('token iat/exp missing'),
    );
  });

  it('accepts the epoch itself as a date (iat 0)', () => {
    expect(service().verifyAccess(forge(claims({ iat: 0 }))).iat).toBe(0);
  });

  it('names both types when a refresh token is used for access and the other way round', () => {
    const ts = service();
    expect(failure(() => ts.verifyAccess(forge(claims({ typ: 'refresh' }))))).toEqual({
      code: 'wrong_token_type',
      message: 'expected a access token, got refresh',
    });
    expect(failure(() => ts.verifyRefresh(forge(claims())))).toEqual({
      code: 'wrong_token_type',
      message: 'expected a refresh token, got access',
    });
  });

  it('with an issuer configured, requires exactly that issuer; without one, accepts and returns any', () => {
    const strict = service({ issuer: 'ggen' });
    expect(failure(() => strict.verifyAccess(forge(claims())))).toEqual(malformed('token issuer does not match'));
    expect(failure(() => strict.verifyAccess(forge(claims({ iss: 'other' }))))).toEqual(
      malformed('token issuer does not match'),
    );
    expect(strict.verifyAccess(forge(claims({ iss: 'ggen' }))).iss).toBe('ggen');
    expect(service().verifyAccess(forge(claims({ iss: 'anyone' }))).iss).toBe('anyone');
    expect(service().verifyAccess(forge(claims())).iss).toBeUndefined();
  });

  it('returns exactly the registered claims it checked, and no others', () => {
    const ts = service();
    expect(ts.verifyAccess(forge(claims({ extra: 'x', admin: true })))).toStrictEqual({
      sub: 'alice',
      typ: 'access',
      iat: NOW_S - 10,
      exp: NOW_S + 3600,
      jti: 'j1',
    });
    expect(ts.verifyAccess(forge(claims({ nbf: NOW_S - 5, iss: 'i', fam: 'f' })))).toStrictEqual({
      sub: 'alice',
      typ: 'access',
      iat: NOW_S - 10,
      exp: NOW_S + 3600,
      jti: 'j1',
      nbf: NOW_S - 5,
      iss: 'i',
      fam: 'f',
    });
  });

  it('signs the issuer into issued tokens only when one is configured', () => {
    expect(payloadOf(service({ issuer: 'ggen' }).issueTokens('alice').accessToken).iss).toBe('ggen');
    expect('iss' in payloadOf(service().issueTokens('alice').accessToken)).toBe(false);
  });
});

describe('TokenService: the clock', () => {
  const at = (seconds: number, leewaySeconds?: number) =>
    service(leewaySeconds === undefined ? {} : { leewaySeconds }, seconds * 1000);

  it('expires a token at exp itself, and leeway seconds later with leeway', () => {
    const token = forge(claims({ exp: NOW_S + 100 }));
    expect(at(NOW_S + 99.999).verifyAccess(token).sub).toBe('alice');
    expect(failure(() => at(NOW_S + 100).verifyAccess(token))).toEqual({
      code: 'token_expired',
      message: 'token has expired',
    });
    expect(at(NOW_S + 109, 10).verifyAccess(token).sub).toBe('alice');
    expect(failure(() => at(NOW_S + 110, 10).verifyAccess(token)).code).toBe('token_expired');
  });

  it('accepts iat and nbf up to now + leeway, and refuses them after', () => {
    const notYet = { code: 'token_not_yet_valid', message: 'token is not valid yet' };
    const iat = forge(claims({ iat: NOW_S + 10 }));
    expect(failure(() => at(NOW_S + 9).verifyAccess(iat))).toEqual(notYet);
    expect(at(NOW_S + 10).verifyAccess(iat).iat).toBe(NOW_S + 10);
    expect(at(NOW_S + 5, 5).verifyAccess(iat).iat).toBe(NOW_S + 10);
    expect(failure(() => at(NOW_S + 4, 5).verifyAccess(iat))).toEqual(notYet);

    const nbf = forge(claims({ nbf: NOW_S + 10 }));
    expect(failure(() => at(NOW_S + 9).verifyAccess(nbf))).toEqual(notYet);
    expect(at(NOW_S + 10).verifyAccess(nbf).nbf).toBe(NOW_S + 10);
    expect(at(NOW_S + 5, 5).verifyAccess(nbf).nbf).toBe(NOW_S + 10);
    expect(failure(() => at(NOW_S + 4, 5).verifyAccess(nbf))).toEqual(notYet);
  });
});

describe('TokenService: construction and subjects', () => {
  it('measures the secret in bytes, whether given as text or as a Buffer', () => {
    expect(() => new TokenService({ secret: 'é'.repeat(15) })).toThrow(
      'TokenService: secret must be at least 32 bytes, got 30',
    );
    expect(new TokenService({ secret: 'é'.repeat(16) }).issueTokens('a').tokenType).toBe('Bearer');
    expect(() => new TokenService({ secret: Buffer.alloc(31, 1) })).toThrow('got 31');
    const buffered = new TokenService({ secret: Buffer.from(SECRET), now: () => NOW_S * 1000 });
    expect(service().verifyAccess(buffered.issueTokens('bob').accessToken).sub).toBe('bob');
  });

  it('names the bad ttl', () => {
    expect(() => new TokenService({ secret: SECRET, refreshTtlSeconds: 1.5 })).toThrow(
      'TokenService: refreshTtlSeconds must be a positive integer, got 1.5',
    );
    expect(() => new TokenService({ secret: SECRET, accessTtlSeconds: -1 })).toThrow(
      'TokenService: accessTtlSeconds must be a positive integer, got -1',
    );
  });

  it('refuses to issue tokens for an empty or non-string subject', () => {
    const message = 'TokenService.issueTokens: subject must be a non-empty string';
    expect(() => service().issueTokens('')).toThrow(message);
    expect(() => service().issueTokens(7 as unknown as string)).toThrow(message);
    expect(() => service().issueTokens(['x'] as unknown as string)).toThrow(message);
  });

  it('derives opaque subjects as documented: HMAC-SHA256(secret, "ggen-subject\\0" namespace "\\0" value), 16 bytes', () => {
    const expected = (ns: string, v: string) =>
      `u_${createHmac('sha256', SECRET).update(`ggen-subject\0${ns}\0${v}`).digest().subarray(0, 16).toString('base64url')}`;
    const ts = service();
    expect(ts.opaqueSubject('phone', '+15550100')).toBe(expected('phone', '+15550100'));
    // the separator keeps (namespace, value) pairs apart
    expect(ts.opaqueSubject('a', 'bc')).not.toBe(ts.opaqueSubject('ab', 'c'));
    expect(ts.opaqueSubject('phone', '+15550100')).toMatch(/^u_[A-Za-z0-9_-]{22}$/);
  });
});

/** A store that records what TokenService asks of it. */
class RecordingStore implements ConsumedRefreshStore {
  readonly consumed: [string, number][] = [];
  readonly revoked: [string, number][] = [];
  consume(jti: string, expiresAtMs: number): boolean {
    const again = this.consumed.some(([j]) => j === jti);
    this.consumed.push([jti, expiresAtMs]);
    return !again;
  }
  revokeFamily(fam: string, expiresAtMs: number): void {
    this.revoked.push([fam, expiresAtMs]);
  }
  isFamilyRevoked(fam: string): boolean {
    return this.revoked.some(([f]) => f === fam);
  }
}

describe('TokenService: refresh and revocation bookkeeping', () => {
  it('keeps a consumed refresh token until it would have expired, and revokes a reused family for the refresh ttl plus leeway', () => {
    const store = new RecordingStore();
    const ts = service({ consumedRefresh: store, refreshTtlSeconds: 600, leewaySeconds: 7 });
    const token = forge(claims({ typ: 'refresh', jti: 'r1', exp: NOW_S + 500, fam: 'F' }));
    ts.refresh(token);
    expect(store.consumed).toEqual([['r1', (NOW_S + 500) * 1000]]);
    expect(failure(() => ts.refresh(token))).toEqual({
      code: 'token_revoked',
      message: 'refresh token was already used; every token of this login is revoked',
    });
    expect(store.revoked).toEqual([['F', NOW_S * 1000 + 600_000 + 7000]]);
    expect(failure(() => ts.verifyAccess(forge(claims({ fam: 'F' }))))).toEqual({
      code: 'token_revoked',
      message: 'token was revoked (logout or refresh-token reuse)',
    });
  });

  it('a reused refresh token without a family is refused, and revokes nothing', () => {
    const store = new RecordingStore();
    const ts = service({ consumedRefresh: store });
    const token = forge(claims({ typ: 'refresh', jti: 'r2' }));
    expect(ts.refresh(token).tokenType).toBe('Bearer');
    expect(failure(() => ts.refresh(token)).code).toBe('token_revoked');
    expect(store.revoked).toEqual([]);
  });

  it('revokeAccess ignores what carries no family', () => {
    const store = new RecordingStore();
    const ts = service({ consumedRefresh: store });
    const fn = Object.assign(() => undefined, { fam: 'F' });
    for (const c of [null, undefined, 'F', {}, { fam: 5 }, fn]) ts.revokeAccess(c as never);
    expect(store.revoked).toEqual([]);
    ts.revokeAccess({ fam: 'G' });
    expect(store.revoked.map(([f]) => f)).toEqual(['G']);
  });

  it('keeps revocations itself when the store can only consume', () => {
    const jtis: string[] = [];
    const ts = service({
      consumedRefresh: { consume: (jti) => (jtis.includes(jti) ? false : (jtis.push(jti), true)) },
    });
    const pair = ts.issueTokens('alice', 'F');
    ts.revokeAccess(ts.verifyAccess(pair.accessToken));
    expect(failure(() => ts.verifyRefresh(pair.refreshToken)).code).toBe('token_revoked');
    expect(ts.verifyAccess(ts.issueTokens('alice', 'G').accessToken).fam).toBe('G');
  });
});

describe('AuthError', () => {
  it('is named AuthError, and carries attemptsLeft when given', () => {
    const plain = new AuthError('bad_signature', 'm');
    expect(plain.name).toBe('AuthError');
    expect(plain.attemptsLeft).toBeUndefined();
    expect(new AuthError('invalid_code', 'm', 2).attemptsLeft).toBe(2);
  });
});

describe('MemoryConsumedRefreshStore', () => {
  it('revokes a family until its expiry, exclusive, and never shortens a revocation', () => {
    const clock = { t: 1000 };
    const store = new MemoryConsumedRefreshStore(() => clock.t);
    expect(store.isFamilyRevoked('F')).toBe(false);
    store.revokeFamily('F', 2000);
    store.revokeFamily('F', 1500);
    clock.t = 1999;
    expect(store.isFamilyRevoked('F')).toBe(true);
    clock.t = 2000;
    expect(store.isFamilyRevoked('F')).toBe(false);
    expect(store.isFamilyRevoked('G')).toBe(false);
  });

  it('prune forgets consumed tokens whose expiry has come (inclusive), and keeps the others', () => {
    const clock = { t: 1000 };
    const store = new MemoryConsumedRefreshStore(() => clock.t);
    store.consume('old', 999);
    store.consume('now', 1000);
    store.consume('later', 1001);
    expect(store.size).toBe(3);
    store.prune();
    expect(store.size).toBe(1);
    expect(store.consume('later', 1001)).toBe(false);
    expect(store.consume('old', 999)).toBe(true);
  });

  it('prune forgets revocations whose expiry has come (inclusive)', () => {
    // observed by turning the clock back: a forgotten revocation no longer counts
    const clock = { t: 1000 };
    const store = new MemoryConsumedRefreshStore(() => clock.t);
    store.revokeFamily('H', 1500);
    store.revokeFamily('K', 1501);
    clock.t = 1500;
    store.prune();
    clock.t = 1000;
    expect(store.isFamilyRevoked('H')).toBe(false);
    expect(store.isFamilyRevoked('K')).toBe(true);
  });

  it('prunes by itself every 1024 consumed tokens, and every 1024 revoked families', () => {
    const clock = { t: 10_000 };
    const store = new MemoryConsumedRefreshStore(() => clock.t);
    for (let i = 0; i < 1023; i++) store.consume(`x${i}`, 1);
    expect(store.size).toBe(1023);
    store.revokeFamily('F0', 20_000); // one revocation does not prune
    expect(store.size).toBe(1023);
    store.consume('fresh', 20_000); // the 1024th
    expect(store.size).toBe(1);
    for (let i = 0; i < 1022; i++) store.consume(`y${i}`, 1);
    expect(store.size).toBe(1023);
    for (let i = 1; i < 1023; i++) store.revokeFamily(`F${i}`, 20_000);
    expect(store.size).toBe(1023);
    store.revokeFamily('F1023', 20_000); // the 1024th family
    expect(store.size).toBe(1);
  });
});
