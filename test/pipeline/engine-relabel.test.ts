/**
 * normalize renames the store's blank nodes to their canonical labels after inference; the
 * Oxigraph engine renames its copy's labels instead of reloading the graph (engine.relabelled).
 * Both engines must then name every blank node by its new label, in SELECT rows, CONSTRUCT
 * results and SHACL focus nodes alike.
 */
import { Parser, Store } from 'n3';
import { describe, expect, it } from 'vitest';
import { createQueryEngine } from '../../src/pipeline/engine/index.js';
import { canonicalDigest, relabelBlankNodes } from '../../src/pipeline/normalize/digest.js';
import type { Quad } from 'n3';

const TTL = `
@prefix ex: <https://example.org/> .
ex:a ex:has [ ex:name "first" ] , [ ex:name "second" ] .
ex:b ex:has [ ex:name "third" ; ex:next [ ex:name "fourth" ] ] .
`;

const SELECT = {
  text: 'PREFIX ex: <https://example.org/>\nSELECT ?owner ?node ?name WHERE { ?owner ex:has ?node . ?node ex:name ?name } ORDER BY ?name',
  file: 'select.rq',
  line: 1,
};
const CONSTRUCT = {
  text: 'PREFIX ex: <https://example.org/>\nCONSTRUCT { ?n ex:label ?name } WHERE { ?n ex:name ?name }',
  file: 'construct.rq',
  line: 1,
};

function storeOf(): Store {
  const store = new Store();
  store.addQuads(new Parser().parse(TTL));
  return store;
}

describe.each(['oxigraph', 'comunica'] as const)('%s after the canonical relabelling', (name) => {
  it('names blank nodes by their new labels in rows, CONSTRUCT results and SHACL queries', async () => {
    const engine = await createQueryEngine({}, name);
    const store = storeOf();
    // The engine has seen the store before the relabelling (Oxigraph builds its copy here).
    const before = await engine.select(store, SELECT);
    const oldLabels = before.rows.map((r) => String(r.node));

    const quads = [...store.readQuads(null, null, null, null)] as Quad[];
    const { blankNodeLabels } = await canonicalDigest(quads);
    expect(blankNodeLabels.size).toBe(4);
    await relabelBlankNodes(store, quads, blankNodeLabels);
    engine.relabelled(store, blankNodeLabels);

    const after = await engine.select(store, SELECT);
    expect(after.rows.map((r) => r.name)).toEqual(['first', 'second', 'third']);
    // Every node now carries the label the store gives it, and none keeps its parsed label.
    const storeBlanks = new Set(
      [...store.readQuads(null, null, null, null)].flatMap((q) =>
        [q.subject, q.object].filter((t) => t.termType === 'BlankNode').map((t) => t.value),
      ),
    );
    for (const row of after.rows) {
      const label = String(row.node).replace(/^_:/, '');
      expect(storeBlanks.has(label)).toBe(true);
      expect(label).toMatch(/^c14n\d+$/);
    }
    expect(after.rows.map((r) => String(r.node))).not.toEqual(oldLabels);

    // CONSTRUCT results name the same nodes as the store: adding them links to existing nodes.
    const constructed = await engine.construct(store, CONSTRUCT);
    expect(constructed).toHaveLength(4);
    for (const q of constructed) expect(store.countQuads(q.subject, null, null, null)).toBeGreaterThan(0);

    // A SHACL-style query pre-bound to a blank focus node finds that node under its new label.
    const focus = [...store.readQuads(null, null, null, null)].find(
      (q) => q.object.termType === 'Literal' && q.object.value === 'fourth',
    )!.subject;
    const rows = await engine.selectTerms(
      store,
      'PREFIX ex: <https://example.org/>\nSELECT $this ?name WHERE { $this ex:name ?name }',
      { this: focus as never },
    );
    expect(rows.map((r) => r.get('name')?.value)).toEqual(['fourth']);
  });
});
