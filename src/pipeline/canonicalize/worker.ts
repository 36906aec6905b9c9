/**
 * Worker thread for canonicalize: formats batches of files with the same fixed options. Before
 * its first batch it may warm Prettier's JIT on files from disk; the warm-up stops as soon as a
 * batch arrives and its results are discarded.
 */
import { readFile } from 'node:fs/promises';
import { setImmediate as yieldToMessages } from 'node:timers/promises';
import { parentPort } from 'node:worker_threads';
import { formatOne, loadPrettier } from './format.js';
import type { WorkerReply, WorkerRequest } from './pool.js';

let working = false;
/**
 * Prettier's JIT is close to steady state after formatting a few hundred kilobytes; beyond that a
 * warm-up would only burn a core the rest of the machine may want.
 */
const WARM_UP_BYTES = 300_000;
const reply = (msg: WorkerReply) => parentPort!.postMessage(msg);

async function warm(paths: string[]): Promise<void> {
  let bytes = 0;
  for (const p of paths) {
    if (bytes >= WARM_UP_BYTES) return;
    // Let a waiting batch in first: warming is only worth it while there is nothing real to do.
    await yieldToMessages();
    if (working) return;
    let text: string;
    try {
      text = await readFile(p, 'utf8');
    } catch {
      continue;
    }
    if (working) return;
    bytes += text.length;
    await formatOne(p, text);
  }
}

parentPort!.on('message', (msg: WorkerRequest) => {
  if (msg.kind === 'warm') {
    void warm(msg.paths).catch(() => undefined);
    return;
  }
  working = true;
  void (async () => {
    try {
      const out = [];
      for (const j of msg.jobs) out.push({ i: j.i, res: await formatOne(j.path, j.text) });
      reply({ kind: 'done', out });
    } catch (err) {
      reply({ kind: 'failed', message: (err as Error).message });
    }
  })();
});

// Load Prettier now, while the main thread is still busy with normalize and extract.
loadPrettier().catch(() => undefined);
