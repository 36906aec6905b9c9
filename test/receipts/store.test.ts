import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeEnvelope, signEnvelope } from '../../src/pipeline/receipt/dsse.js';
import { buildStatement, serializeStatement } from '../../src/pipeline/receipt/statement.js';
import type { Manifest } from '../../src/pipeline/types.js';
import { ReceiptError, ReceiptStore, type ReceiptInput } from '../../packages/runtime/src/receipts/index.js';

let dir: string;
let store: ReceiptStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'receipts-'));
  store = ReceiptStore.open({ path: join(dir, 'r.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const r = (executionId: string, tenant: string, timestamp: number, payload: unknown = { ok: true }): ReceiptInput => ({
  executionId,
  tenant,
  timestamp,
  kind: 'action',
  payload,
});

describe('ReceiptStore', () => {
  it('deduplicates by execution id and returns the stored receipt on a duplicate', async () => {
    const first = await store.insert(r('e1', 't1', 1000, { n: 1 }));
    expect(first.inserted).toBe(true);
    const dup = await store.insert(r('e1', 't2', 2000, { n: 2 }));
    expect(dup.inserted).toBe(false);
    if (dup.inserted) throw new Error('unreachable');
    expect(dup.existing).toMatchObject({ executionId: 'e1', tenant: 't1', timestamp: 1000, payload: { n: 1 } });
    expect(store.count()).toBe(1);
  });

  it('deduplicates concurrent inserts of the same id that land in one group commit', async () => {
    const results = await Promise.all([store.insert(r('x', 't', 1)), store.insert(r('x', 't', 1)), store.insert(r('y', 't', 2))]);
    expect(results.map((x) => x.inserted)).toEqual([true, false, true]);
    expect(store.count()).toBe(2);
  });

  it('digest is sha256 of canonical JSON, independent of key order', async () => {
    const a = await store.insert(r('a', 't', 1, { b: 1, a: [1, { d: 2, c: 3 }] }));
    const b = await store.insert({ payload: { a: [1, { c: 3, d: 2 }], b: 1 }, kind: 'action', timestamp: 1, tenant: 't', executionId: 'a2' });
    if (!a.inserted || !b.inserted) throw new Error('expected inserts');
    const canonical = '{"executionId":"a","kind":"action","payload":{"a":[1,{"c":3,"d":2}],"b":1},"tenant":"t","timestamp":1}';
    expect(a.receipt.digest).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(b.receipt.digest).not.toBe(a.receipt.digest);
  });

  it('answers by execution id', async () => {
    await store.insertMany([r('e1', 't1', 10), r('e2', 't1', 20)]);
    expect(store.byExecutionId('e2')?.timestamp).toBe(20);
    expect(store.byExecutionId('nope')).toBeUndefined();
  });

  it('answers by tenant, newest first, with keyset pagination across equal timestamps', async () => {
    const inputs: ReceiptInput[] = [];
    for (let i = 0; i < 25; i++) inputs.push(r(`a${i}`, 'ta', 100 + Math.floor(i / 3)));
    for (let i = 0; i < 5; i++) inputs.push(r(`b${i}`, 'tb', 100 + i));
    await store.insertMany(inputs);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = store.byTenant('ta', { limit: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...page.receipts.map((x) => x.executionId));
      for (const x of page.receipts) expect(x.tenant).toBe('ta');
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `a${24 - i}`));
    expect(store.byTenant('nobody').receipts).toEqual([]);
  });

  it('answers by time range [from, to), oldest first, optionally per tenant, paginated', async () => {
    await store.insertMany([r('1', 'x', 5), r('2', 'y', 10), r('3', 'x', 10), r('4', 'x', 15), r('5', 'y', 20), r('6', 'x', 20)]);
    expect(store.byTimeRange(10, 20).receipts.map((x) => x.executionId)).toEqual(['2', '3', '4']);
    expect(store.byTimeRange(10, 21, { tenant: 'x' }).receipts.map((x) => x.executionId)).toEqual(['3', '4', '6']);
    const p1 = store.byTimeRange(0, 100, { limit: 4 });
    expect(p1.receipts.map((x) => x.executionId)).toEqual(['1', '2', '3', '4']);
    const p2 = store.byTimeRange(0, 100, { limit: 4, cursor: p1.nextCursor! });
    expect(p2.receipts.map((x) => x.executionId)).toEqual(['5', '6']);
    expect(p2.nextCursor).toBeUndefined();
    expect(() => store.byTimeRange(10, 5)).toThrow(/before from/);
  });

  it('has committed a receipt by the time insert resolves (another connection sees it)', async () => {
    const other = new Database(join(dir, 'r.db'), { readonly: true });
    try {
      const seen = other.prepare('SELECT count(*) AS n FROM receipts WHERE execution_id = ?');
      const pending = store.insert(r('c1', 't', 1));
      expect((seen.get('c1') as { n: number }).n).toBe(0);
      await pending;
      expect((seen.get('c1') as { n: number }).n).toBe(1);
      expect(store.durability()).toEqual({ journalMode: 'wal', synchronous: 'full' });
    } finally {
      other.close();
    }
  });

  it('is durable: receipts survive closing and reopening', async () => {
    await store.insert(r('keep', 't', 1));
    await store.close();
    store = ReceiptStore.open({ path: join(dir, 'r.db') });
    expect(store.byExecutionId('keep')?.tenant).toBe('t');
  });

  it('refuses malformed receipts, and insertMany writes nothing when one is bad', async () => {
    await expect(store.insert(r('', 't', 1))).rejects.toThrow(/executionId must be a non-empty string/);
    await expect(store.insert(r('e', 't', -1))).rejects.toThrow(/timestamp must be a non-negative integer/);
    await expect(store.insert(r('e', 't', 1.5))).rejects.toThrow(ReceiptError);
    await expect(store.insert(r('e', 't', 1, { x: Number.NaN }))).rejects.toThrow(/payload.x: number NaN/);
    await expect(store.insert(r('e', 't', 1, { d: new Date(0) }))).rejects.toThrow(/plain objects/);
    await expect(store.insertMany([r('ok', 't', 1), r('bad', '', 1)])).rejects.toThrow(/receipt\[1\]: tenant/);
    expect(store.count()).toBe(0);
    expect(() => store.byTenant('t', { limit: 0 })).toThrow(/limit/);
    expect(() => store.byTenant('t', { cursor: 'garbage' })).toThrow(/cursor/);
  });
});

