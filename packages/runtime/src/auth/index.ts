/**
 * Auth mechanisms for generated chat servers.
 * - TokenService: HS256 JWT on node:crypto; access (default 1 h) and refresh (default 30 d) tokens
 *   told apart by a `typ` claim; refresh() rotates and consumes the old refresh token
 *   (MemoryConsumedRefreshStore by default, SqliteConsumedRefreshStore to survive restarts).
 * - PhoneCodeLogin: E.164 phone, numeric code (default 6 digits, 10 min, 3 attempts), only an
 *   HMAC of the code is kept; verifyCode() returns tokens from the TokenService.
 * - TokenAuth, PhoneCodeAuth: the two as a generated auth server configures them from the spec
 *   (secret from an environment variable, durable consumed refresh tokens, limits in ms, the
 *   caller's source on every phone-code call); every token failure is 'invalid_token'.
 * Failures throw AuthError with a stable `code`.
 */
export { AuthError, type AuthErrorCode } from './errors.js';
export {
  TokenService,
  MemoryConsumedRefreshStore,
  DEFAULT_ACCESS_TTL_SECONDS,
  DEFAULT_REFRESH_TTL_SECONDS,
  type TokenType,
  type TokenClaims,
  type TokenPair,
  type TokenServiceOptions,
  type ConsumedRefreshStore,
} from './jwt.js';
export { PhoneCodeLogin, isE164, type PhoneCodeSettings, type CodeRequest, type PhoneLogin } from './phone-code.js';
export { SqliteConsumedRefreshStore } from './refresh-store.js';
export { TokenAuth, type TokenAuthSettings } from './token-auth.js';
export { PhoneCodeAuth, phoneCodeSettings, type PhoneCodeAuthSettings } from './phone-code-auth.js';
