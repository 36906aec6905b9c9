/**
 * The rows cache keys a query over a changed graph by the triples it can read (extract/scope.ts):
 * a query is answered from the cache after an edit of triples it cannot read, and runs again after
 * an edit of ones it can. What it reads comes from its parsed form; anything not pinned down
 * (a variable predicate, SELECT *, FROM) reads the whole graph. The file stays untrusted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataFactory, Store } from 'n3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createQueryEngine } from '../../src/pipeline/engine/index.js';
import { ROWS_CACHE_FILE, RowsCache } from '../../src/pipeline/extract/rows-cache.js';
import { GraphScope, queryReads, rowsScope, SUBJECTS } from '../../src/pipeline/extract/scope.js';
import type { QueryText, Row } from '../../src/pipeline/types.js';
import { isScopedReads, isStoredReads } from '../../src/pipeline/normalize/rule-reads.js';

const EX = 'https://example.org/#';
const { namedNode, literal, quad } = DataFactory;
const prefixes = { ex: EX };
const q = (text: string): QueryText => ({ text, file: 'q.rq', line: 1 });

const roots: string[] = [];
const root = () => {
  const r = mkdtempSync(path.join(os.tmpdir(), 'ggen-rows-scope-'));
  roots.push(r);
  return r;
};
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

async function fullReads(text: string, form: 'select' | 'ask' = 'select') {
  const engine = await createQueryEngine(prefixes, 'oxigraph');
  const { ast, prefixes: p } = await engine.parse(q(text), form);
  return queryReads(ast, p, form);
}
async function reads(text: string, form: 'select' | 'ask' = 'select') {
  return (await fullReads(text, form)).predicates;
}

function store(names: string[], ages: number[]): Store {
  const s = new Store();
  names.forEach((n, i) => s.addQuad(quad(namedNode(`${EX}p${i}`), namedNode(`${EX}name`), literal(n))));
  ages.forEach((a, i) => s.addQuad(quad(namedNode(`${EX}p${i}`), namedNode(`${EX}age`), literal(String(a)))));
  return s;
}

/**
 * `text` through a rows cache in `r` keyed by the scope over `s` (and the graph digest `digest`):
 * whether it ran, the rows the cache gave, and the rows of a run without the cache.
 */
async function cachedSelect(
  r: string,
  engine: Awaited<ReturnType<typeof createQueryEngine>>,
  s: Store,
  digest: string,
  text: string,
): Promise<{ ran: boolean; rows: Row[]; fresh: Row[] }> {
  const cache = RowsCache.open(
    r,
    { digest, inputs: [] },
    prefixes,
    {},
    rowsScope(s, async () => engine),
  );
  let ran = false;
  const rows = await cache.select(q(text), async () => {
    ran = true;
    return (await engine.select(s, q(text))).rows;
  });
  cache.save();
  return { ran, rows, fresh: (await engine.select(s, q(text))).rows };
}

