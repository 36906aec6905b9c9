/**
 * Oxigraph's WASM on a small graph runs in V8's baseline tier only (engine/oxigraph.ts
 * loadOxigraph): the V8 flag is set around the module's compilation and nothing else. Checked in
 * a child process (V8 flags are process-wide) with V8's own trace of every WASM function it
 * compiles: with the flag no function is optimized (TurboFan), without it (GGEN_OXIGRAPH_TIERS=all)
 * the same work does optimize Oxigraph's and a hot loop of our own, so the first check is not vacuous.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const engineModule = path.join(repo, 'dist/src/pipeline/engine/index.js');

// A small graph and enough queries to make Oxigraph's hot functions hot; then a tiny module of
// our own whose one function loops (its index is 0 and its name "hot"), called until it would tier up.
const script = `
const { createQueryEngine } = await import(${JSON.stringify(engineModule)});
const { Store, DataFactory: { namedNode, literal, quad } } = await import('n3');
const store = new Store();
for (let i = 0; i < 3000; i++) store.addQuad(quad(namedNode('https://e.org/s' + (i % 300)), namedNode('https://e.org/p' + (i % 7)), literal('v' + i)));
const engine = await createQueryEngine({}, 'oxigraph');
let rows = 0;
for (let k = 0; k < 30; k++) {
  const r = await engine.select(store, { text: 'SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o FILTER(STRLEN(?o) > ' + (k % 3) + ') } GROUP BY ?s ORDER BY ?s', file: 'q.rq', line: 1 });
  rows += r.rows.length;
}
const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,6,1,96,1,127,1,127,3,2,1,0,7,7,1,3,104,111,116,0,0,10,27,1,25,1,1,127,3,64,32,1,32,0,106,33,1,32,0,65,1,107,34,0,13,0,11,32,1,11]);
const hot = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.hot;
let sum = 0;
for (let i = 0; i < 2000; i++) sum += hot(5000);
await new Promise((r) => setTimeout(r, 500));
process.stdout.write(JSON.stringify({ rows, sum }) + '\\n');
`;

function run(env: Record<string, string>): { rows: number; sum: number; turbofan: string[] } {
  const r = spawnSync(process.execPath, ['--trace-wasm-compilation-times', '--input-type=module', '-e', script], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  });
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.split('\n');
  const result = JSON.parse(lines.find((l) => l.startsWith('{')) ?? '{}') as { rows: number; sum: number };
  return { ...result, turbofan: lines.filter((l) => / using TurboFan/.test(l)) };
}

describe('oxigraph compile tiers', () => {
  it('runs a small graph baseline-only', () => {
    const { rows, sum, turbofan } = run({ GGEN_OXIGRAPH_TIERS: '' });
    expect(rows).toBe(30 * 300);
    expect(sum).toBe(2000 * ((5000 * 5001) / 2));
    expect(turbofan).toEqual([]);
  }, 60_000);

  it('optimizes the same work with GGEN_OXIGRAPH_TIERS=all', () => {
    const { rows, turbofan } = run({ GGEN_OXIGRAPH_TIERS: 'all' });
    expect(rows).toBe(30 * 300);
    // Oxigraph's functions are #1 and up in its module; our loop is function #0 of its own.
    expect(turbofan.filter((l) => !/#0 using TurboFan/.test(l)).length).toBeGreaterThan(0);
    expect(turbofan.filter((l) => /#0 using TurboFan/.test(l)).length).toBeGreaterThan(0);
  }, 60_000);
});
