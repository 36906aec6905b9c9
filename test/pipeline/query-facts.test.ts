/**
 * Query facts (engine/query-facts.ts): what a parse told about a query is kept in
 * .ggen/cache/queries.json, so a later run answers without loading the SPARQL parser. The answers
 * must be those of a parse, and the file is untrusted: a corrupt file, or entries of the wrong
 * shape, are misses (the query is parsed again), never a different answer.
 */
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataFactory, Parser, Store } from 'n3';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueryEngine, type QueryEngine, type RdfTerm } from '../../src/pipeline/engine/index.js';
import { factsSalt, QUERY_FACTS_FILE, QueryFacts } from '../../src/pipeline/engine/query-facts.js';
import { writeSeed } from '../../src/pipeline/engine/query-facts-seed.js';
import {
  isSubstitutionPlanFor,
  isTieBreakersFor,
  substitute,
  substitutionPlan,
  applySubstitution,
} from '../../src/pipeline/engine/rewrite.js';
import { standaloneParser } from '../../src/pipeline/extract/sparql-syntax.js';
import { InputError } from '../../src/pipeline/errors.js';
import { runInference } from '../../src/pipeline/normalize/inference.js';
import { isStoredReads } from '../../src/pipeline/normalize/rule-reads.js';
import { checkShapesSparql } from '../../src/pipeline/normalize/shacl-sparql.js';
import type { InferenceRule, QueryText } from '../../src/pipeline/types.js';
import { ensureBuilt, fixture, repoRoot } from '../cli/helpers.js';

const roots: string[] = [];
const root = () => {
  const r = mkdtempSync(path.join(os.tmpdir(), 'ggen-query-facts-'));
  roots.push(r);
  return r;
};
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const TTL = `
@prefix ex: <https://example.org/> .
ex:a ex:name "a" ; ex:size 2 ; ex:next ex:b .
ex:b ex:name "b" ; ex:size 2 ; ex:next ex:c .
ex:c ex:name "c" ; ex:size 1 .
`;
const store = () => new Store(new Parser().parse(TTL));
const prefixes = { ex: 'https://example.org/' };
const q = (text: string, file = 'q.rq'): QueryText => ({ text, file, line: 1 });

// Ties under ORDER BY ?size: the tie-breakers (?n) decide the row order.
const SELECT = q('SELECT ?n ?size WHERE { ?n ex:size ?size } ORDER BY DESC(?size)');
const ASK = q('ASK { ex:a ex:next ex:b }');
const RULES: InferenceRule[] = [
  { name: 'reach', construct: q('CONSTRUCT { ?a ex:reaches ?b } WHERE { ?a ex:next ?b }', 'r1.rq') },
  {
    name: 'trans',
    construct: q('CONSTRUCT { ?a ex:reaches ?c } WHERE { ?a ex:reaches ?b . ?b ex:reaches ?c }', 'r2.rq'),
  },
];
// A SHACL-SPARQL constraint query: $this pre-bound by substitution.
const SHACL =
  'PREFIX ex: <https://example.org/>\nSELECT $this ?value WHERE { $this ex:next ?value . FILTER (bound($this)) }';

const parserLoaded = (e: QueryEngine) => (e as unknown as { parserValue?: unknown }).parserValue !== undefined;

/** Everything a run asks of the engine, as plain data. */
async function answers(engine: QueryEngine) {
  const rows = (await engine.select(store(), SELECT)).rows;
  const ask = await engine.ask(store(), ASK);
  const s = store();
  const inference = await runInference(s, RULES, 10, engine, 'ggen.toml');
  const reaches = s
    .getQuads(null, 'https://example.org/reaches', null, null)
    .map((x) => `${x.subject.value} ${x.object.value}`);
  const pre = await engine.derive(
    q(SHACL, 'shapes.ttl'),
    'shacl',
    'pre-binding/this',
    () => 'computed',
    (x): x is string => typeof x === 'string',
  );
  const bound = await engine.selectTerms(store(), SHACL, {
    this: DataFactory.namedNode('https://example.org/a') as unknown as RdfTerm,
  });
  return {
    rows,
    ask,
    inference,
    reaches: reaches.sort(),
    pre,
    bound: bound.map((r) => [...r].map(([k, v]) => `${k}=${v.value}`)),
  };
}

async function engineWith(r: string | undefined): Promise<QueryEngine> {
  const engine = await createQueryEngine(prefixes, 'oxigraph');
  if (r) engine.useQueryFacts(QueryFacts.open(r));
  return engine;
}

