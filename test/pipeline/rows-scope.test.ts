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
import { afterAll, describe, expect, it } from 'vitest';
import { createQueryEngine } from '../../src/pipeline/engine/index.js';
import { ROWS_CACHE_FILE, RowsCache } from '../../src/pipeline/extract/rows-cache.js';
import { GraphScope, queryReads, rowsScope } from '../../src/pipeline/extract/scope.js';
import type { QueryText, Row } from '../../src/pipeline/types.js';

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

async function reads(text: string, form: 'select' | 'ask' = 'select') {
  const engine = await createQueryEngine(prefixes, 'oxigraph');
  const { ast, prefixes: p } = await engine.parse(q(text), form);
  return queryReads(ast, p, form).predicates;
}

function store(names: string[], ages: number[]): Store {
  const s = new Store();
  names.forEach((n, i) => s.addQuad(quad(namedNode(`${EX}p${i}`), namedNode(`${EX}name`), literal(n))));
  ages.forEach((a, i) => s.addQuad(quad(namedNode(`${EX}p${i}`), namedNode(`${EX}age`), literal(String(a)))));
  return s;
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
  ])('reads the whole graph with %s', async (_why, text) => {
    expect(await reads(text)).toBe('all');
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
