/**
 * The shapes through the pipeline's own SHACL stage (src/pipeline/normalize/shacl.ts), core and
 * SPARQL-based constraints alike, on the run's query engine.
 */
import { describe, expect, it } from 'vitest';
import { Parser, Store } from 'n3';
import { createQueryEngine } from '../../src/pipeline/extract/index.js';
import { indexLists } from '../../src/pipeline/normalize/lists.js';
import { SourceIndex } from '../../src/pipeline/normalize/positions.js';
import { validateShacl } from '../../src/pipeline/normalize/shacl.js';
import { parseTurtleInto } from '../../src/pipeline/normalize/turtle.js';
import { ONTOLOGY, read, SHAPES } from './helpers.js';

const shapes = new Store(new Parser().parse(read(SHAPES)));
const prefixes = { otp: 'https://ggen.dev/otp#', '': 'https://ggen.dev/telecom#' };

async function pipelineViolations(text: string): Promise<string[]> {
  const engine = await createQueryEngine(prefixes);
  const data = new Store();
  const positions = new SourceIndex();
  await parseTurtleInto(data, read(ONTOLOGY), ONTOLOGY, 'https://ggen.dev/', undefined, positions);
  await parseTurtleInto(data, text, 'specs/telecom.ttl', 'https://ggen.dev/', undefined, positions);
  indexLists(data);
  const outcome = await validateShacl({ data, shapes, prefixes, positions, shapePositions: new SourceIndex(), shapesFile: SHAPES, engine });
  return outcome.violations.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`);
}

describe('shapes in the pipeline SHACL stage', () => {
  it('accept the telecom spec', async () => {
    expect(await pipelineViolations(read('specs/telecom.ttl'))).toEqual([]);
  });

  it('name the node, the property and the rule for an unknown strategy', async () => {
    const text = read('specs/telecom.ttl').replace('otp:strategy otp:restForOne', 'otp:strategy otp:oneForMany');
    expect(await pipelineViolations(text)).toEqual([
      'specs/telecom.ttl:21:16: :telecom_sup otp:strategy: supervisor strategy must be one of one_for_one, one_for_all, rest_for_one, simple_one_for_one (otp:oneForOne, otp:oneForAll, otp:restForOne, otp:simpleOneForOne) (value otp:oneForMany)',
    ]);
  });

  it('fire the SPARQL-based rules too: a duplicate child id within a supervisor', async () => {
    const text = read('specs/telecom.ttl').replace('otp:childId "call_router"', 'otp:childId "db_pool"');
    const found = await pipelineViolations(text);
    expect(found.some((v) => /duplicate child id "db_pool"/.test(v))).toBe(true);
  });
});
