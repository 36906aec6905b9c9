/**
 * `ggen verify`: the exact detail of each problem, a receipt whose output directory is missing,
 * empty or absent, and extra files found in file-system order but reported sorted.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import { verify } from '../../src/pipeline/verify.js';
import { project, put } from './verify-project.js';

/** Rewrites the receipt's JSON. */
function edit(root: string, change: (s: any) => void): void {
  const p = path.join(root, 'receipts/latest.json');
  const s = JSON.parse(readFileSync(p, 'utf8'));
  change(s);
  writeFileSync(p, JSON.stringify(s));
}

describe('verify details', () => {
  it('words each problem exactly', async () => {
    const { root } = project();
    put(root, 'gen/sub/b.ts', 'edited\n');
    unlinkSync(path.join(root, 'gen/a.ts'));
    put(root, 'gen/extra.ts', 'x\n');
    const r = await verify({ root });
    expect(r.problems).toEqual([
      { kind: 'modified', path: 'gen/sub/b.ts', detail: 'output differs from the receipt (edited by hand?)' },
      { kind: 'missing', path: 'gen/a.ts', detail: 'output listed in the receipt is missing' },
      { kind: 'extra', path: 'gen/extra.ts', detail: 'in the output directory but not in the receipt' },
    ]);
  });

  it('an input recorded without a role is called an input', async () => {
    const { root } = project();
    edit(root, (s) => {
      for (const d of s.predicate.buildDefinition.resolvedDependencies) delete d.annotations;
    });
    put(root, 'specs/x.ttl', 'changed\n');
    unlinkSync(path.join(root, 'ggen.toml'));
    expect((await verify({ root })).problems).toEqual([
      {
        kind: 'input-modified',
        path: 'specs/x.ttl',
        detail: 'input changed since the receipt was made (run ggen sync)',
      },
      { kind: 'input-missing', path: 'ggen.toml', detail: 'input file listed in the receipt is missing' },
    ]);
  });

  it.each([
    ['absent', (s: any) => delete s.predicate.buildDefinition.internalParameters.outputDir],
    ['absent with its parameters', (s: any) => delete s.predicate.buildDefinition.internalParameters],
    ['a folder that does not exist', (s: any) => (s.predicate.buildDefinition.internalParameters.outputDir = 'gone')],
  ])('looks for extra files only in a recorded output directory: %s', async (_label, change) => {
    const { root } = project();
    edit(root, change);
    put(root, 'gen/extra.ts', 'x\n');
    const r = await verify({ root });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('refuses a receipt whose output directory is empty', async () => {
    const { root } = project();
    edit(root, (s) => (s.predicate.buildDefinition.internalParameters.outputDir = ''));
    await expect(verify({ root })).rejects.toThrow('outputDir "" is not a relative path inside the project');
  });

  it('reports extra files sorted by path, whatever order the file system lists them in', async () => {
    const { root } = project();
    const names = Array.from({ length: 30 }, (_, i) => `gen/x${String((i * 17) % 30).padStart(2, '0')}.ts`);
    for (const n of names) put(root, n, 'x\n');
    const r = await verify({ root });
    expect(r.problems.map((p) => p.path)).toEqual([...names].sort());
  });

  it('sorts extra files by path, not in the depth-first order of the walk (gen/q/x.ts is found before gen/q.ts)', async () => {
    const { root } = project();
    // readdir lists q before q.ts, so the walk finds q/x.ts first; as paths, '.' sorts before '/'
    put(root, 'gen/q/x.ts', 'x\n');
    put(root, 'gen/q.ts', 'x\n');
    put(root, 'gen/q-1.ts', 'x\n');
    const r = await verify({ root });
    expect(r.problems.map((p) => p.path)).toEqual(['gen/q-1.ts', 'gen/q.ts', 'gen/q/x.ts']);
  });

  it('a key that is not ed25519 is invalid input that says so', async () => {
    const { root } = project();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const err = await verify({ root, key: rsa }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/ed25519/);
  });
});
