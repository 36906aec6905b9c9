export type AuthErrorCode =
  | 'malformed_token'
  | 'unsupported_algorithm'
  | 'bad_signature'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'wrong_token_type'
  | 'token_revoked'
  | 'invalid_phone'
  | 'no_pending_code'
  | 'invalid_code'
  | 'too_many_attempts'
  | 'code_expired'
  | 'resend_too_soon'
  | 'rate_limited'
  /** TokenAuth's one answer to any failed verification or refresh (its cause is not told to the client). */
  | 'invalid_token';

/** Every failure of token verification or phone-code login; `code` is stable and safe to send to clients. */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  /** Set for `invalid_code`: verification attempts left before the code is burned. */
  readonly attemptsLeft?: number;

  constructor(code: AuthErrorCode, message: string, attemptsLeft?: number) {
    super(message);
    this.name = 'AuthError';
    this.code = code;
    if (attemptsLeft !== undefined) this.attemptsLeft = attemptsLeft;
  }
}
