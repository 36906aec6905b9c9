import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { AuthError } from './errors.js';

export type TokenType = 'access' | 'refresh';

export interface TokenClaims {
  sub: string;
  typ: TokenType;
  /** Seconds since the epoch (JWT NumericDate). */
  iat: number;
  exp: number;
  nbf?: number;
  jti: string;
  iss?: string;
  /** The login this token descends from: every token of one login (and its rotations) shares it. */
  fam?: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Access token lifetime in seconds. */
  expiresIn: number;
  refreshExpiresIn: number;
}

/**
 * Remembers refresh tokens already exchanged, so rotation makes the old one unusable, and the
 * token families (logins) revoked by logout or by the reuse of a consumed refresh token.
 */
export interface ConsumedRefreshStore {
  /** Returns false if `jti` was already consumed. `expiresAtMs` lets the store forget it afterwards. */
  consume(jti: string, expiresAtMs: number): boolean;
  /** Revokes every token of family `fam` until `expiresAtMs`. Without it, TokenService keeps revocations in memory. */
  revokeFamily?(fam: string, expiresAtMs: number): void;
  isFamilyRevoked?(fam: string): boolean;
}

export interface TokenServiceOptions {
  /** HS256 key; at least 32 bytes. */
  secret: string | Buffer;
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
  issuer?: string;
  /** Tolerated clock difference when checking exp/nbf/iat. */
  leewaySeconds?: number;
  now?: () => number;
  consumedRefresh?: ConsumedRefreshStore;
}

