/**
 * Graph cache for the edit loop where templates change and specs do not: the normalized graph of
 * the last successful run, stored under `.ggen/cache/` and keyed by the sha256 of every normalize
 * input (spec, shapes and rule texts, the manifest's ontology/inference/validation sections, the
 * pipeline library versions and normalize's own code). A hit skips parsing, inference, the
 * digest and SHACL; only graphs that passed validation are stored.
 *
 * The store is rebuilt with n3's entity ids exactly as they were (n3 is pinned), so it iterates
 * in the same order and every query answers in the same order as on a cold run. Any problem
 * reading the cache is a miss.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from 'n3';
import type { QueryEngine } from '../engine/index.js';
import { InputError } from '../errors.js';
import type { CacheMemory } from '../fs/cache-file.js';
import { digestModules } from '../fs/code-digest.js';
import { compareCodeUnits } from '../fs/glob.js';
import { resolveSources } from '../manifest/index.js';
import { packageVersions } from '../receipt/versions.js';
import type { Manifest, NormalizedGraph } from '../types.js';
import { writeAtomic } from '../write/atomic.js';
import { walkQuadIds } from './store.js';

const FORMAT = 1;
/** n3 is loaded synchronously, and only when a cached graph's store is first used (see readGraphCache). */
const require = createRequire(import.meta.url);
export const GRAPH_CACHE_FILE = '.ggen/cache/graph.json';

export interface EntityIndexInternals {
  _id: number;
  _ids: Record<string, number>;
  _entities: Record<number, string>;
}

interface Entry {
  format: number;
  key: string;
  graph: Omit<NormalizedGraph, 'store'>;
  nextId: number;
  ids: Record<string, number>;
  /** Quads as entity ids, four per quad (graph id 1 is the default graph's ''). */
  quads: number[];
}

let ownCode: string | undefined;

/** sha256 over normalize's compiled modules (and the extract engine), so a rebuilt ggen misses. */
export function codeDigest(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  ownCode ??= digestModules([here, path.join(here, '../extract'), path.join(here, '../engine')]);
  return ownCode;
}

/**
 * The salt of a cache file of normalize's results (`kind`, in its entry `format`): a result that
 * other code or other pipeline library versions computed is not reused.
 */
export function cacheSalt(kind: string, format: number): string {
  return createHash('sha256')
    .update(JSON.stringify([`ggen-${kind}-cache/${format}`, codeDigest(), packageVersions()]))
    .digest('hex');
}

/** The cache key of this manifest's normalize inputs as they are on disk now; undefined if any cannot be read. */
export async function graphCacheKey(manifest: Manifest): Promise<string | undefined> {
  try {
    const specFiles = await resolveSources(manifest);
    const shapes = [...new Set(manifest.validation.shacl)].sort(compareCodeUnits);
    const h = createHash('sha256');
    const part = (s: string) => h.update(`${Buffer.byteLength(s)}:`).update(s);
    part(`ggen-graph-cache/${FORMAT}`);
    part(codeDigest());
    part(JSON.stringify(packageVersions()));
    part(
      JSON.stringify({
        ontology: manifest.ontology,
        inference: manifest.inference,
        validation: manifest.validation,
        manifest: manifest.path,
      }),
    );
    for (const file of [...specFiles.map((f) => `spec:${f}`), ...shapes.map((f) => `shapes:${f}`)]) {
      part(file);
      part(
        createHash('sha256')
          .update(await readFile(path.join(manifest.root, file.slice(file.indexOf(':') + 1))))
          .digest('hex'),
      );
    }
    return h.digest('hex');
  } catch {
    return undefined;
  }
}

/**
 * The graph the cache holds for `key`, or undefined (a miss) when the file is absent, unreadable,
 * foreign or malformed. Everything but the store is ready at once; the store is built on first
 * access to `graph.store` (~0.2 s for this repo's 10K triples): a run whose every query the rows
 * cache answers never builds it. What the entry says is checked before it is used: its metadata's
 * shape, and quads that are whole, name known entities, count exactly `tripleCount` and are
 * distinct, so the store built later holds that many triples.
 */
