/**
 * normalize/shacl-warm.ts: under `sync --watch` the SHACL results of shapes whose reads an edit
 * left alone are reused. Every run must still report exactly what a fresh run reports: the same
 * violations (file:line:col and text) and warnings, in the same order.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as N3 from 'n3';
import { Parser, Store } from 'n3';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueryEngine } from '../../src/pipeline/engine/index.js';
import { SourceIndex } from '../../src/pipeline/normalize/positions.js';
import {
  reportOutcome,
  startShaclResults,
  type ShaclInput,
  type ShaclResult,
} from '../../src/pipeline/normalize/shacl.js';
import { encodeResult } from '../../src/pipeline/normalize/shacl-core.js';
import { WarmShacl } from '../../src/pipeline/normalize/shacl-warm.js';
import { sync } from '../../src/pipeline/sync.js';
import { SyncSession } from '../../src/pipeline/sync/session.js';
import { project } from '../cli/helpers.js';
import { outcome, SHAPES } from '../support/shacl-fixture.js';
import { W3C_SHACL_SUITE, ttlFiles } from '../support/w3c-shacl.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** SHACL inputs over `engine` with no source positions, validated in one run (no split). */
function inputs(
  engine: ShaclInput['engine'],
  prefixes: Record<string, string>,
): (data: Store, shapes: Store, warm?: WarmShacl) => ShaclInput {
  return (data, shapes, warm) => ({
    data,
    shapes,
    prefixes,
    positions: new SourceIndex(),
    shapePositions: new SourceIndex(),
    shapesFile: 'shapes.ttl',
    engine,
    split: false,
    ...(warm ? { warm } : {}),
  });
}

describe('warm SHACL under a session', () => {
  it('reuses the results of shapes whose triples did not change, and reports what a fresh run reports', async () => {
    const dir = project();
    dirs.push(dir);
    const manifestPath = path.join(dir, 'ggen.toml');
    const spec = path.join(dir, 'specs/domain.ttl');
    writeFileSync(path.join(dir, 'shapes.ttl'), SHAPES);
    appendFileSync(manifestPath, '\n[validation]\nshacl = ["shapes.ttl"]\n');
    const session = new SyncSession();
    const steps: Array<[string, (t: string) => string]> = [
      ['a comment', (t) => t.replace('Routes calls.', 'Routes every call.')],
      [
        'a comment too long',
        (t) => t.replace('Routes every call.', 'Routes every call it is given, near or far, soon.'),
      ],
      ['the fix', (t) => t.replace('Routes every call it is given, near or far, soon.', 'Routes calls.')],
      ['a second label', (t) => t.replace('rdfs:label "Billing" ;', 'rdfs:label "Billing" , "Payments" ;')],
      ['lines moved', (t) => `\n\n${t.replace('rdfs:label "Billing" , "Payments" ;', 'rdfs:label "Billing" ;')}`],
      [
        'a note without a label',
        (t) => t.replace('rdfs:label "Billing" ;', 'rdfs:label "Billing" ; rdfs:seeAlso [ ex:k "x" ] ;'),
      ],
      ['another comment', (t) => t.replace('Routes calls.', 'Routes all calls.')],
      ['a list', (t) => `${t}\nex:CallRouter ex:tags ( "a" [ rdfs:label "b" ] ) .\n`],
      // No triple changes: every result is reused, the warning at its new line.
      ['the warning moved', (t) => `\n\n${t}`],
    ];
    const before = () => ({ hits: session.parses.shacl.hits, misses: session.parses.shacl.misses });
    try {
      expect(await outcome(() => sync({ manifestPath, session }))).toMatch(/"ok":true/);
      const reused: Record<string, number> = {};
      const seen: Record<string, string> = {};
      for (const [name, change] of steps) {
        writeFileSync(spec, change(readFileSync(spec, 'utf8')));
        const b = before();
        const warm = await outcome(() => sync({ manifestPath, session }));
        reused[name] = session.parses.shacl.hits - b.hits;
        const fresh = await outcome(() => sync({ manifestPath, check: true, noFastPath: true }));
        expect(warm, name).toBe(fresh);
        seen[name] = warm;
      }
      // The steps do report something: a violation at its place, then a warning.
      expect(seen['a comment too long']).toMatch(/"ok":false.*comment is too long/);
      expect(seen['lines moved']).toMatch(/"ok":true/);
      expect(seen['a note without a label']).toMatch(/"ok":true.*a note without a label/);
      // A comment edit leaves the label and note shapes' triples alone; a second label leaves the comment shape's.
      expect(reused['a comment']).toBe(2);
      expect(reused['a second label']).toBe(1);
      // Labels on a list's blank node: only the comment shape's triples stay.
      expect(reused['a list']).toBe(1);
      expect(reused['the warning moved']).toBe(3);
      expect(seen['the warning moved']).toMatch(
        /"line":9,"col":26,"message":"ex:Billing rdfs:seeAlso\/rdfs:label: a note/,
      );
    } finally {
      await session.close();
    }
  }, 300_000);
});

