import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetricsCollector } from '../../packages/runtime/src/index.js';
import {
  LifecycleStore,
  MachineDefinitionError,
  applyEvent,
  applyTimeout,
  initialEntity,
  validateLifecycleDefinition,
  type MachineDefinition,
  type StoredEntity,
} from '../../packages/runtime/src/machines/index.js';
import { entitlement, ticket } from './fixtures.js';

const fresh = () => initialEntity(ticket);

describe('applyEvent (pure)', () => {
  it('creates the initial entity with enter effects and walks the ticket lifecycle', () => {
    const t0 = fresh();
    expect(t0).toEqual({
      state: 'open',
      data: { agentId: '', resolution: '', reopens: 0, maxReopens: 3 },
      effects: [{ kind: 'notify', topic: 'ticket.open' }],
      reply: 'open',
      changed: true,
    });
    const a = applyEvent(ticket, t0, 'assign', { agentId: 'ag1' });
    expect(a).toEqual({
      ok: {
        state: 'assigned',
        data: { ...t0.data, agentId: 'ag1' },
        effects: [{ kind: 'notify', topic: 'ticket.assigned' }],
        reply: 'assigned',
        changed: true,
      },
    });
    if (!('ok' in a)) throw new Error('refused');
    const again = applyEvent(ticket, a.ok, 'assign', { agentId: 'ag2' });
    expect(again).toMatchObject({ ok: { state: 'assigned', data: { agentId: 'ag2' }, effects: [], changed: false } });
    expect(a.ok.data.agentId).toBe('ag1');
  });

  it('refuses invalid events with the declared error and leaves the entity alone', () => {
    const t0 = fresh();
    const before = structuredClone(t0.data);
    expect(applyEvent(ticket, t0, 'resolve', { resolution: 'x' })).toEqual({
      error: {
        error: 'transition_refused',
        message: 'the ticket does not accept this event in its current status',
        state: 'open',
        event: 'resolve',
      },
    });
    expect(applyEvent(ticket, t0, 'assign', {})).toMatchObject({
      error: { error: 'transition_refused', message: expect.stringMatching(/missing parameter agentId/) },
    });
    expect(applyEvent(ticket, t0, 'explode')).toMatchObject({
      error: { message: expect.stringMatching(/explode is not an event of ticket_lifecycle/) },
    });
    expect(applyEvent(ticket, { state: 'limbo', data: t0.data }, 'close')).toMatchObject({
      error: { message: expect.stringMatching(/limbo is not a state/) },
    });
    expect(t0.data).toEqual(before);
  });

  it('reports the state timeout of a state it enters, and applyTimeout performs it', () => {
    let e: { state: string; data: Record<string, unknown> } = fresh();
    for (const [ev, p] of [
      ['assign', { agentId: 'a' }],
      ['start', {}],
      ['resolve', { resolution: 'done' }],
    ] as const) {
      const r = applyEvent(ticket, e, ev, p);
      if (!('ok' in r)) throw new Error(`refused ${ev}`);
      e = r.ok;
      if (ev === 'resolve') expect(r.ok.timeout).toEqual({ event: 'auto_close', afterMs: 604800000, to: 'closed' });
      else expect(r.ok.timeout).toBeUndefined();
    }
    expect(applyTimeout(ticket, e, 'customer_unresponsive')).toBeUndefined();
    expect(applyTimeout(ticket, e, 'auto_close')).toMatchObject({ state: 'closed', changed: true });
  });

  it('guards on a counter: a ticket reopens at most 3 times', () => {
    let e: { state: string; data: Record<string, unknown> } = applyOk(
      applyEvent(ticket, fresh(), 'assign', { agentId: 'a' }),
    );
    e = applyOk(applyEvent(ticket, e, 'start'));
    for (let i = 1; i <= 3; i++) {
      e = applyOk(applyEvent(ticket, e, 'resolve', { resolution: `r${i}` }));
      const reopened = applyOk(applyEvent(ticket, e, 'reopen'));
      expect(reopened).toMatchObject({ state: 'open', data: { reopens: i, resolution: '' } });
      e = applyOk(applyEvent(ticket, reopened, 'assign', { agentId: 'a' }));
      e = applyOk(applyEvent(ticket, e, 'start'));
    }
    e = applyOk(applyEvent(ticket, e, 'resolve', { resolution: 'final' }));
    expect(applyEvent(ticket, e, 'reopen')).toMatchObject({
      error: { error: 'transition_refused', state: 'resolved', event: 'reopen' },
    });
    expect(applyEvent(ticket, e, 'close')).toMatchObject({ ok: { state: 'closed' } });
  });

  it('refuses definitions with invoke or postpone explicitly', () => {
    const withInvoke: MachineDefinition = {
      ...entitlement,
      transitions: [
        { from: 'pending', event: 'activate', to: 'active', actions: [{ kind: 'invoke', target: 'a', op: 'b' }] },
      ],
    };
    expect(() => validateLifecycleDefinition(withInvoke)).toThrow(MachineDefinitionError);
    expect(() => applyEvent(withInvoke, { state: 'pending', data: {} }, 'activate')).toThrow(
      /invoke actions need a process/,
    );
    const withPostpone: MachineDefinition = {
      ...entitlement,
      transitions: [{ from: 'pending', event: 'activate', to: 'pending', actions: [{ kind: 'postpone' }] }],
    };
    expect(() => validateLifecycleDefinition(withPostpone)).toThrow(/postpone needs a mailbox/);
    expect(validateLifecycleDefinition(ticket)).toBe(ticket);
  });
});

