/**
 * SHACL core in its worker (GGEN_SHACL_WORKER=1), through the CLI: a project whose shapes are all
 * core-only (so they validate in the worker while the main thread extracts and renders). A violation stops the run
 * with exactly the diagnostics ggen reported when SHACL ran in the main thread (the expected text
 * below is what the release before the worker printed), on either engine and in every mode; the
 * template error the bad spec also causes is not reported; nothing is written; the process exits
 * on its own (a leaked worker would hang these spawnSync calls).
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ggen, project, snapshot } from './helpers.js';

beforeAll(() => ensureBuilt());

const SHAPES = `@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:ServiceShape a sh:NodeShape ;
  sh:targetClass ex:Service ;
  sh:property [ sh:path rdfs:label ; sh:maxCount 1 ; sh:message "a service has one label" ] ;
  sh:property [ sh:path rdfs:comment ; sh:minCount 1 ; sh:datatype xsd:string ] .

ex:LabelWarning a sh:NodeShape ;
  sh:targetClass ex:Service ;
  sh:severity sh:Warning ;
  sh:property [ sh:path rdfs:label ; sh:minLength 4 ] .
`;

/** ex:Dup's second label "Billing" also makes a template render components/billing.json twice. */
const BAD =
  '\nex:Dup a ex:Service ; rdfs:label "Billing", "Dupe" ; rdfs:comment 3 .\nex:Lonely a ex:Service ; rdfs:label "Lon" .\n';

const EXPECTED = [
  'specs/domain.ttl:12:23: ex:Dup rdfs:label: a service has one label [shacl/ServiceShape/label]',
  'specs/domain.ttl:12:67: ex:Dup rdfs:comment: Value does not have datatype <http://www.w3.org/2001/XMLSchema#string> [shacl/ServiceShape/comment]',
  'specs/domain.ttl:13:1: ex:Lonely rdfs:comment: Less than 1 values [shacl/ServiceShape/comment]',
  'specs/domain.ttl:13:37: ex:Lonely rdfs:label: Value has less than 4 characters (value "Lon") [shacl/LabelWarning/label]',
  '',
].join('\n');

function coreProject(bad: boolean): string {
  const dir = project();
  writeFileSync(path.join(dir, 'shapes.ttl'), SHAPES);
  appendFileSync(path.join(dir, 'ggen.toml'), '\n[validation]\nshacl = ["shapes.ttl"]\n');
  if (bad) appendFileSync(path.join(dir, 'specs/domain.ttl'), BAD);
  return dir;
}

describe('SHACL core in a worker', () => {
  it('without the shapes, the bad spec fails on the template it breaks (the error SHACL must win over)', () => {
    const dir = project();
    appendFileSync(path.join(dir, 'specs/domain.ttl'), BAD);
    const r = ggen(dir, ['sync']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/renders components\/billing\.json more than once/);
  });

  for (const engine of ['oxigraph', 'comunica'])
    for (const args of [['sync'], ['sync', '--check'], ['sync', '--dry-run'], ['sync', '--full'], ['validate']])
      it(`${args.join(' ')} --engine ${engine}: the same diagnostics as before the worker, nothing written`, () => {
        const dir = coreProject(true);
        const r = ggen(dir, [...args, '--engine', engine], { GGEN_SHACL_WORKER: '1' });
        expect(r.stderr).toBe(EXPECTED);
        expect(r.code).toBe(2);
        expect(snapshot(dir, ['generated', 'receipts', '.ggen'])).toEqual({});
      });

  it('sync without the worker (the default): the same diagnostics, nothing written', () => {
    const dir = coreProject(true);
    const r = ggen(dir, ['sync']);
    expect(r.stderr).toBe(EXPECTED);
    expect(r.code).toBe(2);
    expect(snapshot(dir, ['generated', 'receipts', '.ggen'])).toEqual({});
  });

  it('a valid graph generates, and validate agrees', () => {
    const dir = coreProject(false);
    const r = ggen(dir, ['sync'], { GGEN_SHACL_WORKER: '1' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, 'generated/services/billing.ts'))).toBe(true);
    const v = ggen(dir, ['validate', '--json'], { GGEN_SHACL_WORKER: '1' });
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, violations: [] });
  });
});
