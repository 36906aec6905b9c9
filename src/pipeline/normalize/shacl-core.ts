/**
 * SHACL core validation (every shape that needs no query engine) off the main thread.
 *
 * A sync or validate starts the worker at the beginning of normalize, so that loading n3 and
 * shacl-engine in it overlaps the Turtle parse. Once the graph is inferred and relabelled, the
 * data and shapes graphs go to it as n3 entity tables plus a Uint32Array of entity ids (the graph
 * cache's form, cache.ts): the worker rebuilds each store with the same ids, so it iterates in
 * the same order as the main thread's and shacl-engine reports in the same order. The worker
 * answers with the raw results (terms as n3 ids); shacl.ts turns them into diagnostics in the
 * main thread, as for the results it computes itself. A worker that crashes, exits or answers
 * anything but a well-formed reply is an internal error, never a pass.
 *
 * Workers only run compiled (a .js file next to this one); from sources (the tests) the same
 * validation runs in the main thread when it is joined.
 */
import { Worker } from 'node:worker_threads';
import type { Store } from 'n3';

/** A store as n3 entity strings by id, and its quads as four ids each (graph id of '' is the default graph). */
export interface EncodedStore {
  entities: Array<string | undefined>;
  nextId: number;
  quads: Uint32Array;
}

/** One shacl-engine result, its terms as n3 ids; `s` is the index of the top-level shape that produced it. */
export interface EncodedResult {
  s: number;
  focus?: string;
  path?: Array<{ start: string; end: string; quantifier: string; predicates: string[] }> | null;
  message: string[];
  severity?: string;
  component?: string;
  value?: string;
  shape?: string;
}

/** Main → worker. */
export interface CoreRequest {
  kind: 'validate';
  data: EncodedStore;
  shapes: EncodedStore;
  /** The top-level shapes to validate, by n3 id, with their index in the validator's shape order. */
  targets: Array<{ s: number; id: string }>;
}
/** Worker → main. */
export type CoreReply = { kind: 'done'; results: EncodedResult[] } | { kind: 'failed'; message: string };

interface EntityIndexInternals {
  _id: number;
  _ids: Record<string, number>;
}

type Index = Record<string, Record<string, Record<string, null>>>;
interface StoreInternals {
  _entityIndex: EntityIndexInternals;
  _graphs: Record<string, { subjects: Index }>;
  _addQuad(s: number, p: number, o: number, g: number): boolean;
}

/**
 * The store's quads as ids, read straight from n3's subject index (n3 is pinned; cache.ts reads
 * the same internals): no RDF term is built. The order does not matter: a store built from the
 * same ids iterates by id.
 */
export function encodeStore(store: Store): EncodedStore {
  const internals = store as unknown as StoreInternals;
  const index = internals._entityIndex;
  const entities: Array<string | undefined> = new Array(index._id + 1);
  for (const [k, id] of Object.entries(index._ids)) entities[id] = k;
  const quads = new Uint32Array(store.size * 4);
  let i = 0;
  for (const g in internals._graphs) {
    const subjects = internals._graphs[g]!.subjects;
    for (const s in subjects) {
      const predicates = subjects[s]!;
      for (const p in predicates) {
        for (const o in predicates[p]!) {
          if (i + 4 > quads.length) throw new Error('SHACL: the store holds more quads than its size');
          quads[i++] = +s;
          quads[i++] = +p;
          quads[i++] = +o;
          quads[i++] = +g;
        }
      }
    }
  }
  if (i !== quads.length) throw new Error('SHACL: the store holds fewer quads than its size');
  return { entities, nextId: index._id, quads };
}

