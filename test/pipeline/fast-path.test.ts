/**
 * The no-op fast path skips the pipeline only when nothing that can change the outputs changed:
 * every input byte, the input file lists, the tool versions, and every recorded output.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/pipeline/manifest/index.js';
import type { ReceiptView } from '../../src/pipeline/receipt/statement.js';
import { packageVersions } from '../../src/pipeline/receipt/versions.js';
import { checkUpToDate } from '../../src/pipeline/sync/fast-path.js';
import { discoverInputs } from '../../src/pipeline/sync/inputs.js';
import { sha256 } from '../../src/pipeline/write/hash.js';
import { manifest, removeProjects, writeProject } from '../fixtures/pipeline-front/project.js';

afterAll(removeProjects);

async function setup() {
  const root = await writeProject({
    'ggen.toml': manifest('[generation]\ntemplates = "templates"\noutput_dir = "gen"'),
    'specs/a.ttl': '# a\n',
    'templates/t.njk': 't\n',
    'templates/_p/part.njk': 'p\n',
    'queries/q.rq': 'q\n',
    'gen/out.ts': 'out\n',
    'gen/mine.ts': 'mine\n',
  });
  const m = await loadManifest(path.join(root, 'ggen.toml'));
  const discovered = await discoverInputs(m);
  const inputs = new Map<string, { sha256: string; role: string }>();
  const { readFileSync } = await import('node:fs');
  for (const d of discovered)
    inputs.set(d.path, { sha256: sha256(readFileSync(path.join(root, d.path))), role: d.role });
  inputs.set('queries/q.rq', { sha256: sha256('q\n'), role: 'query' });
  const view = {
    subjects: new Map([['gen/out.ts', sha256('out\n')]]),
    createOnce: ['gen/mine.ts'],
    inputs,
    packages: new Map(packageVersions().map((p) => [p.name, p.version])),
  } as unknown as ReceiptView;
  return { root, m, view, discovered };
}

describe('checkUpToDate', () => {
  it('is up to date when nothing changed', async () => {
    const { m, view, discovered } = await setup();
    expect(discovered.map((d) => [d.path, d.role])).toEqual([
      ['ggen.toml', 'manifest'],
      ['specs/a.ttl', 'spec'],
      ['templates/_p/part.njk', 'partial'],
      ['templates/t.njk', 'template'],
    ]);
    expect(await checkUpToDate(m, view)).toEqual({ upToDate: true });
  });

  it('a changed tool version', async () => {
    const { m, view } = await setup();
    const [first] = packageVersions();
    view.packages.set(first!.name, '0.0.0-old');
    expect(await checkUpToDate(m, view)).toEqual({
      upToDate: false,
      reason: `${first!.name} is now ${first!.version}`,
    });
  });

  it('a new input file', async () => {
    const { root, m, view } = await setup();
    writeFileSync(path.join(root, 'specs/b.ttl'), '# b\n');
    expect(await checkUpToDate(m, view)).toEqual({ upToDate: false, reason: 'new input specs/b.ttl' });
  });

  it('a discoverable input that is gone', async () => {
    const { m, view } = await setup();
    view.inputs.set('specs/old.ttl', { sha256: sha256('x'), role: 'spec' });
    expect(await checkUpToDate(m, view)).toEqual({ upToDate: false, reason: 'input specs/old.ttl is gone' });
  });

  it('a changed input, discoverable or not (a query)', async () => {
    const a = await setup();
    writeFileSync(path.join(a.root, 'templates/_p/part.njk'), 'p2\n');
    expect(await checkUpToDate(a.m, a.view)).toEqual({ upToDate: false, reason: 'templates/_p/part.njk changed' });
    const b = await setup();
    writeFileSync(path.join(b.root, 'queries/q.rq'), 'q2\n');
    expect(await checkUpToDate(b.m, b.view)).toEqual({ upToDate: false, reason: 'queries/q.rq changed' });
    const c = await setup();
    unlinkSync(path.join(c.root, 'queries/q.rq'));
    expect(await checkUpToDate(c.m, c.view)).toEqual({ upToDate: false, reason: 'queries/q.rq changed' });
  });

  it('an output edited by hand or deleted', async () => {
    const a = await setup();
    writeFileSync(path.join(a.root, 'gen/out.ts'), 'edited\n');
    expect(await checkUpToDate(a.m, a.view)).toEqual({
      upToDate: false,
      reason: 'gen/out.ts differs from the receipt',
    });
    const b = await setup();
    unlinkSync(path.join(b.root, 'gen/out.ts'));
    expect(await checkUpToDate(b.m, b.view)).toEqual({
      upToDate: false,
      reason: 'gen/out.ts differs from the receipt',
    });
  });

  it('an edited output that is not the first one recorded', async () => {
    const a = await setup();
    writeFileSync(path.join(a.root, 'gen/z.ts'), 'z\n');
    a.view.subjects.set('gen/z.ts', sha256('z\n'));
    expect(await checkUpToDate(a.m, a.view)).toEqual({ upToDate: true });
    writeFileSync(path.join(a.root, 'gen/z.ts'), 'edited\n');
    expect(await checkUpToDate(a.m, a.view)).toEqual({
      upToDate: false,
      reason: 'gen/z.ts differs from the receipt',
    });
  });

  it('a create_once file may be edited but not missing', async () => {
    const a = await setup();
    writeFileSync(path.join(a.root, 'gen/mine.ts'), 'edited\n');
    expect(await checkUpToDate(a.m, a.view)).toEqual({ upToDate: true });
    unlinkSync(path.join(a.root, 'gen/mine.ts'));
    expect(await checkUpToDate(a.m, a.view)).toEqual({ upToDate: false, reason: 'gen/mine.ts is missing' });
  });
});

describe('checkUpToDate and the output directory (the receipt is untrusted)', () => {
  const withOutputDir = (m: Awaited<ReturnType<typeof setup>>['m'], outputDir: string) =>
    ({ ...m, generation: { ...m.generation, outputDir } }) as typeof m;

  it('a subject outside the output directory is not ours: not up to date, and named', async () => {
    const a = await setup();
    a.view.subjects.set('other/x.ts', sha256('x'));
    expect(await checkUpToDate(a.m, a.view)).toEqual({ upToDate: false, reason: 'other/x.ts is not in gen' });
    const b = await setup();
    b.view.subjects.set('genx/y.ts', sha256('y'));
    expect(await checkUpToDate(b.m, b.view)).toEqual({ upToDate: false, reason: 'genx/y.ts is not in gen' });
  });

  it.each(['gen/', './gen//', 'gen'])('output_dir written %j is the same folder', async (outputDir) => {
    const a = await setup();
    expect(await checkUpToDate(withOutputDir(a.m, outputDir), a.view)).toEqual({ upToDate: true });
  });

  it('a nested output_dir keeps its inner separator', async () => {
    const a = await setup();
    writeFileSync(path.join(a.root, 'gen/out.ts'), 'out\n');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.join(a.root, 'gen/sub'), { recursive: true });
    writeFileSync(path.join(a.root, 'gen/sub/x.ts'), 'x\n');
    a.view.subjects = new Map([['gen/sub/x.ts', sha256('x\n')]]);
    expect(await checkUpToDate(withOutputDir(a.m, 'gen/sub/'), a.view)).toEqual({ upToDate: true });
  });

  it('with output_dir "." every subject is inside', async () => {
    const a = await setup();
    expect(await checkUpToDate(withOutputDir(a.m, '.'), a.view)).toEqual({ upToDate: true });
  });
});

describe('checkUpToDate when the inputs cannot be listed', () => {
  it('is not up to date, and says why, instead of failing', async () => {
    const a = await setup();
    const { rmSync } = await import('node:fs');
    rmSync(path.join(a.root, 'templates'), { recursive: true });
    expect(await checkUpToDate(a.m, a.view)).toEqual({ upToDate: false, reason: 'inputs could not be listed' });
  });
});
