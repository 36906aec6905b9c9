import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import { createQueryEngine, type QueryEngine } from '../../src/pipeline/extract/engine.js';
import { loadManifest } from '../../src/pipeline/manifest/index.js';
import {
  type EntityIndexInternals,
  GRAPH_CACHE_FILE,
  graphCacheKey,
  indexQuadIds,
  normalizeCached,
  readQuadIds,
  readGraphCache,
  subjectsOfType,
} from '../../src/pipeline/normalize/cache.js';
import { normalize, validateProject } from '../../src/pipeline/normalize/index.js';
import type { NormalizedGraph } from '../../src/pipeline/types.js';
import { BASIC } from '../fixtures/pipeline-front/project.js';

let engine: QueryEngine;
const roots: string[] = [];
beforeAll(async () => {
  engine = await createQueryEngine({ otp: 'https://ggen.dev/otp#', ex: 'https://example.org/app#' });
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function copyOfBasic(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ggen-cache-'));
  roots.push(root);
  cpSync(BASIC, root, { recursive: true });
  return root;
}

const load = (root: string) => loadManifest(path.join(root, 'ggen.toml'));
const quadsOf = (g: NormalizedGraph) =>
  g.store
    .getQuads(null, null, null, null)
    .map((q) => `${q.subject.termType}:${q.subject.value} ${q.predicate.value} ${q.object.termType}:${q.object.value}`);
// No ORDER BY key separates the rows: their order is the store's iteration order.
const ALL = { text: 'SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?p', file: '<test>', line: 1 };

/** A copy of the basic project after one saved run: its manifest, graph cache key, file and the file's text. */
async function savedEntry() {
  const root = copyOfBasic();
  await (await normalizeCached(await load(root), engine)).save();
  const manifest = await load(root);
  const key = (await graphCacheKey(manifest))!;
  const file = path.join(root, GRAPH_CACHE_FILE);
  return { manifest, key, file, good: readFileSync(file, 'utf8') };
}

describe('graph cache', () => {
  it("writes the quads read off n3's index exactly as read through readQuads, and reads them through it when the index is not as expected", async () => {
    const repo = path.resolve(import.meta.dirname, '../..');
    for (const graph of [await normalize(await load(BASIC), engine), await normalize(await load(repo), engine)]) {
      const internals = (graph.store as unknown as { _entityIndex: EntityIndexInternals })._entityIndex;
      const read = readQuadIds(graph.store, internals);
      expect(read?.length).toBe(graph.tripleCount * 4);
      expect(indexQuadIds(graph.store, internals)).toEqual(read);
    }
    const graph = await normalize(await load(BASIC), engine);
    const internals = (graph.store as unknown as { _entityIndex: EntityIndexInternals })._entityIndex;
    const store = graph.store as unknown as { _graphs: Record<string, { subjects: Record<string, unknown> }> };
    // An id with no entity, no index at all: never a wrong entry (the store is put back whatever happens).
    const subjects = store._graphs['1']!.subjects;
    const [first] = Object.keys(subjects);
    const kept = subjects[first!];
    const { _graphs: graphs } = store;
    try {
      subjects[first!] = { 999999: { 1: null } };
      expect(indexQuadIds(graph.store, internals)).toBeUndefined();
      subjects[first!] = kept;
      expect(indexQuadIds(graph.store, internals)).toEqual(readQuadIds(graph.store, internals));
      (store as { _graphs: unknown })._graphs = undefined;
      expect(indexQuadIds(graph.store, internals)).toBeUndefined();
    } finally {
      subjects[first!] = kept;
      store._graphs = graphs;
    }
  });

  it('answers an unchanged project with the same graph, in the same order, after a saved run', async () => {
    const root = copyOfBasic();
    const first = await normalizeCached(await load(root), engine);
    expect(first.hit).toBe(false);
    await first.save();

    const second = await normalizeCached(await load(root), engine);
    expect(second.hit).toBe(true);
    const cold = await normalize(await load(root), engine);
    const { store: _a, ...coldMeta } = cold;
    const { store: _b, ...hitMeta } = second.graph;
    expect(hitMeta).toEqual(coldMeta);
    expect(quadsOf(second.graph)).toEqual(quadsOf(first.graph));
    expect(quadsOf(second.graph).some((q) => q.startsWith('BlankNode:'))).toBe(true);
    expect((await engine.select(second.graph.store, ALL)).rows).toEqual(
      (await engine.select(first.graph.store, ALL)).rows,
    );
  });

  it('misses when a spec, a rule or the manifest changes, and is not written before save', async () => {
    const root = copyOfBasic();
    const miss = await normalizeCached(await load(root), engine);
    expect(() => readFileSync(path.join(root, GRAPH_CACHE_FILE))).toThrow();
    await miss.save();
    const key = await graphCacheKey(await load(root));

    const spec = path.join(root, 'specs/app.ttl');
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\n# a comment changes the bytes\n`);
    expect(await graphCacheKey(await load(root))).not.toBe(key);
    expect((await normalizeCached(await load(root), engine)).hit).toBe(false);

    const rule = path.join(root, 'queries/inference/children.rq');
    const before = await graphCacheKey(await load(root));
    writeFileSync(rule, `${readFileSync(rule, 'utf8')}\n`);
    expect(await graphCacheKey(await load(root))).not.toBe(before);

    const toml = path.join(root, 'ggen.toml');
    const beforeToml = await graphCacheKey(await load(root));
    writeFileSync(toml, readFileSync(toml, 'utf8').replace(/max_rounds = \d+/, 'max_rounds = 7'));
    expect(await graphCacheKey(await load(root))).not.toBe(beforeToml);
  });

  it('treats an unreadable or foreign cache file as a miss', async () => {
    const root = copyOfBasic();
    const first = await normalizeCached(await load(root), engine);
    await first.save();
    const file = path.join(root, GRAPH_CACHE_FILE);
    // What a crash can leave of a file written without fsync (writeAtomic durable: false): empty, or cut short.
    const saved = readFileSync(file, 'utf8');
    expect((await normalizeCached(await load(root), engine)).hit).toBe(true);
    for (const partial of ['', saved.slice(0, saved.length >> 1), saved.slice(0, -1)]) {
      writeFileSync(file, partial);
      expect((await normalizeCached(await load(root), engine)).hit).toBe(false);
    }
    writeFileSync(file, '{"format":1,"key":"');
    expect((await normalizeCached(await load(root), engine)).hit).toBe(false);
    writeFileSync(file, JSON.stringify({ format: 1, key: 'other' }));
    expect((await normalizeCached(await load(root), engine)).hit).toBe(false);
  });

  it('never stores a graph that fails validation', async () => {
    const root = copyOfBasic();
    writeFileSync(
      path.join(root, 'specs/app.ttl'),
      `${readFileSync(path.join(root, 'specs/app.ttl'), 'utf8')}\nex:bad a otp:Worker .\n`,
    );
    await expect(normalizeCached(await load(root), engine)).rejects.toBeInstanceOf(InputError);
    expect(() => readFileSync(path.join(root, GRAPH_CACHE_FILE))).toThrow();
  });
});

describe('graph cache on request', () => {
  it('recomputes with read: false and refreshes the entry', async () => {
    const root = copyOfBasic();
    await (await normalizeCached(await load(root), engine)).save();
    const file = path.join(root, GRAPH_CACHE_FILE);
    writeFileSync(file, '{}');
    const r = await normalizeCached(await load(root), engine, { read: false });
    expect(r.hit).toBe(false);
    await r.save();
    expect((await normalizeCached(await load(root), engine)).hit).toBe(true);
  });
});

describe('ggen validate and the graph cache', () => {
  it('answers unchanged inputs from the cache with the verdict a full run reaches', async () => {
    const root = copyOfBasic();
    const cold = await validateProject(await load(root), engine, { cache: true });
    expect(cold.cached).toBe(false);
    expect(cold.ok).toBe(true);
    // validate only reads the cache: nothing was stored by the run above.
    expect(() => readFileSync(path.join(root, GRAPH_CACHE_FILE))).toThrow();
    await (await normalizeCached(await load(root), engine)).save();

    const hit = await validateProject(await load(root), engine, { cache: true });
    expect(hit.cached).toBe(true);
    expect({ ...hit, cached: false }).toEqual(cold);
    // Without the option the cache is not consulted.
    expect((await validateProject(await load(root), engine)).cached).toBe(false);
  });

  it('validates an edited spec for real, violations included, and treats a corrupt cache as a miss', async () => {
    const root = copyOfBasic();
    await (await normalizeCached(await load(root), engine)).save();
    const spec = path.join(root, 'specs/app.ttl');
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:bad a otp:Worker .\n`);
    const edited = await validateProject(await load(root), engine, { cache: true });
    expect(edited.cached).toBe(false);
    expect(edited.ok).toBe(false);
    expect(edited.violations.length).toBeGreaterThan(0);

    writeFileSync(spec, readFileSync(spec, 'utf8').replace('\nex:bad a otp:Worker .\n', ''));
    const file = path.join(root, GRAPH_CACHE_FILE);
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { quads: number[] };
    // A truncated quad list no longer matches the triple count it claims: a miss, not a verdict.
    writeFileSync(file, JSON.stringify({ ...entry, quads: entry.quads.slice(4) }));
    const r = await validateProject(await load(root), engine, { cache: true });
    expect(r.cached).toBe(false);
    expect(r.ok).toBe(true);
  });
});

describe('graph cache: the store is built on first use', () => {
  const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';

  it('gives the metadata at once, builds the same store on first access, and answers rdf:type without building it', async () => {
    const root = copyOfBasic();
    const first = await normalizeCached(await load(root), engine);
    await first.save();
    const manifest = await load(root);
    const hit = readGraphCache(manifest, (await graphCacheKey(manifest))!)!;
    expect(hit).toBeDefined();
    const { store: _s, ...coldMeta } = first.graph;
    const meta = Object.fromEntries(Object.keys(coldMeta).map((k) => [k, hit[k as keyof NormalizedGraph]]));
    expect(meta).toEqual(coldMeta);

    // The subjects of each class the spec uses, from the entry: as the cold store answers them.
    const classes = [...new Set(first.graph.store.getObjects(null, RDF_TYPE, null).map((o) => o.value))];
    expect(classes.length).toBeGreaterThan(3);
    const lazyView = subjectsOfType(readGraphCache(manifest, (await graphCacheKey(manifest))!)!);
    for (const cls of classes) {
      const want = first.graph.store
        .getSubjects(RDF_TYPE, cls, null)
        .map((t) => `${t.termType}:${t.value}`)
        .sort();
      const got = lazyView
        .getSubjects(RDF_TYPE, cls, null)
        .map((t) => `${t.termType}:${t.value}`)
        .sort();
      expect(got).toEqual(want);
    }

    // The view was not the store (which did not exist yet when it was asked for).
    const fresh = readGraphCache(manifest, (await graphCacheKey(manifest))!)!;
    const freshView = subjectsOfType(fresh);
    expect(freshView).not.toBe(fresh.store);

    // First access builds the store: same quads, same order, as the run that saved it.
    expect(quadsOf(hit)).toEqual(quadsOf(first.graph));
    expect(hit.store).toBe(hit.store);
    // Once built, the store itself answers.
    expect(subjectsOfType(hit)).toBe(hit.store);
  });

  it('treats a malformed entry as a miss: duplicate or dangling quads, a wrong count, bad metadata', async () => {
    const { manifest, key, file, good } = await savedEntry();
    const entry = JSON.parse(good) as {
      nextId: number;
      quads: number[];
      ids: Record<string, number>;
      graph: Record<string, unknown>;
    };
    expect(readGraphCache(manifest, key)).toBeDefined();
    const variants: Array<[string, unknown]> = [
      // The first quad twice, the last left out: the count still matches, the store would not.
      ['duplicate quad', { ...entry, quads: [...entry.quads.slice(0, 4), ...entry.quads.slice(0, -4)] }],
      ['an id no entity has', { ...entry, quads: [entry.nextId + 1, ...entry.quads.slice(1)] }],
      ['a count that does not match', { ...entry, graph: { ...entry.graph, tripleCount: entry.quads.length / 4 + 1 } }],
      ['a partial quad', { ...entry, quads: entry.quads.slice(0, -1) }],
      ['a fractional quad id', { ...entry, quads: [0.5, ...entry.quads.slice(1)] }],
      ['a quad id that is not a number', { ...entry, quads: ['1', ...entry.quads.slice(1)] }],
      ['an entity id past nextId', { ...entry, ids: { ...entry.ids, 'urn:x': entry.nextId + 5 } }],
      ['two entities with one id', { ...entry, ids: { ...entry.ids, 'urn:x': entry.quads[0] } }],
      ['a digest that is not a string', { ...entry, graph: { ...entry.graph, digest: 7 } }],
      ['spec files that are not strings', { ...entry, graph: { ...entry.graph, specFiles: [1] } }],
      ['mentions that are not an object', { ...entry, graph: { ...entry.graph, mentions: 'x' } }],
      ['no graph', { ...entry, graph: null }],
      ['not an object', [entry]],
      ['null', null],
    ];
    for (const [why, v] of variants) {
      writeFileSync(file, JSON.stringify(v));
      expect(readGraphCache(manifest, key), why).toBeUndefined();
      expect((await normalizeCached(manifest, engine)).hit, why).toBe(false);
    }
    writeFileSync(file, good);
    expect((await normalizeCached(manifest, engine)).hit).toBe(true);
  });

  it('misses an entry of another key without parsing its graph, and an entry not laid out as it writes them', async () => {
    const { manifest, key, file, good } = await savedEntry();
    expect(good.startsWith(`{"format":1,"key":"${key}",`)).toBe(true);
    // The last run's entry (a spec edit since): a miss, and the file's text is never parsed.
    const other = good.replace(key, 'f'.repeat(64));
    writeFileSync(file, other);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(readGraphCache(manifest, key)).toBeUndefined();
      expect(parse.mock.calls.filter(([text]) => text === other)).toEqual([]);
    } finally {
      parse.mockRestore();
    }
    // This key's entry, with the key elsewhere than first after the format, or spaced out: a miss.
    const entry = JSON.parse(good) as Record<string, unknown>;
    const { format, key: own, ...rest } = entry;
    for (const moved of [JSON.stringify({ key: own, format, ...rest }), JSON.stringify(entry, null, 1)]) {
      writeFileSync(file, moved);
      expect(readGraphCache(manifest, key)).toBeUndefined();
    }
    writeFileSync(file, good);
    expect(readGraphCache(manifest, key)).toBeDefined();
  });
});
