/**
 * SHACL validation split in two (normalize/shacl.ts): the shapes that need the query engine run in
 * the main thread, the core-only rest on shacl-core.ts (a worker when compiled; here, from sources,
 * in this thread). The split must report exactly what one shacl-engine run over all shapes reports,
 * result for result and in the same order: checked on every W3C SHACL test graph (core and SPARQL)
 * and on a graph where core and SPARQL shapes share nested shapes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as N3 from 'n3';
import { DataFactory, Parser, Store, termToId } from 'n3';
import { Validator } from 'shacl-engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { createQueryEngine, type QueryEngine } from '../../src/pipeline/engine/index.js';
import { SourceIndex } from '../../src/pipeline/normalize/positions.js';
import { checkShapesSparql, sparqlPlugins } from '../../src/pipeline/normalize/shacl-sparql.js';
import {
  partitionShapes,
  reportOutcome,
  startShaclResults,
  validateShacl,
  type ShaclInput,
  type ShaclResult,
} from '../../src/pipeline/normalize/shacl.js';
import { decodeStore, encodeStore } from '../../src/pipeline/normalize/shacl-core.js';
import { W3C_SHACL_SUITE, ttlFiles } from '../support/w3c-shacl.js';

const SUITE = W3C_SHACL_SUITE;

const parse = (text: string, base = 'urn:test:') => new Store(new Parser({ baseIRI: base }).parse(text));

function input(data: Store, shapes: Store, engine: QueryEngine): ShaclInput {
  return {
    data,
    shapes,
    prefixes: {},
    positions: new SourceIndex(),
    shapePositions: new SourceIndex(),
    shapesFile: 'shapes.ttl',
    engine,
  };
}

/** What a result says, as plain data (terms as n3 ids). */
function plain(r: ShaclResult) {
  const id = (t: { termType: string; value: string } | undefined) => (t ? termToId(t as never) : undefined);
  return {
    focus: id(r.focusNode?.term),
    path: (r.path ?? []).map((s) => ({ start: s.start, quantifier: s.quantifier, p: (s.predicates ?? []).map(id) })),
    message: (r.message ?? []).map((m) => m.value),
    severity: id(r.severity),
    component: id(r.constraintComponent),
    value: id(r.value?.term),
    shape: id(r.shape?.ptr?.term),
  };
}

/** The reference: one shacl-engine run over every shape (what ggen did before the split). */
async function oneRun(inp: ShaclInput): Promise<ShaclResult[]> {
  await checkShapesSparql(inp.shapes as never, inp.engine, {});
  const factory = {
    ...DataFactory,
    dataset: (quads?: Iterable<unknown>) => new Store(quads ? ([...quads] as never) : undefined),
  };
  const validator = new Validator(inp.shapes, { factory, ...sparqlPlugins(inp.engine, {}) } as never);
  return (await validator.validate({ dataset: inp.data })).results as ShaclResult[];
}

let engine: QueryEngine;
beforeAll(async () => {
  engine = await createQueryEngine({}, 'oxigraph');
});

