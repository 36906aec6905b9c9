/**
 * The previous receipt is untrusted input (issue #14, Medium 6): a crafted receipt must never make
 * sync delete, or read, a file outside the output directory.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import { parseStatement, type ReceiptView } from '../../src/pipeline/receipt/statement.js';
import { sync } from '../../src/pipeline/sync.js';
import { applyPlan, planWrites, sha256 } from '../../src/pipeline/write/index.js';
import { repoRoot } from '../support/compiled.js';
import { formatInProcess } from '../support/format-in-process.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-receipt-'));
const put = (root: string, rel: string, text: string): void => {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
};
const view = (subjects: Record<string, string>): ReceiptView =>
  ({
    subjects: new Map(Object.entries(subjects).map(([k, v]) => [k, sha256(v)])),
    createOnce: [],
    inputs: new Map(),
    packages: new Map(),
  }) as unknown as ReceiptView;

describe('orphans are deleted only inside the output directory', () => {
  it('a receipt naming a project file outside output_dir does not get it deleted', async () => {
    const root = tmp();
    put(root, 'src/keep.ts', 'precious\n');
    put(root, 'gen/orphan.ts', 'o\n');
    const plan = await planWrites({
      root,
      outputDir: 'gen',
      previous: view({ 'src/keep.ts': 'precious\n', 'gen/orphan.ts': 'o\n' }),
      force: false,
      files: [],
    });
    expect(plan.entries.map((e) => [e.path, e.action])).toEqual([['gen/orphan.ts', 'delete']]);
    await applyPlan(plan, path.join(root, 'gen'));
    expect(readFileSync(path.join(root, 'src/keep.ts'), 'utf8')).toBe('precious\n');
    expect(existsSync(path.join(root, 'gen/orphan.ts'))).toBe(false);
  });

  it('an orphan reached through a symlinked directory inside output_dir stays', async () => {
    const root = tmp();
    put(root, 'src/keep.ts', 'precious\n');
    mkdirSync(path.join(root, 'gen'));
    const { symlinkSync } = await import('node:fs');
    symlinkSync(path.join(root, 'src'), path.join(root, 'gen', 'link'));
    const plan = await planWrites({
      root,
      outputDir: 'gen',
      previous: view({ 'gen/link/keep.ts': 'precious\n' }),
      force: false,
      files: [],
    });
    expect(plan.entries.filter((e) => e.action === 'delete')).toEqual([]);
  });
});

describe('parseStatement refuses names that leave the project', () => {
  const base = JSON.parse(readFileSync(path.join(repoRoot, 'receipts/latest.json'), 'utf8'));
  const digest = { sha256: 'a'.repeat(64) };
  const bad = [
    '../outside.ts',
    '/etc/passwd',
    'generated/../../x',
    'generated\\..\\x',
    'C:/x',
    'c:x',
    '//server/share/x',
    'gen/\0x',
    '',
    '.',
    'gen//x',
    'gen/./x',
  ];

  for (const name of bad) {
    it(`subject ${JSON.stringify(name)}`, () => {
      const r = structuredClone(base);
      r.subject.push({ name, digest });
      expect(() => parseStatement(JSON.stringify(r))).toThrow(/subject/);
    });
    it(`input file:${JSON.stringify(name)}`, () => {
      const r = structuredClone(base);
      r.predicate.buildDefinition.resolvedDependencies.push({
        uri: `file:${name}`,
        digest,
        annotations: { role: 'spec' },
      });
      expect(() => parseStatement(JSON.stringify(r))).toThrow(/input/);
    });
    it(`create_once byproduct ${JSON.stringify(name)}`, () => {
      const r = structuredClone(base);
      r.predicate.runDetails.byproducts.push({ name, uri: `file:${name}`, annotations: { mode: 'create_once' } });
      expect(() => parseStatement(JSON.stringify(r))).toThrow(/byproduct/);
    });
  }

  it('accepts the repository receipt and an ordinary nested name', () => {
    const r = structuredClone(base);
    r.subject.push({ name: 'generated/a-b_c/d.e.ts', digest });
    expect(parseStatement(JSON.stringify(r)).subjects.get('generated/a-b_c/d.e.ts')).toBe('a'.repeat(64));
  });

  it('refuses a subject that is not an object, or an outputDir that leaves the project', () => {
    const r = structuredClone(base);
    r.subject.push(null);
    expect(() => parseStatement(JSON.stringify(r))).toThrow(/subject/);
    const o = structuredClone(base);
    o.predicate.buildDefinition.internalParameters.outputDir = '../..';
    expect(() => parseStatement(JSON.stringify(o))).toThrow(/outputDir/);
  });
});

describe('sync with a crafted previous receipt', () => {
  formatInProcess();

  it('neither deletes a spec it lists as an orphan nor reads outside the project', async () => {
    const root = tmp();
    cpSync(path.join(repoRoot, 'test/fixtures/cli/basic'), root, { recursive: true });
    const manifestPath = path.join(root, 'ggen.toml');
    await sync({ manifestPath });
    const receiptAbs = path.join(root, 'receipts/latest.json');
    const receipt = JSON.parse(readFileSync(receiptAbs, 'utf8'));
    const spec = readFileSync(path.join(root, 'specs/domain.ttl'));
    receipt.subject.push({ name: 'specs/domain.ttl', digest: { sha256: sha256(spec) } });
    receipt.subject.sort((a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1));
    writeFileSync(receiptAbs, JSON.stringify(receipt, null, 2));
    await sync({ manifestPath, noFastPath: true });
    expect(readFileSync(path.join(root, 'specs/domain.ttl'))).toEqual(spec);

    receipt.subject.push({ name: '../outside.txt', digest: { sha256: 'b'.repeat(64) } });
    writeFileSync(receiptAbs, JSON.stringify(receipt, null, 2));
    const err = await sync({ manifestPath }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(String((err as Error).message)).toMatch(/receipt/);
  }, 120_000);
});

describe('the no-op fast path', () => {
  it('does not read a subject outside output_dir: the run is not up to date', async () => {
    const { checkUpToDate } = await import('../../src/pipeline/sync/fast-path.js');
    const { loadManifest } = await import('../../src/pipeline/manifest/index.js');
    const manifest = await loadManifest(path.join(repoRoot, 'ggen.toml'));
    const previous = parseStatement(readFileSync(path.join(repoRoot, 'receipts/latest.json'), 'utf8'));
    previous.subjects.set('package.json', sha256(readFileSync(path.join(repoRoot, 'package.json'))));
    expect(await checkUpToDate(manifest, previous)).toEqual({
      upToDate: false,
      reason: 'package.json is not in generated',
    });
  });
});
