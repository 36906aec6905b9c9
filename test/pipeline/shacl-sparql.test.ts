/** SHACL-SPARQL problems in a shapes file are input errors at the shape's file:line, on both engines. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueryEngine } from '../../src/pipeline/engine/index.js';
import { InputError } from '../../src/pipeline/errors.js';
import { loadManifest } from '../../src/pipeline/manifest/index.js';
import { validateProject } from '../../src/pipeline/normalize/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const DATA = '@prefix ex: <http://e/> .\nex:a ex:p 1 .\nex:b ex:p 2 .\n';

function project(select: string, extra = ''): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ggen-shsparql-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'specs'));
  writeFileSync(path.join(dir, 'specs/data.ttl'), DATA);
  writeFileSync(
    path.join(dir, 'specs/shapes.ttl'),
    `@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://e/> .\n\nex:S a sh:NodeShape ;\n  sh:targetSubjectsOf ex:p ;\n  sh:sparql [\n    sh:message "bad {?v}" ;\n    sh:select """\nSELECT $this ?v WHERE {\n  ${select}\n}""" ] .\n${extra}`,
  );
  writeFileSync(
    path.join(dir, 'ggen.toml'),
    `[project]\nname = "t"\n[ontology]\nsources = ["specs/data.ttl"]\n[ontology.prefixes]\nex = "http://e/"\n[validation]\nshacl = ["specs/shapes.ttl"]\n`,
  );
  return dir;
}

async function outcome(dir: string, engine: 'oxigraph' | 'comunica') {
  const m = await loadManifest(path.join(dir, 'ggen.toml'));
  try {
    return await validateProject(m, await createQueryEngine(m.ontology.prefixes, engine));
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).diagnostics[0]!;
  }
}

describe.each(['oxigraph', 'comunica'] as const)('SHACL-SPARQL on %s', (engine) => {
  it('reports rows as violations, with the manifest prefixes available', async () => {
    const r = (await outcome(project('$this ex:p ?v . FILTER (?v > 1)'), engine)) as {
      violations: Array<{ message: string }>;
    };
    expect(r.violations.map((v) => v.message)).toEqual(['ex:b: bad "2"^^<http://www.w3.org/2001/XMLSchema#integer>']);
  });

  it('a syntax error is an input error at its line of the shapes file', async () => {
    // The query opens on line 8 (after sh:select """); the parser runs out of input at its last line, 11.
    const d = await outcome(project('$this ex:p ?v FILTER ('), engine);
    expect(d).toMatchObject({ file: 'specs/shapes.ttl', line: 11 });
    expect(String((d as { message: string }).message)).toMatch(/SPARQL syntax error/);
  });

  it('refuses $shapesGraph and MINUS around $this as unsupported', async () => {
    for (const select of ['$this ex:p ?v . FILTER (bound($shapesGraph))', '$this ex:p ?v . MINUS { $this ex:q ?v }']) {
      const d = (await outcome(project(select), engine)) as { message: string; line?: number };
      expect(d.message).toMatch(/unsupported/);
      expect(d.line).toBe(8);
    }
  });

  it('checks a shape that has no focus node too', async () => {
    const d = (await outcome(
      project(
        '$this ex:p ?v',
        'ex:T a sh:NodeShape ; sh:targetClass ex:Nothing ; sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?x { 1 } }" ] .\n',
      ),
      engine,
    )) as { message: string };
    expect(d.message).toMatch(/unsupported SHACL-SPARQL query: VALUES/);
  });
});
