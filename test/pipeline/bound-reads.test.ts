/**
 * The rows cache keys a query by the triples of the nodes its variables are bound to
 * (extract/bound-reads.ts, scope.ts readsDigest): a pattern `?v Q ?c`, where the top-level group
 * binds ?v, reads only the Q-triples of the nodes that binding can give. An edit of a comment on a
 * server then leaves a query over the comments of operations, classes or machines answered from
 * the cache; an edit of a comment it does read runs it again. Either way the rows are a fresh
 * run's, whatever one triple is removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataFactory, Parser, Store, termToId } from 'n3';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueryEngine } from '../../src/pipeline/engine/index.js';
import { boundReads } from '../../src/pipeline/extract/bound-reads.js';
import { RowsCache } from '../../src/pipeline/extract/rows-cache.js';
import { GraphScope, rowsScope, SUBJECTS } from '../../src/pipeline/extract/scope.js';
import type { QueryText } from '../../src/pipeline/types.js';

const EX = 'https://example.org/#';
const RDFS = 'http://www.w3.org/2000/01/rdf-schema#';
const prefixes = { ex: EX, rdfs: RDFS };
const { namedNode, literal, quad } = DataFactory;
const q = (text: string): QueryText => ({ text, file: 'q.rq', line: 1 });

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
const root = () => {
  const r = mkdtempSync(path.join(os.tmpdir(), 'ggen-bound-reads-'));
  roots.push(r);
  return r;
};

const DATA = `@prefix ex: <${EX}> .
@prefix rdfs: <${RDFS}> .
ex:app ex:name "app" .
ex:srv a ex:Server ; ex:partOf ex:app ; ex:name "srv" ; rdfs:comment "a server" ; ex:operation ex:op1 , ex:op2 .
ex:op1 a ex:Operation ; ex:name "op1" ; rdfs:comment "first" .
ex:op2 a ex:Operation ; ex:name "op2" .
ex:m a ex:Machine ; ex:name "m" ; rdfs:comment "a machine" .
ex:child ex:start ex:srv , ex:m .
ex:Cls a rdfs:Class ; rdfs:comment "a class" .
<https://other.example/#x> ex:name "x" ; rdfs:comment "elsewhere" .
[] ex:name "blank" ; rdfs:comment "a blank node" .
`;

/** Each query, and whether an edit of the server's comment leaves it answered from the cache. */
const CASES: Array<[string, string, boolean]> = [
  [
    'an object binding, in an OPTIONAL after it',
    'SELECT ?op ?c WHERE { ?s ex:operation ?op OPTIONAL { ?op rdfs:comment ?c } } ORDER BY ?op ?c',
    true,
  ],
  [
    'two bindings, one of them a type (servers are started too)',
    'SELECT ?m ?c WHERE { ?x ex:start ?m . ?m a ex:Machine OPTIONAL { ?m rdfs:comment ?c } } ORDER BY ?m ?c',
    true,
  ],
  [
    'the pattern in the binding group itself',
    'SELECT ?k ?c WHERE { ?k a rdfs:Class ; rdfs:comment ?c } ORDER BY ?k ?c',
    true,
  ],
  [
    'an IRI prefix FILTER of the top-level group',
    `SELECT ?x ?c WHERE { ?x ex:name ?n FILTER(STRSTARTS(STR(?x), "https://other.example/")) OPTIONAL { ?x rdfs:comment ?c } } ORDER BY ?x ?c`,
    true,
  ],
  [
    'FILTER NOT EXISTS',
    'SELECT ?op WHERE { ?s ex:operation ?op FILTER NOT EXISTS { ?op rdfs:comment ?c } } ORDER BY ?op',
    true,
  ],
  [
    'a subquery projecting the bound variable',
    'SELECT ?op ?n ?c WHERE { ?op a ex:Operation { SELECT ?op (COUNT(?x) AS ?n) WHERE { ?op ex:name ?x } GROUP BY ?op } OPTIONAL { ?op rdfs:comment ?c } } ORDER BY ?op ?n ?c',
    true,
  ],
  // Before the binding triple, the OPTIONAL joins solutions where ?op is not bound yet.
  [
    'an OPTIONAL before the binding',
    'SELECT ?op ?c WHERE { OPTIONAL { ?op rdfs:comment ?c } ?s ex:operation ?op } ORDER BY ?op ?c',
    false,
  ],
  // The server is a named thing: its comment is read.
  [
    'a binding the server meets',
    'SELECT ?x ?c WHERE { ?x ex:name ?n OPTIONAL { ?x rdfs:comment ?c } } ORDER BY ?x ?c',
    false,
  ],
  [
    'a nested OPTIONAL',
    'SELECT ?op ?c WHERE { ?s ex:operation ?op OPTIONAL { ?s ex:name ?n OPTIONAL { ?op rdfs:comment ?c } } } ORDER BY ?op ?c',
    false,
  ],
];

