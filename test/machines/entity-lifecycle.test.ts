// EntityLifecycle: stored entities whose status is a declared machine's state, as a generated
// server configures it (issue #13: it used to be a class body in _otp/chat-bindings.njk).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntityLifecycle, LifecycleError } from '../../packages/runtime/src/machines/index.js';
import { ticket } from './fixtures.js';

let dir = '';
const open: EntityLifecycle[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'entity-lifecycle-'));
});
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
  rmSync(dir, { recursive: true, force: true });
});

function lifecycle(now: () => number = Date.now): EntityLifecycle {
  const l = new EntityLifecycle(ticket, {
    path: join(dir, 't.db'),
    notFound: { code: 'ticket_not_found', message: 'no ticket with this id' },
    updatedAtField: 'updatedAt',
    idField: 'ticketId',
    unsetWhenBlank: ['agentId', 'resolution'],
    now,
  });
  open.push(l);
  return l;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof LifecycleError) return err.code;
    throw err;
  }
}

describe('EntityLifecycle', () => {
  it('creates a record: fresh id under idField, status, createdAt, blank fields as null', async () => {
    const l = lifecycle(() => 5000);
    const r = await l.insert({ requesterId: 'u1', subject: 's' });
    expect(r).toMatchObject({
      status: 'open',
      requesterId: 'u1',
      subject: 's',
      createdAt: 5000,
      agentId: null,
      resolution: null,
      reopens: 0,
    });
    expect(r.ticketId).toMatch(/^[0-9a-f-]{36}$/);
    const again = await l.insert({ requesterId: 'u1' });
    expect(again.ticketId).not.toBe(r.ticketId);
    expect(l.get(r.ticketId as string)).toEqual(r);
    expect(l.get('nope')).toBeUndefined();
  });

  it('applies events; a set field shows, a refused event throws its declared code', async () => {
    const l = lifecycle();
    const { ticketId } = await l.insert({});
    const id = ticketId as string;
    expect(await l.apply(id, 'assign', { agentId: 'ag' })).toMatchObject({ status: 'assigned', agentId: 'ag' });
    expect(await refusal(l.apply(id, 'resolve', { resolution: 'x' }))).toBe('transition_refused');
    expect(await refusal(l.apply('missing', 'start', {}))).toBe('ticket_not_found');
    // Params must be an object.
    for (const bad of [null, [], 'x', 1]) expect(await refusal(l.apply(id, 'start', bad))).toBe('transition_refused');
    expect(l.get(id)).toMatchObject({ status: 'assigned' });
  });

  it('performs due state timeouts on expireDue', async () => {
    let t = 1_000_000;
    const l = lifecycle(() => t);
    const id = (await l.insert({})).ticketId as string;
    await l.apply(id, 'assign', { agentId: 'a' });
    await l.apply(id, 'start', {});
    await l.apply(id, 'resolve', { resolution: 'done' });
    expect(await l.expireDue()).toBe(0);
    t += 604_800_000; // resolved -> closed after 7 days
    expect(await l.expireDue()).toBe(1);
    expect(l.get(id)).toMatchObject({ status: 'closed', resolution: 'done' });
  });

  it('keeps entities across a reopen of the store', async () => {
    const first = lifecycle();
    const id = (await first.insert({ subject: 'kept' })).ticketId as string;
    await first.close();
    open.splice(0);
    expect(lifecycle().get(id)).toMatchObject({ subject: 'kept', status: 'open' });
  });
});