/** The store `encodeStore` encoded, with the same entity ids (so the same iteration order). */
export function decodeStore(N3: typeof import('n3'), enc: EncodedStore): Store {
  const index = new (N3 as unknown as { EntityIndex: new () => unknown }).EntityIndex();
  const internals = index as unknown as EntityIndexInternals & { _entities: Record<number, string> };
  enc.entities.forEach((k, id) => {
    if (k === undefined) return;
    internals._ids[k] = id;
    internals._entities[id] = k;
  });
  internals._id = enc.nextId;
  const store = new N3.Store(undefined, { entityIndex: index } as never);
  const add = (store as unknown as StoreInternals)._addQuad.bind(store);
  const q = enc.quads;
  const known = (id: number) => enc.entities[id] !== undefined;
  for (let i = 0; i < q.length; i += 4) {
    const [s, p, o, g] = [q[i]!, q[i + 1]!, q[i + 2]!, q[i + 3]!];
    if (!known(s) || !known(p) || !known(o) || !known(g)) throw new Error('SHACL: a quad names an unknown entity');
    if (!add(s, p, o, g)) throw new Error('SHACL: the encoded store repeats a quad');
  }
  return store;
}

interface EngineTerm {
  termType: string;
  value: string;
}
interface EngineResult {
  focusNode?: { term?: EngineTerm };
  path?: Array<{ start: string; end: string; quantifier: string; predicates: EngineTerm[] }> | null;
  message?: EngineTerm[];
  severity?: EngineTerm;
  constraintComponent?: EngineTerm;
  value?: { term?: EngineTerm };
  shape?: { ptr?: { term?: EngineTerm } };
}

/** A shacl-engine result as plain data (structured-clone safe). */
export function encodeResult(N3: typeof import('n3'), s: number, r: EngineResult): EncodedResult {
  const id = (t: EngineTerm | undefined) => (t ? N3.termToId(t as never) : undefined);
  const out: EncodedResult = { s, message: (r.message ?? []).map((m) => m.value) };
  const put = <K extends 'focus' | 'severity' | 'component' | 'value' | 'shape'>(k: K, t: EngineTerm | undefined) => {
    const v = id(t);
    if (v !== undefined) out[k] = v;
  };
  put('focus', r.focusNode?.term);
  put('severity', r.severity);
  put('component', r.constraintComponent);
  put('value', r.value?.term);
  put('shape', r.shape?.ptr?.term);
  if (r.path === null) out.path = null;
  else if (r.path)
    out.path = r.path.map((step) => ({
      start: step.start,
      end: step.end,
      quantifier: step.quantifier,
      predicates: step.predicates.map((p) => N3.termToId(p as never)),
    }));
  return out;
}

const isString = (x: unknown): x is string => typeof x === 'string';
const optString = (x: unknown) => x === undefined || isString(x);

/** Checks a reply's results: anything malformed is an error, never read as "no violations". */
export function checkResults(x: unknown, shapes: number): EncodedResult[] {
  const bad = (why: string): never => {
    throw new Error(`SHACL worker answered a malformed reply (${why})`);
  };
  if (!Array.isArray(x)) bad('results is not an array');
  for (const r of x as unknown[]) {
    if (r === null || typeof r !== 'object') bad('a result is not an object');
    const o = r as Record<string, unknown>;
    if (!Number.isInteger(o.s) || (o.s as number) < 0 || (o.s as number) >= shapes) bad('a result names no shape');
    if (!Array.isArray(o.message) || !o.message.every(isString)) bad('a message is not a list of strings');
    for (const k of ['focus', 'severity', 'component', 'value', 'shape'])
      if (!optString(o[k])) bad(`${k} is not a term`);
    if (o.path !== undefined && o.path !== null) {
      if (!Array.isArray(o.path)) bad('a path is not a list');
      for (const step of o.path as unknown[]) {
        const p = step as Record<string, unknown> | null;
        if (
          !p ||
          !isString(p.start) ||
          !isString(p.end) ||
          !isString(p.quantifier) ||
          !Array.isArray(p.predicates) ||
          !p.predicates.every(isString)
        )
          bad('a path step is malformed');
      }
    }
  }
  return x as EncodedResult[];
}

/** The core validation itself: the given top-level shapes, each on its own, in order (worker or main thread). */
export async function validateCore(
  data: Store,
  shapes: Store,
  targets: Array<{ s: number; id: string }>,
): Promise<EncodedResult[]> {
  const [{ Validator }, N3] = await Promise.all([import('shacl-engine'), import('n3')]);
  const factory = {
    ...N3.DataFactory,
    dataset: (quads?: Iterable<unknown>) => new N3.Store(quads ? ([...quads] as never) : undefined),
  };
  const validator = new Validator(shapes, { factory } as never);
  const out: EncodedResult[] = [];
  for (const { s, id } of targets) {
    const report = await validator.validate({ dataset: data }, [{ terms: [N3.termFromId(id)] }]);
    for (const r of report.results as EngineResult[]) out.push(encodeResult(N3, s, r));
  }
  return out;
}

