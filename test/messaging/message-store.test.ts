import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageStore, MessageStoreError } from '../../packages/runtime/src/messaging/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST_INDEX = join(ROOT, 'packages/runtime/dist/messaging/index.js');
const CHILD = fileURLToPath(new URL('./fixtures/crash-child.mjs', import.meta.url));

let dirs: string[] = [];
let stores: MessageStore[] = [];

afterEach(async () => {
  for (const s of stores) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  stores = [];
  dirs = [];
});

function tempPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'ggen-msgstore-'));
  dirs.push(d);
  return join(d, 'chat.db');
}

function open(path = tempPath(), clock = { t: 1_000 }): MessageStore {
  const s = MessageStore.open(path, { now: () => clock.t });
  stores.push(s);
  return s;
}

async function storeError(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(MessageStoreError);
    return (e as MessageStoreError).code;
  }
  throw new Error('expected a MessageStoreError');
}

describe('MessageStore', () => {
  it('opens with WAL and synchronous=full', () => {
    expect(open().durability()).toEqual({ journalMode: 'wal', synchronous: 'full' });
  });

  it('assigns per-room gapless seqs and clock timestamps, durable across reopen', async () => {
    const path = tempPath();
    const clock = { t: 5_000 };
    const s = MessageStore.open(path, { now: () => clock.t });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        s.append({ roomId: `r${i % 3}`, senderId: 'u', body: `m${i}`, clientMsgId: `c${i}` }),
      ),
    );
    expect(results.filter((r) => r.duplicate)).toEqual([]);
    for (const room of [0, 1, 2]) {
      expect(results.filter((_, i) => i % 3 === room).map((r) => r.seq)).toEqual(
        Array.from({ length: 10 }, (_, i) => i + 1),
      );
    }
    expect(results[0]?.ts).toBe(5_000);
    await s.close();
    const again = open(path);
    expect(again.count()).toBe(30);
    expect(again.lastSeq('r1')).toBe(10);
    expect((await again.append({ roomId: 'r1', senderId: 'u', body: 'next', clientMsgId: 'c-next' })).seq).toBe(11);
  });

  it('is idempotent by (senderId, clientMsgId), also within one batch, and refuses conflicting reuse', async () => {
    const s = open();
    const m = { roomId: 'r', senderId: 'alice', body: 'hi', clientMsgId: 'x1' };
    const [a, b] = await Promise.all([s.append(m), s.append(m)]);
    expect(a?.duplicate).toBe(false);
    expect(b).toEqual({ ...a, duplicate: true });
    const c = await s.append(m);
    expect(c).toEqual({ ...a, duplicate: true });
    expect(await s.append({ ...m, senderId: 'bob' })).toMatchObject({ seq: 2, duplicate: false });
    expect(await storeError(s.append({ ...m, body: 'changed' }))).toBe('idempotency_conflict');
    expect(await storeError(s.append({ ...m, roomId: 'elsewhere' }))).toBe('idempotency_conflict');
    expect(s.count()).toBe(2);
    expect(s.findByClientId('alice', 'x1')).toMatchObject({ roomId: 'r', body: 'hi', seq: 1 });
  });

  it('validates input', async () => {
    const s = open();
    const ok = { roomId: 'r', senderId: 's', body: 'b', clientMsgId: 'c' };
    for (const bad of [
      { ...ok, roomId: '' },
      { ...ok, senderId: 7 },
      { ...ok, clientMsgId: 'x'.repeat(300) },
      { ...ok, body: null },
      null,
    ]) {
      expect(await storeError(s.append(bad as never))).toBe('invalid_message');
    }
    expect(s.count()).toBe(0);
  });

  it('pages history newest first with an opaque cursor', async () => {
    const s = open();
    for (let i = 1; i <= 25; i++) await s.append({ roomId: 'r', senderId: 's', body: `m${i}`, clientMsgId: `c${i}` });
    await s.append({ roomId: 'other', senderId: 's', body: 'x', clientMsgId: 'o1' });
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = s.history('r', { limit: 10, before: cursor });
      seen.push(...page.messages.map((m) => m.seq));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));
    const exact = s.history('r', { limit: 25 });
    expect(exact.nextCursor).toBeNull();
    expect(exact.messages[0]).toMatchObject({
      roomId: 'r',
      seq: 25,
      body: 'm25',
      senderId: 's',
      clientMsgId: 'c25',
      ts: 1_000,
    });
    expect(s.history('empty')).toEqual({ messages: [], nextCursor: null });
  });

  it('rejects bad cursors and limits', async () => {
    const s = open();
    for (let i = 1; i <= 3; i++) await s.append({ roomId: 'r', senderId: 's', body: 'b', clientMsgId: `c${i}` });
    const cursor = s.history('r', { limit: 1 }).nextCursor as string;
    expect(await storeError(() => s.history('other', { before: cursor }))).toBe('bad_cursor');
    expect(await storeError(() => s.history('r', { before: 'not a cursor!' }))).toBe('bad_cursor');
    expect(await storeError(() => s.history('r', { before: Buffer.from('c1\n0\nr').toString('base64url') }))).toBe(
      'bad_cursor',
    );
    expect(await storeError(() => s.history('r', { before: Buffer.from('c1\n-1\nr').toString('base64url') }))).toBe(
      'bad_cursor',
    );
    expect(await storeError(() => s.history('r', { limit: 0 }))).toBe('bad_limit');
    expect(await storeError(() => s.history('r', { limit: 1.5 }))).toBe('bad_limit');
  });

  it('commits queued appends on close and refuses use afterwards', async () => {
    const path = tempPath();
    const s = MessageStore.open(path);
    const pending = s.append({ roomId: 'r', senderId: 's', body: 'b', clientMsgId: 'c' });
    await s.close();
    expect((await pending).seq).toBe(1);
    expect(await storeError(s.append({ roomId: 'r', senderId: 's', body: 'b', clientMsgId: 'd' }))).toBe('closed');
    expect(await storeError(() => s.history('r'))).toBe('closed');
    expect(open(path).count()).toBe(1);
  });

  it('keeps every acknowledged message exactly once after the writer process is SIGKILLed', async () => {
    // the test setup (test/support/build.ts) rebuilds dist/ whenever a source is newer
    expect(existsSync(DIST_INDEX), `${DIST_INDEX} is missing`).toBe(true);
    const path = tempPath();
    const child = spawn(process.execPath, [CHILD, DIST_INDEX, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: { senderId: string; clientMsgId: string; id: number; seq: number; roomId: string }[] = [];
    let stderr = '';
    let buf = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child produced ${acked.length} acks in 15s; stderr: ${stderr}`)),
        15_000,
      );
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line !== 'ready') acked.push(JSON.parse(line));
        }
        if (acked.length >= 2000) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        if (acked.length < 2000) reject(new Error(`child exited early after ${acked.length} acks; stderr: ${stderr}`));
      });
    });
    expect(await exited).toBe('SIGKILL');
    // The kill lands while appends are in flight; a partial last line is not an acknowledgement.
    const s = open(path);
    for (const a of acked) {
      const m = s.findByClientId(a.senderId, a.clientMsgId);
      expect(m, `${a.senderId}/${a.clientMsgId}`).toMatchObject({ id: a.id, seq: a.seq, roomId: a.roomId });
    }
    const total = s.count();
    expect(total).toBeGreaterThanOrEqual(acked.length);
    for (let r = 0; r < 4; r++) {
      const seqs: number[] = [];
      let cursor: string | null = null;
      do {
        const page = s.history(`room-${r}`, { limit: 500, before: cursor });
        seqs.push(...page.messages.map((m) => m.seq));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs.length - i));
    }
    const retry = acked[acked.length - 1]!;
    const again = await s.append({
      roomId: retry.roomId,
      senderId: retry.senderId,
      body: `body ${retry.clientMsgId.slice(1).replace('-', ' ')}`,
      clientMsgId: retry.clientMsgId,
    });
    expect(again).toMatchObject({ id: retry.id, duplicate: true });
    expect(s.count()).toBe(total);
  });
});
