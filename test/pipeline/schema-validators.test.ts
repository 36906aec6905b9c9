import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { schemaPath } from '../../src/pipeline/manifest/index.js';
import { precompile, precompiledPath, schemaValidator } from '../../src/pipeline/manifest/schema-validators.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A directory holding a schema file and (optionally) a precompiled module of it, as the build writes them. */
async function fixture(schema: object, precompiledFrom?: object): Promise<{ schemaFile: string; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ggen-validators-'));
  dirs.push(dir);
  // The generated module requires ajv's small runtime helpers, resolved as from dist/ in the package.
  symlinkSync(path.join(path.dirname(schemaPath()), '..', 'node_modules'), path.join(dir, 'node_modules'));
  const schemaFile = path.join(dir, 'ggen.schema.json');
  writeFileSync(schemaFile, JSON.stringify(schema));
  if (precompiledFrom) {
    const source = path.join(dir, 'source.schema.json');
    writeFileSync(source, JSON.stringify(precompiledFrom));
    mkdirSync(path.join(dir, 'validators'));
    writeFileSync(precompiledPath('ggen', dir), await precompile(source));
  }
  return { schemaFile, dir };
}

const REAL = JSON.parse(readFileSync(schemaPath(), 'utf8')) as object;
const PACK = JSON.parse(readFileSync(path.join(path.dirname(schemaPath()), 'pack.schema.json'), 'utf8')) as object;

describe('precompiled schema validators', () => {
  it('report exactly the errors ajv reports when it compiles the schema at run time', async () => {
    const { schemaFile, dir } = await fixture(REAL, REAL);
    const pre = await schemaValidator('ggen', schemaFile, dir);
    const fresh = await schemaValidator('ggen', schemaFile, path.join(dir, 'none'));
    expect(pre.precompiled).toBe(true);
    expect(fresh.precompiled).toBe(false);
    const inputs: unknown[] = [
      { project: { name: 'demo' }, ontology: { sources: ['specs/*.ttl'] } },
      { project: { name: 'demo', bogus: 1 }, ontology: { sources: 'specs/a.ttl' } },
      { ontology: { sources: [] }, inference: { rules: [{ name: 'x' }] }, generation: { output_dir: 3 } },
      'not a table',
    ];
    for (const input of inputs) {
      const a = pre.validate(input);
      const b = fresh.validate(input);
      expect(a).toBe(b);
      expect(pre.validate.errors ?? null).toEqual(fresh.validate.errors ?? null);
    }
    expect(pre.validate(inputs[1])).toBe(false);
    expect(pre.validate.errors?.map((e) => e.keyword).sort()).toEqual(['additionalProperties', 'type']);
  });

  it('are not used once the schema has changed: the schema is compiled afresh', async () => {
    // Precompiled from a schema that accepts anything; the current schema demands `project`.
    const current = { type: 'object', required: ['project'] };
    const { schemaFile, dir } = await fixture(current, { type: 'object' });
    const v = await schemaValidator('ggen', schemaFile, dir);
    expect(v.precompiled).toBe(false);
    expect(v.validate({})).toBe(false);
    expect(v.validate({ project: {} })).toBe(true);
  });

  it('compile the pack schema too, with the same verdicts', async () => {
    const { schemaFile, dir } = await fixture(PACK, PACK);
    const pre = await schemaValidator('ggen', schemaFile, dir);
    const fresh = await schemaValidator('ggen', schemaFile, path.join(dir, 'none'));
    expect(pre.precompiled).toBe(true);
    for (const input of [{}, { pack: { name: 'otp' } }, { pack: { name: 3, extra: true } }]) {
      expect(pre.validate(input)).toBe(fresh.validate(input));
      expect(pre.validate.errors ?? null).toEqual(fresh.validate.errors ?? null);
    }
  });

  it('are what the build put in dist/ for the shipped schemas', async () => {
    const dist = path.join(path.dirname(schemaPath()), '..', 'dist', 'src', 'pipeline', 'manifest');
    const ggen = await schemaValidator('ggen', schemaPath(), dist);
    expect(ggen.precompiled).toBe(true);
  });
});