function applyOk(r: ReturnType<typeof applyEvent>) {
  if (!('ok' in r)) throw new Error(`refused: ${r.error.message}`);
  return r.ok;
}

describe('LifecycleStore', () => {
  let dir: string;
  let path: string;
  let stores: LifecycleStore[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
    path = join(dir, 'tickets.db');
    stores = [];
  });
  afterEach(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const open = (opts: Partial<ConstructorParameters<typeof LifecycleStore>[1]> = {}) => {
    const s = new LifecycleStore(ticket, { path, ...opts });
    stores.push(s);
    return s;
  };
  const ok = <T>(r: { ok: T } | { error: unknown }): T => {
    if (!('ok' in r)) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
    return r.ok;
  };

  it('creates, gets, applies valid and invalid events, and performs effects after commit', async () => {
    const notes: string[] = [];
    const metrics = new MetricsCollector();
    const s = open({
      notify: (topic) => notes.push(topic),
      metrics,
      notFound: { code: 'ticket_not_found', message: 'no such ticket' },
    });
    const created = ok(await s.create('T-1', { agentId: '' }));
    expect(created).toMatchObject({ id: 'T-1', state: 'open', version: 1, dueAt: null });
    expect(await s.create('T-1')).toEqual({
      error: { error: 'already_exists', message: 'an entity with this id exists', id: 'T-1' },
    });
    expect(ok(await s.apply('T-1', 'assign', { agentId: 'ag' }))).toMatchObject({
      state: 'assigned',
      version: 2,
      reply: 'assigned',
      data: { agentId: 'ag' },
    });
    expect(await s.apply('T-1', 'resolve', { resolution: 'x' })).toEqual({
      error: expect.objectContaining({ error: 'transition_refused', state: 'assigned', event: 'resolve' }),
    });
    expect(await s.apply('T-9', 'start')).toEqual({
      error: { error: 'ticket_not_found', message: 'no such ticket', id: 'T-9' },
    });
    expect(s.get('T-1')).toMatchObject({ state: 'assigned', version: 2 });
    expect(s.get('T-9')).toBeUndefined();
    ok(await s.apply('T-1', 'start'));
    ok(await s.apply('T-1', 'resolve', { resolution: 'fixed' }));
    expect(notes).toEqual(['ticket.open', 'ticket.assigned', 'ticket.resolved']);
    expect(metrics.value('tickets_resolved', { machine: 'ticket_lifecycle' })).toBe(1);
  });

  it('the reopen limit holds through the store', async () => {
    const s = open();
    ok(await s.create('T'));
    ok(await s.apply('T', 'assign', { agentId: 'a' }));
    ok(await s.apply('T', 'start'));
    for (let i = 0; i < 3; i++) {
      ok(await s.apply('T', 'resolve', { resolution: 'r' }));
      ok(await s.apply('T', 'reopen'));
      ok(await s.apply('T', 'assign', { agentId: 'a' }));
      ok(await s.apply('T', 'start'));
    }
    ok(await s.apply('T', 'resolve', { resolution: 'r' }));
    expect(await s.apply('T', 'reopen')).toMatchObject({ error: { error: 'transition_refused' } });
    expect(s.get('T')).toMatchObject({ state: 'resolved', data: { reopens: 3 } });
  });

  it('stamps updatedAtField on creation and on every accepted event, not on a refused one', async () => {
    let t = 1000;
    const s = open({ updatedAtField: 'updatedAt', now: () => t });
    expect(ok(await s.create('T-1')).data.updatedAt).toBe(1000);
    t = 2000;
    expect(ok(await s.apply('T-1', 'assign', { agentId: 'ag' })).data.updatedAt).toBe(2000);
    t = 3000;
    expect(await s.apply('T-1', 'resolve', { resolution: 'x' })).toMatchObject({
      error: { error: 'transition_refused' },
    });
    expect(s.get('T-1')?.data.updatedAt).toBe(2000);
  });

  it('is durable across close and reopen', async () => {
    const s = open();
    ok(await s.create('T-1'));
    ok(await s.apply('T-1', 'assign', { agentId: 'ag' }));
    await s.close();
    const again = open();
    expect(again.get('T-1')).toEqual({
      id: 'T-1',
      state: 'assigned',
      data: { agentId: 'ag', resolution: '', reopens: 0, maxReopens: 3 },
      version: 2,
      dueAt: null,
    });
    expect(ok(await again.apply('T-1', 'start'))).toMatchObject({ state: 'in_progress', version: 3 });
  });

  it('serializes concurrent applies to one id: each sees the previous one', async () => {
    const s = open();
    ok(await s.create('T'));
    ok(await s.apply('T', 'assign', { agentId: 'a' }));
    ok(await s.apply('T', 'start'));
    ok(await s.apply('T', 'resolve', { resolution: 'r' }));
    // Five reopens at once: only the first finds the ticket resolved.
    const reopens = await Promise.all(Array.from({ length: 5 }, () => s.apply('T', 'reopen')));
    expect(reopens.filter((r) => 'ok' in r)).toHaveLength(1);
    expect(reopens.filter((r) => 'error' in r && r.error.error === 'transition_refused')).toHaveLength(4);
    // Fifty reassignments at once all land, in order, each bumping the version once.
    const before = s.get('T')!;
    ok(await s.apply('T', 'assign', { agentId: 'first' }));
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => s.apply('T', 'assign', { agentId: `ag${i}` })));
    expect(many.map((r) => ok(r).version)).toEqual(Array.from({ length: 50 }, (_, i) => before.version + 2 + i));
    expect(s.get('T')).toMatchObject({ data: { agentId: 'ag49', reopens: 1 }, version: before.version + 51 });
  });

  it('lists by id with a cursor, optionally filtered by state', async () => {
    const s = open();
    for (let i = 0; i < 7; i++) ok(await s.create(`T-${i}`));
    for (const id of ['T-1', 'T-3', 'T-5']) ok(await s.apply(id, 'assign', { agentId: 'a' }));
    const p1 = s.list({ limit: 3 });
    expect(p1.items.map((e) => e.id)).toEqual(['T-0', 'T-1', 'T-2']);
    const p2 = s.list({ limit: 3, cursor: p1.cursor });
    const p3 = s.list({ limit: 3, cursor: p2.cursor });
    expect([...p2.items, ...p3.items].map((e: StoredEntity) => e.id)).toEqual(['T-3', 'T-4', 'T-5', 'T-6']);
    expect(p3.cursor).toBeUndefined();
    expect(s.list({ state: 'assigned' }).items.map((e) => e.id)).toEqual(['T-1', 'T-3', 'T-5']);
    expect(() => s.list({ limit: 0 })).toThrow(RangeError);
  });

  it('records state-timeout deadlines and expireDue performs the due ones', async () => {
    let now = 1_000_000;
    const s = open({ now: () => now });
    ok(await s.create('A'));
    ok(await s.create('B'));
    for (const id of ['A', 'B']) {
      ok(await s.apply(id, 'assign', { agentId: 'a' }));
      ok(await s.apply(id, 'start'));
      ok(await s.apply(id, 'request_info'));
    }
    expect(s.get('A')!.dueAt).toBe(now + 1209600000);
    ok(await s.apply('B', 'customer_replied'));
    expect(s.get('B')!.dueAt).toBeNull();
    expect(await s.expireDue(now + 1209600000 - 1)).toBe(0);
    now += 1209600000;
    expect(await s.expireDue()).toBe(1);
    expect(s.get('A')).toMatchObject({ state: 'resolved', dueAt: now + 604800000 });
    expect(s.get('B')).toMatchObject({ state: 'in_progress' });
  });

  it('rejects a bad table name and a definition a lifecycle cannot run', () => {
    expect(() => new LifecycleStore(ticket, { path, table: 'x; DROP TABLE y' })).toThrow(/table name/);
    const withInvoke: MachineDefinition = {
      ...ticket,
      transitions: [{ from: 'open', event: 'start', to: 'open', actions: [{ kind: 'invoke', target: 'a', op: 'b' }] }],
    };
    expect(() => new LifecycleStore(withInvoke, { path })).toThrow(MachineDefinitionError);
  });
});
