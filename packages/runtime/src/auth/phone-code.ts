import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { FixedWindowCounter } from '../limits/rate-limit.js';
import { AuthError } from './errors.js';
import type { TokenPair, TokenService } from './jwt.js';

export interface PhoneCodeSettings {
  /** Digits in a code (seed 002: 6). */
  digits?: number;
  /** Code lifetime (seed 002: 10 minutes). */
  ttlSeconds?: number;
  /** Wrong guesses allowed before the code is burned (seed 002: 3). */
  maxAttempts?: number;
  /**
   * Minimum time between two codes for one phone; it doubles with each further code inside the
   * attempt window (backoff), up to maxResendIntervalSeconds. 0 disables. Default 30.
   */
  resendIntervalSeconds?: number;
  /** Cap of the resend backoff. Default 3600. */
  maxResendIntervalSeconds?: number;
  /**
   * maxAttempts is a budget per phone, not per code: re-requesting a code does not restore it.
   * It is restored by a successful login or when this window (counted from the phone's first
   * wrong guess) has passed. Default 3600.
   */
  attemptWindowSeconds?: number;
  /** Codes per phone that stay valid at once, so a request by someone else does not void the victim's code. Default 3. */
  maxLiveCodes?: number;
  /** Phones with pending codes or a running window, at most; further phones are refused (rate_limited). Default 10000. */
  maxPending?: number;
  /** requestCode + verifyCode calls per minute over all sources. Default 600. */
  globalRequestsPerMinute?: number;
  /** requestCode + verifyCode calls per minute from one source (e.g. a client address). Default 20. */
  sourceRequestsPerMinute?: number;
  now?: () => number;
  /** Uniform integer in [min, max); defaults to crypto.randomInt. */
  randomInt?: (min: number, max: number) => number;
  /**
   * Maps a verified phone to the token subject (e.g. a user id). Default: an opaque id derived
   * from the phone with the token secret (TokenService.opaqueSubject), so the phone number is
   * never the user id that other users see.
   */
  subjectFor?: (phone: string) => string;
}

export interface CodeRequest {
  /** Deliver out of band (SMS); never echo it to the requesting client. */
  code: string;
  expiresAt: number;
}

export interface PhoneLogin {
  phone: string;
  tokens: TokenPair;
}

interface LiveCode {
  digest: Buffer;
  expiresAt: number;
}

/** Everything kept per phone: its live codes, its resend backoff and its attempt budget. */
interface PhoneState {
  codes: LiveCode[];
  lastRequestAt: number;
  /** Codes issued in the current window (drives the resend backoff). */
  requests: number;
  /** Wrong guesses in the current window. */
  failures: number;
  /** Start of the window (the first request or wrong guess after the previous one lapsed). */
  windowStart: number;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

export function isE164(phone: unknown): phone is string {
  return typeof phone === 'string' && E164.test(phone);
}

/**
 * Phone-number login: a short numeric code with an expiry and a bounded number of attempts.
 * Only an HMAC of each code is kept (keyed per instance), compared in constant time.
 *
 * Against guessing: the attempt budget belongs to the phone and survives re-requests; resends
 * back off exponentially; calls are rate-limited globally and per source; the number of phones
 * tracked is capped. A new code does not void the ones already sent (up to maxLiveCodes), so
 * requesting codes for someone else's phone cannot lock them out of the code they hold.
 */
export class PhoneCodeLogin {
  readonly digits: number;
  readonly ttlSeconds: number;
  readonly maxAttempts: number;
  readonly resendIntervalSeconds: number;
  readonly maxResendIntervalSeconds: number;
  readonly attemptWindowSeconds: number;
  readonly maxLiveCodes: number;
  readonly maxPending: number;
  private readonly tokens: TokenService;
  private readonly now: () => number;
  private readonly rand: (min: number, max: number) => number;
  private readonly subjectFor: (phone: string) => string;
  private readonly hashKey = randomBytes(32);
  private readonly phones = new Map<string, PhoneState>();
  private readonly globalRate: FixedWindowCounter;
  private readonly sourceRate: FixedWindowCounter;
  private requestsSinceSweep = 0;