/** A project whose facts file holds what one run learnt. */
async function learnt(): Promise<{ r: string; expected: Awaited<ReturnType<typeof answers>> }> {
  const r = root();
  const facts = QueryFacts.open(r);
  const engine = await createQueryEngine(prefixes, 'oxigraph');
  engine.useQueryFacts(facts);
  const expected = await answers(engine);
  facts.save();
  return { r, expected };
}

describe('query facts', () => {
  it('a later run answers the same from the file without loading the SPARQL parser', async () => {
    const { r, expected } = await learnt();
    // Tie-breakers ordered the tied rows; inference reached the fixpoint over both rules.
    expect(expected.rows.map((x) => x.n)).toEqual([
      'https://example.org/a',
      'https://example.org/b',
      'https://example.org/c',
    ]);
    expect(expected.reaches).toContain('https://example.org/a https://example.org/c');
    expect(expected.bound).toEqual([['this=https://example.org/a', 'value=https://example.org/b']]);
    const engine = await engineWith(r);
    const again = await answers(engine);
    expect(again).toEqual(expected);
    expect(parserLoaded(engine)).toBe(false);
  });

  it("a watch session's later run keeps every fact it used in its own file", async () => {
    const { expected } = await learnt();
    // One engine, two runs: the second run's file must hold what the first run learnt too.
    const engine = await engineWith(root());
    await answers(engine);
    const second = root();
    const facts = QueryFacts.open(second);
    engine.useQueryFacts(facts);
    expect(await answers(engine)).toEqual(expected);
    facts.save();
    const fresh = await engineWith(second);
    expect(await answers(fresh)).toEqual(expected);
    expect(parserLoaded(fresh)).toBe(false);
  });

  it('a run without the file parses, and answers the same', async () => {
    const { expected } = await learnt();
    const engine = await engineWith(undefined);
    expect(await answers(engine)).toEqual(expected);
    expect(parserLoaded(engine)).toBe(true);
  });

  it('a corrupt file is a miss: the queries are parsed again, the answers are the same', async () => {
    const { r, expected } = await learnt();
    writeFileSync(path.join(r, QUERY_FACTS_FILE), '{"salt": tru');
    const engine = await engineWith(r);
    expect(await answers(engine)).toEqual(expected);
    expect(parserLoaded(engine)).toBe(true);
  });

  it('entries of the wrong shape are misses, never answers', async () => {
    const { r, expected } = await learnt();
    const file = path.join(r, QUERY_FACTS_FILE);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { salt: string; entries: Record<string, unknown> };
    const kinds = new Set<string>();
    for (const [k, v] of Object.entries(doc.entries)) {
      // Each planted value is well-formed JSON of the fact's general kind, but wrong for its query.
      if (v === true) doc.entries[k] = 'true';
      else if (v && typeof v === 'object' && 'extra' in v) doc.entries[k] = { at: 3, extra: ['n'] };
      else if (v && typeof v === 'object' && 'where' in v)
        doc.entries[k] = {
          ...v,
          edits: [[(v as { where: number }).where + 1, (v as { where: number }).where + 6, 'this', 0]],
        };
      else if (v && typeof v === 'object' && 'predicates' in v)
        doc.entries[k] = { predicates: ['ex:next', 'not an iri'], fresh: false };
      else if (typeof v === 'string' || v === null) doc.entries[k] = 42;
      else continue;
      kinds.add(typeof v === 'object' && v ? Object.keys(v).join(',') : String(typeof v));
    }
    // Every kind of fact was planted: the check, tie-breakers, a plan, reads, a pre-binding verdict.
    expect(kinds.size).toBe(5);
    writeFileSync(file, JSON.stringify(doc));
    const engine = await engineWith(r);
    expect(await answers(engine)).toEqual(expected);
    expect(parserLoaded(engine)).toBe(true);
  });

  it('another prefix mapping or query text is another fact', async () => {
    const { r } = await learnt();
    const engine = await createQueryEngine({ ex: 'https://example.org/other#' }, 'oxigraph');
    engine.useQueryFacts(QueryFacts.open(r));
    expect((await engine.select(store(), SELECT)).rows).toEqual([]);
    expect(parserLoaded(engine)).toBe(true);
  });

  it('a query with an error is never stored: every run reports it at its file:line', async () => {
    const r = root();
    const bad = { text: 'SELECT ?n WHERE { ?n ex:size ?size }', file: 'bad.rq', line: 7 };
    for (let run = 0; run < 2; run++) {
      const facts = QueryFacts.open(r);
      const engine = await engineWith(undefined);
      engine.useQueryFacts(facts);
      const err = await engine.select(store(), bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).diagnostics[0]).toMatchObject({ file: 'bad.rq', line: 7 });
      facts.save();
    }
  });

  it('a shapes file whose query breaks the pre-binding rules is refused on every run, from the file too', async () => {
    const r = root();
    const shapes = new Store(
      new Parser().parse(`
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ;
          sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?x { 1 } $this ex:next ?x }" ] .`),
    );
    for (let run = 0; run < 2; run++) {
      const facts = QueryFacts.open(r);
      const engine = await engineWith(undefined);
      engine.useQueryFacts(facts);
      await expect(checkShapesSparql(shapes as never, engine, { prefixes })).rejects.toThrow(/VALUES/);
      facts.save();
    }
  });

  it('the stored plan and tie-breakers are exactly what substitute and withTieBreakers do', async () => {
    const parser = await standaloneParser();
    const { locatingContext } = await import('../../src/pipeline/engine/rewrite.js');
    const ast = parser.parse(SHACL, { ...locatingContext(parser), prefixes });
    const plan = substitutionPlan(SHACL, ast, ['this']);
    expect(plan).not.toBeNull();
    expect(isSubstitutionPlanFor(SHACL, ['this'])(plan)).toBe(true);
    const values = { this: '<https://example.org/a>' };
    expect(applySubstitution(SHACL, plan!, values)).toBe(substitute(SHACL, ast, values));
    expect(applySubstitution(SHACL, plan!, values)).toContain('<https://example.org/a> ex:next ?value . FILTER (true)');
    // A plan whose edit does not cover an occurrence of $this, or overlaps, is refused.
    const first = plan!.edits[plan!.edits.length - 1]!;
    expect(isSubstitutionPlanFor(SHACL, ['this'])({ ...plan, edits: [[first[0] + 1, first[1], 'this', 0]] })).toBe(
      false,
    );
    expect(isSubstitutionPlanFor(SHACL, ['this'])({ ...plan, edits: [first, first] })).toBe(false);
    expect(isSubstitutionPlanFor(SHACL, ['that'])(plan)).toBe(false);
    expect(isSubstitutionPlanFor(SHACL, ['this'])({ ...plan, where: plan!.where + 1 })).toBe(false);
    // Tie-breakers must sit after an ORDER BY and name variables only.
    const text = SELECT.text;
    expect(isTieBreakersFor(text)({ at: text.length, extra: ['n'] })).toBe(true);
    expect(isTieBreakersFor(text)({ at: 5, extra: ['n'] })).toBe(false);
    expect(isTieBreakersFor(text)({ at: text.length, extra: ['n } LIMIT 1'] })).toBe(false);
    expect(isTieBreakersFor(text)({ at: text.length + 1, extra: ['n'] })).toBe(false);
    // Reads are absolute IRIs or 'all'.
    expect(isStoredReads({ predicates: 'all', fresh: false })).toBe(true);
    expect(isStoredReads({ predicates: ['https://example.org/next'], fresh: true })).toBe(true);
    expect(isStoredReads({ predicates: ['next'], fresh: true })).toBe(false);
    expect(isStoredReads({ predicates: ['https://example.org/next'] })).toBe(false);
  });
});

