/** Worker thread for canonicalize: formats batches of files with the same fixed options. */
import { parentPort, workerData } from 'node:worker_threads';
import { formatOne, loadPrettier } from './format.js';
import type { WorkerData, WorkerReply, WorkerRequest } from './pool.js';

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

/**
 * A small module and a small README of the kind templates render: formatting them once loads the
 * parser and printer plugins Prettier loads lazily (oxc, estree, markdown) and compiles their hot
 * paths, while the main thread is still busy with normalize and extract, not when the first real
 * file arrives. Its results are thrown away.
 */
const WARM: Array<[string, string]> = [
  [
    'warm.ts',
    "import { x, type Y } from './y.js';\n/** Doc. */\nexport class A<T> extends B implements C { private readonly m = new Map<string, T>(); async f(a: number, b?: Y): Promise<void> { if (!a) throw new Error(`no ${a}`); for (const [k, v] of this.m) await g({ k, v, n: a ?? 0 }); } }\nexport const z = { a: [1, 2, 3], b: 'two' } as const;\nexport type U = { kind: 'a' } | { kind: 'b'; n: number };\n",
  ],
  ['warm.md', '# Title\n\nText with `code` and a [link](#x).\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n- one\n- two\n'],
];

// Load Prettier now, while the main thread is still busy with normalize and extract.
loadPrettier()
  .then(async () => {
    if ((workerData as WorkerData | undefined)?.warm) for (const [file, text] of WARM) await formatOne(file, text);
  })
  .catch(() => undefined);
