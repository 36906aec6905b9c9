// PhoneCodeLogin's rules at their boundaries: settings validation, the exact refusal messages, the
// attempt window, burned codes, live-code capacity, resend backoff after a window, and the sweeps
// that bound memory (every 1024 requests, when maxPending is reached, and what a sweep keeps).
import { describe, expect, it } from 'vitest';
import {
  AuthError,
  isE164,
  type PhoneCodeSettings,
  PhoneCodeLogin,
  TokenService,
} from '../../packages/runtime/src/auth/index.js';

const PHONE = '+46701234567';
const T0 = Date.UTC(2026, 0, 1);

function setup(settings: PhoneCodeSettings = {}, codes?: number[]) {
  const clock = { t: T0 };
  const tokens = new TokenService({ secret: 's'.repeat(40), now: () => clock.t });
  let next = 100_000;
  const login = new PhoneCodeLogin(tokens, {
    now: () => clock.t,
    randomInt: () => (codes ? (codes.shift() ?? 0) : next++),
    ...settings,
  });
  return { clock, login };
}

function failure(fn: () => unknown): { code: string; message: string; attemptsLeft?: number } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    const { code, message, attemptsLeft } = e as AuthError;
    return attemptsLeft === undefined ? { code, message } : { code, message, attemptsLeft };
  }
  throw new Error('expected an AuthError');
}

const phone = (i: number): string => `+1555${String(i).padStart(7, '0')}`;

describe('PhoneCodeLogin settings', () => {
  it.each([
    [{ digits: 3 }, 'digits must be an integer in 4..12, got 3'],
    [{ digits: 13 }, 'digits must be an integer in 4..12, got 13'],
    [{ digits: 4.5 }, 'digits must be an integer in 4..12, got 4.5'],
    [{ ttlSeconds: 0 }, 'ttlSeconds must be a positive integer, got 0'],
    [{ ttlSeconds: 1.5 }, 'ttlSeconds must be a positive integer, got 1.5'],
    [{ maxAttempts: 0 }, 'maxAttempts must be a positive integer, got 0'],
    [{ resendIntervalSeconds: -1 }, 'resendIntervalSeconds must be an integer >= 0, got -1'],
    [{ resendIntervalSeconds: 0.5 }, 'resendIntervalSeconds must be an integer >= 0, got 0.5'],
    [{ maxResendIntervalSeconds: -1 }, 'maxResendIntervalSeconds must be an integer >= 0, got -1'],
    [{ maxResendIntervalSeconds: 2.5 }, 'maxResendIntervalSeconds must be an integer >= 0, got 2.5'],
    [{ attemptWindowSeconds: 0 }, 'attemptWindowSeconds must be a positive integer, got 0'],
    [{ attemptWindowSeconds: 0.5 }, 'attemptWindowSeconds must be a positive integer, got 0.5'],
    [{ maxLiveCodes: 0 }, 'maxLiveCodes must be a positive integer, got 0'],
    [{ maxPending: 0 }, 'maxPending must be a positive integer, got 0'],
    [{ globalRequestsPerMinute: 0 }, 'globalRequestsPerMinute must be a positive integer, got 0'],
    [{ sourceRequestsPerMinute: 0 }, 'sourceRequestsPerMinute must be a positive integer, got 0'],
  ])('refuses %o', (settings, message) => {
    expect(() => setup(settings)).toThrow(`PhoneCodeLogin: ${message}`);
  });

  it.each([
    { digits: 4 },
    { digits: 12 },
    { ttlSeconds: 1 },
    { resendIntervalSeconds: 0 },
    { maxResendIntervalSeconds: 0 },
  ])('accepts the boundary %o', (settings) => {
    const { login } = setup(settings, [1]);
    expect(login.requestCode(PHONE).code).toBe('1'.padStart(settings.digits ?? 6, '0'));
  });

  it('refuses a randomInt that leaves the code range, and pads the smallest code', () => {
    for (const n of [-1, 1_000_000, 1.5]) {
      const { login } = setup({}, [n]);
      expect(() => login.requestCode(PHONE)).toThrow('PhoneCodeLogin: randomInt out of range');
    }
    expect(setup({}, [0]).login.requestCode(PHONE).code).toBe('000000');
    expect(setup({}, [999_999]).login.requestCode(PHONE).code).toBe('999999');
  });
});