describe("the build's seed of query facts (query-facts-seed.ts)", () => {
  /** A seed holding what one run learnt, as the build writes it (the run's facts file, plus `inputs`). */
  async function seeded(): Promise<{ seed: string; expected: Awaited<ReturnType<typeof answers>> }> {
    const { r, expected } = await learnt();
    const seed = path.join(root(), 'seed.json');
    const doc = JSON.parse(readFileSync(path.join(r, QUERY_FACTS_FILE), 'utf8')) as object;
    writeFileSync(seed, JSON.stringify({ ...doc, inputs: 'x' }));
    return { seed, expected };
  }
  async function engineSeeded(r: string, seed: string | false): Promise<QueryEngine> {
    const engine = await createQueryEngine(prefixes, 'oxigraph');
    engine.useQueryFacts(QueryFacts.open(r, {}, seed));
    return engine;
  }

  it('a first run (no facts file) answers from the seed without loading the parser, and keeps the facts in its file', async () => {
    const { seed, expected } = await seeded();
    const r = root();
    const facts = QueryFacts.open(r, {}, seed);
    const engine = await createQueryEngine(prefixes, 'oxigraph');
    engine.useQueryFacts(facts);
    expect(await answers(engine)).toEqual(expected);
    expect(parserLoaded(engine)).toBe(false);
    facts.save();
    // The next run has them from its own file.
    const next = await engineSeeded(r, false);
    expect(await answers(next)).toEqual(expected);
    expect(parserLoaded(next)).toBe(false);
  });

  it('no seed, --full, a seed of other code (another salt), a corrupt one or one of wrong shapes: parsed, same answers', async () => {
    const { seed, expected } = await seeded();
    const noSeed = await engineSeeded(root(), false);
    expect(await answers(noSeed)).toEqual(expected);
    expect(parserLoaded(noSeed)).toBe(true);
    // sync --full (read: false) computes every fact afresh: neither the file nor the seed is read.
    const full = await createQueryEngine(prefixes, 'oxigraph');
    full.useQueryFacts(QueryFacts.open(root(), { read: false }, seed));
    expect(await answers(full)).toEqual(expected);
    expect(parserLoaded(full)).toBe(true);

    const doc = JSON.parse(readFileSync(seed, 'utf8')) as { salt: string; entries: Record<string, unknown> };
    const other = path.join(root(), 'other.json');
    writeFileSync(other, JSON.stringify({ ...doc, salt: `${doc.salt}0` }));
    const corrupt = path.join(root(), 'corrupt.json');
    writeFileSync(corrupt, '{"salt": tru');
    const wrong = path.join(root(), 'wrong.json');
    writeFileSync(
      wrong,
      JSON.stringify({ ...doc, entries: Object.fromEntries(Object.keys(doc.entries).map((k) => [k, 42])) }),
    );
    for (const s of [other, corrupt, wrong, path.join(root(), 'missing.json')]) {
      const engine = await engineSeeded(root(), s);
      expect(await answers(engine)).toEqual(expected);
      expect(parserLoaded(engine)).toBe(true);
    }
  });

  it("the project's own file comes first: the seed is not read while the file answers", async () => {
    const { r, expected } = await learnt();
    const engine = await engineSeeded(r, path.join(root(), 'missing.json'));
    const facts = (engine as unknown as { facts: { seedFile?: unknown } }).facts;
    expect(await answers(engine)).toEqual(expected);
    expect(facts.seedFile).toBeUndefined();
  });

  it('writeSeed syncs a copy of the project and keeps its facts; it rewrites only when the inputs or the code changed', async () => {
    const repo = root();
    cpSync(fixture('basic'), repo, { recursive: true });
    const out = path.join(root(), 'seed.json');
    const inputs = ['ggen.toml', 'specs', 'queries', 'rules', 'schemas', 'templates'];
    expect(await writeSeed(repo, out, inputs)).toBe(true);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { salt: string; inputs: string; entries: object };
    expect(doc.salt).toBe(factsSalt());
    expect(Object.keys(doc.entries).length).toBeGreaterThan(0);
    // The project itself is left as it was (the sync ran in a copy).
    expect(() => readFileSync(path.join(repo, QUERY_FACTS_FILE))).toThrow();
    expect(await writeSeed(repo, out, inputs)).toBe(false);
    appendFileSync(path.join(repo, 'queries/services.rq'), '\n# edited\n');
    expect(await writeSeed(repo, out, inputs)).toBe(true);
    writeFileSync(out, JSON.stringify({ ...doc, salt: 'other code' }));
    expect(await writeSeed(repo, out, inputs)).toBe(true);
    expect(await writeSeed(repo, out, inputs)).toBe(false);
  }, 120_000);

  it("the compiled build's seed is current: made by the compiled code (its salt), for the shipped pack", async () => {
    ensureBuilt();
    const compiled = (await import(
      new URL('dist/src/pipeline/engine/query-facts.js', `file://${repoRoot}/`).href
    )) as typeof import('../../src/pipeline/engine/query-facts.js');
    const doc = JSON.parse(readFileSync(compiled.QUERY_FACTS_SEED, 'utf8')) as {
      salt: string;
      entries: Record<string, unknown>;
    };
    expect(doc.salt).toBe(compiled.factsSalt());
    // Every template query, inference rule and SHACL-SPARQL check of the pack: dozens of facts.
    expect(Object.keys(doc.entries).length).toBeGreaterThan(50);
  });
});
