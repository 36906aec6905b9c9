/**
 * The W3C SHACL test suite (core and SPARQL, vendored as data under test/fixtures/w3c-shacl) run
 * through ggen's validate API, as `ggen validate` runs it. Each sht:Validate test becomes a ggen
 * project whose sources and shapes are the test's data and shapes graphs. A test passes when
 * ggen's verdict matches the expected report: conforms, the number of results, and each named
 * focus node. SPARQL tests may instead be refused with an "unsupported" input error, never given
 * a wrong verdict; tests that expect a failure must be refused.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Parser, Store, DataFactory } from 'n3';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueryEngine, type QueryEngine } from '../../src/pipeline/engine/index.js';
import { InputError } from '../../src/pipeline/errors.js';
import { loadManifest } from '../../src/pipeline/manifest/index.js';
import { validateProject } from '../../src/pipeline/normalize/index.js';
import { W3C_SHACL_SUITE, ttlFiles } from '../support/w3c-shacl.js';

const SUITE = W3C_SHACL_SUITE;
const MF = 'http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#';
const SHT = 'http://www.w3.org/ns/shacl-test#';
const SH = 'http://www.w3.org/ns/shacl#';
const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const n = DataFactory.namedNode;

interface Case {
  name: string;
  dataFile: string;
  shapesFile: string;
  failure: boolean;
  conforms: boolean;
  results: number;
  focusNodes: string[];
}

function cases(area: 'core' | 'sparql'): Case[] {
  const out: Case[] = [];
  for (const file of ttlFiles(path.join(SUITE, area)).sort()) {
    const base = pathToFileURL(file).href;
    const store = new Store(new Parser({ baseIRI: base }).parse(readFileSync(file, 'utf8')));
    for (const t of store.getSubjects(n(`${RDF}type`), n(`${SHT}Validate`), null)) {
      const action = store.getObjects(t, n(`${MF}action`), null)[0]!;
      const graphFile = (p: string) => fileURLToPath(store.getObjects(action, n(`${SHT}${p}`), null)[0]!.value);
      const result = store.getObjects(t, n(`${MF}result`), null)[0]!;
      const failure = result.termType === 'NamedNode' && result.value === `${SHT}Failure`;
      const results = failure ? [] : store.getObjects(result, n(`${SH}result`), null);
      out.push({
        name: `${path.relative(SUITE, file)}`,
        dataFile: graphFile('dataGraph'),
        shapesFile: graphFile('shapesGraph'),
        failure,
        conforms: !failure && store.getObjects(result, n(`${SH}conforms`), null)[0]?.value === 'true',
        results: results.length,
        focusNodes: results
          .flatMap((r) => store.getObjects(r, n(`${SH}focusNode`), null))
          .filter((f) => f.termType === 'NamedNode')
          .map((f) => f.value),
      });
    }
  }
  return out;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The verdict of `ggen validate` on the test: its results, or the input error that refused it. */
async function run(c: Case, engine: QueryEngine): Promise<{ results: string[] } | { refused: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ggen-w3c-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'data'));
  cpSync(c.dataFile, path.join(dir, 'data/data.ttl'));
  cpSync(c.shapesFile, path.join(dir, 'data/shapes.ttl'));
  const base = pathToFileURL(c.dataFile).href;
  writeFileSync(
    path.join(dir, 'ggen.toml'),
    `[project]\nname = "w3c"\n[ontology]\nsources = ["data/data.ttl"]\nbase_iri = ${JSON.stringify(base)}\n[validation]\nshacl = ["data/shapes.ttl"]\n`,
  );
  try {
    const report = await validateProject(await loadManifest(path.join(dir, 'ggen.toml')), engine);
    return { results: [...report.violations, ...report.warnings].map((d) => d.message) };
  } catch (err) {
    if (err instanceof InputError) return { refused: err.message };
    throw err;
  }
}

function judge(c: Case, verdict: { results: string[] } | { refused: string }, allowRefusal: boolean): void {
  if (c.failure) {
    expect('refused' in verdict, `${c.name} must be refused`).toBe(true);
    return;
  }
  if ('refused' in verdict) {
    expect(allowRefusal, `${c.name} refused: ${verdict.refused}`).toBe(true);
    expect(verdict.refused, c.name).toMatch(/unsupported/i);
    return;
  }
  expect(verdict.results.length === 0, `${c.name} conforms; got ${JSON.stringify(verdict.results)}`).toBe(c.conforms);
  expect(verdict.results.length, `${c.name} results: ${JSON.stringify(verdict.results)}`).toBe(c.results);
  // A result names its focus node as the data file writes it: a prefixed name where a prefix fits, else <iri>.
  const prefixes: Record<string, string> = {};
  new Parser({ baseIRI: pathToFileURL(c.dataFile).href }).parse(
    readFileSync(c.dataFile, 'utf8'),
    null,
    (prefix, iri) => {
      prefixes[prefix] = iri.value;
    },
  );
  for (const focus of c.focusNodes) {
    const names = [
      `<${focus}>`,
      ...Object.entries(prefixes)
        .filter(([, ns]) => focus.startsWith(ns))
        .map(([p, ns]) => `${p}:${focus.slice(ns.length)}`),
    ];
    expect(
      verdict.results.some((m) => names.some((name) => m.startsWith(`${name} `) || m.startsWith(`${name}:`))),
      `${c.name}: no result on ${focus}`,
    ).toBe(true);
  }
}

describe('W3C SHACL test suite through ggen validate', () => {
  const core = cases('core');
  const sparql = cases('sparql');

  it('finds the whole suite', () => {
    expect(core).toHaveLength(98);
    expect(sparql.length).toBeGreaterThanOrEqual(22);
  });

  it('core: 98 of 98', { timeout: 600_000 }, async () => {
    const engine = await createQueryEngine();
    const failed: string[] = [];
    for (const c of core) {
      try {
        judge(c, await run(c, engine), false);
      } catch (err) {
        failed.push(`${c.name}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    expect(failed).toEqual([]);
  });

  for (const name of ['oxigraph', 'comunica'] as const) {
    it(`sparql on ${name}: every test passes or is refused as unsupported`, { timeout: 600_000 }, async () => {
      const engine = await createQueryEngine({}, name);
      const failed: string[] = [];
      let passed = 0;
      for (const c of sparql) {
        try {
          const verdict = await run(c, engine);
          judge(c, verdict, true);
          if (!('refused' in verdict) || c.failure) passed++;
        } catch (err) {
          failed.push(`${c.name}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      expect(failed).toEqual([]);
      expect(passed).toBeGreaterThanOrEqual(15);
    });
  }
});