describe('what a query reads', () => {
  it('names the predicates of every triple pattern and path, in every part of the query', async () => {
    expect(await reads('SELECT ?s ?n WHERE { ?s ex:name ?n } ORDER BY ?s')).toEqual([`${EX}name`]);
    expect(await reads('SELECT ?s WHERE { ?s a ex:T ; ex:knows/^ex:likes ?o } ORDER BY ?s')).toEqual([
      'http://www.w3.org/1999/02/22-rdf-syntax-ns#type',
      `${EX}knows`,
      `${EX}likes`,
    ]);
    // EXISTS in a projected expression and in HAVING: outside WHERE, still read.
    expect(
      await reads(
        'SELECT ?s (EXISTS { ?s ex:age ?a } AS ?aged) WHERE { ?s ex:name ?n } GROUP BY ?s HAVING (EXISTS { ?s ex:size ?z }) ORDER BY ?s',
      ),
    ).toEqual([`${EX}age`, `${EX}name`, `${EX}size`]);
    expect(await reads('ASK { ?s ex:name "x" }', 'ask')).toEqual([`${EX}name`]);
  });

  it.each([
    ['a variable predicate', 'SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s'],
    ['a negated property set', 'SELECT ?s WHERE { ?s !ex:name ?o } ORDER BY ?s'],
    ['SELECT * (no tie-breakers)', 'SELECT * WHERE { ?s ex:name ?o } ORDER BY ?s'],
    ['FROM', 'SELECT ?s FROM <https://example.org/g> WHERE { ?s ex:name ?o } ORDER BY ?s'],
    ['FROM NAMED', 'SELECT ?s FROM NAMED <https://example.org/g> WHERE { ?s ex:name ?o } ORDER BY ?s'],
    ['SERVICE', 'SELECT ?s WHERE { SERVICE <https://example.org/s> { ?s ex:name ?o } } ORDER BY ?s'],
    ['a volatile function', 'SELECT ?s ?r WHERE { ?s ex:name ?o BIND (RAND() AS ?r) } ORDER BY ?s'],
    // Their value follows the order of the solutions, which other triples can change.
    ['GROUP_CONCAT', 'SELECT ?s (GROUP_CONCAT(?o) AS ?all) WHERE { ?s ex:name ?o } GROUP BY ?s ORDER BY ?s'],
    ['SAMPLE', 'SELECT ?s (SAMPLE(?o) AS ?one) WHERE { ?s ex:name ?o } GROUP BY ?s ORDER BY ?s'],
    // `?x ex:p* ?y` pairs every node of the graph with itself (SPARQL 1.1 §18.5): a triple of any
    // predicate that brings a new node changes its rows.
    ['ex:p*', 'SELECT ?x ?y WHERE { ?x ex:p* ?y } ORDER BY ?x ?y'],
    ['ex:p?', 'SELECT ?x ?y WHERE { ?x ex:p? ?y } ORDER BY ?x ?y'],
    ['a sequence of optional steps', 'SELECT ?x ?y WHERE { ?x ex:p*/ex:q? ?y } ORDER BY ?x ?y'],
    ['an alternative with an optional branch', 'SELECT ?x ?y WHERE { ?x (ex:p*|ex:q) ?y } ORDER BY ?x ?y'],
    ['an inverse of one', 'SELECT ?x ?y WHERE { ?x ^(ex:p*) ?y } ORDER BY ?x ?y'],
    ['one in EXISTS', 'SELECT ?x WHERE { ?x ex:name ?n FILTER EXISTS { ?x ex:p? ?y } } ORDER BY ?x'],
  ])('reads the whole graph with %s', async (_why, text) => {
    expect(await reads(text)).toBe('all');
  });
});

describe('a path that can match zero steps', () => {
  it('reads its predicates when a step of it must match a triple', async () => {
    expect(await reads('SELECT ?x ?y WHERE { ?x ex:list/ex:rest*/ex:first ?y } ORDER BY ?x ?y')).toEqual([
      `${EX}first`,
      `${EX}list`,
      `${EX}rest`,
    ]);
    expect(await reads('SELECT ?x ?y WHERE { ?x (ex:p+|^ex:q) ?y } ORDER BY ?x ?y')).toEqual([`${EX}p`, `${EX}q`]);
  });

  it('keys the rows cache by the whole graph: a node another predicate brings runs it again', async () => {
    const text = 'SELECT ?x ?y WHERE { ?x ex:knows* ?y } ORDER BY ?x ?y';
    const engine = await createQueryEngine(prefixes, 'oxigraph');
    const r = root();
    const run = (s: Store, digest: string) => cachedSelect(r, engine, s, digest, text);
    const s = store(['ann'], [30]);
    await run(s, 'g1');
    s.addQuad(quad(namedNode(`${EX}p9`), namedNode(`${EX}name`), literal('zed')));
    const after = await run(s, 'g2');
    expect(after.fresh).toContainEqual(expect.objectContaining({ x: `${EX}p9`, y: `${EX}p9` }));
    expect(after.rows).toEqual(after.fresh);
  });
});