export function readGraphCache(
  manifest: Manifest,
  key: string,
  /** Under --watch: the entry this process saved last, instead of the file (see normalizeCached). */
  memory?: CacheMemory,
): NormalizedGraph | undefined {
  const file = path.join(manifest.root, GRAPH_CACHE_FILE);
  let entry: Entry;
  if (memory?.value(file) !== undefined) entry = memory.value(file) as Entry;
  else
    try {
      const text = readFileSync(file, 'utf8');
      // writeGraphCache's entry (JSON.stringify of an Entry) starts with its format and key: a file
      // that does not (another key: every spec edit's run) is a miss before the graph is parsed.
      if (!text.startsWith(`{"format":${FORMAT},"key":${JSON.stringify(key)},`)) return undefined;
      entry = JSON.parse(text) as Entry;
    } catch {
      return undefined;
    }
  if (typeof entry !== 'object' || entry === null || entry.format !== FORMAT || entry.key !== key) return undefined;
  const entities = entitiesOf(entry);
  if (!entities) return undefined;
  const { graph: meta, quads } = entry;
  let store: Store | undefined;
  const graph = { ...meta } as NormalizedGraph;
  Object.defineProperty(graph, 'store', {
    enumerable: true,
    configurable: true,
    get: () => (store ??= buildStore(entry, entities)),
  });
  lazy.set(graph, { entities, quads, built: () => store });
  return graph;
}

/** The graphs readGraphCache made, with what their lazy store is built from. */
const lazy = new WeakMap<object, { entities: string[]; quads: number[]; built: () => Store | undefined }>();

/** The entity string of each id, or undefined if the entry's shape is not one writeGraphCache makes. */
function entitiesOf(entry: Entry): string[] | undefined {
  const g = entry.graph as Partial<NormalizedGraph> | undefined;
  const strings = (a: unknown): boolean => Array.isArray(a) && a.every((x) => typeof x === 'string');
  const count = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
  if (
    typeof g !== 'object' ||
    g === null ||
    typeof g.digest !== 'string' ||
    !strings(g.specFiles) ||
    !Array.isArray(g.inputs) ||
    !count(g.tripleCount) ||
    !count(g.inferredTriples) ||
    !count(g.rounds) ||
    (g.warnings !== undefined && !Array.isArray(g.warnings)) ||
    (g.mentions !== undefined &&
      (typeof g.mentions !== 'object' ||
        g.mentions === null ||
        typeof g.mentions.subjects !== 'object' ||
        typeof g.mentions.literals !== 'object')) ||
    typeof entry.ids !== 'object' ||
    entry.ids === null ||
    !count(entry.nextId) ||
    !Array.isArray(entry.quads) ||
    entry.quads.length !== g.tripleCount! * 4
  )
    return undefined;
  const entities: string[] = [];
  for (const [k, id] of Object.entries(entry.ids)) {
    if (!Number.isSafeInteger(id) || id < 0 || id > entry.nextId || entities[id] !== undefined) return undefined;
    entities[id] = k;
  }
  // Distinct quads, as two numbers per quad (ids are at most nextId, so each pair fits a safe integer).
  const base = entry.nextId + 1;
  if (base * base > Number.MAX_SAFE_INTEGER) return undefined;
  const seen = new Map<number, Set<number>>();
  const q = entry.quads;
  for (let i = 0; i < q.length; i += 4) {
    for (let j = i; j < i + 4; j++) if (typeof q[j] !== 'number' || entities[q[j]!] === undefined) return undefined;
    const head = q[i]! * base + q[i + 1]!;
    const tail = q[i + 2]! * base + q[i + 3]!;
    let tails = seen.get(head);
    if (!tails) seen.set(head, (tails = new Set()));
    else if (tails.has(tail)) return undefined;
    tails.add(tail);
  }
  return entities;
}

