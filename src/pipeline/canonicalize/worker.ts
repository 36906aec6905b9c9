/**
 * Worker thread for canonicalize: formats files with the same fixed options. Every worker is sent
 * every request (pool.ts); each takes, one at a time, the largest file no worker has claimed yet.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { formatOne, loadPrettier } from './format.js';
import type { FormatJob, FormatResult, WorkerData, WorkerReply, WorkerRequest } from './pool.js';

const reply = (msg: WorkerReply) => parentPort!.postMessage(msg);
const data = workerData as WorkerData;
const formatted = new Int32Array(data.formatted);

interface Item {
  batch: number;
  i: number;
  job: FormatJob;
  claims: Int32Array;
}
/** Files received and not yet claimed by this worker; the next to take (the largest; ties: oldest request, input order) is last. */
const waiting: Item[] = [];
let running = false;
const order = (a: Item, b: Item): number => a.job.text.length - b.job.text.length || b.batch - a.batch || b.i - a.i;

parentPort!.on('message', (msg: WorkerRequest) => {
  const claims = new Int32Array(msg.claims);
  msg.jobs.forEach((job, i) => waiting.push({ batch: msg.batch, i, job, claims }));
  waiting.sort(order);
  if (!running) void run();
});

/** Results not yet sent, and the size of their inputs. */
let done: Array<{ batch: number; i: number; res: FormatResult }> = [];
let size = 0;
function flush(): void {
  if (done.length === 0) return;
  reply({ kind: 'done', out: done });
  done = [];
  size = 0;
}

/** Formats until nothing is left to claim; yields between files so that new requests are sorted in. */
async function run(): Promise<void> {
  running = true;
  try {
    for (;;) {
      let item: Item | undefined;
      while ((item = waiting.pop()) !== undefined && Atomics.compareExchange(item.claims, item.i, 0, 1) !== 0);
      if (!item) break;
      const res = await formatOne(item.job.path, item.job.text);
      Atomics.store(item.claims, item.i, 2);
      Atomics.add(formatted, 0, 1);
      done.push({ batch: item.batch, i: item.i, res });
      size += item.job.text.length;
      // Results go back in groups (one message per file cost ~10% of a worker's time on 10K files);
      // at once when nothing is left to take.
      if (done.length >= 64 || size >= 1 << 20) flush();
      await new Promise((resolve) => setImmediate(resolve));
    }
    flush();
  } catch (err) {
    reply({ kind: 'failed', message: (err as Error).message });
  } finally {
    running = false;
  }
}

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
    if (data.warm) for (const [file, text] of WARM) await formatOne(file, text);
    reply({ kind: 'ready' });
  })
  .catch(() => undefined);
