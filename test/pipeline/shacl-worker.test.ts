/**
 * The SHACL core worker (normalize/shacl-core.ts), compiled as it runs in the CLI: it reports what
 * the same validation in this thread reports, and a worker that crashes, exits or answers garbage
 * makes validation fail with an internal error; never a "valid".
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Parser, Store } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { W3C_SHACL_SUITE, ttlFiles } from '../support/w3c-shacl.js';

const dist = (p: string) => new URL(`../../dist/src/pipeline/${p}`, import.meta.url);
const SUITE = path.join(W3C_SHACL_SUITE, 'core');

type Core = {
  start(o?: { inline?: boolean; worker?: boolean; workerUrl?: URL }): { inWorker: boolean; close(): Promise<void> };
};
let ShaclCore: Core;
let validateShacl: (input: Record<string, unknown>) => Promise<{ violations: unknown[]; warnings: unknown[] }>;
let SourceIndex: new () => unknown;
let engine: unknown;
const tmp = mkdtempSync(path.join(tmpdir(), 'ggen-shacl-worker-'));

beforeAll(async () => {
  expect(existsSync(dist('normalize/shacl-worker.js')), 'the test setup builds dist/ first').toBe(true);
  ({ ShaclCore } = (await import(dist('normalize/shacl-core.js').href)) as { ShaclCore: Core });
  ({ validateShacl } = await import(dist('normalize/shacl.js').href));
  ({ SourceIndex } = await import(dist('normalize/positions.js').href));
  const { createQueryEngine } = await import(dist('engine/index.js').href);
  engine = await createQueryEngine({}, 'oxigraph');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const read = (file: string) =>
  new Store(new Parser({ baseIRI: pathToFileURL(file).href }).parse(readFileSync(file, 'utf8')));

/** The graph validated against its own shapes (as the W3C tests are), on `core`. */
function input(file: string, core: unknown, graph = read(file)) {
  return {
    data: graph,
    shapes: graph,
    prefixes: {},
    positions: new SourceIndex(),
    shapePositions: new SourceIndex(),
    shapesFile: path.basename(file),
    engine,
    core,
  };
}

describe('SHACL core worker', () => {
  // The property and path tests carry every kind of term and path a result can hold.
  it('reports what the same validation reports in this thread (W3C core property and path graphs)', async () => {
    let withResults = 0;
    for (const file of [...ttlFiles(path.join(SUITE, 'property')), ...ttlFiles(path.join(SUITE, 'path'))].sort()) {
      const inWorker = ShaclCore.start({ worker: true });
      expect(inWorker.inWorker).toBe(true);
      // One parse for both: the parser's blank node labels differ from parse to parse.
      const graph = read(file);
      const worker = await validateShacl(input(file, inWorker, graph));
      const here = await validateShacl(input(file, ShaclCore.start({ inline: true }), graph));
      expect(worker, path.relative(SUITE, file)).toEqual(here);
      if (here.violations.length + here.warnings.length > 0) withResults++;
    }
    expect(withResults).toBeGreaterThan(30);
  }, 300_000);

  const violating = () => path.join(SUITE, 'property/minCount-001.ttl');

  const bad: Record<string, string> = {
    'results that name no shape': `parentPort.once('message', () => parentPort.postMessage({ kind: 'done', results: [{ s: 99, message: [] }] }));`,
    'results that are not a list': `parentPort.once('message', () => parentPort.postMessage({ kind: 'done', results: 'none' }));`,
    'a malformed path': `parentPort.once('message', () => parentPort.postMessage({ kind: 'done', results: [{ s: 0, message: [], path: [{ start: 1 }] }] }));`,
    'an unknown message': `parentPort.once('message', () => parentPort.postMessage({ kind: 'hello' }));`,
    'a non-object': `parentPort.once('message', () => parentPort.postMessage(42));`,
    'a failure': `parentPort.once('message', () => parentPort.postMessage({ kind: 'failed', message: 'boom' }));`,
    'an exit before answering': `parentPort.once('message', () => process.exit(7));`,
    'a crash while loading': `throw new Error('cannot load');`,
    'a crash while validating': `parentPort.once('message', () => { throw new Error('broken'); });`,
  };
  for (const [what, body] of Object.entries(bad))
    it(`a worker that answers ${what} fails the validation`, async () => {
      expect((await validateShacl(input(violating(), ShaclCore.start({ inline: true })))).violations.length).toBe(1);
      const file = path.join(tmp, `${what.replace(/\W+/g, '-')}.mjs`);
      writeFileSync(file, `import { parentPort } from 'node:worker_threads';\n${body}\n`);
      const core = ShaclCore.start({ workerUrl: pathToFileURL(file) });
      await expect(validateShacl(input(violating(), core))).rejects.toThrow(/SHACL worker/);
      await core.close();
    });
});
