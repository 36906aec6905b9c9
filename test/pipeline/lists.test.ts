/**
 * indexLists: every well-formed RDF list gets positions, head links and membership; a malformed
 * one gets nothing, so no query ever sees half a list.
 */
import { Parser, Store } from 'n3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createQueryEngine, type QueryEngine } from '../../src/pipeline/extract/index.js';
import { GGEN, indexLists } from '../../src/pipeline/normalize/lists.js';

const PREFIXES = { ex: 'https://example.org/#', ggen: GGEN };
let engine: QueryEngine;
beforeAll(async () => {
  engine = await createQueryEngine(PREFIXES);
});

function storeOf(ttl: string): Store {
  const store = new Store();
  store.addQuads(
    new Parser().parse(
      `@prefix ex: <https://example.org/#> .\n@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n${ttl}`,
    ),
  );
  return store;
}

const ORDERED = `
  SELECT ?owner ?i ?item WHERE {
    ?owner ex:items ?list . ?cell ggen:inList ?list ; ggen:listIndex ?i ; rdf:first ?item .
  } ORDER BY ?owner ?i`;

async function rows(store: Store, text: string) {
  return (
    await engine.select(store, {
      text: `PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n${text}`,
      file: 'q.rq',
      line: 1,
    })
  ).rows;
}

describe('indexLists', () => {
  it('numbers the cells of every list from 1, in list order, and links each to its head', async () => {
    const store = storeOf(`ex:a ex:items (ex:z ex:y ex:x) . ex:b ex:items ("one" 2) . ex:c ex:items () .`);
    const added = indexLists(store);
    expect(added).toBe(5 * 3);
    expect((await rows(store, ORDERED)).map((r) => [r.owner_local, r.i, r.item_local ?? r.item])).toEqual([
      ['a', 1, 'z'],
      ['a', 2, 'y'],
      ['a', 3, 'x'],
      ['b', 1, 'one'],
      ['b', 2, 2],
    ]);
  });

  it('gives the same answer as an rdf:rest* walk for membership', async () => {
    const store = storeOf(`ex:a ex:items (ex:p ex:q ex:p) . ex:b ex:items (ex:r) .`);
    indexLists(store);
    const viaIndex = await rows(store, 'SELECT DISTINCT ?o ?m WHERE { ?o ex:items/ggen:member ?m } ORDER BY ?o ?m');
    const viaPath = await rows(
      store,
      'SELECT DISTINCT ?o ?m WHERE { ?o ex:items/rdf:rest*/rdf:first ?m } ORDER BY ?o ?m',
    );
    expect(viaIndex).toEqual(viaPath);
    expect(viaIndex.length).toBe(3);
  });

  it('indexes nested lists on their own', async () => {
    const store = storeOf(`ex:a ex:items ((ex:p ex:q) ex:r) .`);
    indexLists(store);
    const nested = await rows(
      store,
      'SELECT ?i ?m WHERE { ?o ex:items/rdf:first ?inner . ?c ggen:inList ?inner ; ggen:listIndex ?i ; rdf:first ?m } ORDER BY ?i',
    );
    expect(nested.map((r) => [r.i, r.m_local])).toEqual([
      [1, 'p'],
      [2, 'q'],
    ]);
  });

  it('leaves a list untouched when a cell lacks rdf:first or rdf:rest, has two, or the chain loops', async () => {
    const store = storeOf(`
      ex:noRest ex:items [ rdf:first ex:p ] .
      ex:twoFirsts ex:items [ rdf:first ex:p, ex:q ; rdf:rest rdf:nil ] .
      ex:loop ex:items _:l1 . _:l1 rdf:first ex:p ; rdf:rest _:l2 . _:l2 rdf:first ex:q ; rdf:rest _:l1 .
      ex:literalTail ex:items [ rdf:first ex:p ; rdf:rest "oops" ] .
      ex:shared1 ex:items _:s1 . _:s1 rdf:first ex:p ; rdf:rest _:s3 .
      ex:shared2 ex:items _:s2 . _:s2 rdf:first ex:q ; rdf:rest _:s3 .
      _:s3 rdf:first ex:r ; rdf:rest rdf:nil .
      ex:good ex:items (ex:p) .`);
    const before = store.size;
    expect(indexLists(store)).toBe(3);
    expect(store.size).toBe(before + 3);
    expect((await rows(store, ORDERED)).map((r) => r.owner_local)).toEqual(['good']);
  });

  it('adds nothing a second time', async () => {
    const store = storeOf(`ex:a ex:items (ex:p ex:q) .`);
    expect(indexLists(store)).toBe(6);
    expect(indexLists(store)).toBe(0);
  });
});
