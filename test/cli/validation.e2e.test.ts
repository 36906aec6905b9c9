/**
 * SHACL through the CLI: core and sh:sparql violations stop the run before anything downstream
 * (here a template that would render one file twice), nothing is written, nothing is cached; validate
 * answers unchanged inputs from the cache a sync left.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ggen, project, snapshot } from './helpers.js';

beforeAll(() => ensureBuilt());

const SHAPES = `@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

ex:ServiceShape a sh:NodeShape ;
  sh:targetClass ex:Service ;
  sh:property [ sh:path rdfs:comment ; sh:minCount 1 ; sh:message "a service needs a comment" ] ;
  sh:sparql [
    a sh:SPARQLConstraint ;
    sh:message "label {?label} is used by another service too" ;
    sh:select """
      PREFIX ex: <https://example.org/ns#>
      PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
      SELECT $this ?label WHERE { $this rdfs:label ?label . ?other a ex:Service ; rdfs:label ?label . FILTER (?other != $this) }
    """
  ] .
`;

/** The basic fixture with shapes; `bad` adds a duplicate label (which also makes two templates write one file) and a service without a comment. */
function shapedProject(bad: boolean): string {
  const dir = project();
  writeFileSync(path.join(dir, 'shapes.ttl'), SHAPES);
  appendFileSync(path.join(dir, 'ggen.toml'), '\n[validation]\nshacl = ["shapes.ttl"]\n');
  if (bad) {
    appendFileSync(
      path.join(dir, 'specs/domain.ttl'),
      '\nex:Dup a ex:Service ; rdfs:label "Billing" ; rdfs:comment "Same label." .\nex:Lonely a ex:Service ; rdfs:label "Lonely" .\n',
    );
  }
  return dir;
}

describe('SHACL during sync', () => {
  it('passes a valid graph and generates as before', () => {
    const dir = shapedProject(false);
    const r = ggen(dir, ['sync']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, 'generated/services/billing.ts'))).toBe(true);
  });

  it('reports every violation, core and SPARQL, instead of the template error they cause, and writes nothing', () => {
    const dir = shapedProject(true);
    const r = ggen(dir, ['sync']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^specs\/domain\.ttl:13:1: ex:Lonely rdfs:comment: a service needs a comment/m);
    expect(r.stderr).toMatch(/^specs\/domain\.ttl:4:1: ex:Billing: label "Billing" is used by another service too/m);
    expect(r.stderr).toMatch(/^specs\/domain\.ttl:12:1: ex:Dup: label "Billing" is used by another service too/m);
    // Two services named Billing would also render services/billing.ts twice: a symptom, not the cause.
    expect(r.stderr).not.toMatch(/more than once|also renders/);
    expect(snapshot(dir)).toEqual({});
  });

  it('keeps a failed validation out of the graph cache', () => {
    const dir = shapedProject(true);
    expect(ggen(dir, ['sync']).code).toBe(2);
    expect(existsSync(path.join(dir, '.ggen/cache'))).toBe(false);
    // Fixing the spec is enough: nothing stale was cached.
    const spec = path.join(dir, 'specs/domain.ttl');
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8')
        .replace(/ex:Dup[^\n]*\n/, '')
        .replace('rdfs:label "Lonely" .', 'rdfs:label "Lonely" ; rdfs:comment "Alone." .'),
    );
    expect(ggen(dir, ['sync']).code).toBe(0);
  });
});

describe('validate after a sync', () => {
  it('gives the cached verdict for unchanged inputs and validates an edited spec in full', () => {
    const dir = shapedProject(false);
    expect(ggen(dir, ['sync']).code).toBe(0);
    const hit = ggen(dir, ['validate']);
    expect(hit.code).toBe(0);
    expect(hit.stdout).toMatch(/inputs unchanged, verdict from \.ggen\/cache\/graph\.json/);
    expect(hit.stdout).toMatch(/^valid$/m);
    appendFileSync(path.join(dir, 'specs/domain.ttl'), '\nex:Lonely a ex:Service ; rdfs:label "Lonely" .\n');
    const edited = ggen(dir, ['validate']);
    expect(edited.code).toBe(2);
    expect(edited.stdout).not.toMatch(/verdict from/);
    expect(edited.stderr).toMatch(/ex:Lonely rdfs:comment: a service needs a comment/);
  });
});
