/**
 * receipt_store through its generated client: durable dedup by execution id, the three query
 * kinds (tenant, time range, execution id) with paging, ggen's own in-toto receipt keyed by its
 * digest, declared refusals; and receipt_publisher delivering everything through a sink that
 * fails for a while (and a publisher killed during the outage).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemorySink,
  exit,
  whereis,
  type Receipt as StoredReceipt,
  type Sink,
} from '../../packages/runtime/src/index.js';
import { receiptPublisher, receiptStore, type Receipt } from '../../generated/autonomics/index.js';
import { boot, refusal, until, type Running } from './helpers.js';

let run: Running | undefined;

afterEach(async () => {
  await run?.cleanup();
  run = undefined;
});

const input = (i: number, tenant = `t${i % 3}`) => ({
  executionId: `exec-${i}`,
  tenant,
  timestamp: 1_000 + i,
  kind: 'governor.decision',
  payload: { i, verdict: i % 2 ? 'allow' : 'deny' },
});

describe('receipt_store', () => {
  it('deduplicates by execution id, durably', async () => {
    run = await boot();
    const first = await receiptStore.storeReceipt(input(1));
    expect(first.inserted).toBe(true);
    expect(first.receipt.digest).toMatch(/^[0-9a-f]{64}$/);
    const again = await receiptStore.storeReceipt({ ...input(1), payload: { different: true } });
    expect(again).toMatchObject({
      inserted: false,
      receipt: { executionId: 'exec-1', payload: { i: 1, verdict: 'allow' } },
    });
    expect(await receiptStore.count()).toBe(1);
    // A restart of the whole tree on the same directory keeps it, and still deduplicates.
    const dir = run.dataDir;
    await run.app.stop();
    run = await boot({}, dir);
    expect(await receiptStore.count()).toBe(1);
    expect((await receiptStore.storeReceipt(input(1))).inserted).toBe(false);
    await run.app.stop();
    run = await boot();
  });

  it('answers by tenant (newest first, paged), by time range (oldest first, paged) and by execution id', async () => {
    run = await boot();
    for (let i = 0; i < 30; i++) await receiptStore.storeReceipt(input(i));
    const p1 = await receiptStore.queryByTenant('t1', { limit: 4 });
    expect(p1.receipts.map((r) => r.executionId)).toEqual(['exec-28', 'exec-25', 'exec-22', 'exec-19']);
    const all: string[] = p1.receipts.map((r) => r.executionId);
    let cursor = p1.nextCursor;
    while (cursor) {
      const p = await receiptStore.queryByTenant('t1', { limit: 4, cursor });
      all.push(...p.receipts.map((r) => r.executionId));
      cursor = p.nextCursor;
    }
    expect(all).toEqual(Array.from({ length: 10 }, (_, k) => `exec-${28 - 3 * k}`));
    expect((await receiptStore.queryByTenant('nobody', {})).receipts).toEqual([]);

    const range = await receiptStore.queryByTimeRange(1_005, 1_012, {});
    expect(range.receipts.map((r) => r.timestamp)).toEqual([1005, 1006, 1007, 1008, 1009, 1010, 1011]);
    const ranged = await receiptStore.queryByTimeRange(1_000, 1_030, { tenant: 't2', limit: 3 });
    expect(ranged.receipts.map((r) => r.executionId)).toEqual(['exec-2', 'exec-5', 'exec-8']);
    const next = await receiptStore.queryByTimeRange(1_000, 1_030, {
      tenant: 't2',
      limit: 3,
      cursor: ranged.nextCursor,
    });
    expect(next.receipts.map((r) => r.executionId)).toEqual(['exec-11', 'exec-14', 'exec-17']);

    expect(await receiptStore.getByExecutionId('exec-17')).toMatchObject({
      tenant: 't2',
      timestamp: 1017,
      payload: { i: 17, verdict: 'allow' },
    });
    expect(await refusal(receiptStore.getByExecutionId('exec-999'))).toBe('receipt_not_found');
  });

  it("stores ggen's own receipt (an in-toto statement) keyed by its digest", async () => {
    run = await boot();
    const bytes = readFileSync(new URL('../../receipts/latest.json', import.meta.url));
    const digest = createHash('sha256').update(bytes).digest('hex');
    const stored = await receiptStore.ingestStatement(bytes.toString('utf8'), { tenant: 'ggen', timestamp: 5 });
    expect(stored).toMatchObject({
      inserted: true,
      receipt: { executionId: `sha256:${digest}`, digest, kind: 'in-toto-statement' },
    });
    expect(
      (await receiptStore.ingestStatement(bytes.toString('utf8'), { tenant: 'ggen', timestamp: 6 })).inserted,
    ).toBe(false);
    const found = await receiptStore.getByDigest(`sha256:${digest}`.slice(7));
    expect(found.map((r) => r.executionId)).toEqual([`sha256:${digest}`]);
    expect((found[0]!.payload as { _type: string })._type).toBe('https://in-toto.io/Statement/v1');
  });

  it('refuses bad receipts, statements, ranges and cursors with their declared codes, and keeps serving', async () => {
    run = await boot();
    const pid = whereis('receipt_store');
    expect(await refusal(receiptStore.storeReceipt({ ...input(1), executionId: '' }))).toBe('invalid_receipt');
    expect(await refusal(receiptStore.storeReceipt({ ...input(1), timestamp: -1 }))).toBe('invalid_receipt');
    expect(await refusal(receiptStore.storeReceipt({ ...input(1), kind: 'in-toto-statement' }))).toBe(
      'invalid_receipt',
    );
    expect(await refusal(receiptStore.ingestStatement('{"_type":"nope"}', { tenant: 'a', timestamp: 1 }))).toBe(
      'invalid_statement',
    );
    expect(await refusal(receiptStore.ingestStatement('not json', { tenant: 'a', timestamp: 1 }))).toBe(
      'invalid_statement',
    );
    expect(await refusal(receiptStore.queryByTimeRange(10, 5, {}))).toBe('invalid_range');
    expect(await refusal(receiptStore.queryByTenant('t1', { cursor: 'garbage' }))).toBe('invalid_cursor');
    expect(await refusal(receiptStore.queryByTenant('t1', { limit: 0 }))).toBe('invalid_cursor');
    expect(whereis('receipt_store')).toBe(pid);
    expect(await receiptStore.count()).toBe(0);
  });
});

/** Fails every delivery until `failures` attempts have failed, then delegates to a MemorySink. */
class FlakySink implements Sink {
  readonly memory = new MemorySink();
  attempts = 0;
  constructor(private failures: number) {}
  deliver(batch: readonly StoredReceipt[]): Promise<void> {
    this.attempts++;
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error('sink unavailable'));
    }
    return this.memory.deliver(batch);
  }
}