describe('a variable predicate restricted to an IRI prefix by a FILTER of its group', () => {
  const OTHER = 'https://other.example/#';
  it('reads the predicates with that prefix, directly in the group, an OPTIONAL or a subquery', async () => {
    expect(
      await fullReads(`SELECT ?s ?p WHERE { ?s ?p ?o ; a ex:T . FILTER(STRSTARTS(STR(?p), "${EX}")) } ORDER BY ?s ?p`),
    ).toEqual({ predicates: ['http://www.w3.org/1999/02/22-rdf-syntax-ns#type'], fresh: false, prefixes: [EX] });
    // A conjunct of &&, in an OPTIONAL's subquery with GROUP BY (as packs/otp/queries/vocabulary/properties.rq).
    expect(
      await fullReads(
        `SELECT ?p ?n WHERE { ?p a ex:P OPTIONAL { SELECT ?p (COUNT(?o) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?p), "${OTHER}")) } GROUP BY ?p } } ORDER BY ?p`,
      ),
    ).toEqual({ predicates: ['http://www.w3.org/1999/02/22-rdf-syntax-ns#type'], fresh: false, prefixes: [OTHER] });
    expect(
      await fullReads(
        `SELECT ?s WHERE { ?s ex:name ?n OPTIONAL { ?s ?p ?o FILTER(STRSTARTS(STR(?p), "${EX}")) } } ORDER BY ?s`,
      ),
    ).toEqual({ predicates: [`${EX}name`], fresh: false, prefixes: [EX] });
  });

  it.each([
    [
      'the FILTER in an outer group',
      `SELECT ?s ?p WHERE { { ?s ?p ?o } FILTER(STRSTARTS(STR(?p), "${EX}")) } ORDER BY ?s ?p`,
    ],
    [
      'the FILTER in a nested group',
      `SELECT ?s ?p WHERE { ?s ?p ?o { FILTER(STRSTARTS(STR(?p), "${EX}")) } } ORDER BY ?s ?p`,
    ],
    ['a disjunction', `SELECT ?s ?p WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?p), "${EX}") || true) } ORDER BY ?s ?p`],
    ['a negation', `SELECT ?s ?p WHERE { ?s ?p ?o FILTER(!STRSTARTS(STR(?p), "${EX}")) } ORDER BY ?s ?p`],
    ['another variable', `SELECT ?s ?p WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?o), "${EX}")) } ORDER BY ?s ?p`],
    ['no STR', `SELECT ?s ?p WHERE { ?s ?p ?o FILTER(STRSTARTS(?p, "${EX}")) } ORDER BY ?s ?p`],
    [
      'a language-tagged prefix',
      `SELECT ?s ?p WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?p), "${EX}"@en)) } ORDER BY ?s ?p`,
    ],
    ['a variable prefix', `SELECT ?s ?p WHERE { ?s ?p ?o ; ex:x ?x FILTER(STRSTARTS(STR(?p), ?x)) } ORDER BY ?s ?p`],
    [
      'the FILTER in a UNION branch',
      `SELECT ?s ?p WHERE { { ?s ?p ?o } UNION { FILTER(STRSTARTS(STR(?p), "${EX}")) } } ORDER BY ?s ?p`,
    ],
  ])('reads the whole graph with %s', async (_why, text) => {
    expect(await fullReads(text)).toEqual({ predicates: 'all', fresh: false });
  });

  it('digests every predicate with the prefix, including one that appears, and no other', () => {
    const digest = (s: Store) => new GraphScope(s, (t) => `${t.termType}:${t.value}`).digest([], [EX]);
    const a = store(['ann'], [30]);
    const base = digest(a);
    a.addQuad(quad(namedNode(`${EX}p0`), namedNode(`${OTHER}x`), literal('1')));
    expect(digest(a)).toBe(base);
    a.addQuad(quad(namedNode(`${EX}p0`), namedNode(`${EX}new`), literal('1')));
    expect(digest(a)).not.toBe(base);
    // Prefixed predicates are digested as if named: the same key as naming them all.
    expect(new GraphScope(a, (t) => `${t.termType}:${t.value}`).digest([`${EX}age`, `${EX}name`, `${EX}new`])).toBe(
      digest(a),
    );
  });

  it('keys the rows cache: runs again only after an edit of a predicate with the prefix', async () => {
    const text = `SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?p), "${EX}")) } ORDER BY ?s ?p ?o`;
    const engine = await createQueryEngine(prefixes, 'oxigraph');
    const r = root();
    const run = (s: Store, digest: string) => cachedSelect(r, engine, s, digest, text);
    const s = store(['ann'], [30]);
    expect((await run(s, 'g1')).ran).toBe(true);
    s.addQuad(quad(namedNode(`${EX}p0`), namedNode(`${OTHER}x`), literal('1')));
    const other = await run(s, 'g2');
    expect(other.ran).toBe(false);
    expect(other.rows).toEqual(other.fresh);
    s.addQuad(quad(namedNode(`${EX}p0`), namedNode(`${EX}new`), literal('1')));
    const own = await run(s, 'g3');
    expect(own.ran).toBe(true);
    expect(own.rows).toEqual(own.fresh);
    expect(own.rows).toContainEqual(expect.objectContaining({ p: `${EX}new`, o: '1' }));
  });

  it('accepts stored prefixes only where they are read (the query facts file is untrusted)', () => {
    expect(isScopedReads({ predicates: [], fresh: false, prefixes: [EX] })).toBe(true);
    expect(isScopedReads({ predicates: [], fresh: false, prefixes: [1] })).toBe(false);
    expect(isScopedReads({ predicates: 'all', fresh: false, prefixes: [EX] })).toBe(false);
    expect(isScopedReads({ predicates: [], fresh: false, prefixes: EX })).toBe(false);
    // An inference rule's reads never carry prefixes: a planted one is refused, not half-read.
    expect(isStoredReads({ predicates: [], fresh: false, prefixes: [EX] })).toBe(false);
    expect(isStoredReads({ predicates: [], fresh: false })).toBe(true);
  });
});