describe('split SHACL validation', () => {
  it('reports what one run reports, in its order, on every W3C test graph', async () => {
    let compared = 0;
    let nonEmpty = 0;
    let refused = 0;
    for (const file of ttlFiles(SUITE).sort()) {
      const text = readFileSync(file, 'utf8');
      if (!/sh:|shacl#/.test(text)) continue;
      let graph: Store;
      try {
        graph = parse(text, pathToFileURL(file).href);
      } catch {
        continue;
      }
      const inp = input(graph, graph, engine);
      let reference: ShaclResult[];
      try {
        reference = await oneRun(inp);
      } catch (err) {
        // Refused (unsupported SHACL-SPARQL): the split refuses it with the same error.
        await expect(startShaclResults(inp).then((f) => f())).rejects.toThrow((err as Error).message);
        refused++;
        continue;
      }
      const split = await (await startShaclResults(inp))();
      expect(split.map(plain), path.relative(SUITE, file)).toEqual(reference.map(plain));
      expect(reportOutcome(inp, split), path.relative(SUITE, file)).toEqual(reportOutcome(inp, reference));
      // With no worker (split: false, the default run), every shape validates in one run here.
      const whole = await (await startShaclResults({ ...inp, split: false }))();
      expect(whole.map(plain), path.relative(SUITE, file)).toEqual(reference.map(plain));
      compared++;
      if (reference.length > 0) nonEmpty++;
    }
    expect(compared).toBeGreaterThan(90);
    expect(nonEmpty).toBeGreaterThan(60);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);

  const SHARED = `
    @prefix sh: <http://www.w3.org/ns/shacl#> .
    @prefix ex: <urn:ex:> .
    ex:Named a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 .
    ex:CoreA a sh:NodeShape ; sh:targetClass ex:T ; sh:property ex:Named .
    ex:CoreB a sh:NodeShape ; sh:targetClass ex:T ; sh:or ( [ sh:path ex:x ; sh:minCount 1 ] ex:Named ) .
    ex:Sparql a sh:NodeShape ; sh:targetClass ex:T ; sh:property ex:Named ;
      sh:sparql [ sh:message "has y" ; sh:select "SELECT $this WHERE { $this <urn:ex:y> ?y }" ] .
    ex:Alone a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:z ; sh:maxCount 0 ] .
    ex:ViaTarget a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this <urn:ex:z> ?z }" ] ;
      sh:nodeKind sh:Literal .
  `;

  it('sends to the engine every shape that needs it or shares a nested shape with one', () => {
    const shapes = parse(SHARED);
    const tops = ['CoreA', 'CoreB', 'Sparql', 'Alone', 'ViaTarget', 'Named'].map((n) =>
      DataFactory.namedNode(`urn:ex:${n}`),
    );
    // Sparql needs the engine and nests ex:Named, as do CoreA (sh:property) and CoreB (in an sh:or list).
    expect(partitionShapes(shapes, tops)).toEqual([true, true, true, false, true, true]);
    // Without the SPARQL constraint only the SPARQL target needs the engine.
    const core = parse(SHARED.replace(/sh:sparql \[[^\]]*\] \./, '.'));
    expect(partitionShapes(core, tops)).toEqual([false, false, false, false, true, false]);
  });

  it('reports what one run reports when core and SPARQL shapes share nested shapes', async () => {
    const shapes = parse(SHARED);
    const data = parse(`
      @prefix ex: <urn:ex:> .
      ex:a a ex:T ; ex:y 1 ; ex:z 2 .
      ex:b a ex:T ; ex:name "b" ; ex:z 3 .
      ex:c a ex:T ; ex:name "c" ; ex:x 1 .
    `);
    const inp = input(data, shapes, engine);
    const reference = await oneRun(inp);
    expect(reference.length).toBeGreaterThan(5);
    const split = await (await startShaclResults(inp))();
    expect(split.map(plain)).toEqual(reference.map(plain));
    expect(await validateShacl(inp)).toEqual(reportOutcome(inp, reference));
  });

  it('moves a store to another thread with the same entity ids, so it iterates in the same order', () => {
    const store = parse(`
      @prefix ex: <urn:ex:> .
      ex:b ex:p "x"@en , "2"^^<urn:ex:dt> , _:n1 . _:n1 ex:q ex:a . ex:a ex:p ex:b .
    `);
    const copy = decodeStore(N3, structuredClone(encodeStore(store)));
    const ids = (s: Store) => [...s.readQuads(null, null, null, null)].map((q) => termToId(q as never));
    expect(ids(copy)).toEqual(ids(store));
    expect(copy.size).toBe(store.size);
  });

  it('refuses an encoded store that names an unknown entity or repeats a quad', () => {
    const enc = encodeStore(parse('<urn:a> <urn:p> <urn:b> .'));
    const unknown = { ...enc, quads: Uint32Array.from(enc.quads, (id, i) => (i === 2 ? 999 : id)) };
    expect(() => decodeStore(N3, unknown)).toThrow(/unknown entity/);
    const repeated = { ...enc, quads: Uint32Array.from([...enc.quads, ...enc.quads]) };
    expect(() => decodeStore(N3, repeated)).toThrow(/repeats a quad/);
  });
});
