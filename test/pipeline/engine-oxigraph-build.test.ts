/**
 * Which build of the `oxigraph` package the engine runs (engine/oxigraph.ts loadOxigraph): its
 * `web` build, instantiated from a module compiled off the main thread, where this Node loads it;
 * else the package's Node entry, as before. Both must answer the same: rows, CONSTRUCT results and
 * blank nodes of the same graph.
 */
import { DataFactory, Store } from 'n3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QueryEngine } from '../../src/pipeline/engine/index.js';

const EX = 'https://example.org/';
const { namedNode, blankNode, literal, quad } = DataFactory;

function graph(): Store {
  const store = new Store();
  for (let i = 0; i < 40; i++) {
    const e = namedNode(`${EX}e${i}`);
    store.addQuad(quad(e, namedNode(`${EX}code`), literal(`E${i % 7}`)));
    store.addQuad(quad(e, namedNode(`${EX}label`), literal(`entity ${i}`, 'en')));
    store.addQuad(quad(e, namedNode(`${EX}part`), blankNode(`b${i % 5}`)));
  }
  for (let j = 0; j < 5; j++) store.addQuad(quad(blankNode(`b${j}`), namedNode(`${EX}size`), literal(String(j))));
  return store;
}

const q = (text: string) => ({ text: `PREFIX ex: <${EX}>\n${text}`, file: 'q.rq', line: 1 });

/** Everything a run asks of the engine on `graph()`, as plain data. */
async function answers(engine: QueryEngine) {
  const store = graph();
  const rows = await engine.select(
    store,
    q(
      'SELECT ?e ?code ?label ?part ?size WHERE { ?e ex:code ?code ; ex:label ?label ; ex:part ?part . ?part ex:size ?size } ORDER BY ?code',
    ),
  );
  const built = await engine.construct(store, q('CONSTRUCT { ?part ex:of ?e } WHERE { ?e ex:part ?part }'));
  const ask = await engine.ask(store, q('ASK { ?e ex:code "E3" }'));
  return {
    rows: rows.rows,
    built: built.map((x) => `${x.subject.value} ${x.predicate.value} ${x.object.value}`),
    ask,
  };
}

/** A fresh copy of the engine modules (loadOxigraph keeps the package it loaded per module instance). */
async function fresh() {
  vi.resetModules();
  const oxigraph = await import('../../src/pipeline/engine/oxigraph.js');
  const { createQueryEngine } = await import('../../src/pipeline/engine/index.js');
  return { oxigraph, engine: await createQueryEngine({}, 'oxigraph') };
}

afterEach(() => {
  vi.doUnmock('oxigraph/web.js');
  vi.resetModules();
});

describe('the oxigraph build the engine runs', () => {
  it("is the package's web build, instantiated from a module compiled ahead (this Node loads it)", async () => {
    const { oxigraph, engine } = await fresh();
    const ox = (await oxigraph.loadOxigraph(10)) as unknown as { initSync?: unknown; Store: unknown };
    expect(typeof ox.initSync).toBe('function');
    const a = await answers(engine);
    expect(a.rows.length).toBe(40);
    expect(a.built.length).toBe(40);
    expect(a.ask).toBe(true);
  });

  it('falls back to the Node entry when the web build cannot be loaded, and answers the same', async () => {
    const web = await answers((await fresh()).engine);
    vi.doMock('oxigraph/web.js', () => {
      throw new SyntaxError("Unexpected token 'export'");
    });
    const { oxigraph, engine } = await fresh();
    const ox = (await oxigraph.loadOxigraph(10)) as unknown as { initSync?: unknown };
    expect(ox.initSync).toBeUndefined();
    expect(await answers(engine)).toEqual(web);
  });
});
