import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, SqliteConsumedRefreshStore, TokenService } from '../../packages/runtime/src/auth/index.js';

let dir = '';
const open: SqliteConsumedRefreshStore[] = [];

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function store(path: string, clock: { t: number }): SqliteConsumedRefreshStore {
  const s = SqliteConsumedRefreshStore.open(path, { now: () => clock.t });
  open.push(s);
  return s;
}

describe('SqliteConsumedRefreshStore', () => {
  it('keeps a rotated refresh token unusable across a restart', () => {
    dir = mkdtempSync(join(tmpdir(), 'ggen-refresh-'));
    const path = join(dir, 'auth.db');
    const clock = { t: Date.UTC(2026, 0, 1) };
    const first = store(path, clock);
    const ts = new TokenService({ secret: 'r'.repeat(32), now: () => clock.t, consumedRefresh: first });
    const pair = ts.issueTokens('u');
    ts.refresh(pair.refreshToken);
    first.close();
    open.length = 0;
    const restarted = new TokenService({
      secret: 'r'.repeat(32),
      now: () => clock.t,
      consumedRefresh: store(path, clock),
    });
    try {
      restarted.refresh(pair.refreshToken);
      throw new Error('expected token_revoked');
    } catch (e) {
      expect(e).toBeInstanceOf(AuthError);
      expect((e as AuthError).code).toBe('token_revoked');
    }
  });

  it('prunes ids of expired tokens only', () => {
    dir = mkdtempSync(join(tmpdir(), 'ggen-refresh-'));
    const clock = { t: 1000 };
    const s = store(join(dir, 'auth.db'), clock);
    expect(s.consume('a', 2000)).toBe(true);
    expect(s.consume('b', 5000)).toBe(true);
    expect(s.consume('a', 2000)).toBe(false);
    clock.t = 2000;
    expect(s.prune()).toBe(1);
    expect(s.consume('b', 5000)).toBe(false);
  });

  it('keeps a revoked family (logout, refresh reuse) revoked across a restart, until it expires', () => {
    dir = mkdtempSync(join(tmpdir(), 'ggen-refresh-'));
    const path = join(dir, 'auth.db');
    const clock = { t: Date.UTC(2026, 0, 1) };
    const ts = new TokenService({
      secret: 'r'.repeat(32),
      now: () => clock.t,
      refreshTtlSeconds: 60,
      consumedRefresh: store(path, clock),
    });
    const pair = ts.issueTokens('u');
    ts.revokeAccess(ts.verifyAccess(pair.accessToken));
    open.splice(0).forEach((st) => st.close());
    const again = store(path, clock);
    const ts2 = new TokenService({
      secret: 'r'.repeat(32),
      now: () => clock.t,
      refreshTtlSeconds: 60,
      consumedRefresh: again,
    });
    expect(() => ts2.verifyAccess(pair.accessToken)).toThrow(AuthError);
    const fam = (
      JSON.parse(Buffer.from(pair.refreshToken.split('.')[1] as string, 'base64url').toString()) as { fam: string }
    ).fam;
    expect(again.isFamilyRevoked(fam)).toBe(true);
    clock.t += 61_000;
    // exactly the one revoked family has expired (no refresh token was consumed)
    expect(again.prune()).toBe(1);
    expect(again.isFamilyRevoked(fam)).toBe(false);
  });
});
