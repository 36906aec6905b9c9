// Acknowledged messages survive a crash of the whole server process (SIGKILL, no shutdown).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled } from '../support/compiled.js';
import { describe, expect, it } from 'vitest';
import { messageStore } from '../../generated/chat/index.js';
import { Client, boot, tokenFor } from './helpers.js';

// the child process runs the compiled app
compiled('dist/generated/chat/index.js');

describe('crash durability', () => {
  it('after SIGKILL mid-load, every acknowledged message is in the room history exactly once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ggen-chat-crash-'));
    const clients: Client[] = [];
    try {
      const child = spawn(
        process.execPath,
        [fileURLToPath(new URL('./fixtures/server.mjs', import.meta.url)), dataDir],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env },
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, signal) => resolve(signal)));
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 10_000);
        child.stdout.on('data', (d: Buffer) => {
          const m = /PORT (\d+)/.exec(d.toString());
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
      });
      const acked = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const c = await Client.connect(`ws://127.0.0.1:${port}/ws`);
        clients.push(c);
        c.send({ type: 'auth', token: tokenFor(`w${i}`) });
        await c.next('auth_ok');
        c.send({ type: 'join_room', roomId: 'crash' });
        await c.next('joined');
        c.ws.on('message', (data) => {
          const f = JSON.parse(data.toString()) as { type: string; clientMsgId?: string };
          if (f.type === 'ack' && f.clientMsgId) acked.add(f.clientMsgId);
        });
      }
      // Four writers keep 16 messages each in flight until the kill.
      let n = 0;
      const pump = setInterval(() => {
        for (const c of clients)
          for (let k = 0; k < 16; k++)
            c.send({ type: 'send_message', roomId: 'crash', body: 'x', clientMsgId: `c${n++}` });
      }, 2);
      await clients[0]!.until(() => acked.size >= 400, '400 acks', 15_000);
      child.kill('SIGKILL');
      clearInterval(pump);
      expect(await exited).toBe('SIGKILL');
      const ackedAtKill = new Set(acked);

      const run = await boot({}, dataDir);
      try {
        // Reading a room needs membership: read it as a member, over the protocol.
        const reader = await run.login('auditor');
        reader.send({ type: 'join_room', roomId: 'crash' });
        await reader.next('joined');
        const stored = new Map<string, number>();
        let before = '';
        for (;;) {
          reader.send(
            before === ''
              ? { type: 'history', roomId: 'crash', limit: 200 }
              : { type: 'history', roomId: 'crash', before, limit: 200 },
          );
          const page = (await reader.next('history_page')) as unknown as {
            messages: { clientMsgId: string }[];
            nextCursor?: string;
          };
          for (const m of page.messages) stored.set(m.clientMsgId, (stored.get(m.clientMsgId) ?? 0) + 1);
          if (!page.nextCursor) break;
          before = page.nextCursor;
        }
        for (const id of ackedAtKill) expect(stored.get(id), id).toBe(1);
        const seqs = (await messageStore.lastSeq('crash')) as number;
        expect(seqs).toBe(stored.size);
      } finally {
        await run.cleanup();
      }
    } finally {
      for (const c of clients) c.terminate();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
