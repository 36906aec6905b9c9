/** Worker thread for SHACL core validation (shacl-core.ts): one request, one reply. */
import { parentPort } from 'node:worker_threads';
import type { CoreReply, CoreRequest } from './shacl-core.js';

const reply = (msg: CoreReply) => parentPort!.postMessage(msg);

// Load the libraries now, while the main thread parses the specs.
const loaded = Promise.all([import('n3'), import('./shacl-core.js'), import('shacl-engine')]);
loaded.catch(() => undefined);

parentPort!.once('message', (msg: CoreRequest) => {
  void (async () => {
    try {
      const [N3, core] = await loaded;
      const data = core.decodeStore(N3, msg.data);
      const shapes = core.decodeStore(N3, msg.shapes);
      reply({ kind: 'done', results: await core.validateCore(data, shapes, msg.targets) });
    } catch (err) {
      reply({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
