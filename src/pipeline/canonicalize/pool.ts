/**
 * Prettier is the bottleneck for thousands of outputs (about 1 ms per small file),
 * so large runs format in worker threads. Output is identical either way: same
 * Prettier, same options, results put back in input order.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FormatterMissing, type FormatFailure } from './format.js';

export type FormatResult = { ok: true; text: string } | { ok: false; error: FormatFailure };

const workerUrl = new URL('./worker.js', import.meta.url);

/** Workers only when running compiled (the worker is a .js file next to this one) and worth it. */
export function useWorkers(count: number): number {
  if (!import.meta.url.endsWith('.js')) return 0;
  const env = process.env.GGEN_FORMAT_WORKERS;
  if (env !== undefined) return Math.max(0, Number(env) || 0);
  if (count < 2000) return 0;
  return Math.min(4, Math.max(2, availableParallelism()));
}

export async function formatInWorkers(
  jobs: Array<{ path: string; text: string }>,
  workers: number,
  onProgress?: (done: number) => void,
): Promise<FormatResult[]> {
  const results: FormatResult[] = new Array(jobs.length);
  const batch = 64;
  let next = 0;
  let done = 0;
  const pool = Array.from({ length: workers }, () => new Worker(workerUrl));
  try {
    await Promise.all(
      pool.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = (): void => {
              if (next >= jobs.length) return resolve();
              const start = next;
              next = Math.min(jobs.length, next + batch);
              w.postMessage(jobs.slice(start, next).map((j, k) => ({ i: start + k, path: j.path, text: j.text })));
            };
            w.on('message', (msg: { ok: true; out: Array<{ i: number; res: FormatResult }> } | { ok: false; message: string }) => {
              if (!msg.ok) return reject(msg.message.startsWith('prettier could not be loaded') ? new FormatterMissing(msg.message) : new Error(msg.message));
              for (const r of msg.out) results[r.i] = r.res;
              done += msg.out.length;
              onProgress?.(done);
              send();
            });
            w.on('error', reject);
            w.on('exit', (code) => {
              if (next < jobs.length || code !== 0) reject(new Error(`format worker exited with code ${code}`));
            });
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}
