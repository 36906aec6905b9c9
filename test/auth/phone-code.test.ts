import { describe, expect, it } from 'vitest';
import { AuthError, PhoneCodeLogin, TokenService } from '../../packages/runtime/src/auth/index.js';

const PHONE = '+46701234567';

function setup(codes: number[] = [123456, 654321, 42]) {
  const clock = { t: Date.UTC(2026, 0, 1) };
  const tokens = new TokenService({ secret: 's'.repeat(40), now: () => clock.t });
  const login = new PhoneCodeLogin(tokens, { now: () => clock.t, randomInt: () => codes.shift() ?? 0 });
  return { clock, tokens, login };
}

function err(fn: () => unknown): AuthError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    return e as AuthError;
  }
  throw new Error('expected an AuthError');
}

describe('PhoneCodeLogin', () => {
  it('issues a 6-digit code valid for 10 minutes and exchanges it for tokens once', () => {
    const { clock, tokens, login } = setup([7]);
    const req = login.requestCode(PHONE);
    expect(req.code).toBe('000007');
    expect(req.expiresAt).toBe(clock.t + 600_000);
    clock.t += 599_000;
    const res = login.verifyCode(PHONE, '000007');
    expect(tokens.verifyAccess(res.tokens.accessToken).sub).toBe(tokens.opaqueSubject('phone', PHONE));
    expect(err(() => login.verifyCode(PHONE, '000007')).code).toBe('no_pending_code');
  });

  it('counts wrong codes down and burns the code on the third failure', () => {
    const { login } = setup();
    login.requestCode(PHONE);
    const e1 = err(() => login.verifyCode(PHONE, '000000'));
    expect([e1.code, e1.attemptsLeft]).toEqual(['invalid_code', 2]);
    const e2 = err(() => login.verifyCode(PHONE, 'abc'));
    expect([e2.code, e2.attemptsLeft]).toEqual(['invalid_code', 1]);
    expect(err(() => login.verifyCode(PHONE, '111111')).code).toBe('too_many_attempts');
    // The phone stays locked: even the right code is refused until the attempt window passes.
    expect(err(() => login.verifyCode(PHONE, '123456')).code).toBe('too_many_attempts');
  });

  it('accepts the right code after fewer than 3 failures', () => {
    const { login } = setup();
    login.requestCode(PHONE);
    err(() => login.verifyCode(PHONE, '999999'));
    err(() => login.verifyCode(PHONE, '12345'));
    expect(login.verifyCode(PHONE, '123456').phone).toBe(PHONE);
  });

  it('expires codes after 10 minutes', () => {
    const { clock, login } = setup();
    login.requestCode(PHONE);
    clock.t += 600_000;
    expect(err(() => login.verifyCode(PHONE, '123456')).code).toBe('code_expired');
    expect(login.pendingCount).toBe(0);
  });

  it('a new request keeps the old code valid and does not reset attempts', () => {
    const { clock, login } = setup();
    login.requestCode(PHONE);
    err(() => login.verifyCode(PHONE, '000000'));
    clock.t += 30_000;
    login.requestCode(PHONE);
    expect(err(() => login.verifyCode(PHONE, '000001')).attemptsLeft).toBe(1);
    expect(login.verifyCode(PHONE, '123456').phone).toBe(PHONE);
  });

  it('restores the budget once the attempt window has passed', () => {
    const { clock, login } = setup();
    login.requestCode(PHONE);
    for (const g of ['000000', '000001', '000002']) err(() => login.verifyCode(PHONE, g));
    expect(err(() => login.requestCode(PHONE)).code).toBe('too_many_attempts');
    clock.t += 3600_000;
    login.requestCode(PHONE);
    expect(login.verifyCode(PHONE, '654321').phone).toBe(PHONE);
  });

  it('validates E.164 phone numbers and settings', () => {
    const { login } = setup();
    for (const bad of ['0701234567', '+0701234567', '+46 70 123', '+4670123456789012', '', 'tel:+4670']) {
      expect(err(() => login.requestCode(bad)).code).toBe('invalid_phone');
    }
    const tokens = new TokenService({ secret: 's'.repeat(40) });
    expect(() => new PhoneCodeLogin(tokens, { maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => new PhoneCodeLogin(tokens, { digits: 2 })).toThrow(/digits/);
  });

  it('uses crypto randomness by default and honours digits from settings', () => {
    const tokens = new TokenService({ secret: 's'.repeat(40) });
    const login = new PhoneCodeLogin(tokens, { digits: 8 });
    const { code } = login.requestCode(PHONE);
    expect(code).toMatch(/^[0-9]{8}$/);
    expect(login.verifyCode(PHONE, code).tokens.expiresIn).toBe(3600);
  });

  it('sweeps expired codes', () => {
    const { clock, login } = setup();
    login.requestCode(PHONE);
    login.requestCode('+14155550123');
    clock.t += 600_000;
    login.sweep();
    expect(login.pendingCount).toBe(0);
  });

  it('can refuse re-requests inside a resend interval', () => {
    const clock = { t: 0 };
    const tokens = new TokenService({ secret: 's'.repeat(40), now: () => clock.t });
    const login = new PhoneCodeLogin(tokens, { now: () => clock.t, resendIntervalSeconds: 30, randomInt: () => 1 });
    login.requestCode(PHONE);
    clock.t = 29_999;
    expect(err(() => login.requestCode(PHONE)).code).toBe('resend_too_soon');
    expect(login.requestCode('+14155550123').code).toBe('000001');
    clock.t = 30_000;
    expect(login.requestCode(PHONE).code).toBe('000001');
  });

  it('signs in with an opaque subject: stable per phone, distinct across phones, not the number (#14 finding 5)', () => {
    const { clock, tokens, login } = setup([1, 2, 3]);
    const sub = (phone: string) => {
      const { code } = login.requestCode(phone);
      clock.t += 60_000;
      return tokens.verifyAccess(login.verifyCode(phone, code).tokens.accessToken).sub;
    };
    const a = sub(PHONE);
    expect(a).toMatch(/^u_[A-Za-z0-9_-]{22}$/);
    expect(a).not.toContain('701234567');
    expect(sub(PHONE)).toBe(a);
    expect(sub('+14155550123')).not.toBe(a);
    // Another secret, another id: the mapping cannot be computed without the service's key.
    expect(new TokenService({ secret: 't'.repeat(40) }).opaqueSubject('phone', PHONE)).not.toBe(a);
  });
});
