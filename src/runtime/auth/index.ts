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