const parse = (text: string) => new Store(new Parser().parse(text));

/** The server's comment changed (the same blank nodes: a parse of its own would label them anew). */
function editedServer(full: Store): Store {
  const s = new Store(full.getQuads(null, null, null, null));
  s.removeQuad(quad(namedNode(`${EX}srv`), namedNode(`${RDFS}comment`), literal('a server')));
  s.addQuad(quad(namedNode(`${EX}srv`), namedNode(`${RDFS}comment`), literal('a changed server')));
  return s;
}

describe('a query reading the triples of the nodes its variables are bound to', () => {
  it.each(CASES)(
    'with %s: from the cache after an edit it cannot see, and a fresh run’s rows after any one triple is removed',
    async (_how, text, hitsOnServerEdit) => {
      const engine = await createQueryEngine(prefixes, 'oxigraph');
      const full = parse(DATA);
      let n = 0;
      /**
       * The query through a rows cache in `r` keyed by the scope over `s`, run (on a miss) on the
       * triples it reads alone: whether it ran, on how many triples, its rows, a fresh run's.
       */
      const cached = async (r: string, s: Store) => {
        const cache = RowsCache.open(
          r,
          { digest: `g${n++}`, inputs: [] },
          prefixes,
          {},
          rowsScope(s, async () => engine, { subgraphs: true }),
        );
        let ran = false;
        const rows = await cache.select(q(text), async (part) => {
          ran = true;
          if (part) expect(part.size).toBeLessThan(s.size);
          return (await engine.select(part ?? s, q(text))).rows;
        });
        cache.save();
        return { ran, rows, fresh: (await engine.select(s, q(text))).rows };
      };
      const edits: Array<[string, Store]> = [['the server comment edited', editedServer(full)]];
      for (const t of full.getQuads(null, null, null, null))
        edits.push([
          `without ${t.subject.value} ${t.predicate.value} ${t.object.value}`,
          new Store(full.getQuads(null, null, null, null).filter((x) => !x.equals(t))),
        ]);
      let hits = 0;
      for (const [what, data] of edits) {
        const r = root();
        expect((await cached(r, full)).ran).toBe(true);
        const after = await cached(r, data);
        expect(after.rows, what).toEqual(after.fresh);
        if (!after.ran) hits++;
        if (what === 'the server comment edited') expect(!after.ran, what).toBe(hitsOnServerEdit);
      }
      // Some removal of a triple the query cannot read left every query's rows in the cache.
      expect(hits).toBeGreaterThan(0);
    },
    120_000,
  );

  it('runs a missed query on the triples it reads while they stay a small share of the graph', async () => {
    const engine = await createQueryEngine(prefixes, 'oxigraph');
    const big = parse(DATA);
    // Many triples no query here reads: the machine's comment and the operations' are a small share of the graph.
    for (let i = 0; i < 200; i++)
      big.addQuad(quad(namedNode(`${EX}n${i}`), namedNode(`${EX}other`), literal(String(i))));
    const scope = rowsScope(big, async () => engine, { subgraphs: true });
    const parts: Array<number | undefined> = [];
    for (const text of [CASES[1]![1], CASES[0]![1], CASES[7]![1]]) {
      const part = (await scope('select', q(text)))!.subgraph!();
      parts.push(part?.size);
      if (part) expect((await engine.select(part, q(text))).rows).toEqual((await engine.select(big, q(text))).rows);
    }
    // The third reads the named things' comments, the blank node's among them: the whole graph.
    expect(parts).toEqual([4, 3, undefined]);
    // Once a query ran on the whole graph, so do the later ones (it is loaded already)...
    expect((await scope('select', q(CASES[1]![1])))!.subgraph!()).toBeUndefined();
    // ...and within a run the parts stay under a quarter of the graph in all.
    const small = rowsScope(parse(DATA), async () => engine, { subgraphs: true });
    expect((await small('select', q(CASES[1]![1])))!.subgraph!()?.size).toBe(4);
    expect((await small('select', q(CASES[0]![1])))!.subgraph!()).toBeUndefined();
    // Without `subgraphs` (a watch session keeps the whole graph loaded), never.
    expect((await rowsScope(big, async () => engine)('select', q(CASES[1]![1])))!.subgraph!()).toBeUndefined();
  });

  it('names the subject-bound reads as markers, and none where the variable is not bound', async () => {
    const engine = await createQueryEngine(prefixes, 'oxigraph');
    const readsOf = async (text: string) => {
      const { ast, prefixes: p } = await engine.parse(q(text), 'select');
      return boundReads(ast, p, { prefixFilters: true }).predicates;
    };
    const machines = [
      ['objects', `${EX}start`],
      ['subjects', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type', `${EX}Machine`],
    ];
    // The type triples too: only those of started machines can join. `?x ex:start ?m` reads every
    // start triple (?x is bound by that triple alone).
    expect(await readsOf(CASES[1]![1])).toEqual([
      `${EX}start`,
      `${SUBJECTS}${JSON.stringify(['http://www.w3.org/1999/02/22-rdf-syntax-ns#type', ...machines])}`,
      `${SUBJECTS}${JSON.stringify([`${RDFS}comment`, ...machines])}`,
    ]);
    expect(await readsOf(CASES[6]![1])).toEqual([`${RDFS}comment`, `${EX}operation`]);
  });

  it('reads a stored marker that does not decode as unknown (the query facts file is untrusted)', () => {
    const scope = new GraphScope(parse(DATA), termToId);
    const comment = `${RDFS}comment`;
    expect(scope.readsDigest([`${SUBJECTS}${JSON.stringify([comment, ['objects', `${EX}start`]])}`])).toMatch(
      /^[0-9a-f]{64}$/,
    );
    for (const bad of [
      '[',
      JSON.stringify([comment]),
      JSON.stringify(['not an iri', ['objects', `${EX}start`]]),
      JSON.stringify([comment, ['objects']]),
      JSON.stringify([comment, ['objects', `${EX}start`, `${EX}x`]]),
      JSON.stringify([comment, ['nodes', `${EX}start`]]),
      JSON.stringify([comment, ['prefix', 1]]),
      JSON.stringify([comment, 'objects']),
    ])
      expect(scope.readsDigest([`${SUBJECTS}${bad}`]), bad).toBeUndefined();
  });

  it('digests the same either way of reading the store, for every kind of binding', () => {
    const data = parse(DATA);
    const quadsOnly = {
      size: data.size,
      readQuads: data.readQuads.bind(data),
      getPredicates: data.getPredicates.bind(data),
      getObjects: data.getObjects.bind(data),
      getSubjects: data.getSubjects.bind(data),
    } as unknown as Store;
    const of: Parameters<GraphScope['boundDigest']>[1] = [
      ['objects', `${EX}start`],
      ['subjects', `${EX}name`],
      ['subjects', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type', `${EX}Machine`],
      ['prefix', EX],
    ];
    // The index's lines and the quads' lines are tagged apart, so compare which edits each notices.
    const notices = (view: (s: Store) => Store) => {
      const seen: boolean[] = [];
      const before = new GraphScope(view(data), termToId).boundDigest(`${RDFS}comment`, of);
      for (const t of data.getQuads(null, null, null, null)) {
        const without = new Store(data.getQuads(null, null, null, null).filter((x) => !x.equals(t)));
        seen.push(new GraphScope(view(without), termToId).boundDigest(`${RDFS}comment`, of) !== before);
      }
      return seen;
    };
    const fromIndex = notices((s) => s);
    expect(
      notices((s) =>
        s === data
          ? quadsOnly
          : ({
              size: s.size,
              readQuads: s.readQuads.bind(s),
              getObjects: s.getObjects.bind(s),
              getSubjects: s.getSubjects.bind(s),
            } as unknown as Store),
      ),
    ).toEqual(fromIndex);
    // Only the machine's comment and the triples that make it one are read.
    expect(fromIndex.filter(Boolean).length).toBe(4);
  });
});