const workerUrl = new URL('./shacl-worker.js', import.meta.url);

/**
 * The core half of one SHACL validation: started early, given its graphs once, answered once.
 * `close()` ends the worker whatever state it is in; it is also ended once it has answered.
 */
export class ShaclCore {
  private worker: Worker | undefined;
  private readonly useWorker: boolean;
  private failure: Error | undefined;
  private settle: ((reply: CoreReply | Error) => void) | undefined;

  private constructor(url: URL | undefined) {
    this.useWorker = url !== undefined;
    if (!url) return;
    const worker = new Worker(url);
    this.worker = worker;
    // Idle, it must not keep the process alive (a run that fails before validating never sends it work).
    worker.unref();
    worker.on('message', (msg: unknown) => this.answer(msg as CoreReply));
    worker.on('error', (err) => this.answer(new Error(`SHACL worker failed: ${err.message}`)));
    worker.on('exit', (code) => this.answer(new Error(`SHACL worker exited (code ${code}) before answering`)));
  }

  /**
   * Starts the worker now (compiled) when asked (`worker`, or GGEN_SHACL_WORKER=1), else validates
   * in this thread when joined. Measured on the shared 2-core machine, the worker cost 1-3 s more
   * CPU (a cold JIT, a second heap's GC, module loading) and ~150 MB more memory, and saved no
   * wall time: it is off by default.
   */
  static start(options: { inline?: boolean; worker?: boolean; workerUrl?: URL } = {}): ShaclCore {
    const compiled = import.meta.url.endsWith('.js');
    const wanted = (options.worker ?? process.env.GGEN_SHACL_WORKER === '1') && !options.inline;
    const url = options.workerUrl ?? (compiled && wanted ? workerUrl : undefined);
    return new ShaclCore(url);
  }

  get inWorker(): boolean {
    return this.useWorker;
  }

  private answer(reply: CoreReply | Error): void {
    if (reply instanceof Error) this.failure ??= reply;
    const settle = this.settle;
    this.settle = undefined;
    settle?.(reply);
  }

  /** Validates `targets` over the two stores; resolves with the raw results in shape order. */
  validate(
    data: Store,
    shapes: Store,
    targets: Array<{ s: number; id: string }>,
    shapeCount: number,
  ): Promise<EncodedResult[]> {
    if (!this.useWorker) return validateCore(data, shapes, targets);
    const worker = this.worker;
    if (this.failure || !worker) {
      void this.close();
      return Promise.reject(this.failure ?? new Error('SHACL worker closed before validating'));
    }
    const answered = new Promise<EncodedResult[]>((resolve, reject) => {
      this.settle = (reply) => {
        void this.close();
        if (reply instanceof Error) return reject(reply);
        if (reply === null || typeof reply !== 'object') return reject(new Error('SHACL worker answered a non-object'));
        if (reply.kind === 'failed')
          return reject(new Error(`SHACL worker failed: ${isString(reply.message) ? reply.message : '(no message)'}`));
        if (reply.kind !== 'done') return reject(new Error('SHACL worker answered an unknown message'));
        try {
          resolve(checkResults(reply.results, shapeCount));
        } catch (err) {
          reject(err as Error);
        }
      };
    });
    const request: CoreRequest = { kind: 'validate', data: encodeStore(data), shapes: encodeStore(shapes), targets };
    // Now the run waits for it: keep the process alive until it answers.
    worker.ref();
    worker.postMessage(request, [request.data.quads.buffer as ArrayBuffer, request.shapes.quads.buffer as ArrayBuffer]);
    return answered;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.removeAllListeners('exit');
    this.answer(new Error('SHACL worker closed before answering'));
    await worker.terminate();
  }
}
