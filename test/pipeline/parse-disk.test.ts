/**
 * The disk parse cache (normalize/parse-disk.ts): a run that replays the stored parses of
 * unchanged files builds the store a fresh run builds (same quads, same order, same digest) and
 * points diagnostics at the same file:line:col; an entry that does not check out is a miss.
 */
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import { createQueryEngine, type QueryEngine } from '../../src/pipeline/extract/engine.js';
import { loadManifest } from '../../src/pipeline/manifest/index.js';
import { normalize } from '../../src/pipeline/normalize/index.js';
import { parseFile } from '../../src/pipeline/normalize/parse-cache.js';
import {
  DiskParseCache,
  MAX_QUADS,
  PARSE_CACHE_DIR,
  fromEntry,
  toEntry,
} from '../../src/pipeline/normalize/parse-disk.js';
import { BASIC, PREFIXES, manifest, removeProjects, writeProject } from '../fixtures/pipeline-front/project.js';

let engine: QueryEngine;
let N3: typeof import('n3');
beforeAll(async () => {
  engine = await createQueryEngine({ otp: 'https://ggen.dev/otp#', ex: 'https://example.org/app#' });
  N3 = await import('n3');
});
afterEach(removeProjects);
afterAll(removeProjects);

const load = (root: string) => loadManifest(path.join(root, 'ggen.toml'));

/** The store's quads in its own iteration order (what queries and the graph cache see). */
const inOrder = (g: Awaited<ReturnType<typeof normalize>>) =>
  g.store.getQuads(null, null, null, null).map((q) => `${q.subject.id} ${q.predicate.id} ${q.object.id}`);

/** One run as sync makes it: the disk cache read, and saved only when normalize succeeded. */
async function run(root: string, options: { read?: boolean } = {}) {
  const disk = await DiskParseCache.open(root, options);
  const graph = await normalize(await load(root), engine, undefined, disk);
  disk.save();
  return { graph, disk };
}

async function failure(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected normalize to fail');
}

const BLANKS =
  PREFIXES +
  'ex:a ex:meta [ ex:note "one" ] , _:named ; ex:list ( ex:x [ ex:note "in list" ] ex:y ) .\n' +
  '_:named ex:note "named" .\n' +
  '[] ex:note "anonymous subject" .\n';

