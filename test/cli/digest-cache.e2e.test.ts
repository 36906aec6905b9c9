/**
 * The one-shot runs' graph digest cache (normalize/digest-disk.ts) through the CLI, one process per
 * run as in use (n3 draws blank node labels per process): after each spec edit, sync and validate
 * give the digest of a run that reads no cache, and sync the outputs and receipt it would write.
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DIGEST_CACHE_FILE } from '../../src/pipeline/normalize/digest-disk.js';
import { ggen, project } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the graph digest cache', () => {
  it('gives sync and validate (one process each, as the CLI runs) the digest and outputs of a run without caches', () => {
    const dir = project();
    dirs.push(dir);
    const spec = path.join(dir, 'specs/domain.ttl');
    const file = path.join(dir, DIGEST_CACHE_FILE);
    const edit = (change: (t: string) => string) => writeFileSync(spec, change(readFileSync(spec, 'utf8')));
    const json = (args: string[]) => {
      const r = ggen(dir, [...args, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { status: string; digest?: string; graph?: { digest: string } };
    };
    edit((t) => `${t}\nex:Billing rdfs:seeAlso [ rdfs:label "note" ] , ( "a" "a" [ rdfs:label "b" ] ) .\n`);
    expect(json(['sync']).status).toBe('written');
    // [edit, whether the stored labels answer the run after it]
    const steps: Array<[(t: string) => string, boolean]> = [
      [(t) => t.replace('Routes calls.', 'Routes all calls.'), true],
      [(t) => `${t}\nex:CallRouter rdfs:seeAlso ex:Billing .\n`, true],
      [(t) => t.replace('rdfs:label "note"', 'rdfs:label "a note"'), false],
      [(t) => t.replace('Charges', 'Bills'), true],
      [(t) => `${t}\nex:CallRouter rdfs:seeAlso [ rdfs:label "more" ] .\n`, false],
    ];
    for (const [i, [change, hit]] of steps.entries()) {
      edit(change);
      const before = statSync(file).ino;
      // validate reads the file (sync wrote it), never writes it.
      const validated = json(['validate']).digest;
      expect(statSync(file).ino).toBe(before);
      const warm = json(['sync']);
      expect(warm.status, `step ${i}`).toBe('written');
      // A hit leaves the file as it was; a miss stores the new labels.
      expect(statSync(file).ino === before, `step ${i}`).toBe(hit);
      // --full reads no cache: the same outputs and receipt, the same digest.
      const fresh = json(['sync', '--check', '--full']);
      expect(fresh.status, `step ${i}`).toBe('clean');
      expect(warm.graph?.digest, `step ${i}`).toBe(fresh.graph?.digest);
      expect(validated, `step ${i}`).toBe(fresh.graph?.digest);
    }
  }, 180_000);
});
