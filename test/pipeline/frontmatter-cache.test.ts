/**
 * The frontmatter cache (src/pipeline/emit/frontmatter-cache.ts) lets a run skip the YAML parser
 * for frontmatters parsed before. A template loaded through it, hit or miss, is exactly the
 * template a parse gives, and so is every error its values cause (file:line:col included). The
 * file is untrusted: anything but FrontmatterData's exact shape is a miss, never an error or a
 * different template.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FRONTMATTER_CACHE_FILE,
  FrontmatterCache,
  validFrontmatter,
} from '../../src/pipeline/emit/frontmatter-cache.js';
import { loadTemplates, parseFrontmatter, type FrontmatterLookup } from '../../src/pipeline/emit/templates.js';
import { InputError } from '../../src/pipeline/errors.js';
import type { Manifest } from '../../src/pipeline/types.js';
import { tempProject } from '../support/project.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

const FILES: Record<string, string> = {
  'templates/per-app.ts.njk': [
    '---',
    'to: "{{ row.app }}/{{ row.name }}.ts"',
    'queries:',
    '  apps: queries/apps.rq',
    '  ops: |',
    '    SELECT ?op WHERE { ?op a <urn:Op> } ORDER BY ?op',
    'for_each: apps',
    'when: >',
    '  ASK { ?s ?p ?o }',
    'schema:',
    '  apps: schemas/apps.json',
    'description: "one module per app"',
    '---',
    'export const name = {{ row.name | tsString }};',
  ].join('\n'),
  'templates/index.ts.njk': '---\nto: index.ts\nquery: queries/apps.rq\nskip_empty: true\n---\nexport {};\n',
  'templates/stub.ts.njk': [
    '---',
    "to: 'stubs/{{ row.name }}.ts'",
    'query: "SELECT ?name WHERE { ?s <urn:name> ?name } ORDER BY ?name"',
    'for_each: true',
    'mode: create_once',
    'root: handwritten',
    '---',
    '// yours',
  ].join('\n'),
  'templates/plain.txt.njk': '---\nto: plain.txt\n---\nplain\n',
  'templates/_p/m.njk': '{% macro lit(s) %}{{ s | tsString }}{% endmacro %}',
  'queries/apps.rq': 'SELECT ?app ?name WHERE { ?a <urn:app> ?app ; <urn:name> ?name } ORDER BY ?app',
  'schemas/apps.json': '{"type":"object"}',
};

function project(files: Record<string, string> = FILES): Manifest {
  const m = tempProject('ggen-frontmatter-cache-', files);
  roots.push(m.root);
  return m;
}

/** A lookup over the cache that counts its hits. */
function counted(cache: FrontmatterCache): FrontmatterLookup & { hits: number; misses: number } {
  const c = {
    hits: 0,
    misses: 0,
    get(yaml: string) {
      const d = cache.get(yaml);
      if (d) c.hits++;
      else c.misses++;
      return d;
    },
    set: (yaml: string, data: Parameters<FrontmatterCache['set']>[1]) => cache.set(yaml, data),
  };
  return c;
}

/** Loads with a fresh cache (all misses), saves it, then loads with the saved file (all hits). */
async function throughCache(m: Manifest) {
  const first = FrontmatterCache.open(m.root);
  const miss = counted(first);
  const a = await loadTemplates(m, miss);
  first.save();
  const hit = counted(FrontmatterCache.open(m.root));
  const b = await loadTemplates(m, hit);
  return { a, b, miss, hit };
}

const errorOf = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).diagnostics;
  }
  throw new Error('expected an InputError');
};

