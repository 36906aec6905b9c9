/**
 * The main thread's side of the SHACL worker (shacl-worker.ts). Start it early, so that it loads
 * shacl-engine while the graph is parsed and inferred; then `validate` hands it the graph and
 * answers its sh:sparql queries with this run's query engine, over the main thread's store.
 */
import { Worker } from 'node:worker_threads';
import type { Quad, Store } from 'n3';
import type { QueryEngine, RdfTerm } from '../extract/engine.js';
import type { ShaclResult } from './shacl.js';
import { fromPlainTerm, toNQuads, toPlainTerm, type ShaclReply, type ShaclRequest } from './shacl-protocol.js';

const workerUrl = new URL('./shacl-worker.js', import.meta.url);

/** Only compiled (the worker is a .js file next to this one); GGEN_SHACL_WORKER=0 keeps SHACL on the main thread. */
export function shaclWorkerAvailable(): boolean {
  return import.meta.url.endsWith('.js') && process.env.GGEN_SHACL_WORKER !== '0';
}

export class ShaclWorker {
  private readonly worker = new Worker(workerUrl);
  private used = false;

  constructor() {
    // A run that fails before validating must not be kept alive by an idle worker.
    this.worker.unref();
  }

  validate(data: Store, shapes: Store, engine: Pick<QueryEngine, 'selectTerms'>): Promise<ShaclResult[]> {
    if (this.used) return Promise.reject(new Error('a SHACL worker validates one graph'));
    this.used = true;
    return new Promise<ShaclResult[]>((resolve, reject) => {
      const fail = (err: Error) => {
        reject(err);
        void this.worker.terminate();
      };
      this.worker.on('message', (msg: ShaclReply) => {
        if (msg.kind === 'done') {
          resolve(msg.results);
          void this.worker.terminate();
        } else if (msg.kind === 'failed') fail(new Error(`SHACL validation failed: ${msg.message}`));
        else {
          const preBound = Object.fromEntries(Object.entries(msg.preBound).map(([k, t]) => [k, fromPlainTerm(t)])) as Record<string, RdfTerm>;
          engine.selectTerms(data, msg.query, preBound).then(
            (rows) => this.post({ kind: 'rows', id: msg.id, rows: rows.map((row) => [...row].map(([k, t]) => [k, toPlainTerm(t)] as [string, ReturnType<typeof toPlainTerm>])) }),
            (err: unknown) => this.post({ kind: 'rows', id: msg.id, error: (err as Error).message }),
          );
        }
      });
      this.worker.on('error', fail);
      this.worker.on('exit', (code) => fail(new Error(`SHACL worker exited with code ${code}`)));
      this.post({ kind: 'validate', data: toNQuads(data.readQuads(null, null, null, null) as Iterable<Quad>), shapes: toNQuads(shapes.readQuads(null, null, null, null) as Iterable<Quad>) });
    });
  }

  private post(msg: ShaclRequest): void {
    this.worker.postMessage(msg);
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