export const DEFAULT_ACCESS_TTL_SECONDS = 3600;
export const DEFAULT_REFRESH_TTL_SECONDS = 30 * 24 * 3600;
const MIN_SECRET_BYTES = 32;
const HEADER_SEGMENT = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
const B64URL = /^[A-Za-z0-9_-]*$/;
/** An HS256 signature (32 bytes) in canonical unpadded base64url: 43 characters, the last one's unused bits zero. */
const SIGNATURE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function decodeJsonSegment(segment: string, what: string): Record<string, unknown> {
  if (segment.length === 0 || !B64URL.test(segment)) {
    throw new AuthError('malformed_token', `token ${what} is not base64url`);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new AuthError('malformed_token', `token ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuthError('malformed_token', `token ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function isNumericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** In-memory consumed-refresh set; entries are dropped once the token would have expired anyway. */
export class MemoryConsumedRefreshStore implements ConsumedRefreshStore {
  private readonly seen = new Map<string, number>();
  private readonly revoked = new Map<string, number>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  consume(jti: string, expiresAtMs: number): boolean {
    if (this.seen.has(jti)) return false;
    this.seen.set(jti, expiresAtMs);
    if (this.seen.size % 1024 === 0) this.prune();
    return true;
  }

  revokeFamily(fam: string, expiresAtMs: number): void {
    this.revoked.set(fam, Math.max(expiresAtMs, this.revoked.get(fam) ?? 0));
    if (this.revoked.size % 1024 === 0) this.prune();
  }

  isFamilyRevoked(fam: string): boolean {
    const exp = this.revoked.get(fam);
    return exp !== undefined && exp > this.now();
  }

  get size(): number {
    return this.seen.size;
  }

  prune(): void {
    const t = this.now();
    for (const [jti, exp] of this.seen) if (exp <= t) this.seen.delete(jti);
    for (const [fam, exp] of this.revoked) if (exp <= t) this.revoked.delete(fam);
  }
}

/**
 * HS256 JWT access/refresh tokens on node:crypto. Verification fails closed: exactly
 * `alg: HS256`, constant-time signature check, `typ` claim separates access from refresh.
 */
export class TokenService {
  readonly accessTtlSeconds: number;
  readonly refreshTtlSeconds: number;
  private readonly key: Buffer;
  private readonly issuer: string | undefined;
  private readonly leeway: number;
  private readonly now: () => number;
  private readonly consumed: ConsumedRefreshStore;
  /** Revoked families when the store cannot keep them. */
  private readonly revokedHere: MemoryConsumedRefreshStore;

  constructor(options: TokenServiceOptions) {
    const key = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
    if (key.length < MIN_SECRET_BYTES) {
      throw new Error(`TokenService: secret must be at least ${MIN_SECRET_BYTES} bytes, got ${key.length}`);
    }
    this.key = key;
    this.accessTtlSeconds = positiveInt(options.accessTtlSeconds ?? DEFAULT_ACCESS_TTL_SECONDS, 'accessTtlSeconds');
    this.refreshTtlSeconds = positiveInt(options.refreshTtlSeconds ?? DEFAULT_REFRESH_TTL_SECONDS, 'refreshTtlSeconds');
    this.issuer = options.issuer;
    this.leeway = options.leewaySeconds ?? 0;
    this.now = options.now ?? Date.now;
    this.consumed = options.consumedRefresh ?? new MemoryConsumedRefreshStore(this.now);
    this.revokedHere = new MemoryConsumedRefreshStore(this.now);
  }

  /** Tokens for a new login (a new family), or for `family` when rotating. */
  issueTokens(subject: string, family: string = randomUUID()): TokenPair {
    if (typeof subject !== 'string' || subject.length === 0) {
      throw new Error('TokenService.issueTokens: subject must be a non-empty string');
    }
    const iat = Math.floor(this.now() / 1000);
    return {
      accessToken: this.sign({
        sub: subject,
        typ: 'access',
        iat,
        exp: iat + this.accessTtlSeconds,
        jti: randomUUID(),
        fam: family,
      }),
      refreshToken: this.sign({
        sub: subject,
        typ: 'refresh',
        iat,
        exp: iat + this.refreshTtlSeconds,
        jti: randomUUID(),
        fam: family,
      }),
      tokenType: 'Bearer',
      expiresIn: this.accessTtlSeconds,
      refreshExpiresIn: this.refreshTtlSeconds,
    };
  }

  /**
   * An opaque, stable subject for an external identifier (e.g. a phone number): 'u_' and 22
   * base64url characters of HMAC-SHA256(secret, namespace, value). The same value maps to the
   * same subject as long as the secret is the same; the value cannot be read back from it.
   */
  opaqueSubject(namespace: string, value: string): string {
    const mac = createHmac('sha256', this.key)
      .update('ggen-subject\0')
      .update(namespace)
      .update('\0')
      .update(value)
      .digest();
    return `u_${mac.subarray(0, 16).toString('base64url')}`;
  }

  verifyAccess(token: string): TokenClaims {
    return this.verify(token, 'access');
  }

  verifyRefresh(token: string): TokenClaims {
    return this.verify(token, 'refresh');
  }

  /**
   * Exchanges a refresh token for a new pair of the same family; the old refresh token is
   * consumed. Presenting a consumed one again means it leaked: the whole family (every token
   * rotated from the same login, access tokens included) is revoked.
   */
  refresh(refreshToken: string): TokenPair {
    const claims = this.verify(refreshToken, 'refresh');
    if (!this.consumed.consume(claims.jti, claims.exp * 1000)) {
      if (claims.fam !== undefined) this.revokeFamily(claims.fam);
      throw new AuthError('token_revoked', 'refresh token was already used; every token of this login is revoked');
    }
    return this.issueTokens(claims.sub, claims.fam);
  }

  /** Logout: the access token's family (this token, its refresh token and their rotations) is refused from now on. */
  revokeAccess(claims: Pick<TokenClaims, 'fam'>): void {
    if (claims !== null && typeof claims === 'object' && typeof claims.fam === 'string') this.revokeFamily(claims.fam);
  }

  private revokeFamily(fam: string): void {
    // No token of the family outlives the longest refresh token issued from now on.
    const until = this.now() + this.refreshTtlSeconds * 1000 + this.leeway * 1000;
    if (this.consumed.revokeFamily !== undefined) this.consumed.revokeFamily(fam, until);
    else this.revokedHere.revokeFamily(fam, until);
  }

  private familyRevoked(fam: string): boolean {
    return this.consumed.isFamilyRevoked !== undefined
      ? this.consumed.isFamilyRevoked(fam)
      : this.revokedHere.isFamilyRevoked(fam);
  }

  private sign(claims: TokenClaims): string {
    const body = this.issuer === undefined ? claims : { ...claims, iss: this.issuer };
    const signingInput = `${HEADER_SEGMENT}.${base64url(JSON.stringify(body))}`;
    return `${signingInput}.${this.mac(signingInput).toString('base64url')}`;
  }

  private mac(signingInput: string): Buffer {
    return createHmac('sha256', this.key).update(signingInput).digest();
  }

  private verify(token: string, expected: TokenType): TokenClaims {
    if (typeof token !== 'string' || token.length > 8192)
      throw new AuthError('malformed_token', 'token is not a string of sane length');
    const parts = token.split('.');
    if (parts.length !== 3) throw new AuthError('malformed_token', 'token must have three segments');
    const [h, p, s] = parts as [string, string, string];
    const header = decodeJsonSegment(h, 'header');
    if (header.alg !== 'HS256') {
      throw new AuthError('unsupported_algorithm', `token alg must be HS256, got ${JSON.stringify(header.alg)}`);
    }
    if (header.typ !== undefined && header.typ !== 'JWT')
      throw new AuthError('malformed_token', 'token header typ must be JWT');
    if (header.crit !== undefined) throw new AuthError('malformed_token', 'token header crit is not supported');
    // Only the canonical encoding: base64url decoding ignores the last character's unused bits,
    // which would make several strings carry one signature.
    if (!SIGNATURE.test(s)) throw new AuthError('malformed_token', 'token signature is not canonical base64url');
    const given = Buffer.from(s, 'base64url');
    const want = this.mac(`${h}.${p}`);
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      throw new AuthError('bad_signature', 'token signature does not match');
    }
    const c = decodeJsonSegment(p, 'payload');
    if (typeof c.sub !== 'string' || c.sub.length === 0) throw new AuthError('malformed_token', 'token sub missing');
    if (typeof c.jti !== 'string' || c.jti.length === 0) throw new AuthError('malformed_token', 'token jti missing');
    if (!isNumericDate(c.iat) || !isNumericDate(c.exp)) throw new AuthError('malformed_token', 'token iat/exp missing');
    if (c.nbf !== undefined && !isNumericDate(c.nbf)) throw new AuthError('malformed_token', 'token nbf is not a date');
    if (c.typ !== 'access' && c.typ !== 'refresh') throw new AuthError('malformed_token', 'token typ claim missing');
    if (this.issuer !== undefined && c.iss !== this.issuer)
      throw new AuthError('malformed_token', 'token issuer does not match');
    if (c.typ !== expected) throw new AuthError('wrong_token_type', `expected a ${expected} token, got ${c.typ}`);
    const nowS = this.now() / 1000;
    if (nowS >= c.exp + this.leeway) throw new AuthError('token_expired', 'token has expired');
    if (c.iat > nowS + this.leeway || (c.nbf !== undefined && c.nbf > nowS + this.leeway)) {
      throw new AuthError('token_not_yet_valid', 'token is not valid yet');
    }
    if (c.fam !== undefined && (typeof c.fam !== 'string' || c.fam.length === 0))
      throw new AuthError('malformed_token', 'token fam is not a string');
    if (typeof c.fam === 'string' && this.familyRevoked(c.fam))
      throw new AuthError('token_revoked', 'token was revoked (logout or refresh-token reuse)');
    const claims: TokenClaims = { sub: c.sub, typ: c.typ, iat: c.iat, exp: c.exp, jti: c.jti };
    if (c.nbf !== undefined) claims.nbf = c.nbf;
    if (typeof c.iss === 'string') claims.iss = c.iss;
    if (typeof c.fam === 'string') claims.fam = c.fam;
    return claims;
  }
}

function positiveInt(v: number, name: string): number {
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`TokenService: ${name} must be a positive integer, got ${v}`);
  return v;
}