/** The n3 store of a checked entry, with n3's entity ids exactly as they were (so it iterates in the same order). */
function buildStore(entry: Entry, entities: string[]): Store {
  const N3 = require('n3') as typeof import('n3');
  const index = new (N3 as unknown as { EntityIndex: new () => unknown }).EntityIndex();
  const internals = index as unknown as EntityIndexInternals;
  for (const [k, id] of Object.entries(entry.ids)) {
    internals._ids[k] = id;
    internals._entities[id] = k;
  }
  internals._id = entry.nextId;
  const store = new N3.Store(undefined, { entityIndex: index } as never);
  const terms = new Map<number, ReturnType<typeof N3.termFromId>>();
  const term = (id: number) => {
    let t = terms.get(id);
    if (!t) terms.set(id, (t = N3.termFromId(entities[id]!)));
    return t;
  };
  const q = entry.quads;
  for (let i = 0; i < q.length; i += 4)
    store.addQuad(term(q[i]!) as never, term(q[i + 1]!) as never, term(q[i + 2]!) as never, term(q[i + 3]!) as never);
  // Only an entity string n3 would not have written (a hand-made file) can merge two quads here.
  if (store.size !== entry.graph.tripleCount)
    throw new InputError({
      file: GRAPH_CACHE_FILE,
      message: `holds ${store.size} distinct triples where it claims ${entry.graph.tripleCount}: delete it, or run sync --full`,
    });
  return store;
}

/**
 * What app-packages.ts asks of a graph (subjects of one rdf:type), answered from the cache entry
 * of a graph whose store is not built yet, so that asking does not build it; else the store.
 */
export function subjectsOfType(graph: NormalizedGraph): Pick<Store, 'getSubjects'> {
  const source = lazy.get(graph);
  if (!source || source.built()) return graph.store;
  const { entities, quads } = source;
  const ids = new Map<string, number>();
  entities.forEach((e, id) => ids.set(e, id));
  const view = {
    getSubjects(predicate: unknown, object: unknown, g: unknown): ReturnType<Store['getSubjects']> {
      if (typeof predicate !== 'string' || typeof object !== 'string' || g !== null)
        return graph.store.getSubjects(predicate as never, object as never, g as never);
      const p = ids.get(predicate);
      const o = ids.get(object);
      const found = new Set<number>();
      for (let i = 0; i < quads.length; i += 4) if (quads[i + 1] === p && quads[i + 2] === o) found.add(quads[i]!);
      const out: Array<{ termType: string; value: string }> = [];
      for (const s of found) {
        const e = entities[s]!;
        if (e.startsWith('_:')) out.push({ termType: 'BlankNode', value: e.slice(2) });
        else if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(e)) out.push({ termType: 'NamedNode', value: e });
        // Anything else (a quoted triple, a literal): the store answers, as it would.
        else return graph.store.getSubjects(predicate as never, object as never, null);
      }
      return out as unknown as ReturnType<Store['getSubjects']>;
    },
  };
  return view as Pick<Store, 'getSubjects'>;
}

/** The store's quads as entity ids, four per quad, in readQuads' order; undefined if a term has no id. */
export function readQuadIds(store: Store, internals: EntityIndexInternals): number[] | undefined {
  const numeric = (store as unknown as { _termToNumericId(t: unknown): number | undefined })._termToNumericId.bind(
    store,
  );
  const quads: number[] = [];
  for (const x of store.readQuads(null, null, null, null)) {
    const ids = [
      numeric(x.subject),
      numeric(x.predicate),
      numeric(x.object),
      x.graph.termType === 'DefaultGraph' ? internals._ids[''] : numeric(x.graph),
    ];
    if (ids.some((id) => id === undefined)) return undefined;
    quads.push(...(ids as number[]));
  }
  return quads;
}

/**
 * readQuadIds read off n3's index (store.ts walkQuadIds: the same quads in the same order),
 * without making a Quad and its terms per quad and looking their ids up again. Undefined when
 * the index is not as expected, or names an id the entity index lacks (then readQuadIds).
 */
export function indexQuadIds(store: Store, internals: EntityIndexInternals): number[] | undefined {
  const entities = internals._entities;
  if (typeof entities !== 'object' || entities === null) return undefined;
  const quads: number[] = [];
  const id = (k: string): boolean => {
    const n = Number(k);
    if (typeof entities[n] !== 'string') return false;
    quads.push(n);
    return true;
  };
  // An entry's order: subject, predicate, object, graph.
  const whole = walkQuadIds(store, (g, s, p, o) => id(s) && id(p) && id(o) && id(g));
  return whole ? quads : undefined;
}

/**
 * Stores a validated graph; failures to write only cost the next run its cache hit. With `memory`
 * (--watch) the entry is held there for the next run and the file is written at its flush. Written
 * without fsync (durable: false): a crash may leave it empty or cut short, which reads as a miss.
 */
