import { AuthError } from './errors.js';
import { TokenService, type TokenClaims, type TokenPair } from './jwt.js';
import { SqliteConsumedRefreshStore } from './refresh-store.js';

export interface TokenAuthSettings {
  /** Who opens it, for error messages (e.g. the server's name). */
  owner: string;
  /** Name of the environment variable holding the HS256 signing secret (never the secret itself). */
  secretEnv: string;
  /** SQLite file keeping consumed refresh-token ids, so rotation survives a restart. */
  path: string;
  /** Lifetimes in milliseconds (the spec's unit); tokens count whole seconds (rounded down). */
  accessTtlMs: number;
  refreshTtlMs: number;
  issuer: string;
  /** The environment to read secretEnv from. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * JWT auth as a generated server delegates to it: HS256 access and refresh tokens from a
 * TokenService whose consumed refresh tokens are kept durably. Every verification or refresh
 * failure is the one AuthError 'invalid_token' (the cause is not told to the client).
 */
export class TokenAuth {
  readonly service: TokenService;
  private readonly consumed: SqliteConsumedRefreshStore;

  /** Throws (plain Error) when the secret variable is unset or empty, or the secret is too short. */
  constructor(settings: TokenAuthSettings) {
    const secret = (settings.env ?? process.env)[settings.secretEnv];
    if (secret === undefined || secret === '')
      throw new Error(
        `${settings.owner}: the environment variable ${settings.secretEnv} must hold the HS256 signing secret`,
      );
    const consumed = SqliteConsumedRefreshStore.open(settings.path);
    try {
      this.service = new TokenService({
        secret,
        accessTtlSeconds: Math.floor(settings.accessTtlMs / 1000),
        refreshTtlSeconds: Math.floor(settings.refreshTtlMs / 1000),
        issuer: settings.issuer,
        consumedRefresh: consumed,
      });
    } catch (err) {
      consumed.close();
      throw err;
    }
    this.consumed = consumed;
  }

  verifyAccess(token: string): TokenClaims {
    try {
      return this.service.verifyAccess(token);
    } catch (err) {
      throw invalidToken(err);
    }
  }

  /** Logout: this token's login (its refresh token and their rotations included) is refused from now on. */
  revokeAccess(claims: TokenClaims): boolean {
    this.service.revokeAccess(claims);
    return true;
  }

  /** Rotates: the refresh token is consumed, a new pair is issued. */
  refresh(refreshToken: string): TokenPair {
    try {
      return this.service.refresh(refreshToken);
    } catch (err) {
      throw invalidToken(err);
    }
  }

  async close(): Promise<void> {
    this.consumed.close();
  }
}

function invalidToken(err: unknown): unknown {
  return err instanceof AuthError ? new AuthError('invalid_token', 'the token is invalid') : err;
}
