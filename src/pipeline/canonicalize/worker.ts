/** Worker thread for canonicalize: formats batches of files with the same fixed options. */
import { parentPort } from 'node:worker_threads';
import { formatOne } from './format.js';

export interface Job {
  i: number;
  path: string;
  text: string;
}

parentPort!.on('message', (batch: Job[]) => {
  void (async () => {
    try {
      const out = [];
      for (const j of batch) out.push({ i: j.i, res: await formatOne(j.path, j.text) });
      parentPort!.postMessage({ ok: true, out });
    } catch (err) {
      parentPort!.postMessage({ ok: false, message: (err as Error).message });
    }
  })();
});
