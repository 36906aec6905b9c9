/**
 * The Oxigraph engine brings its last copy in step with the next store in place when they differ a
 * little (engine/oxigraph.ts `update`, the `sync --watch` edit loop). The updated copy must answer
 * exactly as a fresh copy of the new store does: every triple, every value (escapes, language
 * tags, datatypes), blank nodes under the new store's labels, kept, renamed (after the canonical
 * relabelling) and new ones alike.
 */
import { DataFactory, Parser, Store, type Quad } from 'n3';
import { describe, expect, it, vi } from 'vitest';
import { createQueryEngine } from '../../src/pipeline/engine/index.js';
import { canonicalDigest, relabelBlankNodes } from '../../src/pipeline/normalize/digest.js';

const { namedNode, literal, quad } = DataFactory;
const EX = 'https://example.org/';

const BASE = `
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:name "quote \\" back \\\\ slash\\nnew line" ; ex:label "étiquette"@fr ; ex:count 3 ;
  ex:has _:k1 , _:k2 ; ex:list ( ex:x "y" 1.5 ) .
_:k1 ex:name "first" ; ex:next _:k2 .
_:k2 ex:name "second" ; ex:when "2026-12-07"^^xsd:date .
<https://example.org/odd%20iri?q=1#frag> ex:name "odd" .
`;
const FILLER = Array.from({ length: 60 }, (_, i) => `ex:e${i} ex:name "e${i}" ; ex:has [ ex:rank ${i} ] .`).join('\n');

/** The quads both stores start from: one parse, so their blank nodes have the same labels (as parse-cache.ts hands them over). */
const START = new Parser({ blankNodePrefix: 'p_' }).parse(`${BASE}\n${FILLER}`);

function parse(ttl: string): Quad[] {
  return [...START, ...new Parser({ blankNodePrefix: 'p_' }).parse(`@prefix ex: <https://example.org/> .\n${ttl}`)];
}

const ALL = {
  text: 'SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o',
  file: 'all.rq',
  line: 1,
};

/** Rows with blank nodes as they are: the labels of the store each engine was asked about. */
async function rows(engine: Awaited<ReturnType<typeof createQueryEngine>>, store: Store) {
  const r = await engine.select(store, ALL);
  return r.rows.map((row) => JSON.stringify(row)).sort();
}

function loads(engine: object): { count: () => number } {
  const spy = vi.spyOn(engine as { load: () => unknown }, 'load');
  return { count: () => spy.mock.calls.length };
}