describe('ReceiptStore.ingestStatement', () => {
  const statement = JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'src/generated/a.ts', digest: { sha256: 'ab'.repeat(32) } }],
    predicateType: 'https://ggen.dev/receipt/v1',
    predicate: { spec: 'x.ttl' },
  });

  it('stores a v1 statement keyed by the sha256 of its bytes, once', async () => {
    const digest = createHash('sha256').update(statement).digest('hex');
    const res = await store.ingestStatement(statement, { tenant: 'ggen', timestamp: 42 });
    expect(res.inserted).toBe(true);
    const again = await store.ingestStatement(Buffer.from(statement), { tenant: 'ggen', timestamp: 43 });
    expect(again.inserted).toBe(false);
    const stored = store.byExecutionId(`sha256:${digest}`);
    expect(stored).toMatchObject({ kind: 'in-toto-statement', digest, tenant: 'ggen', timestamp: 42 });
    expect((stored?.payload as { predicate: unknown }).predicate).toEqual({ spec: 'x.ttl' });
    expect(store.statementsByDigest(digest).map((x) => x.executionId)).toEqual([`sha256:${digest}`]);
    expect(store.statementsByDigest('00'.repeat(32))).toEqual([]);
  });

  it('accepts the receipt ggen sync writes, plain or DSSE-signed, under one digest', async () => {
    const manifest = { path: 'ggen.toml', raw: { project: { name: 'demo' } }, generation: { outputDir: 'generated', templates: 'templates' } } as unknown as Manifest;
    const text = serializeStatement(
      buildStatement({
        manifest,
        outputs: [
          { path: 'generated/a.ts', sha256: 'a'.repeat(64), mode: 'overwrite' },
          { path: 'generated/b.ts', sha256: 'b'.repeat(64), mode: 'create_once' },
        ],
        inputs: [{ path: 'specs/x.ttl', sha256: 'c'.repeat(64), role: 'spec' }],
        packages: [{ name: 'ggen-ts', version: '0.1.0' }],
        graph: { digest: 'd'.repeat(64), tripleCount: 10, inferredTriples: 2, rounds: 1 },
      }),
    );
    const digest = createHash('sha256').update(text).digest('hex');
    const plain = await store.ingestStatement(text, { tenant: 'ggen', timestamp: 1 });
    expect(plain).toMatchObject({ inserted: true, receipt: { digest, executionId: `sha256:${digest}` } });
    const { privateKey } = generateKeyPairSync('ed25519');
    const envelope = serializeEnvelope(signEnvelope(Buffer.from(text), privateKey));
    const signed = await store.ingestStatement(envelope, { tenant: 'ggen', timestamp: 2 });
    expect(signed.inserted).toBe(false);
    expect(store.byExecutionId(`sha256:${digest}`)?.payload).toEqual(JSON.parse(text));
    // Subjectless receipts (every output create_once) are still ggen receipts.
    const subjectless = text.replace(/"subject": \[[^\]]*\]/, '"subject": []');
    expect(subjectless).not.toBe(text);
    expect((await store.ingestStatement(subjectless, { tenant: 'ggen', timestamp: 3 })).inserted).toBe(true);
  });

  it('refuses DSSE envelopes that do not carry an in-toto statement', async () => {
    const opts = { tenant: 'ggen', timestamp: 1 };
    const env = (o: object) => store.ingestStatement(JSON.stringify({ payloadType: 'application/vnd.in-toto+json', signatures: [], ...o }), opts);
    await expect(env({ payloadType: 'text/plain', payload: '' })).rejects.toThrow(/payloadType must be "application\/vnd.in-toto\+json"/);
    await expect(env({ payload: 'not base64!' })).rejects.toThrow(/payload must be a base64 string/);
    await expect(env({ payload: Buffer.from('{').toString('base64') })).rejects.toThrow(/DSSE envelope payload: not valid JSON/);
    await expect(env({ payload: Buffer.from('{"_type":"x"}').toString('base64') })).rejects.toThrow(/_type must be/);
    expect(store.count()).toBe(0);
  });

  it('refuses anything that is not an in-toto Statement v1', async () => {
    const opts = { tenant: 'ggen', timestamp: 1 };
    const bad = (o: unknown) => store.ingestStatement(JSON.stringify(o), opts);
    await expect(store.ingestStatement('{not json', opts)).rejects.toThrow(/not valid JSON/);
    await expect(bad([])).rejects.toThrow(/top level must be a JSON object/);
    await expect(bad({ _type: 'https://in-toto.io/Statement/v0.1', subject: [], predicateType: 'p' })).rejects.toThrow(
      /_type must be "https:\/\/in-toto.io\/Statement\/v1", got "https:\/\/in-toto.io\/Statement\/v0.1"/,
    );
    const base = { _type: 'https://in-toto.io/Statement/v1', predicateType: 'p' };
    await expect(bad({ ...base, subject: {} })).rejects.toThrow(/subject must be an array/);
    await expect(bad({ ...base, subject: [{ name: 'a' }] })).rejects.toThrow(/subject\[0\].digest/);
    await expect(bad({ ...base, subject: [{ digest: { sha256: 'XYZ' } }] })).rejects.toThrow(/lowercase hex/);
    await expect(bad({ ...base, predicateType: '', subject: [{ digest: { sha256: 'ab' } }] })).rejects.toThrow(/predicateType/);
    await expect(bad({ ...base, subject: [{ digest: { sha256: 'ab' } }], predicate: [1] })).rejects.toThrow(/predicate must be an object/);
    await expect(store.insert({ executionId: 'e', tenant: 't', timestamp: 1, kind: 'in-toto-statement', payload: {} })).rejects.toThrow(/reserved/);
    expect(store.count()).toBe(0);
  });
});
