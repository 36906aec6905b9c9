// Issue #14 low item: typing indicators reached rooms the sender never joined.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boot, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await boot();
});
afterEach(async () => {
  await run.cleanup();
});

describe('typing indicators', () => {
  it('reach only rooms the sender joined', async () => {
    const alice = await run.login('alice');
    alice.send({ type: 'join_room', roomId: 'r' });
    await alice.next('joined');
    const mallory = await run.login('mallory');
    mallory.send({ type: 'join_room', roomId: 'x' });
    await mallory.next('joined');
    mallory.send({ type: 'typing', roomId: 'r' }); // never joined r
    mallory.send({ type: 'typing', roomId: 'x' });
    expect(await mallory.next('typing_update')).toMatchObject({ roomId: 'x', userIds: ['mallory'] });
    alice.send({ type: 'ping' });
    await alice.next('pong');
    expect(alice.all('typing_update')).toEqual([]);
    // A member's typing still reaches the room.
    const bob = await run.login('bob');
    bob.send({ type: 'join_room', roomId: 'r' });
    await bob.next('joined');
    bob.send({ type: 'typing', roomId: 'r' });
    expect(await alice.next('typing_update')).toMatchObject({ roomId: 'r', userIds: ['bob'] });
  });
});