export function writeGraphCache(manifest: Manifest, key: string, graph: NormalizedGraph, memory?: CacheMemory): void {
  try {
    const internals = (graph.store as unknown as { _entityIndex: EntityIndexInternals })._entityIndex;
    const quads = indexQuadIds(graph.store, internals) ?? readQuadIds(graph.store, internals);
    if (!quads) return;
    const { store: _store, ...rest } = graph;
    // A copy of the ids: the store's index may grow after this (the entry can wait in memory, see below).
    const ids = Object.assign(Object.create(null) as Record<string, number>, internals._ids);
    const entry: Entry = { format: FORMAT, key, graph: rest, nextId: internals._id, ids, quads };
    const file = path.join(manifest.root, GRAPH_CACHE_FILE);
    const write = (): void => {
      try {
        writeAtomic(file, JSON.stringify(entry), manifest.root, { durable: false });
      } catch {
        /* a cache is optional */
      }
    };
    if (memory) memory.hold(file, entry, write);
    else write();
  } catch {
    /* a cache is optional */
  }
}

/**
 * normalize(), answered from the cache when every input is unchanged. On a miss, `save` stores
 * the graph: call it only once the whole run has succeeded (a failed sync writes nothing).
 * `read: false` (sync --full) recomputes and refreshes the entry.
 */
export async function normalizeCached(
  manifest: Manifest,
  /** The run's engine, or how to get it: only a miss needs one (Comunica costs ~0.4 s to load). */
  engine: QueryEngine | (() => Promise<QueryEngine>),
  options: {
    read?: boolean;
    parses?: import('./parse-cache.js').ParseCache;
    /** Under --watch: the entry is kept in memory between runs, the file written at the session's flush. */
    memory?: CacheMemory;
    /** Return before SHACL core has answered; `verdict` then holds it (index.ts normalizeDeferred). */
    defer?: boolean;
    /** false: build the graph even when the graph cache holds it (a watch session's warm-up, sync/warm-up.ts). */
    graphCache?: boolean;
  } = {},
): Promise<{ graph: NormalizedGraph; hit: boolean; save: () => Promise<void>; verdict: Promise<void> }> {
  const key = await graphCacheKey(manifest);
  if (key && options.read !== false && options.graphCache !== false) {
    const cached = readGraphCache(manifest, key, options.memory);
    if (cached) return { graph: cached, hit: true, save: async () => {}, verdict: Promise.resolve() };
  }
  // Without --watch's parses in memory, the files' parses kept on disk (parse-disk.ts).
  const disk = options.parses
    ? undefined
    : await (await import('./parse-disk.js')).DiskParseCache.open(manifest.root, { read: options.read !== false });
  // Under --watch, the session's first normalize also reads the SHACL results one-shot runs kept.
  // and replays the files one-shot runs parsed instead of parsing them (parse-cache.ts `seed`).
  // `--full` builds the graph afresh, not from the session's held one (held-graph.ts).
  if (options.parses && options.read === false) options.parses.held.drop();
  if (options.parses && options.read !== false) {
    const { openShaclFile } = await import('./shacl-disk.js');
    options.parses.shacl.seed(() => openShaclFile(manifest.root));
    if (options.parses.size === 0)
      options.parses.seed(await (await import('./parse-disk.js')).DiskParseCache.open(manifest.root, { shacl: false }));
  }
  // The closure of the inference rules, reused while the triples they read are unchanged.
  const inference = (await import('./inference-cache.js')).InferenceCache.open(
    manifest.root,
    manifest.ontology.prefixes,
    { read: options.read !== false, ...(options.memory ? { memory: options.memory } : {}) },
  );
  const { normalizeDeferred } = await import('./index.js');
  const { graph, verdict } = await normalizeDeferred(
    manifest,
    typeof engine === 'function' ? await engine() : engine,
    options.parses,
    disk,
    inference,
  );
  if (!options.defer) await verdict;
  const save = async (): Promise<void> => {
    disk?.save();
    inference.save();
    // Inputs edited while normalize read them: the graph may not match either version.
    if (key && (await graphCacheKey(manifest)) === key) writeGraphCache(manifest, key, graph, options.memory);
  };
  return { graph, hit: false, save, verdict };
}
