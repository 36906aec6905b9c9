/**
 * Worker thread for SHACL: shacl-engine over a copy of the graph, so that validation (about a
 * second of a cold sync, most of it loading and warming shacl-engine) runs on another core while
 * the main thread extracts. The shapes' sh:sparql constraints are sent back to the main thread,
 * whose query engine answers them over the same graph: one engine per run, as everywhere else.
 */
import { parentPort } from 'node:worker_threads';
import type { RdfTerm } from '../extract/engine.js';
import { fromPlainTerm, parseNQuads, toPlainTerm, type ShaclReply, type ShaclRequest } from './shacl-protocol.js';

const port = parentPort!;
const pending = new Map<number, { resolve(rows: Array<Map<string, RdfTerm>>): void; reject(err: Error): void }>();
let nextId = 0;

const remoteEngine = {
  selectTerms(_dataset: unknown, query: string, preBound: Record<string, RdfTerm> = {}): Promise<Array<Map<string, RdfTerm>>> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      const bound = Object.fromEntries(Object.entries(preBound).map(([k, t]) => [k, toPlainTerm(t)]));
      port.postMessage({ kind: 'query', id, query, preBound: bound } satisfies ShaclReply);
    });
  },
};

// Load the validator now: the main thread is still parsing and inferring.
const loading = Promise.all([import('./shacl.js'), import('n3')]);
loading.catch(() => undefined);

port.on('message', (msg: ShaclRequest) => {
  if (msg.kind === 'rows') {
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (!p) return;
    if (msg.error !== undefined) p.reject(new Error(msg.error));
    else p.resolve(msg.rows!.map((row) => new Map(row.map(([k, t]) => [k, fromPlainTerm(t)]))));
    return;
  }
  void (async () => {
    try {
      const [{ runValidator }, { Store }] = await loading;
      const data = new Store(parseNQuads(msg.data));
      const shapes = new Store(parseNQuads(msg.shapes));
      const results = await runValidator(data, shapes, remoteEngine);
      port.postMessage({ kind: 'done', results } satisfies ShaclReply);
    } catch (err) {
      port.postMessage({ kind: 'failed', message: (err as Error).message } satisfies ShaclReply);
    }
  })();
});