describe('PhoneCodeLogin refusals', () => {
  it('refuses a phone that is not E.164, also when verifying', () => {
    const invalid = { code: 'invalid_phone', message: 'phone must be in E.164 format, e.g. +14155550123' };
    const { login } = setup();
    expect(failure(() => login.requestCode('0701234567'))).toEqual(invalid);
    expect(failure(() => login.verifyCode('0701234567', '123456'))).toEqual(invalid);
    // something that only prints like a phone number is not one
    expect(isE164({ toString: () => PHONE })).toBe(false);
    expect(isE164(PHONE)).toBe(true);
  });

  it('names each refusal', () => {
    const { clock, login } = setup({ maxAttempts: 2, ttlSeconds: 60 });
    expect(failure(() => login.verifyCode(PHONE, '123456'))).toEqual({
      code: 'no_pending_code',
      message: 'no code was requested for this phone',
    });
    login.requestCode(PHONE);
    expect(failure(() => login.requestCode(PHONE))).toEqual({
      code: 'resend_too_soon',
      message: 'a code was sent less than 30s ago',
    });
    clock.t += 30_000;
    login.requestCode(PHONE);
    expect(failure(() => login.requestCode(PHONE))).toEqual({
      code: 'resend_too_soon',
      message: 'a code was sent less than 60s ago',
    });
    expect(failure(() => login.verifyCode(PHONE, '000000'))).toEqual({
      code: 'invalid_code',
      message: 'wrong code; 1 attempt(s) left',
      attemptsLeft: 1,
    });
    expect(failure(() => login.verifyCode(PHONE, '000000'))).toEqual({
      code: 'too_many_attempts',
      message: 'too many wrong codes; try again later',
      attemptsLeft: 0,
    });
    const spent = {
      code: 'too_many_attempts',
      message: 'too many wrong codes for this phone; try again later',
      attemptsLeft: 0,
    };
    expect(failure(() => login.verifyCode(PHONE, '000000'))).toEqual(spent);
    clock.t += 120_000;
    expect(failure(() => login.requestCode(PHONE))).toEqual(spent);
  });

  it('says the code expired, and forgets the phone only when it has no wrong guesses', () => {
    const { clock, login } = setup({ ttlSeconds: 10, resendIntervalSeconds: 0 });
    login.requestCode(PHONE);
    clock.t += 10_000;
    expect(failure(() => login.verifyCode(PHONE, '100000'))).toEqual({
      code: 'code_expired',
      message: 'the code has expired; request a new one',
    });
    expect(login.pendingCount).toBe(0);

    const other = '+46709999999';
    login.requestCode(other);
    expect(failure(() => login.verifyCode(other, '000000')).code).toBe('invalid_code');
    clock.t += 10_000;
    expect(failure(() => login.verifyCode(other, '000000')).code).toBe('code_expired');
    // the wrong guess still counts: the phone is kept with its spent attempt
    expect(login.pendingCount).toBe(1);
    login.requestCode(other);
    expect(failure(() => login.verifyCode(other, '000000')).attemptsLeft).toBe(1);
  });

  it('names the per-source and the global rate limits', () => {
    const bySource = setup({ sourceRequestsPerMinute: 1, resendIntervalSeconds: 0 }).login;
    bySource.requestCode(PHONE, 'ip1');
    expect(failure(() => bySource.requestCode(phone(1), 'ip1'))).toEqual({
      code: 'rate_limited',
      message: 'too many requests from this source; try again later',
    });
    const global = setup({ globalRequestsPerMinute: 1 }).login;
    global.requestCode(PHONE);
    expect(failure(() => global.requestCode(phone(1)))).toEqual({
      code: 'rate_limited',
      message: 'too many requests; try again later',
    });
  });
});

describe('PhoneCodeLogin attempt window', () => {
  it('starts the window at the first wrong guess, not at the request', () => {
    const { clock, login } = setup({ maxAttempts: 2, attemptWindowSeconds: 100, ttlSeconds: 1000 });
    login.requestCode(PHONE);
    clock.t += 90_000;
    expect(failure(() => login.verifyCode(PHONE, '000000')).attemptsLeft).toBe(1);
    clock.t += 10_000; // 100 s after the request, 10 s after the first wrong guess: same window
    expect(failure(() => login.verifyCode(PHONE, '000000')).code).toBe('too_many_attempts');
  });

  it('later wrong guesses do not move the window start', () => {
    const { clock, login } = setup({ maxAttempts: 3, attemptWindowSeconds: 100, ttlSeconds: 1000 });
    login.requestCode(PHONE);
    clock.t += 10_000;
    expect(failure(() => login.verifyCode(PHONE, '000000')).attemptsLeft).toBe(2);
    clock.t += 50_000;
    expect(failure(() => login.verifyCode(PHONE, '000000')).attemptsLeft).toBe(1);
    clock.t += 55_000; // 105 s after the first wrong guess: a new window
    expect(failure(() => login.verifyCode(PHONE, '000000')).attemptsLeft).toBe(2);
  });

  it('a burned code stays burned after the window rolls over', () => {
    const { clock, login } = setup({ maxAttempts: 1, attemptWindowSeconds: 100, ttlSeconds: 1000 }, [111_111]);
    login.requestCode(PHONE);
    expect(failure(() => login.verifyCode(PHONE, '000000')).code).toBe('too_many_attempts');
    clock.t += 100_000;
    expect(failure(() => login.verifyCode(PHONE, '111111')).code).toBe('code_expired');
  });

  it('a rolled-over window also restores the resend backoff', () => {
    const { clock, login } = setup({ attemptWindowSeconds: 10, resendIntervalSeconds: 30 });
    login.requestCode(PHONE);
    clock.t += 10_000;
    expect(login.requestCode(PHONE).code).toHaveLength(6);
  });
});