describe('what a shape group reads (the W3C SHACL test graphs)', () => {
  it('is every triple that can change its results: with any one predicate removed, warm reports what a fresh run reports', async () => {
    const engine = await createQueryEngine({}, 'oxigraph');
    const parse = (text: string, base: string) => new Store(new Parser({ baseIRI: base }).parse(text));
    const input = inputs(engine, {});
    // A result as data; a path step's `end` aside, which kept results (like the worker's) do not
    // carry and no diagnostic shows.
    const plain = (rs: ShaclResult[]) =>
      rs.map((r) => {
        const e = encodeResult(N3, 0, r as never);
        for (const step of e.path ?? []) delete (step as { end?: string }).end;
        return e;
      });
    let compared = 0;
    let reused = 0;
    for (const file of ttlFiles(W3C_SHACL_SUITE).sort()) {
      const text = readFileSync(file, 'utf8');
      if (!/sh:|shacl#/.test(text)) continue;
      const base = pathToFileURL(file).href;
      let shapes: Store;
      try {
        shapes = parse(text, base);
        await (
          await startShaclResults(input(parse(text, base), shapes))
        )();
      } catch {
        continue; // not Turtle n3 reads, or refused as unsupported: nothing to reuse
      }
      const full = parse(text, base);
      for (const p of new Set(full.getQuads(null, null, null, null).map((q) => q.predicate.value))) {
        const data = new Store(full.getQuads(null, null, null, null).filter((q) => q.predicate.value !== p));
        const warm = new WarmShacl();
        await (
          await startShaclResults(input(full, shapes, warm))
        )();
        const hits = warm.hits;
        const got = await (await startShaclResults(input(data, shapes, warm)))();
        const want = await (await startShaclResults(input(data, shapes)))();
        const what = `${path.relative(W3C_SHACL_SUITE, file)} without <${p}>`;
        expect(plain(got), what).toEqual(plain(want));
        expect(reportOutcome(input(data, shapes), got), what).toEqual(reportOutcome(input(data, shapes), want));
        reused += warm.hits - hits;
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
    // Reuse happened: a predicate no shape reads left their results in place.
    expect(reused).toBeGreaterThan(100);
  }, 600_000);
});

describe('a SPARQL shape reading the triples of the nodes a bound variable names', () => {
  // `?cls ex:requires ?value` binds ?value; a pattern `?value rdfs:comment ?why` then reads only
  // the comments of required properties, where ?value is bound in every solution it joins.
  const PREFIXES = `@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/ns#> .
`;
  const DATA = `${PREFIXES}
ex:Service ex:requires ex:owner , rdfs:label .
ex:a a ex:Service ; rdfs:label "a" .
ex:b a ex:Service ; ex:owner ex:team .
ex:owner rdfs:comment "who answers" .
ex:team rdfs:comment "a team" .
ex:Service rdfs:comment "a service" .
rdfs:label ex:note "n" .
ex:team ex:note "m" .
`;
  // Only a comment no required property has: a query whose OPTIONAL joins it before ?value is
  // bound finds no violation with it, and two without it.
  const UNRELATED = `${PREFIXES}
ex:Service ex:requires ex:owner .
ex:a a ex:Service .
ex:team rdfs:comment "a team" .
ex:Unused ex:requires ex:tag .
`;
  const shape = (where: string) => `${PREFIXES}
ex:S a sh:NodeShape ; sh:target ex:Q ; sh:sparql ex:Q .
ex:Q a sh:SPARQLTarget , sh:SPARQLConstraint ;
  sh:message "{?value} {?whyRaw}" ;
  sh:select """SELECT DISTINCT $this ?value ?whyRaw WHERE { ${where} BIND (COALESCE(?why, "none") AS ?whyRaw) }""" .
`;
  const binding = '?cls ex:requires ?value . $this a ?cls . FILTER NOT EXISTS { $this ?value ?any }';
  const cases: Array<[string, string, number]> = [
    ['an OPTIONAL after the binding triple', `${binding} OPTIONAL { ?value rdfs:comment ?why }`, 5],
    // Each pattern of a bound variable reads only the triples of the nodes it can bind (extract/bound-reads.ts).
    ['the top-level basic graph pattern', `${binding} ?value ex:note ?note . OPTIONAL { ?value rdfs:comment ?why }`, 5],
    ['FILTER EXISTS', `${binding} FILTER EXISTS { ?value rdfs:comment ?c } OPTIONAL { ?value rdfs:comment ?why }`, 5],
    // An OPTIONAL before the binding triple joins solutions where ?value is not bound yet: any
    // comment, whatever its subject, changes them.
    ['an OPTIONAL before the binding triple', `OPTIONAL { ?value rdfs:comment ?why } ${binding}`, 2],
    ['a nested OPTIONAL', `${binding} OPTIONAL { ?x ex:none ?y OPTIONAL { ?value rdfs:comment ?why } }`, 2],
    ['a MINUS', `${binding} MINUS { ?value ex:note ?why }`, 4],
    ['a UNION', `${binding} { ?value rdfs:comment ?why } UNION { ?value ex:note ?why }`, 0],
  ];

  it.each(cases)(
    'with %s: with any one triple removed, warm reports what a fresh run reports',
    async (_where, where, reuses) => {
      const engine = await createQueryEngine({}, 'oxigraph');
      const parse = (text: string) => new Store(new Parser().parse(text));
      const shapes = parse(shape(where));
      const withShapes = inputs(engine, {
        ex: 'https://example.org/ns#',
        rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
      });
      const input = (data: Store, warm?: WarmShacl) => withShapes(data, shapes, warm);
      const plain = (rs: ShaclResult[]) => rs.map((r) => encodeResult(N3, 0, r as never));
      let reused = 0;
      for (const [full, removed] of [DATA, UNRELATED].flatMap((text) => {
        const graph = parse(text);
        return graph.getQuads(null, null, null, null).map((q) => [graph, q] as const);
      })) {
        const data = new Store(full.getQuads(null, null, null, null).filter((q) => !q.equals(removed)));
        const warm = new WarmShacl();
        await (
          await startShaclResults(input(full, warm))
        )();
        const hits = warm.hits;
        const got = await (await startShaclResults(input(data, warm)))();
        const want = await (await startShaclResults(input(data)))();
        const what = `without ${removed.subject.value} ${removed.predicate.value} ${removed.object.value}`;
        expect(plain(got), what).toEqual(plain(want));
        reused += warm.hits - hits;
      }
      // Where the comments are read through the bound variable alone, removing one of another
      // subject (ex:team's, ex:Service's) reuses the results.
      expect(reused, 'reused').toBe(reuses);
    },
    120_000,
  );
});
