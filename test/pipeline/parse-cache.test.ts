/**
 * The parse cache of `sync --watch` (normalize/parse-cache.ts): a run that reuses the parses of
 * unchanged files must build the graph a fresh normalize builds (digest, triples, which files
 * mention what) and point its diagnostics at the same file:line:col, and an edited file must be
 * parsed again.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import { createQueryEngine, type QueryEngine } from '../../src/pipeline/extract/engine.js';
import { loadManifest } from '../../src/pipeline/manifest/index.js';
import { normalize } from '../../src/pipeline/normalize/index.js';
import { ParseCache } from '../../src/pipeline/normalize/parse-cache.js';
import { BASIC, PREFIXES, manifest, removeProjects, writeProject } from '../fixtures/pipeline-front/project.js';

let engine: QueryEngine;
beforeAll(async () => {
  engine = await createQueryEngine({ otp: 'https://ggen.dev/otp#', ex: 'https://example.org/app#' });
});
afterEach(removeProjects);
afterAll(removeProjects);

const load = (root: string) => loadManifest(path.join(root, 'ggen.toml'));

function sorted(g: Awaited<ReturnType<typeof normalize>>): string[] {
  return g.store
    .getQuads(null, null, null, null)
    .map((q) => `${q.subject.value} ${q.predicate.value} ${q.object.termType}:${q.object.value}`)
    .sort();
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

describe('parse cache', () => {
  it('answers unchanged files from the cache and builds the graph a fresh run builds', async () => {
    const root = await writeProject({});
    await cp(BASIC, root, { recursive: true });
    const cache = new ParseCache();
    const first = await normalize(await load(root), engine, cache);
    // Two spec files and the shapes file parsed once each.
    expect(cache.size).toBe(3);

    const app = path.join(root, 'specs/app.ttl');
    await writeFile(app, (await readFile(app, 'utf8')).replace(/"[^"]*"/, '"renamed"'));
    const [hits, misses] = [cache.hits, cache.misses];
    const warm = await normalize(await load(root), engine, cache);
    expect(cache.misses - misses).toBe(1);
    expect(cache.hits - hits).toBe(2);
    const fresh = await normalize(await load(root), engine);
    expect(warm.digest).not.toBe(first.digest);
    expect(warm.digest).toBe(fresh.digest);
    expect(warm.tripleCount).toBe(fresh.tripleCount);
    expect(sorted(warm)).toEqual(sorted(fresh));
    expect(warm.mentions).toEqual(fresh.mentions);
    expect(warm.inputs).toEqual(fresh.inputs);
  });

  it('points diagnostics in an unchanged, cached file at the same file:line:col as a fresh run', async () => {
    const shapes =
      '@prefix sh: <http://www.w3.org/ns/shacl#> .\n' +
      PREFIXES +
      'otp:W a sh:NodeShape ; sh:targetClass otp:Worker ;\n' +
      '  sh:property [ sh:path otp:order ; sh:datatype xsd:integer ; sh:message "order must be an integer" ] .\n';
    const root = await writeProject({
      'ggen.toml': manifest('[validation]\nshacl = ["shapes/w.ttl"]'),
      'specs/a.ttl': PREFIXES + 'ex:good a otp:Worker ; otp:order 1 .\n',
      'specs/b.ttl': PREFIXES + '\nex:bad a otp:Worker ;\n  otp:order "one" .\n',
      'shapes/w.ttl': shapes,
    });
    const cache = new ParseCache();
    const before = await failure(normalize(await load(root), engine, cache));
    // Edit the other file: b.ttl comes from the cache on the next run.
    await writeFile(path.join(root, 'specs/a.ttl'), PREFIXES + '\n\nex:good a otp:Worker ; otp:order 2 .\n');
    const warm = await failure(normalize(await load(root), engine, cache));
    const fresh = await failure(normalize(await load(root), engine));
    expect(warm.diagnostics).toEqual(fresh.diagnostics);
    expect(warm.diagnostics).toEqual(before.diagnostics);
    expect(warm.message).toBe(
      'specs/b.ttl:6:13: ex:bad otp:order: order must be an integer (value "one") [shacl/W/order]',
    );
  });

  it('parses an edited file again: a syntax error is reported, and its fix is seen', async () => {
    const root = await writeProject({
      'ggen.toml': manifest(),
      'specs/a.ttl': PREFIXES + 'ex:a a otp:Worker ; otp:name "a" .\n',
      'specs/b.ttl': PREFIXES + 'ex:b a otp:Worker ; otp:name "b" .\n',
    });
    const cache = new ParseCache();
    await normalize(await load(root), engine, cache);
    await writeFile(path.join(root, 'specs/b.ttl'), PREFIXES + 'ex:b a otp:Worker ; otp:name "b" \n');
    const err = await failure(normalize(await load(root), engine, cache));
    expect(err.diagnostics[0]).toMatchObject({ rule: 'turtle/syntax', file: 'specs/b.ttl', line: 5 });
    await writeFile(path.join(root, 'specs/b.ttl'), PREFIXES + 'ex:b a otp:Worker ; otp:name "b2" .\n');
    const fixed = await normalize(await load(root), engine, cache);
    const names = fixed.store.getQuads(null, 'https://ggen.dev/otp#name', null, null).map((q) => q.object.value);
    expect(names.sort()).toEqual(['a', 'b2']);
    expect(fixed.digest).toBe((await normalize(await load(root), engine)).digest);
  });

  it('gives a re-parsed file the blank node labels of its last parse, in order of appearance', async () => {
    const cache = new ParseCache();
    const text = (name: string, extra = '') =>
      PREFIXES + `ex:a otp:meta [ otp:note "${name}" ] , [ otp:note "two" ] ; otp:list ( ex:x ex:y ) .\n${extra}`;
    const blanks = (quads: readonly { subject: { termType: string; value: string } }[]) =>
      [...new Set(quads.filter((q) => q.subject.termType === 'BlankNode').map((q) => q.subject.value))].sort();
    const first = await cache.parse('spec', 'specs/a.ttl', text('one'), undefined);
    expect(blanks(first.quads)).toHaveLength(4);
    const edited = await cache.parse('spec', 'specs/a.ttl', text('uno'), undefined);
    expect(blanks(edited.quads)).toEqual(blanks(first.quads));
    // Only the edited literal differs.
    const nt = (qs: typeof first.quads) => qs.map((q) => `${q.subject.value} ${q.predicate.value} ${q.object.value}`);
    expect(nt(edited.quads).filter((l) => !nt(first.quads).includes(l))).toEqual([
      expect.stringMatching(/ https:\/\/ggen\.dev\/otp#note uno$/),
    ]);
    // Positions follow the renaming: the note is found on its (renamed) subject.
    const note = edited.quads.find((q) => q.object.value === 'uno')!;
    expect(edited.index.withPredicate(note.subject, note.predicate)).toEqual([
      { subject: { file: 'specs/a.ttl', line: 4, col: 15 }, predicate: expect.anything(), object: expect.anything() },
    ]);
    // A blank node more: the old labels are reused in order, the new one keeps its own.
    const grown = await cache.parse(
      'spec',
      'specs/a.ttl',
      text('uno', 'ex:b otp:meta [ otp:note "x" ] .\n'),
      undefined,
    );
    const labels = blanks(grown.quads);
    expect(labels).toHaveLength(5);
    expect(labels.filter((l) => !blanks(first.quads).includes(l))).toHaveLength(1);
  });

  it('forgets a file the run no longer reads', async () => {
    const root = await writeProject({
      'ggen.toml': manifest(),
      'specs/a.ttl': PREFIXES + 'ex:a a otp:Worker .\n',
      'specs/b.ttl': PREFIXES + 'ex:b a otp:Worker .\n',
    });
    const cache = new ParseCache();
    await normalize(await load(root), engine, cache);
    expect(cache.size).toBe(2);
    await writeFile(path.join(root, 'ggen.toml'), manifest('', '["specs/a.ttl"]'));
    const g = await normalize(await load(root), engine, cache);
    expect(cache.size).toBe(1);
    expect(g.store.getQuads('https://example.org/app#b', null, null, null)).toEqual([]);
  });
});
