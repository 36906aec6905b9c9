/**
 * The Oxigraph engine copies the n3 store into Oxigraph in several `load` calls (engine/oxigraph.ts):
 * triples without blank nodes in bounded chunks, every triple with one in a single call. The copy
 * must still be the same graph: every triple once, and each blank node one node across all the
 * triples that name it, also when its IRI neighbours were loaded in other chunks.
 */
import { DataFactory, Store } from 'n3';
import { describe, expect, it } from 'vitest';
import { createQueryEngine } from '../../src/pipeline/engine/index.js';

const EX = 'https://example.org/';
const { namedNode, blankNode, literal, quad } = DataFactory;

/** More IRI-only triples than one load chunk (50,000), and blank nodes linked to entities spread over all chunks. */
function bigStore(entities: number, blanks: number): Store {
  const store = new Store();
  for (let i = 0; i < entities; i++) {
    const e = namedNode(`${EX}e${i}`);
    store.addQuad(quad(e, namedNode(`${EX}code`), literal(`E${i}`)));
    store.addQuad(quad(e, namedNode(`${EX}next`), namedNode(`${EX}e${(i + 1) % entities}`)));
  }
  for (let j = 0; j < blanks; j++) {
    const b = blankNode(`n${j}`);
    const step = Math.floor(entities / blanks);
    store.addQuad(quad(namedNode(`${EX}e${j * step}`), namedNode(`${EX}has`), b));
    store.addQuad(quad(b, namedNode(`${EX}name`), literal(`node ${j}`)));
    store.addQuad(quad(b, namedNode(`${EX}peer`), blankNode(`n${(j + 1) % blanks}`)));
  }
  return store;
}

describe('oxigraph load', () => {
  it('copies a graph larger than one load chunk whole, each blank node one node', async () => {
    const entities = 30_000;
    const blanks = 40;
    const store = bigStore(entities, blanks);
    expect(store.size).toBe(2 * entities + 3 * blanks);
    const engine = await createQueryEngine({}, 'oxigraph');
    const count = await engine.select(store, {
      text: 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } ORDER BY ?n',
      file: 'count.rq',
      line: 1,
    });
    expect(count.rows).toEqual([{ n: store.size }]);
    // Owner -> node -> peer -> peer's owner: joins through blank nodes across the whole graph.
    const rows = await engine.select(store, {
      text: `PREFIX ex: <${EX}>\nSELECT ?owner ?name ?peerName ?peerOwner WHERE { ?owner ex:has ?b . ?b ex:name ?name ; ex:peer ?p . ?p ex:name ?peerName . ?peerOwner ex:has ?p } ORDER BY ?owner`,
      file: 'peers.rq',
      line: 1,
    });
    expect(rows.rows).toHaveLength(blanks);
    const step = Math.floor(entities / blanks);
    const expected = Array.from({ length: blanks }, (_, j) => ({
      owner: `${EX}e${j * step}`,
      name: `node ${j}`,
      peerName: `node ${(j + 1) % blanks}`,
      peerOwner: `${EX}e${((j + 1) % blanks) * step}`,
    })).sort((a, b) => (a.owner < b.owner ? -1 : 1));
    expect(rows.rows.map(({ owner, name, peerName, peerOwner }) => ({ owner, name, peerName, peerOwner }))).toEqual(
      expected,
    );
    // Rows name blank nodes by the store's own labels.
    const labels = await engine.select(store, {
      text: `PREFIX ex: <${EX}>\nSELECT ?b WHERE { ?b ex:name ?name } ORDER BY ?name`,
      file: 'labels.rq',
      line: 1,
    });
    expect(new Set(labels.rows.map((r) => String(r.b)))).toEqual(
      new Set(Array.from({ length: blanks }, (_, j) => `_:n${j}`)),
    );
  });
});
