import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffDelay, ReceiptPublisher, type Receipt, type Sink } from '../../packages/runtime/src/receipts/index.js';
import { ManualTimers, settle } from './manual-timers.js';

let dir: string;
const open: ReceiptPublisher[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'publisher-'));
});
afterEach(async () => {
  for (const p of open.splice(0)) await p.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const receipt = (i: number, tenant = i % 2 ? 'odd' : 'even'): Receipt => ({
  executionId: `e${i}`,
  tenant,
  timestamp: i,
  kind: 'action',
  digest: 'd'.repeat(64),
  payload: { i },
});

/** A sink that rejects while `down` is true and records what it accepted, batch by batch. */
class FlakySink implements Sink {
  down = false;
  calls = 0;
  readonly accepted: Receipt[][] = [];
  async deliver(batch: readonly Receipt[]): Promise<void> {
    this.calls++;
    if (this.down) throw new Error('sink unavailable');
    this.accepted.push([...batch]);
  }
  ids(): string[] {
    return this.accepted.flat().map((r) => r.executionId);
  }
}

function make(sink: Sink, timers: ManualTimers, extra: Partial<ConstructorParameters<typeof ReceiptPublisher>[0]> = {}) {
  const p = new ReceiptPublisher({
    path: join(dir, 'outbox.db'),
    sink,
    batchSize: 3,
    intervalMs: 1000,
    backoff: { baseMs: 100, maxMs: 800, jitter: 0 },
    timers,
    ...extra,
  });
  open.push(p);
  return p;
}

describe('ReceiptPublisher', () => {
  it('delivers a full batch as soon as batchSize is reached, and the remainder on the interval', async () => {
    const sink = new FlakySink();
    const timers = new ManualTimers();
    const p = make(sink, timers);
    p.start();
    for (let i = 0; i < 4; i++) await p.publish(receipt(i));
    await settle();
    expect(sink.accepted.map((b) => b.length)).toEqual([3]);
    expect(p.pendingCount()).toBe(1);
    await timers.advance(999);
    expect(sink.accepted).toHaveLength(1);
    await timers.advance(1);
    expect(sink.accepted.map((b) => b.length)).toEqual([3, 1]);
    expect(sink.ids()).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(p.stats()).toMatchObject({ pending: 0, delivered: 4, batchesDelivered: 2, failedAttempts: 0 });
  });

  it('loses nothing and keeps order when the sink fails for a while, backing off exponentially', async () => {
    const sink = new FlakySink();
    const timers = new ManualTimers();
    const errors: Array<[number, number]> = [];
    const p = make(sink, timers, { onDeliveryError: (_e, attempt, retryIn) => errors.push([attempt, retryIn]) });
    p.start();
    sink.down = true;
    for (let i = 0; i < 10; i++) await p.publish(receipt(i));
    // Outage: first attempt and five retries fail; the head batch is never skipped.
    await timers.advance(100 + 200 + 400 + 800 + 800);
    expect(sink.accepted).toEqual([]);
    expect(errors).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
      [5, 800],
      [6, 800],
    ]);
    expect(p.stats()).toMatchObject({ pending: 10, retrying: true, currentAttempt: 6 });
    // Publishing during the outage must not jump the retry queue.
    await p.publish(receipt(10));
    await p.publish(receipt(11));
    expect(sink.calls).toBe(6);
    sink.down = false;
    await timers.advance(800);
    expect(sink.ids()).toEqual(Array.from({ length: 12 }, (_, i) => `e${i}`));
    for (const tenant of ['odd', 'even']) {
      const ts = sink.accepted.flat().filter((r) => r.tenant === tenant).map((r) => r.timestamp);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
    }
    expect(p.stats()).toMatchObject({ pending: 0, delivered: 12, currentAttempt: 0, retrying: false });
  });

  it('survives a crash: receipts left in the outbox are delivered by the next publisher on the same file', async () => {
    const dead = new FlakySink();
    dead.down = true;
    const t1 = new ManualTimers();
    const p1 = make(dead, t1);
    p1.start();
    for (let i = 0; i < 5; i++) await p1.publish(receipt(i));
    await t1.advance(1000);
    expect(dead.accepted).toEqual([]);
    await p1.stop();

    const sink = new FlakySink();
    const t2 = new ManualTimers();
    const p2 = make(sink, t2);
    expect(p2.pendingCount()).toBe(5);
    p2.start();
    await settle();
    expect(sink.ids()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
  });

  it('treats a sink that never answers as failed, and one that throws synchronously too', async () => {
    const timers = new ManualTimers();
    let calls = 0;
    const accepted: string[] = [];
    const sink: Sink = {
      deliver(batch) {
        calls++;
        if (calls === 1) return new Promise<void>(() => undefined);
        if (calls === 2) throw new Error('sync throw');
        accepted.push(...batch.map((r) => r.executionId));
        return Promise.resolve();
      },
    };
    const errors: string[] = [];
    const p = make(sink, timers, { deliveryTimeoutMs: 5000, onDeliveryError: (e) => errors.push((e as Error).message) });
    p.start();
    for (let i = 0; i < 3; i++) await p.publish(receipt(i));
    await timers.advance(4999);
    expect(errors).toEqual([]);
    await timers.advance(1);
    expect(errors).toEqual(['publisher: sink did not answer within 5000 ms']);
    await timers.advance(100);
    expect(errors).toEqual(['publisher: sink did not answer within 5000 ms', 'sync throw']);
    await timers.advance(200);
    expect(accepted).toEqual(['e0', 'e1', 'e2']);
  });

  it('queues a receipt once while it is pending', async () => {
    const sink = new FlakySink();
    const p = make(sink, new ManualTimers());
    expect(await p.publish(receipt(1))).toEqual({ queued: true });
    expect(await p.publish(receipt(1))).toEqual({ queued: false });
    expect(p.pendingCount()).toBe(1);
  });

  it('refuses bad configuration', () => {
    const sink = new FlakySink();
    const base = { path: join(dir, 'x.db'), sink, batchSize: 10, intervalMs: 100 };
    expect(() => new ReceiptPublisher({ ...base, batchSize: 0 })).toThrow(/batchSize must be an integer >= 1/);
    expect(() => new ReceiptPublisher({ ...base, intervalMs: -5 })).toThrow(/intervalMs must be > 0/);
    expect(() => new ReceiptPublisher({ ...base, backoff: { baseMs: 100, maxMs: 50, jitter: 0 } })).toThrow(/maxMs must be >= baseMs/);
    expect(() => new ReceiptPublisher({ ...base, backoff: { baseMs: 100, maxMs: 500, jitter: 2 } })).toThrow(/jitter/);
    expect(() => new ReceiptPublisher({ ...base, sink: {} as Sink })).toThrow(/deliver/);
    expect(() => new ReceiptPublisher({ ...base, deliveryTimeoutMs: 0 })).toThrow(/deliveryTimeoutMs must be > 0/);
  });
});

describe('backoffDelay', () => {
  it('doubles up to the cap and removes at most `jitter` of the delay', () => {
    const b = { baseMs: 100, maxMs: 1000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, { ...b, jitter: 0 }, () => 0.9))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(3, b, () => 0)).toBe(400);
    expect(backoffDelay(3, b, () => 0.999999)).toBe(200);
    expect(backoffDelay(1000, b, () => 0.5)).toBe(750);
  });
});