describe('graph scope digests', () => {
  it('change with the triples of the named predicates only, whatever the store order', () => {
    const digest = (s: Store, p: string[]) => new GraphScope(s, (t) => `${t.termType}:${t.value}`).digest(p);
    const a = store(['ann', 'bob'], [30, 40]);
    const reordered = new Store();
    for (const x of [...a.getQuads(null, null, null, null)].reverse()) reordered.addQuad(x);
    expect(digest(reordered, [`${EX}name`])).toBe(digest(a, [`${EX}name`]));
    const olderBob = store(['ann', 'bob'], [30, 41]);
    expect(digest(olderBob, [`${EX}name`])).toBe(digest(a, [`${EX}name`]));
    expect(digest(olderBob, [`${EX}age`])).not.toBe(digest(a, [`${EX}age`]));
    expect(digest(olderBob, [`${EX}name`, `${EX}age`])).not.toBe(digest(a, [`${EX}name`, `${EX}age`]));
    expect(digest(store(['ann', 'bo'], [30, 40]), [`${EX}name`])).not.toBe(digest(a, [`${EX}name`]));
  });

  /** The same store with n3's index out of reach: the digests read its quads instead. */
  const quadsOnly = (s: Store) =>
    ({
      size: s.size,
      readQuads: s.readQuads.bind(s),
      getPredicates: s.getPredicates.bind(s),
      getObjects: s.getObjects.bind(s),
    }) as unknown as Store;
  const termToId = (t: { termType: string; value: string }) => `${t.termType}:${t.value}`;

  it('readQuads gives the triples a query reads up to a limit, and past it gives up before it makes a quad', () => {
    const s = store(['ann', 'bob', 'cy'], [30, 40, 50]);
    s.addQuad(quad(namedNode(`${EX}p0`), namedNode(`${EX}knows`), namedNode(`${EX}p1`)));
    const scope = new GraphScope(s, termToId);
    const both = [`${EX}name`, `${EX}age`];
    const made = vi.spyOn(s, 'readQuads');
    expect(scope.readQuads(both)).toHaveLength(6);
    expect(scope.readQuads(both, [], 6)).toHaveLength(6);
    made.mockClear();
    // One more than the limit: counted in n3's indexes, no quad is made.
    expect(scope.readQuads(both, [], 5)).toBeUndefined();
    expect(made).not.toHaveBeenCalled();
    // A subject-bound read: the ages of the people p0 knows (one triple), besides the names (three).
    const bound = `${SUBJECTS}${JSON.stringify([`${EX}age`, ['objects', `${EX}knows`]])}`;
    expect(scope.readQuads([`${EX}name`, bound], [], 4)?.map((x) => x.object.value)).toEqual([
      'ann',
      'bob',
      'cy',
      '40',
    ]);
    expect(scope.readQuads([`${EX}name`, bound], [], 3)).toBeUndefined();
    made.mockRestore();
  });

  it.each([
    // n3's keys: an IRI as itself, a literal in quotes, the default graph as ''.
    ['read off n3 index', (s: Store) => s, `x"${EX}s"y`],
    ['read from the quads', quadsOnly, `xDefaultGraph:NamedNode:${EX}sLiteral:y`],
  ])('tell apart triples whose terms only join alike (%s)', (_how, view, joined) => {
    const digest = (s: Store) => new GraphScope(view(s), termToId).digest([`${EX}note`]);
    const s = namedNode(`${EX}s`);
    const p = namedNode(`${EX}note`);
    // Two lines that, written one after the other, spell one line whose literal holds both.
    const two = new Store([quad(s, p, literal('x')), quad(s, p, literal('y'))]);
    const one = new Store([quad(s, p, literal(joined))]);
    expect(digest(one)).not.toBe(digest(two));
    const three = new Store([quad(s, p, literal('x')), quad(s, p, literal('y')), quad(s, p, literal('z'))]);
    const reordered = new Store([quad(s, p, literal('z')), quad(s, p, literal('y')), quad(s, p, literal('x'))]);
    const before = digest(three);
    expect(digest(reordered)).toBe(before);
    expect(before).not.toBe(digest(two));
    // A triple of another predicate is not read.
    three.addQuad(quad(s, namedNode(`${EX}other`), literal('w')));
    expect(digest(three)).toBe(before);
    // A triple moved into a named graph is another triple.
    three.removeQuad(quad(s, p, literal('x')));
    three.addQuad(quad(s, p, literal('x'), namedNode(`${EX}g`)));
    expect(digest(three)).not.toBe(before);
    three.removeQuad(quad(s, p, literal('x'), namedNode(`${EX}g`)));
    three.addQuad(quad(s, p, literal('x')));
    expect(digest(three)).toBe(before);
  });

  it.each([
    ['read off n3 index', (s: Store) => s],
    ['read from the quads', quadsOnly],
  ])("a subject-bound digest reads a predicate's triples of the binding triples' objects only (%s)", (_how, view) => {
    const ex = (n: string) => namedNode(`${EX}${n}`);
    const digest = (s: Store) =>
      new GraphScope(view(s), termToId).boundDigest(`${EX}note`, [['objects', `${EX}requires`]]);
    const s = new Store([
      quad(ex('Server'), ex('requires'), ex('timeout')),
      quad(ex('timeout'), ex('note'), literal('how long')),
      quad(ex('billing'), ex('note'), literal('a server')),
    ]);
    const before = digest(s);
    // A note of a node no binding triple names is not read...
    s.removeQuad(quad(ex('billing'), ex('note'), literal('a server')));
    s.addQuad(quad(ex('billing'), ex('note'), literal('another server')));
    expect(digest(s)).toBe(before);
    // ...a note of a named node is...
    s.removeQuad(quad(ex('timeout'), ex('note'), literal('how long')));
    s.addQuad(quad(ex('timeout'), ex('note'), literal('how many ms')));
    const edited = digest(s);
    expect(edited).not.toBe(before);
    // ...and so is one whose node a new binding triple names.
    s.addQuad(quad(ex('Client'), ex('requires'), ex('billing')));
    expect(digest(s)).not.toBe(edited);
  });

  it.each([
    ['read off n3 index', (s: Store) => s],
    ['read from the quads', quadsOnly],
  ])(
    'a predicate read whole and through a subject binding digests alike, its sorted lines kept or made again (%s)',
    (_how, view) => {
      const ex = (n: string) => namedNode(`${EX}${n}`);
      const s = new Store([
        quad(ex('Server'), ex('requires'), ex('timeout')),
        quad(ex('timeout'), ex('note'), literal('how long')),
        quad(ex('billing'), ex('note'), literal('a server')),
        quad(ex('billing'), ex('name'), literal('billing')),
      ]);
      const bound = `${SUBJECTS}${JSON.stringify([`${EX}note`, ['objects', `${EX}requires`]])}`;
      const reads = [`${EX}note`, `${EX}name`, bound];
      const kept = new GraphScope(view(s), termToId);
      const none = new GraphScope(view(s), termToId, 0);
      const both = kept.readsDigest(reads);
      expect(both).toBeDefined();
      expect(none.readsDigest(reads)).toBe(both);
      // Asked again (from what each kept) and in the other order (the bound read first), the same.
      expect(kept.readsDigest(reads)).toBe(both);
      expect(none.readsDigest(reads)).toBe(both);
      const boundFirst = new GraphScope(view(s), termToId);
      const of: Parameters<GraphScope['boundDigest']>[1] = [['objects', `${EX}requires`]];
      expect(boundFirst.boundDigest(`${EX}note`, of)).toBe(none.boundDigest(`${EX}note`, of));
      expect(boundFirst.readsDigest(reads)).toBe(both);
      // And both see a change of the predicate read both ways.
      s.addQuad(quad(ex('timeout'), ex('note'), literal('in ms')));
      const after = new GraphScope(view(s), termToId, 0).readsDigest(reads);
      expect(after).not.toBe(both);
      expect(new GraphScope(view(s), termToId).readsDigest(reads)).toBe(after);
    },
  );

  it('the two ways of reading never give one digest to two graphs: they are tagged apart', () => {
    const s = new Store([quad(namedNode(`${EX}s`), namedNode(`${EX}note`), literal('x'))]);
    const fromIndex = new GraphScope(s, (t) => (t.termType === 'Literal' ? `"${t.value}"` : t.value)).digest([
      `${EX}note`,
    ]);
    const fromQuads = new GraphScope(quadsOnly(s), (t) => (t.termType === 'Literal' ? `"${t.value}"` : t.value)).digest(
      [`${EX}note`],
    );
    expect(fromIndex).not.toBe(fromQuads);
  });
});