describe('receipt_publisher', () => {
  it('loses nothing when the sink fails for a while, even if the publisher is killed during the outage', async () => {
    const sink = new FlakySink(3);
    run = await boot({ sinks: { memory: sink } });
    const receipts: Receipt[] = Array.from({ length: 300 }, (_, i) => ({ ...input(i), digest: 'd'.repeat(64) }));
    for (const r of receipts) expect((await receiptPublisher.publish(r)).queued).toBe(true);
    expect((await receiptPublisher.publish(receipts[0]!)).queued).toBe(false);
    await until(() => sink.attempts >= 1, 'the first delivery attempt');
    // Killed mid-outage: the restarted publisher reopens the durable outbox and carries on.
    exit(whereis('receipt_publisher')!, 'kill');
    await until(() => whereis('receipt_publisher') !== undefined, 'receipt_publisher to restart');
    await until(() => sink.memory.received.length === 300, 'all 300 receipts at the sink', 20_000);
    expect(sink.attempts).toBeGreaterThan(3);
    expect(sink.memory.received.map((r) => r.executionId).sort()).toEqual(receipts.map((r) => r.executionId).sort());
    expect(await receiptPublisher.pendingCount()).toBe(0);
    expect(await receiptPublisher.stats()).toMatchObject({ pending: 0 });
  });
});
