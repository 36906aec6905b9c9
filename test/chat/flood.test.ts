// Issue #14 finding 3: one connection flooding pings (before or after auth) while never reading
// grew the chat server's per-connection queue without bound. Attacks run on 127.0.0.1, bounded.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boot, eventually, type Client, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await boot();
});
afterEach(async () => {
  await run.cleanup();
});

/** Sends `n` pings without ever reading the replies (the client's socket is paused). */
function flood(c: Client, n: number): void {
  c.ws.pause();
  for (let i = 0; i < n; i++) c.send({ type: 'ping' });
}

describe('one flooding connection', () => {
  it('is closed (1008/1013) before it authenticates, and the server keeps serving others', async () => {
    const attacker = await run.connect();
    attacker.send({ type: 'ping' });
    await attacker.next('pong'); // its session runs, in state connecting (never authenticated)
    flood(attacker, 5000);
    attacker.ws.resume();
    // 1008: over its message rate; 1013: a burst past its frames in flight.
    expect([1008, 1013]).toContain((await attacker.closed(5000)).code);
    const other = await run.login('alice');
    other.send({ type: 'ping' });
    await other.next('pong');
  });

  it('is closed (1008/1013) after it authenticates', async () => {
    const attacker = await run.login('mallory');
    flood(attacker, 5000);
    attacker.ws.resume();
    // 1008: over its message rate; 1013: a burst past its frames in flight.
    expect([1008, 1013]).toContain((await attacker.closed(5000)).code);
    await eventually(() => run.app.hub.size === 0, 'the session gone');
  });
});
