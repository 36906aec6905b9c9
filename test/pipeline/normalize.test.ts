import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import { createQueryEngine, type QueryEngine } from '../../src/pipeline/extract/engine.js';
import { loadManifest } from '../../src/pipeline/manifest/index.js';
import { normalize, validateProject } from '../../src/pipeline/normalize/index.js';
import { canonicalDigest } from '../../src/pipeline/normalize/digest.js';
import { MentionCollector } from '../../src/pipeline/normalize/mentions.js';
import { BASIC, PREFIXES, manifest, removeProjects, writeProject } from '../fixtures/pipeline-front/project.js';

let engine: QueryEngine;
beforeAll(async () => {
  engine = await createQueryEngine({ otp: 'https://ggen.dev/otp#', ex: 'https://example.org/app#' });
});
afterEach(removeProjects);
afterAll(removeProjects);

async function run(root: string) {
  const m = await loadManifest(path.join(root, 'ggen.toml'));
  return normalize(m, engine);
}

async function failure(root: string): Promise<InputError> {
  try {
    await run(root);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected normalize to fail');
}

describe('normalize on the basic fixture', () => {
  it('merges the sources, infers to a fixpoint and passes validation', async () => {
    const g = await run(BASIC);
    expect(g.specFiles).toEqual(['specs/app.ttl', 'specs/ontology/otp.ttl']);
    // 27 asserted triples; the shapes file is not part of the data graph.
    expect(g.inferredTriples).toBe(4);
    expect(g.tripleCount).toBe(31);
    expect(g.store.size).toBe(31);
    // Round 1 adds child links and a descendant, round 2 adds nothing.
    expect(g.rounds).toBe(2);
    expect(g.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(g.inputs.map((i) => i.path)).toEqual([
      'queries/gates/orphans.rq',
      'queries/inference/children.rq',
      'specs/app.ttl',
      'specs/ontology/otp.ttl',
      'specs/shapes/otp.shapes.ttl',
    ]);
    for (const i of g.inputs) expect(i.sha256).toMatch(/^[0-9a-f]{64}$/);
    const descendant = g.store.getQuads(
      'https://example.org/app#rootSup',
      'https://ggen.dev/otp#descendant',
      null,
      null,
    );
    expect(descendant.map((q) => q.object.value)).toEqual(['https://example.org/app#cart']);
  });

  it('gives the same digest and canonical blank node labels on every run', async () => {
    const a = await run(BASIC);
    const b = await run(BASIC);
    expect(a.digest).toBe(b.digest);
    const blanks = a.store.getQuads(null, 'https://ggen.dev/otp#note', null, null).map((q) => q.subject.value);
    expect(blanks).toEqual(['c14n0']);
  });

  it('validateProject reports counts without throwing', async () => {
    const m = await loadManifest(path.join(BASIC, 'ggen.toml'));
    const report = await validateProject(m, engine);
    expect(report).toMatchObject({ ok: true, triples: 31, inferred: 4, rounds: 2, violations: [], warnings: [] });
    expect(report.digest).toBe((await run(BASIC)).digest);
  });

  it("validateProject collects no spec-file mentions (only sync's banners read them); normalize does", async () => {
    const seen = vi.spyOn(MentionCollector.prototype, 'file');
    const report = await validateProject(await loadManifest(path.join(BASIC, 'ggen.toml')), engine);
    expect(report.ok).toBe(true);
    expect(seen).not.toHaveBeenCalled();
    const graph = await run(BASIC);
    expect(seen).toHaveBeenCalled();
    expect(Object.keys(graph.mentions?.subjects ?? {}).length).toBeGreaterThan(0);
    expect(report.digest).toBe(graph.digest);
    seen.mockRestore();
  });
});

describe('digest', () => {
  const original =
    PREFIXES +
    'ex:a a otp:Worker ; otp:name "a" ; otp:order 1 ; otp:meta [ otp:note "n1" ; otp:tag "x" ] .\n' +
    'ex:b a otp:Worker ; otp:name "b"@en ; otp:meta [ otp:note "n2" ] .\n';
  // Same triples: other prefix names, order, whitespace, explicit blank node labels.
  const reformatted = [
    '@prefix o: <https://ggen.dev/otp#> .',
    '@prefix e: <https://example.org/app#> .',
    '_:second o:note "n2" .',
    'e:b o:meta _:second ;',
    '    o:name "b"@en ;',
    '    a o:Worker .',
    '_:first   o:tag "x" ;   o:note "n1" .',
    '<https://example.org/app#a> o:order "1"^^<http://www.w3.org/2001/XMLSchema#integer> ; o:meta _:first ; o:name "a" ; a o:Worker .',
    '',
  ].join('\n');

  it('does not change when a Turtle file is reformatted, and changes when a triple is added', async () => {
    const one = await writeProject({ 'ggen.toml': manifest(), 'specs/a.ttl': original });
    const two = await writeProject({ 'ggen.toml': manifest(), 'specs/a.ttl': reformatted });
    const three = await writeProject({ 'ggen.toml': manifest(), 'specs/a.ttl': original + 'ex:c a otp:Worker .\n' });
    const [d1, d2, d3] = [(await run(one)).digest, (await run(two)).digest, (await run(three)).digest];
    expect(d2).toBe(d1);
    expect(d3).not.toBe(d1);
  });

  it('does not depend on how sources are split across files', async () => {
    const lines = original.split('\n');
    const one = await writeProject({ 'ggen.toml': manifest(), 'specs/a.ttl': original });
    const split = await writeProject({
      'ggen.toml': manifest(),
      'specs/a.ttl': lines.slice(0, 4).join('\n') + '\n',
      'specs/b.ttl': PREFIXES + lines[4] + '\n',
    });
    expect((await run(split)).digest).toBe((await run(one)).digest);
  });

  it('labels RDF lists whose cells look alike, as the domain specs use for ordered children', async () => {
    const { Parser } = await import('n3');
    const lists = Array.from({ length: 12 }, (_, i) => `<http://x/s${i}> <http://x/p> ("a" "a" "a" "b" "a") .`).join(
      '\n',
    );
    const quads = new Parser().parse(lists);
    const first = await canonicalDigest(quads);
    const again = await canonicalDigest(new Parser().parse(lists.split('\n').reverse().join('\n')));
    expect(first.blankNodeLabels.size).toBe(60);
    expect(again.digest).toBe(first.digest);
  });

  it('is sha256 over RDFC-1.0 N-Quads', async () => {
    const { Parser } = await import('n3');
    const quads = new Parser().parse('<http://x/a> <http://x/p> "v" .');
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update('<http://x/a> <http://x/p> "v" .\n').digest('hex');
    expect((await canonicalDigest(quads)).digest).toBe(expected);
  });
});

describe('Turtle errors', () => {
  it('reports an undefined prefix at file:line:col', async () => {
    const root = await writeProject({
      'ggen.toml': manifest(),
      'specs/x.ttl': PREFIXES + 'ex:a a otp:Worker .\nex:b   zz:name "b" .\n',
    });
    const err = await failure(root);
    expect(err.message).toBe('specs/x.ttl:5:8: Undefined prefix "zz:" [turtle/syntax]');
    expect(err.diagnostics[0]).toMatchObject({ rule: 'turtle/syntax', file: 'specs/x.ttl', line: 5, col: 8 });
  });

  it('reports a lexer error with its column, and the errors of every file', async () => {
    const root = await writeProject({
      'ggen.toml': manifest(),
      'specs/a.ttl': PREFIXES + 'ex:a otp:name "unterminated .\n',
      'specs/b.ttl': PREFIXES + 'ex:a otp:name "x" ;\n  otp:order 1 ^ .\n',
    });
    const err = await failure(root);
    expect(err.diagnostics).toHaveLength(2);
    expect(err.diagnostics[0]).toMatchObject({ file: 'specs/a.ttl', line: 4, col: 15 });
    expect(err.diagnostics[1]).toMatchObject({ file: 'specs/b.ttl', line: 5, col: 15 });
    expect(err.message.split('\n')[1]).toMatch(/^specs\/b\.ttl:5:15: /);
  });

  it('reports a syntax error in a shapes file', async () => {
    const root = await writeProject({
      'ggen.toml': manifest('[validation]\nshacl = ["shapes/s.ttl"]'),
      'specs/a.ttl': PREFIXES + 'ex:a a otp:Worker .\n',
      'shapes/s.ttl': '@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh:x sh:y',
    });
    expect((await failure(root)).diagnostics[0]).toMatchObject({ file: 'shapes/s.ttl', line: 2 });
  });

  it('reports a missing shapes file', async () => {
    const root = await writeProject({
      'ggen.toml': manifest('[validation]\nshacl = ["shapes/none.ttl"]'),
      'specs/a.ttl': PREFIXES + 'ex:a a otp:Worker .\n',
    });
    expect((await failure(root)).message).toBe('ggen.toml: validation.shacl: file not found: shapes/none.ttl');
  });
});

describe('validation', () => {
  const shapes =
    '@prefix sh: <http://www.w3.org/ns/shacl#> .\n' +
    PREFIXES +
    'otp:W a sh:NodeShape ; sh:targetClass otp:Worker ;\n' +
    '  sh:property [ sh:path otp:name ; sh:minCount 1 ] ;\n' +
    '  sh:property [ sh:path otp:order ; sh:datatype xsd:integer ; sh:message "order must be an integer" ] ;\n' +
    '  sh:property [ sh:path ( otp:meta otp:note ) ; sh:maxCount 1 ] .\n';

  it('lists every SHACL violation with focus node, path, message and file', async () => {
    const root = await writeProject({
      'ggen.toml': manifest('[validation]\nshacl = ["shapes/w.ttl"]'),
      'specs/a.ttl': PREFIXES + 'ex:good a otp:Worker ; otp:name "g" ; otp:order 1 .\n',
      'specs/b.ttl': PREFIXES + 'ex:bad a otp:Worker ; otp:order "one" ; otp:meta [ otp:note "1", "2" ] .\n',
      'shapes/w.ttl': shapes,
    });
    const err = await failure(root);
    const lines = err.message.split('\n');
    // Each at the most precise place: the missing property at the subject, the wrong value where
    // it stands, the nested path at its first property.
    expect(lines).toEqual([
      'specs/b.ttl:4:1: ex:bad otp:name: Less than 1 values [shacl/W/name]',
      'specs/b.ttl:4:33: ex:bad otp:order: order must be an integer (value "one") [shacl/W/order]',
      'specs/b.ttl:4:41: ex:bad otp:meta/otp:note: More than 1 values [shacl/W]',
    ]);
  });

  it('validateProject returns the violations instead of throwing', async () => {
    const root = await writeProject({
      'ggen.toml': manifest('[validation]\nshacl = ["shapes/w.ttl"]'),
      'specs/b.ttl': PREFIXES + 'ex:bad a otp:Worker .\n',
      'shapes/w.ttl': shapes,
    });
    const report = await validateProject(await loadManifest(path.join(root, 'ggen.toml')), engine);
    expect(report.ok).toBe(false);
    expect(report.violations).toEqual([
      { rule: 'shacl/W/name', file: 'specs/b.ttl', line: 4, col: 1, message: 'ex:bad otp:name: Less than 1 values' },
    ]);
  });

  it('reports SHACL warnings without failing', async () => {
    const warn =
      '@prefix sh: <http://www.w3.org/ns/shacl#> .\n' +
      PREFIXES +
      'otp:W a sh:NodeShape ; sh:targetClass otp:Worker ; sh:severity sh:Warning ;\n' +
      '  sh:property [ sh:path otp:name ; sh:minCount 1 ; sh:severity sh:Warning ] .\n';
    const root = await writeProject({
      'ggen.toml': manifest('[validation]\nshacl = ["shapes/w.ttl"]'),
      'specs/b.ttl': PREFIXES + 'ex:bad a otp:Worker .\n',
      'shapes/w.ttl': warn,
    });
    const g = await run(root);
    expect(g.warnings).toEqual([
      {
        severity: 'warning',
        rule: 'shacl/W/name',
        file: 'specs/b.ttl',
        line: 4,
        col: 1,
        message: 'ex:bad otp:name: Less than 1 values',
      },
    ]);
  });

  it('fails an ASK gate that answers the wrong way, pointing at the manifest line', async () => {
    const toml = manifest(
      '[[validation.ask]]\nname = "has-app"\nquery = "ASK { ?a a otp:Application }"\nmessage = "no application"\n' +
        '[[validation.ask]]\nname = "no-workers"\nquery = "ASK { ?a a otp:Worker }"\nexpect = false\n',
    );
    const root = await writeProject({ 'ggen.toml': toml, 'specs/a.ttl': PREFIXES + 'ex:a a otp:Worker .\n' });
    const lines = (await failure(root)).message.split('\n');
    expect(lines).toEqual([
      'ggen.toml:10:10: ASK gate "has-app" answered false, expected true: no application [ask/has-app]',
      'ggen.toml:14:10: ASK gate "no-workers" answered true, expected false [ask/no-workers]',
    ]);
  });
});

describe('inference', () => {
  it('fails when the rules never reach a fixpoint, naming the rules still adding triples', async () => {
    const toml = manifest(
      '[inference]\nmax_rounds = 3\n[[inference.rules]]\nname = "grow"\nquery = \'CONSTRUCT { ?n a otp:Worker } WHERE { ?w a otp:Worker BIND(IRI(CONCAT(STR(?w), "x")) AS ?n) }\'\n' +
        '[[inference.rules]]\nname = "quiet"\nquery = "CONSTRUCT { ex:a a otp:Thing } WHERE { ex:a a otp:Worker }"\n',
    );
    const root = await writeProject({ 'ggen.toml': toml, 'specs/a.ttl': PREFIXES + 'ex:a a otp:Worker .\n' });
    const err = await failure(root);
    expect(err.message).toMatch(
      /^ggen\.toml: inference\.max_rounds: inference did not reach a fixpoint in 3 rounds; rules still adding triples in the last round: grow \(\+1\)/,
    );
    expect(err.message).not.toContain('quiet');
  });

  it('gives blank nodes made by different rules different identities', async () => {
    const rule = (name: string, k: string) =>
      `[[inference.rules]]\nname = "${name}"\nquery = '''CONSTRUCT { ?w otp:meta [ otp:k "${k}" ] } WHERE { ?w a otp:Worker FILTER NOT EXISTS { ?w otp:meta [ otp:k "${k}" ] } }'''\n`;
    const root = await writeProject({
      'ggen.toml': manifest(rule('a', 'a') + rule('b', 'b')),
      'specs/a.ttl': PREFIXES + 'ex:w a otp:Worker .\n',
    });
    const g = await run(root);
    const metas = g.store
      .getQuads('https://example.org/app#w', 'https://ggen.dev/otp#meta', null, null)
      .map((q) => q.object.value);
    expect(new Set(metas).size).toBe(2);
    expect(g.inferredTriples).toBe(4);
    expect(g.rounds).toBe(2);
  });

  it('keeps the identity of blank nodes a rule binds from the data', async () => {
    const toml = manifest(
      `[[inference.rules]]\nname = "flag-meta"\nquery = '''CONSTRUCT { ?m otp:flagged true } WHERE { ?w otp:meta ?m }'''\n`,
    );
    const root = await writeProject({
      'ggen.toml': toml,
      'specs/a.ttl': PREFIXES + 'ex:w otp:meta [ otp:note "n" ] .\n',
    });
    const g = await run(root);
    const flagged = g.store.getQuads(null, 'https://ggen.dev/otp#flagged', null, null).map((q) => q.subject);
    expect(flagged).toHaveLength(1);
    expect(g.store.getQuads(flagged[0]!, 'https://ggen.dev/otp#note', null, null)).toHaveLength(1);
    expect(g.rounds).toBe(2);
  });

  it('reports a SPARQL syntax error in an inline rule at its manifest line', async () => {
    const toml = manifest(
      '[[inference.rules]]\nname = "bad"\nquery = """\nCONSTRUCT { ?s a otp:X }\nWHERE { ?s a otp:Worker . ?? }"""\n',
    );
    const root = await writeProject({ 'ggen.toml': toml, 'specs/a.ttl': PREFIXES + 'ex:a a otp:Worker .\n' });
    const err = await failure(root);
    expect(err.diagnostics[0]).toMatchObject({ file: 'ggen.toml', line: 12, col: 27 });
    expect(err.message).toMatch(/^ggen\.toml:12:27: SPARQL syntax error: /);
  });

  it('rejects a rule that is not a CONSTRUCT', async () => {
    const root = await writeProject({
      'ggen.toml': manifest('[[inference.rules]]\nname = "sel"\nconstruct = "rules/r.rq"\n'),
      'rules/r.rq': '# a comment\nSELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\n',
      'specs/a.ttl': PREFIXES + 'ex:a a otp:Worker .\n',
    });
    expect((await failure(root)).message).toBe('rules/r.rq:2:1: expected a SPARQL CONSTRUCT query, got SELECT');
  });
});
