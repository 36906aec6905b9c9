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
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QueryEngine } from '../engine/index.js';
import { digestModules } from '../fs/code-digest.js';
import { compareCodeUnits } from '../fs/glob.js';
import { resolveSources } from '../manifest/index.js';
import { packageVersions } from '../receipt/versions.js';
import type { Manifest, NormalizedGraph } from '../types.js';
import { writeAtomic } from '../write/atomic.js';

const FORMAT = 1;
export const GRAPH_CACHE_FILE = '.ggen/cache/graph.json';

interface EntityIndexInternals {
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

export function readGraphCache(manifest: Manifest, key: string, N3: typeof import('n3')): NormalizedGraph | undefined {
  let entry: Entry;
  try {
    entry = JSON.parse(readFileSync(path.join(manifest.root, GRAPH_CACHE_FILE), 'utf8')) as Entry;
  } catch {
    return undefined;
  }
  if (entry.format !== FORMAT || entry.key !== key) return undefined;
  const index = new (N3 as unknown as { EntityIndex: new () => unknown }).EntityIndex();
  const internals = index as unknown as EntityIndexInternals;
  const entities: string[] = [];
  for (const [k, id] of Object.entries(entry.ids)) {
    internals._ids[k] = id;
    internals._entities[id] = k;
    entities[id] = k;
  }
  internals._id = entry.nextId;
  const store = new N3.Store(undefined, { entityIndex: index } as never);
  const terms = new Map<number, ReturnType<typeof N3.termFromId>>();
  const term = (id: number) => {
    let t = terms.get(id);
    if (!t) terms.set(id, (t = N3.termFromId(entities[id] ?? '')));
    return t;
  };
  const q = entry.quads;
  for (let i = 0; i < q.length; i += 4)
    store.addQuad(term(q[i]!) as never, term(q[i + 1]!) as never, term(q[i + 2]!) as never, term(q[i + 3]!) as never);
  if (store.size !== entry.graph.tripleCount) return undefined;
  return { ...entry.graph, store };
}

/** Stores a validated graph; failures to write only cost the next run its cache hit. */
export function writeGraphCache(manifest: Manifest, key: string, graph: NormalizedGraph): void {
  try {
    const internals = (graph.store as unknown as { _entityIndex: EntityIndexInternals })._entityIndex;
    const numeric = (
      graph.store as unknown as { _termToNumericId(t: unknown): number | undefined }
    )._termToNumericId.bind(graph.store);
    const quads: number[] = [];
    for (const x of graph.store.readQuads(null, null, null, null)) {
      const ids = [
        numeric(x.subject),
        numeric(x.predicate),
        numeric(x.object),
        x.graph.termType === 'DefaultGraph' ? internals._ids[''] : numeric(x.graph),
      ];
      if (ids.some((id) => id === undefined)) return;
      quads.push(...(ids as number[]));
    }
    const { store: _store, ...rest } = graph;
    const entry: Entry = { format: FORMAT, key, graph: rest, nextId: internals._id, ids: internals._ids, quads };
    const file = path.join(manifest.root, GRAPH_CACHE_FILE);
    writeAtomic(file, JSON.stringify(entry), manifest.root);
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
  /** `defer`: return before SHACL core has answered; `verdict` then holds it (index.ts normalizeDeferred). */
  options: { read?: boolean; parses?: import('./parse-cache.js').ParseCache; defer?: boolean } = {},
): Promise<{ graph: NormalizedGraph; hit: boolean; save: () => Promise<void>; verdict: Promise<void> }> {
  const [key, N3, { normalizeDeferred }] = await Promise.all([
    graphCacheKey(manifest),
    import('n3'),
    import('./index.js'),
  ]);
  if (key && options.read !== false) {
    const cached = readGraphCache(manifest, key, N3);
    if (cached) return { graph: cached, hit: true, save: async () => {}, verdict: Promise.resolve() };
  }
  // Without --watch's parses in memory, the files' parses kept on disk (parse-disk.ts).
  const disk = options.parses
    ? undefined
    : await (await import('./parse-disk.js')).DiskParseCache.open(manifest.root, { read: options.read !== false });
  const { graph, verdict } = await normalizeDeferred(
    manifest,
    typeof engine === 'function' ? await engine() : engine,
    options.parses,
    disk,
  );
  if (!options.defer) await verdict;
  const save = async (): Promise<void> => {
    disk?.save();
    // Inputs edited while normalize read them: the graph may not match either version.
    if (key && (await graphCacheKey(manifest)) === key) writeGraphCache(manifest, key, graph);
  };
  return { graph, hit: false, save, verdict };
}