describe('disk parse cache', () => {
  it('replays unchanged files into the store a fresh run builds, in the same order', async () => {
    const root = await writeProject({});
    await cp(BASIC, root, { recursive: true });
    await writeFile(path.join(root, 'specs/blanks.ttl'), BLANKS);
    const first = await run(root);
    expect(first.disk.hits).toBe(0);
    const entries = await readdir(path.join(root, PARSE_CACHE_DIR));
    expect(entries.length).toBeGreaterThanOrEqual(3);

    const app = path.join(root, 'specs/app.ttl');
    await writeFile(app, (await readFile(app, 'utf8')).replace(/"[^"]*"/, '"renamed"'));
    const warm = await run(root);
    expect(warm.disk.misses).toBe(1);
    expect(warm.disk.hits).toBe(entries.length - 1);
    const fresh = await run(root, { read: false });
    expect(fresh.disk.hits).toBe(0);
    expect(warm.graph.digest).not.toBe(first.graph.digest);
    expect(warm.graph.digest).toBe(fresh.graph.digest);
    expect(inOrder(warm.graph)).toEqual(inOrder(fresh.graph));
    expect(warm.graph.mentions).toEqual(fresh.graph.mentions);
    expect(warm.graph.inputs).toEqual(fresh.graph.inputs);
  });

  it('draws blank node labels from n3 exactly as a parse of the same text would', async () => {
    const text = BLANKS;
    const labels = (
      qs: readonly { subject: { termType: string; value: string }; object: { termType: string; value: string } }[],
    ) =>
      qs
        .flatMap((q) => [q.subject, q.object])
        .filter((t) => t.termType === 'BlankNode')
        .map((t) => t.value);
    const one = await parseFile(text, 'specs/a.ttl', undefined);
    expect(one.anon).toBe(6);
    const entry = toEntry('k', one, N3)!;
    expect(entry).toBeDefined();
    const replayed = fromEntry(JSON.parse(JSON.stringify(entry)), 'k', 'specs/a.ttl', text, undefined, N3)!;
    const three = await parseFile(text, 'specs/a.ttl', undefined);
    // Each parse takes the next `b<k>_` prefix and `anon` anonymous labels: the replay took the second's.
    const shift = (label: string, by: number) =>
      label
        .replace(/^b(\d+)_/, (_, k: string) => `b${Number(k) + by}_`)
        .replace(/^n3-(\d+)$/, (_, k: string) => `n3-${Number(k) + by * one.anon}`);
    expect(labels(replayed.quads)).toEqual(labels(one.quads).map((l) => shift(l, 1)));
    expect(labels(three.quads)).toEqual(labels(one.quads).map((l) => shift(l, 2)));
    expect(
      replayed.quads.map((q) => `${q.predicate.id} ${q.object.termType === 'BlankNode' ? '_' : q.object.id}`),
    ).toEqual(one.quads.map((q) => `${q.predicate.id} ${q.object.termType === 'BlankNode' ? '_' : q.object.id}`));
    expect([...replayed.index.entries()].map((w) => w.pos)).toEqual([...one.index.entries()].map((w) => w.pos));
    expect(replayed.index.prefixes).toEqual(one.index.prefixes);
  });

  it('stores the same positions whether the parse kept their order or only its index (a --watch re-parse)', async () => {
    const one = await parseFile(BLANKS, 'specs/a.ttl', undefined);
    expect(one.index.inOrder).toHaveLength(one.quads.length);
    const viaOrder = toEntry('k', one, N3)!;
    const viaIndex = toEntry('k', { ...one, index: one.index.renamed((t) => t) }, N3)!;
    expect(viaIndex.pos).toEqual(viaOrder.pos);
    expect(viaOrder.pos).toHaveLength(one.quads.length * 6);
    // n3 emits `[ ex:note "one" ]` first: line 4 (after the three prefixes), from its `[`.
    expect(viaOrder.pos.slice(0, 6)).toEqual([4, 14, 4, 16, 4, 24]);
  });

  it('does not store a parse larger than MAX_QUADS', async () => {
    const root = await writeProject({ 'ggen.toml': manifest(), 'specs/a.ttl': BLANKS });
    const one = await parseFile(BLANKS, 'specs/a.ttl', undefined);
    const disk = await DiskParseCache.open(root);
    disk.parsed('spec', 'specs/big.ttl', { ...one, quads: new Array(MAX_QUADS + 1).fill(one.quads[0]) });
    disk.parsed('spec', 'specs/a.ttl', one);
    disk.save();
    expect(await readdir(path.join(root, PARSE_CACHE_DIR))).toHaveLength(1);
  });

  it('points a shape failure in a cached file at the same file:line:col as a fresh run', async () => {
    const shapes = (constraint: string) =>
      '@prefix sh: <http://www.w3.org/ns/shacl#> .\n' +
      PREFIXES +
      'otp:W a sh:NodeShape ; sh:targetClass otp:Worker ;\n' +
      `  sh:property [ sh:path otp:order ; ${constraint} ; sh:message "order must be an integer" ] .\n`;
    const root = await writeProject({
      'ggen.toml': manifest('[validation]\nshacl = ["shapes/w.ttl"]'),
      'specs/a.ttl': PREFIXES + 'ex:good a otp:Worker ; otp:order 1 .\n',
      'specs/b.ttl': PREFIXES + '\nex:bad a otp:Worker ;\n  otp:order "one" .\n',
      'shapes/w.ttl': shapes('sh:minCount 0'),
    });
    await run(root);
    // The shapes change: b.ttl, unchanged, comes from the cache and now violates them.
    await writeFile(path.join(root, 'shapes/w.ttl'), shapes('sh:datatype xsd:integer'));
    const disk = await DiskParseCache.open(root);
    const warm = await failure(normalize(await load(root), engine, undefined, disk));
    expect(disk.hits).toBe(2);
    const fresh = await failure(normalize(await load(root), engine));
    expect(warm.diagnostics).toEqual(fresh.diagnostics);
    expect(warm.message).toBe(
      'specs/b.ttl:6:13: ex:bad otp:order: order must be an integer (value "one") [shacl/W/order]',
    );
  });

  it('reports a syntax error in an edited file as a fresh run does, and stores nothing for it', async () => {
    const root = await writeProject({
      'ggen.toml': manifest(),
      'specs/a.ttl': PREFIXES + 'ex:a a otp:Worker ; otp:name "a" .\n',
      'specs/b.ttl': PREFIXES + 'ex:b a otp:Worker ; otp:name "b" .\n',
    });
    await run(root);
    await writeFile(path.join(root, 'specs/b.ttl'), PREFIXES + 'ex:b a otp:Worker ; otp:name "b" \n');
    const disk = await DiskParseCache.open(root);
    const warm = await failure(normalize(await load(root), engine, undefined, disk));
    expect(disk.hits).toBe(1);
    const fresh = await failure(normalize(await load(root), engine));
    expect(warm.diagnostics).toEqual(fresh.diagnostics);
    expect(warm.diagnostics[0]).toMatchObject({ rule: 'turtle/syntax', file: 'specs/b.ttl', line: 5 });
    disk.save();
    const again = await DiskParseCache.open(root);
    await failure(normalize(await load(root), engine, undefined, again));
    expect(again.misses).toBe(1);
  });

  describe('an entry that does not check out is a miss, and the run is a fresh one', () => {
    const cases: Array<[string, (e: Record<string, unknown>, text: string) => unknown]> = [
      ['not JSON', () => '{"format": 1, "key": '],
      // What a crash can leave of a cache file written without fsync (writeAtomic durable: false).
      ['an empty file', () => ''],
      ['the first half of the entry', (e) => JSON.stringify(e).slice(0, JSON.stringify(e).length >> 1)],
      ['another key', (e) => ({ ...e, key: '0'.repeat(64) })],
      ['another format', (e) => ({ ...e, format: 99 })],
      ['a term index past the table', (e) => ({ ...e, quads: [...(e.quads as number[]).slice(0, -1), 10_000] })],
      ['a quad count that does not match the positions', (e) => ({ ...e, quads: (e.quads as number[]).slice(3) })],
      [
        'a literal as predicate',
        (e) => {
          const terms = e.terms as string[];
          const lit = terms.findIndex((t) => t.startsWith('"'));
          const quads = [...(e.quads as number[])];
          quads[1] = lit;
          return { ...e, quads };
        },
      ],
      [
        'a line past the end of the file',
        (e, text) => ({ ...e, pos: [text.split('\n').length + 1, ...(e.pos as number[]).slice(1)] }),
      ],
      ['a column past the end of its line', (e) => ({ ...e, pos: [1, 500, ...(e.pos as number[]).slice(2)] })],
      ['an anonymous blank node beyond the count', (e) => ({ ...e, blanks: [...(e.blanks as unknown[]), 99] })],
      [
        'an IRI that reads as a blank node',
        (e) => ({ ...e, terms: (e.terms as string[]).map((t, i) => (i === 0 ? '_:x' : t)) }),
      ],
      [
        'a malformed literal',
        (e) => ({ ...e, terms: (e.terms as string[]).map((t) => (t.startsWith('"') ? '"open' : t)) }),
      ],
      ['prefixes of the wrong shape', (e) => ({ ...e, prefixes: [['ex']] })],
    ];
    for (const [name, corrupt] of cases) {
      it(name, async () => {
        const root = await writeProject({ 'ggen.toml': manifest(), 'specs/a.ttl': BLANKS });
        const expected = await run(root);
        const dir = path.join(root, PARSE_CACHE_DIR);
        const [file] = await readdir(dir);
        const entry = JSON.parse(await readFile(path.join(dir, file!), 'utf8')) as Record<string, unknown>;
        // The untouched entry is a hit.
        expect((await run(root)).disk.hits).toBe(1);
        const bad = corrupt(entry, BLANKS);
        await writeFile(path.join(dir, file!), typeof bad === 'string' ? bad : JSON.stringify(bad));
        const disk = await DiskParseCache.open(root);
        const g = await normalize(await load(root), engine, undefined, disk);
        expect(disk.hits).toBe(0);
        expect(disk.misses).toBe(1);
        expect(g.digest).toBe(expected.graph.digest);
        expect(inOrder(g)).toEqual(inOrder(expected.graph));
      });
    }
  });
});
