/**
 * Parse-ahead (engine/parse-ahead.ts): a first run's own queries are parsed in a worker while
 * normalize runs, and the engine's check takes the worker's AST instead of loading the SPARQL
 * parser. What the worker hands back must be exactly what a parse here makes (ASTs, errors), so
 * every answer and diagnostic is the same; it is asked only for queries whose facts are unknown.
 * Workers only run compiled: these tests use dist/ (the test setup builds it).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Parser as TurtleParser, Store } from 'n3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ensureBuilt, repoRoot } from '../cli/helpers.js';

type AheadModule = typeof import('../../src/pipeline/engine/parse-ahead.js');
type FactsModule = typeof import('../../src/pipeline/engine/query-facts.js');
type EngineModule = typeof import('../../src/pipeline/engine/index.js');
type PrefixesModule = typeof import('../../src/pipeline/engine/prefixes.js');
type SyntaxModule = typeof import('../../src/pipeline/extract/sparql-syntax.js');
type RewriteModule = typeof import('../../src/pipeline/engine/rewrite.js');
type SyncModule = typeof import('../../src/pipeline/sync.js');

const dist = (p: string) => new URL(`dist/src/pipeline/${p}`, `file://${repoRoot}/`).href;
async function load() {
  ensureBuilt();
  return {
    ahead: (await import(dist('engine/parse-ahead.js'))) as AheadModule,
    facts: (await import(dist('engine/query-facts.js'))) as FactsModule,
    engine: (await import(dist('engine/index.js'))) as EngineModule,
    builtin: ((await import(dist('engine/prefixes.js'))) as PrefixesModule).BUILTIN_PREFIXES,
    syntax: (await import(dist('extract/sparql-syntax.js'))) as SyntaxModule,
    rewrite: (await import(dist('engine/rewrite.js'))) as RewriteModule,
  };
}

const roots: string[] = [];
const tmp = () => {
  const r = mkdtempSync(path.join(os.tmpdir(), 'ggen-parse-ahead-'));
  roots.push(r);
  return r;
};
const closing: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(closing.splice(0).map((a) => a.close()));
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const prefixes = {
  ex: 'https://example.org/',
  otp: 'https://ggen.dev/otp#',
};
const SELECT = 'SELECT ?n ?size WHERE { ?n ex:size ?size } ORDER BY DESC(?size)';
const OTHER = 'SELECT ?n WHERE { ?n ex:next ?m } ORDER BY ?n';
const RULE = 'CONSTRUCT { ?a ex:reaches ?b } WHERE { ?a ex:next ?b }';
const BROKEN = [
  'SELECT ?n WHERE { ?n ex:size ?size } ORDER BY ?n }',
  'SELECT ?n WHERE { ?n nope:size ?s } ORDER BY ?n',
];

describe('parse-ahead', () => {
  it('hands back the AST or the error message a parse on this thread makes, for every shipped query and broken ones', async () => {
    const m = await load();
    const queries = path.join(repoRoot, 'packs/otp/queries');
    const texts = [
      ...readdirSync(queries)
        .filter((f) => f.endsWith('.rq'))
        .map((f) => readFileSync(path.join(queries, f), 'utf8')),
      ...readdirSync(path.join(queries, 'inference')).map((f) =>
        readFileSync(path.join(queries, 'inference', f), 'utf8'),
      ),
      ...BROKEN,
    ];
    expect(texts.length).toBeGreaterThan(20);
    const ahead = m.ahead.ParseAhead.start(
      m.facts.QueryFacts.inMemory(),
      prefixes,
      texts.map((text) => ({ form: 'select' as const, text })),
    );
    expect(ahead).toBeDefined();
    closing.push(ahead!);
    const parser = await m.syntax.standaloneParser();
    const engineprefixes = { ...m.builtin, ...prefixes };
    for (const text of texts) {
      const here = (() => {
        try {
          return { ast: parser.parse(text, { ...m.rewrite.locatingContext(parser), prefixes: { ...engineprefixes } }) };
        } catch (err) {
          return { error: (err as Error).message };
        }
      })();
      // toStrictEqual: same keys, values and plain-object types, source locations included.
      expect(await ahead!.take(text, engineprefixes), text).toStrictEqual(here);
      expect('error' in here, text).toBe(BROKEN.includes(text));
    }
  });

  it('is started only for queries whose facts are unknown, and not when a query normalize checks is unknown', async () => {
    const m = await load();
    const { QueryFacts, checkedKind } = m.facts;
    const engineprefixes = { ...m.builtin, ...prefixes };
    const facts = QueryFacts.inMemory();
    const know = (form: 'select' | 'construct', text: string) =>
      facts.get(
        QueryFacts.key(checkedKind(form), engineprefixes, text),
        (_x): _x is unknown => true,
        async () => true,
      );
    await know('select', SELECT);
    const start = (later: string[], sooner: Array<{ form: 'construct'; text: string }> = []) => {
      const a = m.ahead.ParseAhead.start(
        facts,
        prefixes,
        later.map((text) => ({ form: 'select' as const, text })),
        sooner,
      );
      if (a) closing.push(a);
      return a;
    };
    expect(start([SELECT])).toBeUndefined();
    const some = start([SELECT, OTHER]);
    expect(some?.take(SELECT, engineprefixes)).toBeUndefined();
    expect(await some?.take(OTHER, engineprefixes)).toHaveProperty('ast');
    // The rule is unknown: normalize loads the parser here anyway, before a worker could answer.
    expect(start([OTHER], [{ form: 'construct', text: RULE }])).toBeUndefined();
    await know('construct', RULE);
    expect(start([OTHER], [{ form: 'construct', text: RULE }])).toBeDefined();
    // The fact of another form (or other prefixes) is another fact.
    await know('construct', OTHER);
    expect(start([OTHER])).toBeDefined();
  });

  it('gives each text once, for the prefixes it was parsed with; closed, what is pending resolves undefined', async () => {
    const m = await load();
    const engineprefixes = { ...m.builtin, ...prefixes };
    const ahead = m.ahead.ParseAhead.start(m.facts.QueryFacts.inMemory(), prefixes, [
      { form: 'select', text: SELECT },
      { form: 'select', text: OTHER },
    ])!;
    closing.push(ahead);
    expect(ahead.take(SELECT, { ...engineprefixes, ex: 'https://example.org/other#' })).toBeUndefined();
    expect(ahead.take(SELECT, prefixes)).toBeUndefined();
    expect(await ahead.take(SELECT, engineprefixes)).toHaveProperty('ast');
    expect(ahead.take(SELECT, engineprefixes)).toBeUndefined();
    const pending = ahead.take(OTHER, engineprefixes);
    await ahead.close();
    // Either the worker answered first or the close did: never an error, never a wrong AST.
    const outcome = await pending;
    if (outcome !== undefined) expect(outcome).toHaveProperty('ast');
  });

  it("the engine's check takes the worker's AST: same rows and errors, and the parser never loads here", async () => {
    const m = await load();
    const TTL =
      '@prefix ex: <https://example.org/> .\nex:a ex:size 2 ; ex:next ex:b .\nex:b ex:size 2 .\nex:c ex:size 1 .\n';
    const store = () => new Store(new TurtleParser().parse(TTL));
    const q = (text: string) => ({ text, file: 'q.rq', line: 3, column: 5 });
    const run = async (withAhead: boolean) => {
      const engine = await m.engine.createQueryEngine(prefixes, 'oxigraph');
      const facts = m.facts.QueryFacts.inMemory();
      engine.useQueryFacts(facts);
      if (withAhead) {
        const ahead = m.ahead.ParseAhead.start(
          facts,
          prefixes,
          [SELECT, OTHER, ...BROKEN].map((text) => ({ form: 'select' as const, text })),
        );
        expect(ahead).toBeDefined();
        closing.push(ahead!);
        engine.useParseAhead(ahead);
      }
      // The fact a run derives and the select itself ask for the AST at once: one parse serves both.
      const [reads, rows] = await Promise.all([
        engine.derive(
          q(SELECT),
          'select',
          'test/variables',
          (ast) => JSON.stringify(ast).length,
          (x): x is number => typeof x === 'number',
        ),
        engine.select(store(), q(SELECT)),
      ]);
      const other = await engine.select(store(), q(OTHER));
      const errors = await Promise.all(
        BROKEN.map((text) =>
          engine.select(store(), q(text)).then(
            () => 'no error',
            (err: Error) => err.message,
          ),
        ),
      );
      const loaded = (engine as unknown as { parserValue?: unknown }).parserValue !== undefined;
      return { reads, rows, other, errors, loaded };
    };
    const here = await run(false);
    const ahead = await run(true);
    expect(here.loaded).toBe(true);
    expect(
      here.errors.every((e) => /^q\.rq:\d+:\d+: /.test(e)),
      here.errors.join('\n'),
    ).toBe(true);
    expect(ahead).toEqual({ ...here, loaded: false });
  });
});

describe('a whole sync (compiled build: workers only run compiled)', () => {
  /** A new user's project: a spec, one query of its own, one template; no inference rules. */
  function newProject(query: string): string {
    const dir = tmp();
    mkdirSync(path.join(dir, 'specs'));
    mkdirSync(path.join(dir, 'templates'));
    mkdirSync(path.join(dir, 'queries'));
    writeFileSync(
      path.join(dir, 'ggen.toml'),
      '[project]\nname = "t"\n\n[ontology]\nsources = ["specs/*.ttl"]\n\n[ontology.prefixes]\nex = "https://example.org/"\n\n[generation]\ntemplates = "templates"\noutput_dir = "generated"\n',
    );
    writeFileSync(
      path.join(dir, 'specs/a.ttl'),
      '@prefix ex: <https://example.org/> .\nex:a a ex:Thing ; ex:code "A" .\nex:b a ex:Thing ; ex:code "B" .\n',
    );
    writeFileSync(path.join(dir, 'queries/things.rq'), query);
    writeFileSync(
      path.join(dir, 'templates/thing.ts.njk'),
      '---\nto: "things/{{ row.code }}.ts"\nquery: queries/things.rq\nfor_each: true\nwhen: ASK { ?t a ex:Thing }\n---\nexport const code = {{ row.code | tsString }};\n',
    );
    return dir;
  }
  const snapshot = (dir: string) =>
    Object.fromEntries(
      ['generated/things/A.ts', 'generated/things/B.ts', 'receipts/latest.json'].map((f) => [
        f,
        readFileSync(path.join(dir, f), 'utf8'),
      ]),
    );

  it('a first run parses its own queries ahead, and writes what a run that parses them itself (--full) writes', async () => {
    const m = await load();
    const { sync } = (await import(dist('sync.js'))) as SyncModule;
    const start = vi.spyOn(m.ahead.ParseAhead, 'start');
    const query = 'SELECT ?code WHERE { ?t a ex:Thing ; ex:code ?code } ORDER BY ?code\n';
    const first = newProject(query);
    const full = tmp();
    cpSync(first, full, { recursive: true });
    expect((await sync({ manifestPath: path.join(first, 'ggen.toml') })).status).toBe('written');
    expect(start).toHaveBeenCalledTimes(1);
    expect(start.mock.results[0]!.value).toBeDefined();
    start.mockClear();
    expect((await sync({ manifestPath: path.join(full, 'ggen.toml'), noFastPath: true })).status).toBe('written');
    expect(start).not.toHaveBeenCalled();
    expect(snapshot(first)).toEqual(snapshot(full));
    // A later run knows its queries' facts: nothing to parse ahead.
    writeFileSync(
      path.join(first, 'specs/a.ttl'),
      readFileSync(path.join(first, 'specs/a.ttl'), 'utf8') + 'ex:c a ex:Thing ; ex:code "C" .\n',
    );
    expect((await sync({ manifestPath: path.join(first, 'ggen.toml') })).status).toBe('written');
    expect(start).toHaveBeenCalledTimes(1);
    expect(start.mock.results[0]!.value).toBeUndefined();
  });

  it("a query's syntax error parsed ahead is reported at the same file:line:col as one parsed here", async () => {
    const { sync } = (await import(dist('sync.js'))) as SyncModule;
    const query = 'SELECT ?code WHERE {\n  ?t a ex:Thing ; ex:code ?code } }\nORDER BY ?code\n';
    const messages: string[] = [];
    for (const noFastPath of [false, true]) {
      const dir = newProject(query);
      messages.push(
        await sync({ manifestPath: path.join(dir, 'ggen.toml'), noFastPath }).then(
          () => 'no error',
          (err: Error) => err.message,
        ),
      );
    }
    expect(messages[0]).toMatch(/^queries\/things\.rq:2:\d+: SPARQL syntax error/);
    expect(messages[1]).toBe(messages[0]);
  });
});
