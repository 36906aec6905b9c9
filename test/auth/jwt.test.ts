import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthError, TokenService } from '../../packages/runtime/src/auth/index.js';

const SECRET = 'k'.repeat(32);
const T0 = Date.UTC(2026, 0, 1);

function service(clock: { t: number }) {
  return new TokenService({ secret: SECRET, now: () => clock.t });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    return (e as AuthError).code;
  }
  throw new Error('expected an AuthError');
}

function b64(obj: unknown): string {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

function forge(header: unknown, payload: unknown, secret = SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('TokenService', () => {
  it('issues an access token valid for 1 hour and a refresh token for 30 days', () => {
    const clock = { t: T0 };
    const ts = service(clock);
    const pair = ts.issueTokens('user-1');
    expect(pair.expiresIn).toBe(3600);
    expect(pair.refreshExpiresIn).toBe(30 * 24 * 3600);
    const claims = ts.verifyAccess(pair.accessToken);
    expect(claims).toMatchObject({ sub: 'user-1', typ: 'access', iat: T0 / 1000, exp: T0 / 1000 + 3600 });
    expect(ts.verifyRefresh(pair.refreshToken).exp).toBe(T0 / 1000 + 30 * 24 * 3600);
    clock.t = T0 + 3599_000;
    expect(ts.verifyAccess(pair.accessToken).sub).toBe('user-1');
  });

  it('rejects expired tokens', () => {
    const clock = { t: T0 };
    const ts = service(clock);
    const pair = ts.issueTokens('u');
    clock.t = T0 + 3600_000;
    expect(codeOf(() => ts.verifyAccess(pair.accessToken))).toBe('token_expired');
    clock.t = T0 + 30 * 24 * 3600_000;
    expect(codeOf(() => ts.verifyRefresh(pair.refreshToken))).toBe('token_expired');
  });

  it('rejects tampered payloads and tokens signed with another key', () => {
    const clock = { t: T0 };
    const ts = service(clock);
    const [h, p, s] = ts.issueTokens('alice').accessToken.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.sub = 'mallory';
    expect(codeOf(() => ts.verifyAccess(`${h}.${b64(payload)}.${s}`))).toBe('bad_signature');
    const flipped = s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1);
    expect(codeOf(() => ts.verifyAccess(`${h}.${p}.${flipped}`))).toBe('bad_signature');
    const other = forge({ alg: 'HS256', typ: 'JWT' }, { ...payload, sub: 'alice' }, 'x'.repeat(32));
    expect(codeOf(() => ts.verifyAccess(other))).toBe('bad_signature');
    // A truncated signature is not a canonical 43-character one.
    expect(codeOf(() => ts.verifyAccess(`${h}.${p}.${s.slice(0, 10)}`))).toBe('malformed_token');
  });

  it('rejects alg none and every algorithm except HS256', () => {
    const ts = service({ t: T0 });
    const claims = { sub: 'u', typ: 'access', iat: T0 / 1000, exp: T0 / 1000 + 60, jti: 'j' };
    expect(codeOf(() => ts.verifyAccess(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`))).toBe(
      'unsupported_algorithm',
    );
    expect(codeOf(() => ts.verifyAccess(forge({ alg: 'none' }, claims)))).toBe('unsupported_algorithm');
    expect(codeOf(() => ts.verifyAccess(forge({ alg: 'HS512' }, claims)))).toBe('unsupported_algorithm');
    expect(codeOf(() => ts.verifyAccess(forge({ alg: 'hs256' }, claims)))).toBe('unsupported_algorithm');
    expect(codeOf(() => ts.verifyAccess(forge({ typ: 'JWT' }, claims)))).toBe('unsupported_algorithm');
    expect(ts.verifyAccess(forge({ alg: 'HS256', typ: 'JWT' }, claims)).sub).toBe('u');
  });

  it('refuses a refresh token as an access token and vice versa', () => {
    const ts = service({ t: T0 });
    const pair = ts.issueTokens('u');
    expect(codeOf(() => ts.verifyAccess(pair.refreshToken))).toBe('wrong_token_type');
    expect(codeOf(() => ts.verifyRefresh(pair.accessToken))).toBe('wrong_token_type');
    expect(codeOf(() => ts.refresh(pair.accessToken))).toBe('wrong_token_type');
  });

  it('rejects malformed tokens', () => {
    const ts = service({ t: T0 });
    for (const bad of ['', 'a.b', 'a.b.c.d', '!!.x.y', `${b64([1])}.${b64({})}.sig`, 'x'.repeat(9000)]) {
      expect(codeOf(() => ts.verifyAccess(bad))).toBe('malformed_token');
    }
    expect(codeOf(() => ts.verifyAccess(123 as unknown as string))).toBe('malformed_token');
    expect(
      codeOf(() => ts.verifyAccess(forge({ alg: 'HS256' }, { sub: 'u', typ: 'access', jti: 'j', iat: T0 / 1000 }))),
    ).toBe('malformed_token');
    expect(
      codeOf(() => ts.verifyAccess(forge({ alg: 'HS256' }, { sub: 'u', typ: 'admin', jti: 'j', iat: 1, exp: 9e9 }))),
    ).toBe('malformed_token');
  });

  it('rejects tokens that are not valid yet (nbf / iat in the future)', () => {
    const ts = service({ t: T0 });
    const base = { sub: 'u', typ: 'access', jti: 'j', iat: T0 / 1000, exp: T0 / 1000 + 600 };
    expect(codeOf(() => ts.verifyAccess(forge({ alg: 'HS256' }, { ...base, nbf: T0 / 1000 + 60 })))).toBe(
      'token_not_yet_valid',
    );
    expect(codeOf(() => ts.verifyAccess(forge({ alg: 'HS256' }, { ...base, iat: T0 / 1000 + 60 })))).toBe(
      'token_not_yet_valid',
    );
  });

  it('rotates refresh tokens: the old one cannot be exchanged twice', () => {
    const clock = { t: T0 };
    const ts = service(clock);
    const first = ts.issueTokens('u');
    clock.t += 1000;
    const second = ts.refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(ts.verifyAccess(second.accessToken).sub).toBe('u');
    expect(ts.refresh(second.refreshToken).accessToken).toBeTypeOf('string');
    expect(codeOf(() => ts.refresh(first.refreshToken))).toBe('token_revoked');
  });

  it('refuses short secrets and bad ttls', () => {
    expect(() => new TokenService({ secret: 'short' })).toThrow(/at least 32 bytes/);
    expect(() => new TokenService({ secret: SECRET, accessTtlSeconds: 0 })).toThrow(/accessTtlSeconds/);
  });
});
