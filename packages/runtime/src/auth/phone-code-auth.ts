import { PhoneCodeLogin, type CodeRequest, type PhoneCodeSettings, type PhoneLogin } from './phone-code.js';
import type { TokenService } from './jwt.js';

/** PhoneCodeLogin's limits in the spec's units (milliseconds); absent ones take PhoneCodeLogin's defaults. */
export interface PhoneCodeAuthSettings {
  codeLength: number;
  /** Code lifetime; whole seconds, rounded down. */
  codeTtlMs: number;
  /** Wrong guesses per phone in one attempt window. */
  maxAttempts: number;
  /** The intervals and the window below are whole seconds, rounded up (so a short interval is never 0, "off"). */
  attemptWindowMs?: number;
  resendIntervalMs?: number;
  maxResendIntervalMs?: number;
  maxLiveCodes?: number;
  maxPendingPhones?: number;
  requestsPerMinute?: number;
  requestsPerMinutePerSource?: number;
}

/** The runtime settings for spec settings (milliseconds to seconds; absent stays absent). */
export function phoneCodeSettings(s: PhoneCodeAuthSettings): PhoneCodeSettings {
  const out: PhoneCodeSettings = {
    digits: s.codeLength,
    ttlSeconds: Math.floor(s.codeTtlMs / 1000),
    maxAttempts: s.maxAttempts,
  };
  const up = (ms: number): number => Math.ceil(ms / 1000);
  if (s.attemptWindowMs !== undefined) out.attemptWindowSeconds = up(s.attemptWindowMs);
  if (s.resendIntervalMs !== undefined) out.resendIntervalSeconds = up(s.resendIntervalMs);
  if (s.maxResendIntervalMs !== undefined) out.maxResendIntervalSeconds = up(s.maxResendIntervalMs);
  if (s.maxLiveCodes !== undefined) out.maxLiveCodes = s.maxLiveCodes;
  if (s.maxPendingPhones !== undefined) out.maxPending = s.maxPendingPhones;
  if (s.requestsPerMinute !== undefined) out.globalRequestsPerMinute = s.requestsPerMinute;
  if (s.requestsPerMinutePerSource !== undefined) out.sourceRequestsPerMinute = s.requestsPerMinutePerSource;
  return out;
}

/**
 * Phone-code login as a generated server delegates to it: a PhoneCodeLogin signing in with the
 * tokens of a TokenService that may be opened after this (it is built on first use). Every call
 * names its caller's source for the per-source rate limit; failures are PhoneCodeLogin's AuthErrors.
 */
export class PhoneCodeAuth {
  private login: PhoneCodeLogin | undefined;
  private readonly settings: PhoneCodeSettings;

  constructor(
    private readonly tokens: () => TokenService,
    settings: PhoneCodeAuthSettings,
  ) {
    this.settings = phoneCodeSettings(settings);
  }

  requestCode(phone: string, source: string): CodeRequest {
    return this.codes().requestCode(phone, source);
  }

  verifyCode(phone: string, code: string, source: string): PhoneLogin {
    return this.codes().verifyCode(phone, code, source);
  }

  async close(): Promise<void> {
    this.login?.sweep();
  }

  private codes(): PhoneCodeLogin {
    this.login ??= new PhoneCodeLogin(this.tokens(), this.settings);
    return this.login;
  }
}
