// Issue #14 low item: a session outlived its token (messages were accepted after exp), and logout
// did not revoke the access token.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenService } from '../../packages/runtime/src/index.js';
import { SECRET, boot, tokenFor, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await boot();
});
afterEach(async () => {
  await run.cleanup();
});

describe('a session and its token', () => {
  it('ends when the token it authenticated with expires (1008 token expired)', async () => {
    const shortLived = new TokenService({ secret: SECRET, issuer: 'ggen-chat', accessTtlSeconds: 1 });
    const c = await run.connect();
    const t0 = Date.now();
    c.send({ type: 'auth', token: shortLived.issueTokens('brief').accessToken });
    await c.next('auth_ok');
    expect(await c.closed(4000)).toMatchObject({ code: 1008, reason: 'token expired' });
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('logout revokes the access token: it cannot open another session', async () => {
    const token = tokenFor('leaving');
    const c = await run.connect();
    c.send({ type: 'auth', token });
    await c.next('auth_ok');
    c.send({ type: 'logout' });
    expect((await c.closed()).code).toBe(1000);
    const again = await run.connect();
    again.send({ type: 'auth', token });
    expect(await again.next('error')).toMatchObject({ code: 'invalid_token' });
  });
});
