import { describe, expect, it } from 'vitest';
import { AuthError, PhoneCodeLogin, TokenService } from '../../packages/runtime/src/auth/index.js';

// Issue #14 finding 2: re-requesting a code reset the attempt counter, so an attacker could guess
// without bound; a request replaced the victim's code; pending codes had no cap.

const VICTIM = '+46701234567';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AuthError) return e.code;
    throw e;
  }
  return 'ok';
}

function setup(extra: ConstructorParameters<typeof PhoneCodeLogin>[1] = {}) {
  const clock = { t: Date.UTC(2026, 0, 1) };
  const tokens = new TokenService({ secret: 's'.repeat(40), now: () => clock.t });
  const login = new PhoneCodeLogin(tokens, { now: () => clock.t, ...extra });
  return { clock, login };
}

describe('PhoneCodeLogin under brute force (issue #14, finding 2)', () => {
  it('re-requesting a code does not restore the attempt budget of a phone', () => {
    // Every code is 001234; the attacker walks 000000, 000001, ... re-requesting after each refusal.
    const { clock, login } = setup({ randomInt: () => 1234 });
    const seen = new Map<string, number>();
    let next = 0;
    for (let round = 0; round < 2000; round++) {
      clock.t += 1000;
      code(() => login.requestCode(VICTIM));
      for (let g = 0; g < 3; g++) {
        const c = code(() => login.verifyCode(VICTIM, String(next++).padStart(6, '0')));
        seen.set(c, (seen.get(c) ?? 0) + 1);
      }
    }
    expect(seen.get('ok')).toBeUndefined(); // before the fix: taken over in round 412
    // Two wrong guesses are told apart (invalid_code), the third burns the budget; the rest are refused unread.
    expect(seen.get('invalid_code')).toBe(2);
  });

  it('a new request does not invalidate the code the victim already holds', () => {
    const { clock, login } = setup({ resendIntervalSeconds: 0 });
    const victimCode = login.requestCode(VICTIM).code;
    clock.t += 1000;
    login.requestCode(VICTIM); // the attacker asks for another code for the victim's phone
    expect(login.verifyCode(VICTIM, victimCode).phone).toBe(VICTIM);
  });

  it('resends back off: each further code for a phone waits twice as long', () => {
    const { clock, login } = setup({ resendIntervalSeconds: 30 });
    login.requestCode(VICTIM);
    clock.t += 30_000;
    login.requestCode(VICTIM);
    clock.t += 30_000; // 30 s after the second request: the interval is now 60 s
    expect(code(() => login.requestCode(VICTIM))).toBe('resend_too_soon');
    clock.t += 30_000;
    expect(code(() => login.requestCode(VICTIM))).toBe('ok');
  });

  it('limits requests per source and globally', () => {
    const { login } = setup({ sourceRequestsPerMinute: 5, globalRequestsPerMinute: 8 });
    const phone = (i: number) => `+1415555${String(i).padStart(4, '0')}`;
    const a = Array.from({ length: 7 }, (_, i) => code(() => login.requestCode(phone(i), '10.0.0.1')));
    expect(a).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
    const b = Array.from({ length: 5 }, (_, i) => code(() => login.requestCode(phone(100 + i), '10.0.0.2')));
    expect(b).toEqual(['ok', 'ok', 'ok', 'rate_limited', 'rate_limited']); // the global budget (8) is spent
    // Guesses count against the source too.
    const { login: l2 } = setup({ sourceRequestsPerMinute: 3 });
    l2.requestCode(VICTIM, '10.0.0.3');
    expect(code(() => l2.verifyCode(VICTIM, '000000', '10.0.0.3'))).not.toBe('rate_limited');
    expect(code(() => l2.verifyCode(VICTIM, '000000', '10.0.0.3'))).not.toBe('rate_limited');
    expect(code(() => l2.verifyCode(VICTIM, '000000', '10.0.0.3'))).toBe('rate_limited');
  });

  it('caps the number of phones with pending codes', () => {
    const { login } = setup({ maxPending: 50, globalRequestsPerMinute: 1_000_000 });
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const c = code(() => login.requestCode(`+1415556${String(i).padStart(4, '0')}`));
      outcomes.set(c, (outcomes.get(c) ?? 0) + 1);
    }
    expect(login.pendingCount).toBe(50);
    expect(Object.fromEntries(outcomes)).toEqual({ ok: 50, rate_limited: 150 });
  });
});
