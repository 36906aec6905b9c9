import path from 'node:path';
import type { Store } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import {
  createQueryEngine,
  formatTable,
  literalToJson,
  localName,
  runQuery,
  validateRows,
  withPrefixes,
  type QueryEngine,
} from '../../src/pipeline/extract/index.js';
import { loadManifest } from '../../src/pipeline/manifest/index.js';
import { normalize } from '../../src/pipeline/normalize/index.js';
import type { Manifest, QueryText } from '../../src/pipeline/types.js';
import { BASIC, removeProjects } from '../fixtures/pipeline-front/project.js';

const XSD = 'http://www.w3.org/2001/XMLSchema#';
let engine: QueryEngine;
let manifest: Manifest;
let store: Store;

beforeAll(async () => {
  manifest = await loadManifest(path.join(BASIC, 'ggen.toml'));
  engine = await createQueryEngine(manifest.ontology.prefixes);
  store = (await normalize(manifest, engine)).store;
});
afterAll(removeProjects);

const q = (text: string, file = 'q.rq', line = 1, column = 1): QueryText => ({ text, file, line, column });

async function inputError(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('select', () => {
  it('returns plain JSON rows in ORDER BY order', async () => {
    const { variables, rows } = await runQuery(manifest, path.join(BASIC, 'queries/select/workers.rq'), {
      engine,
      graph: { store } as never,
    });
    expect(variables).toEqual(['w', 'name', 'order', 'weight', 'label', 'enabled', 'missing']);
    expect(rows).toEqual([
      {
        w: 'https://example.org/app#logger',
        w_local: 'logger',
        name: 'logger',
        order: 1,
        weight: null,
        label: null,
        enabled: false,
        missing: null,
      },
      {
        w: 'https://example.org/app#cart',
        w_local: 'cart',
        name: 'cart',
        order: 2,
        weight: 3.5,
        label: 'Warenkorb',
        enabled: true,
        missing: null,
      },
    ]);
  });

  it("names a blank node from the data by its own label, without Comunica's source scope", async () => {
    const { Parser, Store: N3Store } = await import('n3');
    const data = new N3Store(new Parser().parse('<https://e/a> <https://e/p> [ <https://e/q> 1 ] .'));
    const label = data.getQuads(null, null, null, null).find((x) => x.subject.termType === 'BlankNode')!.subject.value;
    const { rows } = await engine.select(data, q('SELECT ?b WHERE { ?a <https://e/p> ?b } ORDER BY ?b'));
    expect(rows).toEqual([{ b: `_:${label}` }]);
  });

  it('follows descending order too', async () => {
    const { rows } = await engine.select(
      store,
      q('SELECT ?n WHERE { ?w a otp:Worker ; otp:name ?n } ORDER BY DESC(?n)'),
    );
    expect(rows.map((r) => r.n)).toEqual(['logger', 'cart']);
  });

  it('rejects a SELECT without ORDER BY, naming file, line and column', async () => {
    const err = await inputError(
      engine.select(store, q('# workers\nSELECT ?w WHERE { ?w a otp:Worker }', 'queries/w.rq')),
    );
    expect(err.message).toBe('queries/w.rq:2:1: SELECT query has no ORDER BY: add one so that row order is defined');
  });

  it('refuses a variable that would collide with the local name added for an IRI', async () => {
    const text = 'SELECT ?w ?w_local WHERE { ?w a otp:Worker ; otp:name ?w_local } ORDER BY ?w';
    const err = await inputError(engine.select(store, q(text, 'queries/clash.rq')));
    expect(err.message).toBe(
      'queries/clash.rq:1:1: ?w_local clashes with the local name ggen adds for the IRI in ?w; rename the variable',
    );
  });

  it('does not accept an ORDER BY that only a subquery has', async () => {
    const err = await inputError(
      engine.select(store, q('SELECT ?w WHERE { { SELECT ?w WHERE { ?w a otp:Worker } ORDER BY ?w } }')),
    );
    expect(err.message).toMatch(/has no ORDER BY/);
  });

  it('reports a SPARQL syntax error at file:line:col', async () => {
    const err = await inputError(
      engine.select(store, q('SELECT ?w\nWHERE {\n  ?w a otp:Worker ) .\n}\nORDER BY ?w', 'queries/bad.rq')),
    );
    expect(err.diagnostics[0]).toMatchObject({ file: 'queries/bad.rq', line: 3, col: 19 });
    expect(err.message).toMatch(/^queries\/bad\.rq:3:\d+: SPARQL syntax error: /);
  });

  it('offsets errors in inline text by where it starts in its file', async () => {
    const err = await inputError(
      engine.select(store, q('SELECT ?w WHERE { ?w a nope:Worker } ORDER BY ?w', 'ggen.toml', 7, 10)),
    );
    expect(err.message).toBe('ggen.toml:7:33: SPARQL syntax error: unknown prefix "nope:"');
    const lexer = await inputError(engine.select(store, q('SELECT ?w\nWHERE { ?w ` }', 'ggen.toml', 7, 10)));
    expect(lexer.diagnostics[0]).toMatchObject({ line: 8, col: 12 });
  });

  it('reports a query cut short at its end', async () => {
    const err = await inputError(engine.select(store, q('SELECT ?w WHERE {\n ?w a otp:Worker', 'x.rq')));
    expect(err.diagnostics[0]).toMatchObject({ file: 'x.rq', line: 2, col: 17 });
    expect(err.message).toMatch(/unexpected end of query/);
  });

  it('lets a query redeclare a manifest prefix', async () => {
    const { rows } = await engine.select(
      store,
      q('PREFIX otp: <https://example.org/app#>\nSELECT ?s WHERE { ?s a otp:Worker } ORDER BY ?s'),
    );
    expect(rows).toEqual([]);
  });

  it('keeps line numbers when prepending prefixes', () => {
    const text = withPrefixes('SELECT *\nWHERE { ?s ?p ?o }', { b: 'urn:b#', a: 'urn:a#' });
    expect(text).toBe('PREFIX a: <urn:a#> PREFIX b: <urn:b#> SELECT *\nWHERE { ?s ?p ?o }');
    expect(withPrefixes('PREFIX a: <urn:x#>\nASK {}', { a: 'urn:a#' })).toBe('PREFIX a: <urn:x#>\nASK {}');
  });
});

describe('ask and construct', () => {
  it('answer over the store', async () => {
    expect(await engine.ask(store, q('ASK { ex:cart a otp:Worker }'))).toBe(true);
    expect(await engine.ask(store, q('ASK { ex:cart a otp:Supervisor }'))).toBe(false);
    const quads = await engine.construct(store, q('CONSTRUCT { ?w a otp:Thing } WHERE { ?w a otp:Worker }'));
    expect(quads.map((x) => x.subject.value).sort()).toEqual([
      'https://example.org/app#cart',
      'https://example.org/app#logger',
    ]);
  });

  it('accept the prefixes Comunica predeclares, as Comunica does', async () => {
    expect(await engine.ask(store, q('ASK { otp:Worker a rdfs:Class }'))).toBe(true);
  });

  it('reject the wrong query form', async () => {
    expect((await inputError(engine.ask(store, q('SELECT * WHERE { ?s ?p ?o } ORDER BY ?s')))).message).toBe(
      'q.rq:1:1: expected a SPARQL ASK query, got SELECT',
    );
    expect((await inputError(engine.construct(store, q('ASK {}')))).message).toBe(
      'q.rq:1:1: expected a SPARQL CONSTRUCT query, got ASK',
    );
  });
});

describe('runQuery', () => {
  it('takes inline SPARQL and normalizes the project itself', async () => {
    const { variables, rows } = await runQuery(manifest, 'SELECT ?app WHERE { ?app a otp:Application } ORDER BY ?app');
    expect(variables).toEqual(['app']);
    expect(rows).toEqual([{ app: 'https://example.org/app#shop', app_local: 'shop' }]);
  });

  it('resolves a query file relative to the project root', async () => {
    const { rows } = await runQuery(manifest, 'queries/select/workers.rq', { engine, graph: { store } as never });
    expect(rows).toHaveLength(2);
    await expect(runQuery(manifest, 'queries/none.rq', { engine })).rejects.toThrow(
      'query file not found: queries/none.rq',
    );
  });

  it('names the query file in errors', async () => {
    const err = await inputError(runQuery(manifest, 'queries/gates/orphans.rq', { engine, graph: { store } as never }));
    expect(err.message).toBe('queries/gates/orphans.rq:1:1: expected a SPARQL SELECT query, got ASK');
  });
});

describe('formatTable', () => {
  it('aligns columns and counts rows', () => {
    const out = formatTable(
      ['name', 'n', 'ok'],
      [
        { name: 'cart', n: 2, ok: true },
        { name: 'a\nb', n: null, ok: false },
      ],
    );
    expect(out).toBe(
      ['name | n | ok', '-----+---+------', 'cart | 2 | true', 'a\\nb |   | false', '(2 rows)', ''].join('\n'),
    );
    expect(formatTable(['x'], [])).toBe('x\n-\n(0 rows)\n');
  });
});

describe('literal conversion', () => {
  it('turns xsd numerics into numbers and booleans into booleans', () => {
    expect(literalToJson('42', XSD + 'integer')).toBe(42);
    expect(literalToJson('-7', XSD + 'int')).toBe(-7);
    expect(literalToJson('2.50', XSD + 'decimal')).toBe(2.5);
    expect(literalToJson('1e3', XSD + 'double')).toBe(1000);
    expect(literalToJson('true', XSD + 'boolean')).toBe(true);
    expect(literalToJson('0', XSD + 'boolean')).toBe(false);
    expect(literalToJson('x', XSD + 'string')).toBe('x');
  });

  it('keeps values JSON cannot carry exactly as strings', () => {
    expect(literalToJson('12345678901234567890', XSD + 'integer')).toBe('12345678901234567890');
    expect(literalToJson('NaN', XSD + 'double')).toBe('NaN');
    expect(literalToJson('INF', XSD + 'float')).toBe('INF');
    expect(literalToJson('abc', XSD + 'integer')).toBe('abc');
  });

  it('takes the local name after the last # or /', () => {
    expect(localName('https://ggen.dev/otp#Worker')).toBe('Worker');
    expect(localName('https://ggen.dev/a/b')).toBe('b');
    expect(localName('urn:x')).toBe('urn:x');
  });
});

describe('validateRows', () => {
  const rowSchema = {
    type: 'object',
    required: ['name', 'order'],
    properties: { name: { type: 'string' }, order: { type: 'integer' } },
  };

  it('accepts matching rows', () => {
    expect(() => validateRows([{ name: 'a', order: 1 }], rowSchema, 'templates/x.schema.json')).not.toThrow();
  });

  it('lists every row that does not match, naming the schema file', () => {
    try {
      validateRows(
        [{ name: 'a', order: 1 }, { name: 3, order: null }, { order: 2 }],
        rowSchema,
        'templates/x.schema.json',
      );
      throw new Error('expected a failure');
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message.split('\n')).toEqual([
        'templates/x.schema.json: query rows do not match the schema: rows[1].name: must be string',
        'templates/x.schema.json: query rows do not match the schema: rows[1].order: must be integer',
        'templates/x.schema.json: query rows do not match the schema: rows[2].name: is required',
      ]);
    }
  });

  it('validates the whole list when the schema is an array schema', () => {
    const listSchema = { type: 'array', minItems: 1, items: rowSchema };
    expect(() => validateRows([], listSchema, 's.json')).toThrow(
      's.json: query rows do not match the schema: rows: must NOT have fewer than 1 items',
    );
    expect(() => validateRows([{ name: 'a', order: 'x' }], listSchema, 's.json')).toThrow(
      'rows[0].order: must be integer',
    );
  });

  it('reports an invalid schema', () => {
    expect(() => validateRows([], { type: 'nonsense' }, 'bad.json')).toThrow(/^bad\.json: invalid JSON Schema: /);
  });
});
