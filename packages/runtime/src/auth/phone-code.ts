import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { AuthError } from './errors.js';
import type { TokenPair, TokenService } from './jwt.js';

export interface PhoneCodeSettings {
  /** Digits in a code (seed 002: 6). */
  digits?: number;
  /** Code lifetime (seed 002: 10 minutes). */
  ttlSeconds?: number;
  /** Wrong guesses allowed before the code is burned (seed 002: 3). */
  maxAttempts?: number;
  /** Minimum time between two codes for one phone (limits guessing by re-requesting); 0 disables. Default 0. */
  resendIntervalSeconds?: number;
  now?: () => number;
  /** Uniform integer in [min, max); defaults to crypto.randomInt. */
  randomInt?: (min: number, max: number) => number;
  /** Maps a verified phone to the token subject (e.g. a user id); defaults to the phone itself. */
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

interface Pending {
  digest: Buffer;
  issuedAt: number;
  expiresAt: number;
  attemptsLeft: number;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

export function isE164(phone: unknown): phone is string {
  return typeof phone === 'string' && E164.test(phone);
}

/**
 * Phone-number login: a short numeric code with an expiry and a bounded number of attempts.
 * Only an HMAC of each code is kept (keyed per instance), compared in constant time.
 */
export class PhoneCodeLogin {
  readonly digits: number;
  readonly ttlSeconds: number;
  readonly maxAttempts: number;
  readonly resendIntervalSeconds: number;
  private readonly tokens: TokenService;
  private readonly now: () => number;
  private readonly rand: (min: number, max: number) => number;
  private readonly subjectFor: (phone: string) => string;
  private readonly hashKey = randomBytes(32);
  private readonly pending = new Map<string, Pending>();
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
    this.resendIntervalSeconds = settings.resendIntervalSeconds ?? 0;
    if (!Number.isSafeInteger(this.resendIntervalSeconds) || this.resendIntervalSeconds < 0) {
      throw new Error(`PhoneCodeLogin: resendIntervalSeconds must be an integer >= 0, got ${this.resendIntervalSeconds}`);
    }
    this.now = settings.now ?? Date.now;
    this.rand = settings.randomInt ?? randomInt;
    this.subjectFor = settings.subjectFor ?? ((p) => p);
  }

  /** Issues a fresh code for `phone`, replacing any pending one (and resetting its attempts). */
  requestCode(phone: string): CodeRequest {
    if (!isE164(phone)) throw new AuthError('invalid_phone', 'phone must be in E.164 format, e.g. +14155550123');
    if (++this.requestsSinceSweep >= 1024) this.sweep();
    const t = this.now();
    const previous = this.pending.get(phone);
    if (previous !== undefined && t < previous.issuedAt + this.resendIntervalSeconds * 1000) {
      throw new AuthError('resend_too_soon', `a code was sent less than ${this.resendIntervalSeconds}s ago`);
    }
    const n = this.rand(0, 10 ** this.digits);
    if (!Number.isSafeInteger(n) || n < 0 || n >= 10 ** this.digits) throw new Error('PhoneCodeLogin: randomInt out of range');
    const code = String(n).padStart(this.digits, '0');
    const expiresAt = t + this.ttlSeconds * 1000;
    this.pending.set(phone, { digest: this.digest(phone, code), issuedAt: t, expiresAt, attemptsLeft: this.maxAttempts });
    return { code, expiresAt };
  }

  /** Tokens on success (the code is then spent); otherwise throws AuthError. */
  verifyCode(phone: string, code: string): PhoneLogin {
    if (!isE164(phone)) throw new AuthError('invalid_phone', 'phone must be in E.164 format, e.g. +14155550123');
    const entry = this.pending.get(phone);
    if (entry === undefined) throw new AuthError('no_pending_code', 'no code was requested for this phone');
    if (this.now() >= entry.expiresAt) {
      this.pending.delete(phone);
      throw new AuthError('code_expired', 'the code has expired; request a new one');
    }
    const given = typeof code === 'string' ? code : '';
    const ok = given.length === this.digits && /^[0-9]+$/.test(given) && timingSafeEqual(this.digest(phone, given), entry.digest);
    if (!ok) {
      entry.attemptsLeft -= 1;
      if (entry.attemptsLeft <= 0) {
        this.pending.delete(phone);
        throw new AuthError('too_many_attempts', 'too many wrong codes; request a new one', 0);
      }
      throw new AuthError('invalid_code', `wrong code; ${entry.attemptsLeft} attempt(s) left`, entry.attemptsLeft);
    }
    this.pending.delete(phone);
    return { phone, tokens: this.tokens.issueTokens(this.subjectFor(phone)) };
  }

  /** Pending codes (including expired ones not yet swept). */
  get pendingCount(): number {
    return this.pending.size;
  }

  sweep(): void {
    this.requestsSinceSweep = 0;
    const t = this.now();
    for (const [phone, e] of this.pending) if (t >= e.expiresAt) this.pending.delete(phone);
  }

  private digest(phone: string, code: string): Buffer {
    return createHmac('sha256', this.hashKey).update(phone).update('\0').update(code).digest();
  }
}