  constructor(tokens: TokenService, settings: PhoneCodeSettings = {}) {
    this.tokens = tokens;
    this.digits = settings.digits ?? 6;
    this.ttlSeconds = settings.ttlSeconds ?? 600;
    this.maxAttempts = settings.maxAttempts ?? 3;
    if (!Number.isSafeInteger(this.digits) || this.digits < 4 || this.digits > 12) {
      throw new Error(`PhoneCodeLogin: digits must be an integer in 4..12, got ${this.digits}`);
    }
    if (!Number.isSafeInteger(this.ttlSeconds) || this.ttlSeconds <= 0) {
      throw new Error(`PhoneCodeLogin: ttlSeconds must be a positive integer, got ${this.ttlSeconds}`);
    }
    if (!Number.isSafeInteger(this.maxAttempts) || this.maxAttempts <= 0) {
      throw new Error(`PhoneCodeLogin: maxAttempts must be a positive integer, got ${this.maxAttempts}`);
    }
    this.resendIntervalSeconds = settings.resendIntervalSeconds ?? 30;
    if (!Number.isSafeInteger(this.resendIntervalSeconds) || this.resendIntervalSeconds < 0) {
      throw new Error(
        `PhoneCodeLogin: resendIntervalSeconds must be an integer >= 0, got ${this.resendIntervalSeconds}`,
      );
    }
    this.maxResendIntervalSeconds = nonNegativeInt(
      settings.maxResendIntervalSeconds ?? 3600,
      'maxResendIntervalSeconds',
    );
    this.attemptWindowSeconds = positiveInt(settings.attemptWindowSeconds ?? 3600, 'attemptWindowSeconds');
    this.maxLiveCodes = positiveInt(settings.maxLiveCodes ?? 3, 'maxLiveCodes');
    this.maxPending = positiveInt(settings.maxPending ?? 10_000, 'maxPending');
    this.now = settings.now ?? Date.now;
    this.globalRate = new FixedWindowCounter(
      positiveInt(settings.globalRequestsPerMinute ?? 600, 'globalRequestsPerMinute'),
      60_000,
      this.now,
    );
    this.sourceRate = new FixedWindowCounter(
      positiveInt(settings.sourceRequestsPerMinute ?? 20, 'sourceRequestsPerMinute'),
      60_000,
      this.now,
    );
    this.rand = settings.randomInt ?? randomInt;
    this.subjectFor = settings.subjectFor ?? ((p) => tokens.opaqueSubject('phone', p));
  }

  /**
   * Issues a code for `phone` (earlier live codes stay valid). `source` identifies the caller
   * (e.g. its address) for the per-source rate limit. Throws AuthError: invalid_phone,
   * rate_limited, resend_too_soon, or too_many_attempts while the phone's budget is spent.
   */
  requestCode(phone: string, source?: string): CodeRequest {
    if (!isE164(phone)) throw new AuthError('invalid_phone', 'phone must be in E.164 format, e.g. +14155550123');
    this.limit(source);
    if (++this.requestsSinceSweep >= 1024) this.sweep();
    const t = this.now();
    let st = this.phones.get(phone);
    if (st !== undefined) this.rollWindow(st, t);
    if (st === undefined) {
      if (this.phones.size >= this.maxPending) this.sweep();
      if (this.phones.size >= this.maxPending)
        throw new AuthError('rate_limited', 'too many pending codes; try again later');
      st = { codes: [], lastRequestAt: -Infinity, requests: 0, failures: 0, windowStart: t };
      this.phones.set(phone, st);
    }
    if (st.failures >= this.maxAttempts)
      throw new AuthError('too_many_attempts', 'too many wrong codes for this phone; try again later', 0);
    const wait = this.resendWaitMs(st);
    if (t < st.lastRequestAt + wait) {
      throw new AuthError('resend_too_soon', `a code was sent less than ${Math.ceil(wait / 1000)}s ago`);
    }
    const n = this.rand(0, 10 ** this.digits);
    if (!Number.isSafeInteger(n) || n < 0 || n >= 10 ** this.digits)
      throw new Error('PhoneCodeLogin: randomInt out of range');
    const code = String(n).padStart(this.digits, '0');
    const expiresAt = t + this.ttlSeconds * 1000;
    st.codes = st.codes.filter((c) => t < c.expiresAt);
    st.codes.push({ digest: this.digest(phone, code), expiresAt });
    if (st.codes.length > this.maxLiveCodes) st.codes.shift();
    st.lastRequestAt = t;
    st.requests += 1;
    return { code, expiresAt };
  }