describe('frontmatter cache', () => {
  it('gives the templates a parse gives, on a miss and on a hit', async () => {
    const m = project();
    const fresh = await loadTemplates(m);
    const { a, b, miss, hit } = await throughCache(m);
    expect(miss).toMatchObject({ hits: 0, misses: 4 });
    expect(hit).toMatchObject({ hits: 4, misses: 0 });
    expect(a).toEqual(fresh);
    expect(b).toEqual(fresh);
    // What the frontmatters say made it through (a block scalar's query starts on the line after `|`).
    const perApp = b.templates.find((t) => t.file === 'templates/per-app.ts.njk')!;
    expect(perApp.queries.map((q) => [q.name, q.query.file, q.query.line])).toEqual([
      ['apps', 'queries/apps.rq', 1],
      ['ops', 'templates/per-app.ts.njk', 6],
    ]);
    expect(perApp.when).toMatchObject({ line: 9, text: 'ASK { ?s ?p ?o }\n' });
    expect(perApp.schemas).toEqual([{ query: 'apps', file: 'schemas/apps.json', schema: { type: 'object' } }]);
    expect(b.templates.find((t) => t.file === 'templates/stub.ts.njk')).toMatchObject({
      mode: 'create_once',
      root: 'handwritten',
      forEach: 'rows',
      toLine: 2,
    });
  });

  it('keeps the new frontmatter when one is edited, and saves only the entries in use', async () => {
    const m = project();
    await throughCache(m);
    const file = path.join(m.root, 'templates/plain.txt.njk');
    writeFileSync(file, '---\nto: renamed.txt\n---\nplain\n');
    const cache = FrontmatterCache.open(m.root);
    const c = counted(cache);
    const set = await loadTemplates(m, c);
    expect(c).toMatchObject({ hits: 3, misses: 1 });
    expect(set.templates.find((t) => t.file === 'templates/plain.txt.njk')!.to).toBe('renamed.txt');
    cache.save();
    const stored = JSON.parse(readFileSync(path.join(m.root, FRONTMATTER_CACHE_FILE), 'utf8'));
    expect(Object.keys(stored.entries)).toHaveLength(4);
    expect(JSON.stringify(stored)).not.toContain('plain.txt');
  });

  describe('a cached frontmatter fails as its parse does', () => {
    const bad: Record<string, string> = {
      'a query file that is missing': 'to: x.ts\nquery: queries/none.rq\n',
      'for_each naming no query': 'to: x.ts\nqueries:\n  a: queries/apps.rq\nfor_each: b\n',
      'for_each that is not a boolean with query': 'to: x.ts\nquery: queries/apps.rq\nfor_each: 3\n',
      'skip_empty that is not a boolean': 'to: x.ts\nskip_empty: 3\n',
      'skip_empty that is a list': 'to: x.ts\nskip_empty: [true]\n',
      'a mode it does not know': 'to: x.ts\nmode: append\n',
      'root handwritten without create_once': 'to: x.ts\nroot: handwritten\n',
      'a description that is null': 'to: x.ts\ndescription:\n',
      'a schema that is a list': 'to: x.ts\nquery: queries/apps.rq\nschema: [a]\n',
      'a schema file that is not a string': 'to: x.ts\nquery: queries/apps.rq\nschema:\n  rows: 7\n',
      'a schema naming no query': 'to: x.ts\nquery: queries/apps.rq\nschema:\n  nope: schemas/apps.json\n',
      'queries that are not a map': 'to: x.ts\nqueries: [a, b]\n',
      'a query name that is not an identifier': 'to: x.ts\nqueries:\n  "a-b": queries/apps.rq\n',
      'a query that is a number': 'to: x.ts\nqueries:\n  a: 12\n',
      'an empty inline query': 'to: x.ts\nquery: "  "\n',
      'both query and queries': 'to: x.ts\nquery: queries/apps.rq\nqueries:\n  a: queries/apps.rq\n',
      'to that is a map': 'to:\n  a: b\n',
      'no to': 'query: queries/apps.rq\n',
    };
    for (const [what, yaml] of Object.entries(bad)) {
      it(what, async () => {
        const m = project({
          'templates/t.ts.njk': `---\n${yaml}---\nbody\n`,
          'queries/apps.rq': FILES['queries/apps.rq']!,
          'schemas/apps.json': FILES['schemas/apps.json']!,
        });
        const parsed = await errorOf(loadTemplates(m));
        // The YAML parsed, so the cache holds its data even though the template failed.
        const first = FrontmatterCache.open(m.root);
        expect(await errorOf(loadTemplates(m, first))).toEqual(parsed);
        first.save();
        const c = counted(FrontmatterCache.open(m.root));
        expect(await errorOf(loadTemplates(m, c))).toEqual(parsed);
        expect(c.hits).toBe(1);
      });
    }
  });

  it('never caches YAML that does not parse, nor a frontmatter with an unknown key', async () => {
    for (const yaml of ['to: [unclosed\n', 'to: x.ts\nto: y.ts\n', 'to: x.ts\nfor_eahc: true\n', '- a list\n']) {
      const m = project({ 'templates/t.ts.njk': `---\n${yaml}---\nbody\n` });
      const parsed = await errorOf(loadTemplates(m));
      const cache = FrontmatterCache.open(m.root);
      expect(await errorOf(loadTemplates(m, cache))).toEqual(parsed);
      cache.save();
      const stored = JSON.parse(readFileSync(path.join(m.root, FRONTMATTER_CACHE_FILE), 'utf8'));
      expect(stored.entries).toEqual({});
    }
  });

  describe('a damaged cache file is a miss', () => {
    type Stored = { salt: string; entries: Record<string, Record<string, unknown>> };
    const damage = async (edit: (stored: Stored) => void, expectMisses = 4): Promise<void> => {
      const m = project();
      const fresh = await loadTemplates(m);
      await throughCache(m);
      const file = path.join(m.root, FRONTMATTER_CACHE_FILE);
      const stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
      edit(stored);
      writeFileSync(file, JSON.stringify(stored));
      const c = counted(FrontmatterCache.open(m.root));
      expect(await loadTemplates(m, c)).toEqual(fresh);
      expect(c.misses).toBe(expectMisses);
    };
    const each = (stored: Stored, fn: (e: Record<string, unknown>) => void): void => {
      for (const e of Object.values(stored.entries)) fn(e);
    };
    const keys = (e: Record<string, unknown>) =>
      e.keys as Record<string, { value: unknown; where: Record<string, unknown>; node: Record<string, unknown> }>;

    it('not JSON', async () => {
      const m = project();
      const fresh = await loadTemplates(m);
      await throughCache(m);
      writeFileSync(path.join(m.root, FRONTMATTER_CACHE_FILE), '{"salt": "x", "entries": {');
      const c = counted(FrontmatterCache.open(m.root));
      expect(await loadTemplates(m, c)).toEqual(fresh);
      expect(c.hits).toBe(0);
    });
    it('another salt', () => damage((s) => (s.salt = 'f'.repeat(64))));
    it('an entry that is not an object', () =>
      damage((s) => Object.keys(s.entries).forEach((k) => (s.entries[k] = [] as unknown as Record<string, unknown>))));
    it('a key a frontmatter may not have', () => damage((s) => each(s, (e) => (keys(e).eval = { ...keys(e).to! }))));
    it('a __proto__ key', () =>
      damage((s) =>
        each(s, (e) => {
          e.keys = JSON.parse(
            JSON.stringify(e.keys).replace(
              /^\{/,
              '{"__proto__":{"value":"x","where":{"line":2,"col":1},"node":{"line":2,"col":1,"block":false}},',
            ),
          );
        }),
      ));
    it('a value of a kind no parse gives (a number)', () => damage((s) => each(s, (e) => (keys(e).to!.value = 5))));
    it('a value of a kind no parse gives (a list)', () => damage((s) => each(s, (e) => (keys(e).to!.value = ['x']))));
    it('a map value holding a number', () => damage((s) => each(s, (e) => (keys(e).to!.value = { a: 1 }))));
    it('a line that is not a positive integer', () => damage((s) => each(s, (e) => (keys(e).to!.where.line = 0))));
    it('a column that is not an integer', () => damage((s) => each(s, (e) => (keys(e).to!.node.col = 1.5))));
    it('a block flag that is not a boolean', () => damage((s) => each(s, (e) => (keys(e).to!.node.block = 'yes'))));
    it('a position with an extra field', () => damage((s) => each(s, (e) => (keys(e).to!.where.file = 'x'))));
    it('an entry with an extra field', () => damage((s) => each(s, (e) => (e.more = 1))));
    it('queries without items', () =>
      damage(
        (s) => each(s, (e) => delete e.items),
        1, // only per-app.ts.njk has `queries`
      ));
    it('items without queries', () => damage((s) => each(s, (e) => (e.items ??= null)), 3));
    it('an item whose text is not a string', () =>
      damage(
        (s) => each(s, (e) => Array.isArray(e.items) && e.items.forEach((i: Record<string, unknown>) => (i.text = 1))),
        1,
      ));
  });

  it('keeps only what the checks can tell apart, and what a parse gives passes its own check', async () => {
    const data = await parseFrontmatter(
      'to: x.ts\nskip_empty: 3\nmode: [a]\nroot: 2.5\ndescription: ~\nschema:\n  a: b\n  c: [d]\nfor_each: yes\n',
      't.njk',
    );
    expect(validFrontmatter(data)).toBe(true);
    const values = Object.fromEntries(Object.entries(data.keys).map(([k, v]) => [k, v.value]));
    expect(values).toEqual({
      to: 'x.ts',
      skip_empty: 0,
      mode: 0,
      root: 0,
      description: null,
      schema: { a: 'b', c: 0 },
      for_each: 'yes',
    });
  });
});
