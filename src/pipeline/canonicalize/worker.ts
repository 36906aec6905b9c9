/** Worker thread for canonicalize: formats batches of files with the same fixed options. */
import { parentPort } from 'node:worker_threads';
import { formatOne, loadPrettier } from './format.js';
import type { WorkerReply, WorkerRequest } from './pool.js';

const reply = (msg: WorkerReply) => parentPort!.postMessage(msg);

parentPort!.on('message', (msg: WorkerRequest) => {
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
