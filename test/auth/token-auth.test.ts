// TokenAuth and PhoneCodeAuth: JWT and phone-code login as a generated auth server configures them
// (issue #13: they used to be class bodies in _otp/chat-bindings.njk).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, PhoneCodeAuth, TokenAuth, phoneCodeSettings } from '../../packages/runtime/src/auth/index.js';

const SECRET = 'token-auth-tests-secret-0123456789abcdef';
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'token-auth-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (path = join(dir, 'auth.db'), env: Record<string, string | undefined> = { SECRET_VAR: SECRET }) =>
  new TokenAuth({
    owner: 'auth_server',
    secretEnv: 'SECRET_VAR',
    path,
    accessTtlMs: 60_999,
    refreshTtlMs: 3_600_000,
    issuer: 'tests',
    env,
  });

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (err) {
    return err instanceof AuthError ? err.code : String(err);
  }
};

describe('TokenAuth', () => {
  it('refuses to open without its secret, naming the owner and the variable', () => {
    expect(() => open(undefined, {})).toThrow(
      'auth_server: the environment variable SECRET_VAR must hold the HS256 signing secret',
    );
    expect(() => open(undefined, { SECRET_VAR: '' })).toThrow(/SECRET_VAR must hold/);
  });

  it('issues tokens with the spec lifetimes in whole seconds, and verifies them', async () => {
    const auth = open();
    const pair = auth.service.issueTokens('u1');
    const claims = auth.verifyAccess(pair.accessToken);
    expect(claims).toMatchObject({ sub: 'u1', iss: 'tests' });
    expect(claims.exp - claims.iat).toBe(60); // 60999 ms rounds down
    await auth.close();
  });

  it('answers every verification failure with invalid_token, whatever the cause', async () => {
    const auth = open();
    const pair = auth.service.issueTokens('u1');
    expect(codeOf(() => auth.verifyAccess('not.a.token'))).toBe('invalid_token');
    expect(codeOf(() => auth.verifyAccess(pair.refreshToken))).toBe('invalid_token'); // wrong type
    expect(codeOf(() => auth.refresh(pair.accessToken))).toBe('invalid_token');
    expect(codeOf(() => auth.refresh(pair.refreshToken))).toBe('ok');
    expect(codeOf(() => auth.refresh(pair.refreshToken))).toBe('invalid_token'); // reused
    await auth.close();
  });

  it('logout revokes the login: its access token and its refresh tokens', async () => {
    const auth = open();
    const pair = auth.service.issueTokens('u1');
    expect(auth.revokeAccess(auth.verifyAccess(pair.accessToken))).toBe(true);
    expect(codeOf(() => auth.verifyAccess(pair.accessToken))).toBe('invalid_token');
    expect(codeOf(() => auth.refresh(pair.refreshToken))).toBe('invalid_token');
    await auth.close();
  });

  it('keeps consumed refresh tokens across a reopen of its store', async () => {
    const path = join(dir, 'auth.db');
    const first = open(path);
    const pair = first.service.issueTokens('u1');
    first.refresh(pair.refreshToken);
    await first.close();
    const second = open(path);
    expect(codeOf(() => second.refresh(pair.refreshToken))).toBe('invalid_token');
    await second.close();
  });
});

describe('PhoneCodeAuth', () => {
  it('converts the spec settings: lifetimes round down, intervals and windows round up, absent stays absent', () => {
    expect(phoneCodeSettings({ codeLength: 6, codeTtlMs: 600_999, maxAttempts: 3 })).toEqual({
      digits: 6,
      ttlSeconds: 600,
      maxAttempts: 3,
    });
    expect(
      phoneCodeSettings({
        codeLength: 4,
        codeTtlMs: 1000,
        maxAttempts: 1,
        attemptWindowMs: 1001,
        resendIntervalMs: 1,
        maxResendIntervalMs: 0,
        maxLiveCodes: 2,
        maxPendingPhones: 5,
        requestsPerMinute: 9,
        requestsPerMinutePerSource: 4,
      }),
    ).toEqual({
      digits: 4,
      ttlSeconds: 1,
      maxAttempts: 1,
      attemptWindowSeconds: 2,
      resendIntervalSeconds: 1,
      maxResendIntervalSeconds: 0,
      maxLiveCodes: 2,
      maxPending: 5,
      globalRequestsPerMinute: 9,
      sourceRequestsPerMinute: 4,
    });
  });

  it('reads the token service only on first use (it may be opened later), and signs in with it', async () => {
    const opened: { tokens?: TokenAuth } = {};
    const login = new PhoneCodeAuth(() => opened.tokens!.service, {
      codeLength: 6,
      codeTtlMs: 60_000,
      maxAttempts: 3,
    });
    const tokens = (opened.tokens = open());
    const { code } = login.requestCode('+15551234567', 'a');
    const { tokens: pair } = login.verifyCode('+15551234567', code, 'a');
    expect(tokens.verifyAccess(pair.accessToken).sub).toMatch(/^u_/);
    await login.close();
    await tokens.close();
  });

  it('limits per source: one source is refused while another is served', async () => {
    const tokens = open();
    const login = new PhoneCodeAuth(() => tokens.service, {
      codeLength: 6,
      codeTtlMs: 60_000,
      maxAttempts: 3,
      requestsPerMinutePerSource: 2,
    });
    expect(codeOf(() => login.requestCode('+15550000001', 'a'))).toBe('ok');
    expect(codeOf(() => login.verifyCode('+15550000001', '000000', 'a'))).not.toBe('rate_limited');
    expect(codeOf(() => login.requestCode('+15550000002', 'a'))).toBe('rate_limited');
    expect(codeOf(() => login.requestCode('+15550000002', 'b'))).toBe('ok');
    await login.close();
    await tokens.close();
  });
});
