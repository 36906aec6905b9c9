// Issue #14, low items on tokens: malleable signatures, refresh-token reuse that left the chain
// issued from the reused token alive, and access tokens that outlived logout.
import { describe, expect, it } from 'vitest';
import { AuthError, MemoryConsumedRefreshStore, TokenService } from '../../packages/runtime/src/auth/index.js';

const SECRET = 'k'.repeat(32);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    return (e as AuthError).code;
  }
  return 'ok';
}

describe('TokenService hardening', () => {
  it('requires the canonical base64url signature: the unused low bits of its last character are not malleable', () => {
    const ts = new TokenService({ secret: SECRET });
    const token = ts.issueTokens('alice').accessToken;
    const sig = token.slice(token.lastIndexOf('.') + 1);
    expect(sig).toHaveLength(43); // 256 bits in 43 characters: the last one carries 2 unused bits
    const last = ALPHABET.indexOf(sig.at(-1) as string);
    const variants = [1, 2, 3].map((d) => `${token.slice(0, -1)}${ALPHABET[(last & ~3) | ((last + d) & 3)]}`);
    for (const v of variants) {
      expect(Buffer.from(v.slice(v.lastIndexOf('.') + 1), 'base64url').equals(Buffer.from(sig, 'base64url'))).toBe(
        true,
      );
      expect(codeOf(() => ts.verifyAccess(v))).toBe('malformed_token');
    }
    expect(codeOf(() => ts.verifyAccess(`${token}=`))).toBe('malformed_token');
    expect(ts.verifyAccess(token).sub).toBe('alice');
  });

  it('reuse of a consumed refresh token revokes every token issued from it', () => {
    const ts = new TokenService({ secret: SECRET });
    const first = ts.issueTokens('alice');
    const second = ts.refresh(first.refreshToken); // the legitimate rotation
    const third = ts.refresh(second.refreshToken);
    expect(ts.verifyAccess(third.accessToken).sub).toBe('alice');
    // An attacker replays the stolen first refresh token: refused, and the family is revoked.
    expect(codeOf(() => ts.refresh(first.refreshToken))).toBe('token_revoked');
    expect(codeOf(() => ts.refresh(third.refreshToken))).toBe('token_revoked');
    expect(codeOf(() => ts.verifyAccess(third.accessToken))).toBe('token_revoked');
    // Another login of the same user is a different family and unaffected.
    const other = ts.issueTokens('alice');
    expect(ts.refresh(other.refreshToken).tokenType).toBe('Bearer');
  });

  it('revokes an access token (logout) until it would have expired', () => {
    const clock = { t: Date.UTC(2026, 0, 1) };
    const store = new MemoryConsumedRefreshStore(() => clock.t);
    const ts = new TokenService({ secret: SECRET, now: () => clock.t, consumedRefresh: store });
    const pair = ts.issueTokens('alice');
    const claims = ts.verifyAccess(pair.accessToken);
    ts.revokeAccess(claims);
    expect(codeOf(() => ts.verifyAccess(pair.accessToken))).toBe('token_revoked');
    // Revoking the access token (logout) also ends its refresh family.
    expect(codeOf(() => ts.refresh(pair.refreshToken))).toBe('token_revoked');
  });
});
