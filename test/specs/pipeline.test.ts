/**
 * The shapes through the pipeline's own SHACL stage (src/pipeline/normalize/shacl.ts), core and
 * SPARQL-based constraints alike, on the run's query engine.
 */
import { describe, expect, it } from 'vitest';
import { Parser, Store } from 'n3';
import { createQueryEngine } from '../../src/pipeline/extract/index.js';
import { validateShacl } from '../../src/pipeline/normalize/shacl.js';
import { graphOf, read, SHAPES } from './helpers.js';

const shapes = new Store(new Parser().parse(read(SHAPES)));
const prefixes = { otp: 'https://ggen.dev/otp#', '': 'https://ggen.dev/telecom#' };

async function pipelineViolations(text: string): Promise<string[]> {
  const engine = await createQueryEngine(prefixes);
  const outcome = await validateShacl({ data: graphOf(text), shapes, prefixes, subjectFile: () => 'specs/telecom.ttl', shapeFile: () => SHAPES, engine });
  return outcome.violations.map((d) => `${d.file}: ${d.message}`);
}

describe('shapes in the pipeline SHACL stage', () => {
  it('accept the telecom spec', async () => {
    expect(await pipelineViolations(read('specs/telecom.ttl'))).toEqual([]);
  });

  it('name the node, the property and the rule for an unknown strategy', async () => {
    const text = read('specs/telecom.ttl').replace('otp:strategy otp:restForOne', 'otp:strategy otp:oneForMany');
    expect(await pipelineViolations(text)).toEqual([
      'specs/telecom.ttl: :telecom_sup otp:strategy: supervisor strategy must be one of one_for_one, one_for_all, rest_for_one, simple_one_for_one (otp:oneForOne, otp:oneForAll, otp:restForOne, otp:simpleOneForOne) (value otp:oneForMany)',
    ]);
  });

  it('fire the SPARQL-based rules too: a duplicate child id within a supervisor', async () => {
    const text = read('specs/telecom.ttl').replace('otp:childId "call_router"', 'otp:childId "db_pool"');
    const found = await pipelineViolations(text);
    expect(found.some((v) => /duplicate child id "db_pool"/.test(v))).toBe(true);
  });
});
