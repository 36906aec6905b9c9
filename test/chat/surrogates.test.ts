// Issue #14 low item: a lone surrogate in a message body was stored as U+FFFD, so a retry of the
// very same frame got idempotency_conflict. Malformed strings are refused at the protocol boundary.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boot, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await boot();
});
afterEach(async () => {
  await run.cleanup();
});

describe('strings that are not well-formed UTF-16', () => {
  it('are refused with malformed_string before they reach the store, so a retry gets the same answer', async () => {
    const c = await run.login('s');
    c.send({ type: 'join_room', roomId: 'r' });
    await c.next('joined');
    // JSON text escapes can carry a lone surrogate that UTF-8 cannot.
    const frame = '{"type":"send_message","roomId":"r","body":"half \\ud800 a pair","clientMsgId":"s1"}';
    c.send(frame);
    expect(await c.next('error')).toMatchObject({ code: 'malformed_string' });
    c.send(frame);
    expect(await c.next('error')).toMatchObject({ code: 'malformed_string' });
    c.send('{"type":"send_message","roomId":"r","body":"\\udc00","clientMsgId":"s2"}');
    expect(await c.next('error')).toMatchObject({ code: 'malformed_string' });
    // A well-formed pair is fine.
    c.send('{"type":"send_message","roomId":"r","body":"pair \\ud83d\\ude00","clientMsgId":"s3"}');
    expect(await c.next('ack')).toMatchObject({ clientMsgId: 's3', duplicate: false });
    expect(c.all('ack')).toHaveLength(1);
  });
});