describe('PhoneCodeLogin live codes', () => {
  it('keeps at most maxLiveCodes codes, dropping the oldest', () => {
    const run = (code: string) => {
      const { login } = setup({ maxLiveCodes: 2, resendIntervalSeconds: 0 }, [111_111, 222_222, 333_333]);
      for (let i = 0; i < 3; i++) login.requestCode(PHONE);
      try {
        return login.verifyCode(PHONE, code).phone;
      } catch (e) {
        return (e as AuthError).code;
      }
    };
    expect(run('111111')).toBe('invalid_code');
    expect(run('222222')).toBe(PHONE);
    expect(run('333333')).toBe(PHONE);
  });
});

describe('PhoneCodeLogin expired codes', () => {
  it('drops a code found expired (at its expiry instant) when the next is requested: a wall clock stepped back does not revive it', () => {
    const { clock, login } = setup({ resendIntervalSeconds: 0 }, [111_111, 222_222]);
    const first = login.requestCode(PHONE);
    clock.t = first.expiresAt; // expired from this instant on
    login.requestCode(PHONE);
    clock.t = T0 + 1000; // the wall clock steps back (NTP) to before the first code's expiry
    expect(failure(() => login.verifyCode(PHONE, '111111'))).toMatchObject({ code: 'invalid_code' });
    expect(login.verifyCode(PHONE, '222222').phone).toBe(PHONE);
  });
});

describe('PhoneCodeLogin sweeps', () => {
  const many = { globalRequestsPerMinute: 100_000, ttlSeconds: 1, resendIntervalSeconds: 0 };

  it('sweeps expired phones on every 1024th request, not before', () => {
    const { clock, login } = setup(many);
    for (let i = 0; i < 1022; i++) login.requestCode(phone(i));
    clock.t += 2000;
    login.requestCode(phone(5000)); // the 1023rd
    expect(login.pendingCount).toBe(1023);
    login.requestCode(phone(5001)); // the 1024th sweeps first
    expect(login.pendingCount).toBe(2);
  });

  it('sweeps when maxPending is reached, before refusing', () => {
    const { clock, login } = setup({ ...many, maxPending: 2 });
    login.requestCode(phone(1));
    login.requestCode(phone(2));
    expect(failure(() => login.requestCode(phone(3)))).toEqual({
      code: 'rate_limited',
      message: 'too many pending codes; try again later',
    });
    clock.t += 2000;
    expect(login.requestCode(phone(3)).code).toHaveLength(6);
    expect(login.pendingCount).toBe(1);
  });

  it('does not sweep while there is room', () => {
    const { clock, login } = setup({ ...many, maxPending: 10 });
    login.requestCode(phone(1));
    clock.t += 2000;
    login.requestCode(phone(2));
    expect(login.pendingCount).toBe(2);
  });

  it('keeps phones with live codes, failures or a running backoff, and drops them once all have passed', () => {
    const { clock, login } = setup({ ttlSeconds: 10, resendIntervalSeconds: 30 }, [111_111]);
    login.requestCode(PHONE);
    login.sweep();
    expect(login.pendingCount).toBe(1);
    clock.t += 20_000; // code expired, backoff still running
    login.sweep();
    expect(login.pendingCount).toBe(1);
    expect(failure(() => login.requestCode(PHONE)).code).toBe('resend_too_soon');
    clock.t += 10_000; // 30 s: backoff over
    login.sweep();
    expect(login.pendingCount).toBe(0);
  });

  it('a sweep leaves live codes usable', () => {
    const { login } = setup({}, [111_111]);
    login.requestCode(PHONE);
    login.sweep();
    expect(login.verifyCode(PHONE, '111111').phone).toBe(PHONE);
  });
});