describe('oxigraph: the next store updates the last copy in place', () => {
  it('answers as a fresh copy after triples are removed and added, with kept and new blank nodes', async () => {
    const engine = await createQueryEngine({}, 'oxigraph');
    const loaded = loads(engine);
    const first = new Store(parse(''));
    expect(await rows(engine, first)).toHaveLength(first.size);

    // The next store: the same quads (blank node labels too) but one value changed, one triple
    // gone, one new IRI triple, one new triple on a kept blank node, a new blank node linked to a
    // kept one, and a mixed triple.
    const next = new Store(parse('_:k3 ex:name "third" ; ex:next _:k1 .'));
    next.removeQuads(next.getQuads(namedNode(`${EX}a`), namedNode(`${EX}count`), null, null));
    next.addQuad(
      quad(
        namedNode(`${EX}a`),
        namedNode(`${EX}count`),
        literal('4', namedNode('http://www.w3.org/2001/XMLSchema#integer')),
      ),
    );
    next.removeQuads(next.getQuads(namedNode(`${EX}a`), namedNode(`${EX}label`), null, null));
    next.addQuad(quad(namedNode(`${EX}b`), namedNode(`${EX}name`), literal('new')));
    next.addQuad(quad(DataFactory.blankNode('p_k2'), namedNode(`${EX}tag`), literal('kept', 'en')));

    const got = await rows(engine, next);
    expect(loaded.count()).toBe(1);
    const fresh = await createQueryEngine({}, 'oxigraph');
    expect(got).toEqual(await rows(fresh, next));
    expect(got).toHaveLength(next.size);
    // The first store's copy moved on: asking about it again updates the copy back (the new blank
    // node and its triples go), still without a load.
    expect(await rows(engine, first)).toEqual(await rows(fresh, first));
    expect(loaded.count()).toBe(1);
  });

  it('matches blank nodes by their labels as parsed, after the last store was relabelled', async () => {
    const engine = await createQueryEngine({}, 'oxigraph');
    const loaded = loads(engine);
    const first = new Store(parse(''));
    await rows(engine, first);
    const quads = [...first.readQuads(null, null, null, null)] as Quad[];
    const { blankNodeLabels } = await canonicalDigest(quads);
    expect(blankNodeLabels.size).toBeGreaterThan(0);
    await relabelBlankNodes(first, quads, blankNodeLabels);
    engine.relabelled(first, blankNodeLabels);
    const relabelled = await rows(engine, first);
    expect(relabelled.some((r) => r.includes('c14n'))).toBe(true);

    // The next run's store has the parsed labels again, and one more triple.
    const next = new Store(parse(''));
    next.addQuad(quad(DataFactory.blankNode('p_k1'), namedNode(`${EX}rank`), literal('1')));
    const got = await rows(engine, next);
    expect(loaded.count()).toBe(1);
    expect(got).toEqual(await rows(await createQueryEngine({}, 'oxigraph'), next));
    expect(got.some((r) => r.includes('c14n'))).toBe(false);
  });

  it('updates the last copy for a store relabelled before its first query (inference from its cache)', async () => {
    const engine = await createQueryEngine({}, 'oxigraph');
    const loaded = loads(engine);
    const relabel = async (store: Store) => {
      const quads = [...store.readQuads(null, null, null, null)] as Quad[];
      const { blankNodeLabels } = await canonicalDigest(quads);
      await relabelBlankNodes(store, quads, blankNodeLabels);
      engine.relabelled(store, blankNodeLabels);
    };
    const first = new Store(parse(''));
    await rows(engine, first);
    await relabel(first);
    // The next run queries its store only once it has its canonical labels.
    const next = new Store(parse(''));
    next.addQuad(quad(DataFactory.blankNode('p_k1'), namedNode(`${EX}rank`), literal('1')));
    await relabel(next);
    const got = await rows(engine, next);
    expect(loaded.count()).toBe(1);
    expect(got).toEqual(await rows(await createQueryEngine({}, 'oxigraph'), next));
    expect(got.some((r) => r.includes('c14n'))).toBe(true);
    // And the run after it, queried at its parsed labels, still finds the copy's blank nodes.
    const third = new Store(parse(''));
    third.addQuad(quad(DataFactory.blankNode('p_k2'), namedNode(`${EX}rank`), literal('2')));
    const after = await rows(engine, third);
    expect(loaded.count()).toBe(1);
    expect(after).toEqual(await rows(await createQueryEngine({}, 'oxigraph'), third));
  });

  it("in a session, updates the copy of a first store relabelled before it had one (a watch session's warm-up)", async () => {
    const relabel = async (engine: Awaited<ReturnType<typeof createQueryEngine>>, store: Store) => {
      const quads = [...store.readQuads(null, null, null, null)] as Quad[];
      const { blankNodeLabels } = await canonicalDigest(quads);
      await relabelBlankNodes(store, quads, blankNodeLabels);
      engine.relabelled(store, blankNodeLabels);
    };
    for (const held of [true, false]) {
      const engine = await createQueryEngine({}, 'oxigraph');
      if (held) engine.heldBySession();
      const loaded = loads(engine);
      // The first store the engine ever sees is relabelled, then its copy made (QueryEngine.warm).
      const first = new Store(parse(''));
      await relabel(engine, first);
      await engine.warm(first);
      expect(loaded.count()).toBe(1);
      // The next store comes with the parsed labels, and one triple more on a kept blank node.
      const next = new Store(parse(''));
      next.addQuad(quad(DataFactory.blankNode('p_k1'), namedNode(`${EX}rank`), literal('1')));
      const got = await rows(engine, next);
      expect(got).toEqual(await rows(await createQueryEngine({}, 'oxigraph'), next));
      // Held by a session, the copy was updated; else the first store's parsed labels were not kept, and it loaded again.
      expect(loaded.count()).toBe(held ? 1 : 2);
    }
  });

  it('loads afresh when the next store shares little with the last one', async () => {
    const engine = await createQueryEngine({}, 'oxigraph');
    const loaded = loads(engine);
    await rows(engine, new Store(parse('')));
    const other = new Store(new Parser().parse('<https://example.org/z> <https://example.org/p> "z" .'));
    expect(await rows(engine, other)).toEqual(await rows(await createQueryEngine({}, 'oxigraph'), other));
    expect(loaded.count()).toBe(2);
  });

  it("loads a much smaller next store afresh without listing the last copy's lines", async () => {
    const engine = await createQueryEngine({}, 'oxigraph');
    const loaded = loads(engine);
    const listed = vi.spyOn(engine as unknown as { contentOf: () => unknown }, 'contentOf');
    const whole = new Store(parse(''));
    await rows(engine, whole);
    // A third of it (as a missed query's part of the graph): the sizes alone rule out an update.
    const part = new Store(whole.getQuads(null, null, null, null).slice(0, Math.floor(whole.size / 3)));
    expect(await rows(engine, part)).toEqual(await rows(await createQueryEngine({}, 'oxigraph'), part));
    expect(loaded.count()).toBe(2);
    expect(listed).not.toHaveBeenCalled();
    // Back to a store near its size: updated in place from the part's copy, as before.
    const most = new Store(whole.getQuads(null, null, null, null).slice(0, Math.floor(whole.size / 3) + 2));
    expect(await rows(engine, most)).toEqual(await rows(await createQueryEngine({}, 'oxigraph'), most));
    expect(loaded.count()).toBe(2);
    expect(listed).toHaveBeenCalled();
  });
});