describe('rows cache with a scope', () => {
  const names = 'SELECT ?s ?n WHERE { ?s ex:name ?n } ORDER BY ?s';
  const ages = 'SELECT ?s ?a WHERE { ?s ex:age ?a } ORDER BY ?s';
  const any = 'SELECT ?s ?p WHERE { ?s ?p ?o } ORDER BY ?s ?p';
  const inputs = [{ path: 'specs/a.ttl', sha256: 'aaa' }];

  /** One sync's extraction over `s`: every query through the cache, on the real engine; which ran. */
  async function extract(r: string, s: Store, digest: string, scoped = true) {
    const engine = await createQueryEngine(prefixes, 'oxigraph');
    const ran: string[] = [];
    const cache = RowsCache.open(
      r,
      { digest, inputs },
      prefixes,
      {},
      scoped ? rowsScope(s, async () => engine) : undefined,
    );
    const rows: Record<string, Row[]> = {};
    for (const [name, text] of Object.entries({ names, ages, any })) {
      rows[name] = await cache.select(q(text), async () => {
        ran.push(name);
        return (await engine.select(s, q(text))).rows;
      });
    }
    cache.save();
    return { ran, rows };
  }

  it('runs again only the queries whose predicates changed, with the rows a fresh run gives', async () => {
    const r = root();
    expect((await extract(r, store(['ann', 'bob'], [30, 40]), 'g1')).ran).toEqual(['names', 'ages', 'any']);
    const edited = store(['ann', 'bob'], [30, 41]);
    const second = await extract(r, edited, 'g2');
    expect(second.ran).toEqual(['ages', 'any']);
    const fresh = await extract(root(), edited, 'g2');
    expect(second.rows).toEqual(fresh.rows);
    expect(second.rows.ages).toContainEqual({ s: `${EX}p1`, s_local: 'p1', a: '41' });
    // The same graph from the graph cache (no scope): every query through its alias, none runs.
    expect((await extract(r, edited, 'g2', false)).ran).toEqual([]);
    // A changed name: the names query runs again.
    expect((await extract(r, store(['ann', 'bea'], [30, 41]), 'g3')).ran).toEqual(['names', 'any']);
  });

  it('treats planted entries and aliases as misses, never as rows', async () => {
    const r = root();
    const s = store(['ann'], [30]);
    await extract(r, s, 'g1');
    const file = path.join(r, ROWS_CACHE_FILE);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { salt: string; entries: Record<string, unknown> };
    const keys = Object.keys(doc.entries);
    // Every entry of the wrong shape: a string, null, an alias to nowhere, an alias that is not a key.
    keys.forEach((k, i) => {
      doc.entries[k] = [
        'rows',
        null,
        { alias: 'f'.repeat(64) },
        { alias: '../x' },
        { rows: 'x' },
        { answer: [] },
        { alias: k },
      ][i % 7];
    });
    writeFileSync(file, JSON.stringify(doc));
    const scoped = await extract(r, s, 'g1');
    expect(scoped.ran).toEqual(['names', 'ages', 'any']);
    writeFileSync(file, JSON.stringify(doc));
    const unscoped = await extract(r, s, 'g1', false);
    expect(unscoped.ran).toEqual(['names', 'ages', 'any']);
    expect(unscoped.rows).toEqual(scoped.rows);
  });
});
