/**
 * sync/warm-rows.ts: under `sync --watch` a query's answer is reused while the triples it can read
 * are unchanged. What it may read must cover every clause, and a query whose answer can depend on
 * anything else must never be reused; a warm run must still write what a fresh run computes.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueryEngine } from '../../src/pipeline/engine/index.js';
import { sync } from '../../src/pipeline/sync.js';
import { SyncSession } from '../../src/pipeline/sync/session.js';
import { queryReads } from '../../src/pipeline/sync/warm-rows.js';
import { project } from '../cli/helpers.js';

const EX = 'https://example.org/ns#';
const prefixes = { ex: EX };

async function reads(text: string, form: 'select' | 'ask' = 'select') {
  const engine = await createQueryEngine(prefixes, 'oxigraph');
  const { ast, prefixes: parsedWith } = await engine.parse({ text, file: 'q.rq', line: 1 }, form);
  return queryReads(ast, parsedWith, form);
}

describe('queryReads', () => {
  it('names the predicates of every clause: WHERE, EXISTS in a projection, HAVING and ORDER BY', async () => {
    const r = await reads(
      `SELECT ?s (EXISTS { ?s ex:inProjection ?x } AS ?e) (COUNT(?o) AS ?n) WHERE { ?s ex:p/ex:q ?o OPTIONAL { ?o ex:r ?z } }
       GROUP BY ?s HAVING (EXISTS { ?s ex:inHaving ?y }) ORDER BY (EXISTS { ?s ex:inOrder ?w }) ?s`,
    );
    expect(r.fresh).toBe(false);
    expect(r.predicates).toEqual(['inHaving', 'inOrder', 'inProjection', 'p', 'q', 'r'].map((p) => EX + p));
    expect((await reads('ASK { ?s a ex:Thing }', 'ask')).predicates).toEqual([
      'http://www.w3.org/1999/02/22-rdf-syntax-ns#type',
    ]);
  });

  it('reads "all" (never reused) where the answer can depend on anything else', async () => {
    for (const text of [
      // A variable predicate, a negated property set: any triple may match.
      'SELECT ?s ?p WHERE { ?s ?p ?o } ORDER BY ?s ?p',
      'SELECT ?s WHERE { ?s !ex:p ?o } ORDER BY ?s',
      // No tie-breakers for SELECT *: rows that tie come in the engine's order.
      'SELECT * WHERE { ?s ex:p ?o } ORDER BY ?s',
      // Their value follows the order of the solutions.
      'SELECT ?s (GROUP_CONCAT(?o) AS ?all) WHERE { ?s ex:p ?o } GROUP BY ?s ORDER BY ?s',
      'SELECT ?s (SAMPLE(?o) AS ?one) WHERE { ?s ex:p ?o } GROUP BY ?s ORDER BY ?s',
      // Another dataset than the graph.
      'SELECT ?s FROM <https://example.org/g> WHERE { ?s ex:p ?o } ORDER BY ?s',
    ])
      expect((await reads(text)).predicates, text).toBe('all');
    // A new value every run.
    expect((await reads('SELECT ?s ?r WHERE { ?s ex:p ?o BIND(RAND() AS ?r) } ORDER BY ?s ?r')).fresh).toBe(true);
  });
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('warm rows under a session', () => {
  it('reuses the answers of queries whose triples did not change, and writes what a fresh run computes', async () => {
    const dir = project();
    dirs.push(dir);
    const manifestPath = path.join(dir, 'ggen.toml');
    const spec = path.join(dir, 'specs/domain.ttl');
    const index = path.join(dir, 'generated/index.ts');
    const session = new SyncSession();
    const fresh = async (): Promise<void> => {
      for (const engine of ['oxigraph', 'comunica'] as const) {
        const r = await sync({ manifestPath, check: true, noFastPath: true, engine });
        expect(r.status, `${engine}: ${JSON.stringify(r.entries.filter((e) => e.diff))}`).toBe('clean');
      }
    };
    const edit = async (change: (t: string) => string): Promise<{ hits: number; misses: number }> => {
      const before = { hits: session.rows.hits, misses: session.rows.misses };
      writeFileSync(spec, change(readFileSync(spec, 'utf8')));
      expect((await sync({ manifestPath, session })).status).toBe('written');
      await fresh();
      return { hits: session.rows.hits - before.hits, misses: session.rows.misses - before.misses };
    };
    try {
      expect((await sync({ manifestPath, session })).status).toBe('written');
      // A comment: only the query that reads rdfs:comment runs; the label query (the same text in
      // two templates, asked once a run) and the ASK are reused.
      const comment = await edit((t) => t.replace('Routes calls.', 'Routes every call.'));
      expect(comment).toEqual({ hits: 2, misses: 1 });
      expect(readFileSync(path.join(dir, 'generated/services/call-router.ts'), 'utf8')).toContain('Routes every call.');
      // A label: both SELECTs read it and run again (the index names the new label); the ASK reads rdf:type only.
      const label = await edit((t) => t.replace('"Call router"', '"Call switch"'));
      expect(label).toEqual({ hits: 1, misses: 2 });
      expect(readFileSync(index, 'utf8')).toContain('call-switch');
      // A service added, with blank nodes and an rdf:List on it (predicates no query reads), then removed.
      await edit(
        (t) =>
          `${t}\nex:Ledger a ex:Service ;\n  rdfs:label "Ledger" ;\n  rdfs:comment "Keeps books." ;\n` +
          `  rdfs:seeAlso [ rdfs:label "a note" ] ;\n  ex:tags ( "a" [ ex:k "b" ] ) .\n`,
      );
      expect(readFileSync(index, 'utf8')).toContain('ledger');
      // Only blank-node-bearing triples change: every answer is reused.
      const blanks = await edit((t) => t.replace('[ rdfs:label "a note" ]', '[ rdfs:label "a note" ; ex:k "c" ]'));
      expect(blanks).toEqual({ hits: 3, misses: 0 });
      // A bad edit writes nothing and keeps nothing; the fix after it is answered right.
      writeFileSync(spec, `${readFileSync(spec, 'utf8')}\nex:Broken a .\n`);
      await expect(sync({ manifestPath, session })).rejects.toThrow();
      await edit((t) => t.replace('\nex:Broken a .\n', '\n').replace(/\nex:Ledger[\s\S]*$/, '\n'));
      expect(readFileSync(index, 'utf8')).not.toContain('ledger');
    } finally {
      await session.close();
    }
  }, 300_000);
});