  /** Tokens on success (every code of the phone is then spent); otherwise throws AuthError. */
  verifyCode(phone: string, code: string, source?: string): PhoneLogin {
    if (!isE164(phone)) throw new AuthError('invalid_phone', 'phone must be in E.164 format, e.g. +14155550123');
    this.limit(source);
    const st = this.phones.get(phone);
    if (st === undefined) throw new AuthError('no_pending_code', 'no code was requested for this phone');
    const t = this.now();
    this.rollWindow(st, t);
    if (st.failures >= this.maxAttempts)
      throw new AuthError('too_many_attempts', 'too many wrong codes for this phone; try again later', 0);
    st.codes = st.codes.filter((c) => t < c.expiresAt);
    if (st.codes.length === 0) {
      if (st.failures === 0) this.phones.delete(phone);
      throw new AuthError('code_expired', 'the code has expired; request a new one');
    }
    const given = typeof code === 'string' ? code : '';
    let ok = false;
    if (given.length === this.digits && /^[0-9]+$/.test(given)) {
      const d = this.digest(phone, given);
      // Every live code is compared (constant time each), whichever matches.
      for (const c of st.codes) if (timingSafeEqual(d, c.digest)) ok = true;
    }
    if (!ok) {
      if (st.failures === 0) st.windowStart = t;
      st.failures += 1;
      const left = this.maxAttempts - st.failures;
      if (left <= 0) {
        st.codes = [];
        throw new AuthError('too_many_attempts', 'too many wrong codes; try again later', 0);
      }
      throw new AuthError('invalid_code', `wrong code; ${left} attempt(s) left`, left);
    }
    this.phones.delete(phone);
    return { phone, tokens: this.tokens.issueTokens(this.subjectFor(phone)) };
  }

  /** Phones with live codes or a running attempt window (including expired ones not yet swept). */
  get pendingCount(): number {
    return this.phones.size;
  }

  sweep(): void {
    this.requestsSinceSweep = 0;
    const t = this.now();
    for (const [phone, st] of this.phones) {
      this.rollWindow(st, t);
      st.codes = st.codes.filter((c) => t < c.expiresAt);
      if (st.codes.length === 0 && st.failures === 0 && t >= st.lastRequestAt + this.resendWaitMs(st))
        this.phones.delete(phone);
    }
  }

  private limit(source: string | undefined): void {
    if (source !== undefined && !this.sourceRate.hit(source))
      throw new AuthError('rate_limited', 'too many requests from this source; try again later');
    if (!this.globalRate.hit('*')) throw new AuthError('rate_limited', 'too many requests; try again later');
  }

  /** A window that has run its course restores the budget and the backoff. */
  private rollWindow(st: PhoneState, t: number): void {
    if (t >= st.windowStart + this.attemptWindowSeconds * 1000) {
      st.windowStart = t;
      st.failures = 0;
      st.requests = 0;
    }
  }

  private resendWaitMs(st: PhoneState): number {
    if (st.requests === 0 || this.resendIntervalSeconds === 0) return 0;
    const s = Math.min(this.maxResendIntervalSeconds, this.resendIntervalSeconds * 2 ** Math.min(30, st.requests - 1));
    return s * 1000;
  }

  private digest(phone: string, code: string): Buffer {
    return createHmac('sha256', this.hashKey).update(phone).update('\0').update(code).digest();
  }
}

function positiveInt(v: number, name: string): number {
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new Error(`PhoneCodeLogin: ${name} must be a positive integer, got ${v}`);
  return v;
}

function nonNegativeInt(v: number, name: string): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`PhoneCodeLogin: ${name} must be an integer >= 0, got ${v}`);
  return v;
}
