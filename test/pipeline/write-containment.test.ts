/**
 * Containment of every write and delete: what a template's `to:` or a previous receipt names
 * must never reach a file outside the directory it belongs to.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReceiptView } from '../../src/pipeline/receipt/statement.js';
import type { RenderedFile } from '../../src/pipeline/types.js';
import { applyPlan, PathEscape, planWrites, sha256 } from '../../src/pipeline/write/index.js';
import { OutputRoot } from '../../src/pipeline/write/paths.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-contain-'));
const file = (p: string, content: string): RenderedFile => ({
  path: p,
  content,
  template: 'templates/t.njk',
  mode: 'overwrite',
});
const receipt = (subjects: Record<string, string>): ReceiptView =>
  ({
    subjects: new Map(Object.entries(subjects).map(([k, v]) => [k, sha256(v)])),
    createOnce: [],
    inputs: new Map(),
    packages: new Map(),
  }) as unknown as ReceiptView;
function put(abs: string, text: string): void {
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, text);
}

describe('output paths stay inside the output directory', () => {
  it('refuses a sibling directory whose name starts with the output directory name', async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'gen'));
    mkdirSync(path.join(root, 'gen-evil'));
    const plan = planWrites({
      root,
      outputDir: 'gen',
      previous: null,
      force: false,
      files: [file('../gen-evil/x.ts', 'x')],
    });
    await expect(plan).rejects.toThrow(PathEscape);
    await expect(plan).rejects.toThrow(/\.\.\/gen-evil\/x\.ts escapes the output directory/);
    expect(existsSync(path.join(root, 'gen-evil/x.ts'))).toBe(false);
  });

  it('refuses the sibling also when the output directory is given with a trailing separator', async () => {
    const root = tmp();
    await expect(
      planWrites({
        root,
        outputDir: `gen${path.sep}`,
        previous: null,
        force: false,
        files: [file('../gen2/x.ts', 'x')],
      }),
    ).rejects.toThrow(PathEscape);
  });

  it('refuses a symlink into a sibling whose name starts with the output directory name', async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'gen'));
    mkdirSync(path.join(root, 'gen-evil'));
    symlinkSync(path.join(root, 'gen-evil'), path.join(root, 'gen', 'link'));
    await expect(
      planWrites({ root, outputDir: 'gen', previous: null, force: false, files: [file('link/x.ts', 'x')] }),
    ).rejects.toThrow(/through a symlink/);
  });

  it('refuses the output directory itself as an output', async () => {
    const root = tmp();
    await expect(
      planWrites({ root, outputDir: 'gen', previous: null, force: false, files: [file('.', 'x')] }),
    ).rejects.toThrow(PathEscape);
    await expect(
      planWrites({ root, outputDir: 'gen', previous: null, force: false, files: [file('a/..', 'x')] }),
    ).rejects.toThrow(PathEscape);
  });

  it('accepts nested paths and names that merely contain dots', async () => {
    const root = tmp();
    const plan = await planWrites({
      root,
      outputDir: 'gen',
      previous: null,
      force: false,
      files: [file('a/b/c.ts', 'x'), file('..a.ts', 'y')],
    });
    expect(plan.entries.map((e) => [e.path, e.action])).toEqual([
      ['gen/..a.ts', 'create'],
      ['gen/a/b/c.ts', 'create'],
    ]);
  });

  it('OutputRoot.contains is false for a prefix-named sibling and true for a child', () => {
    const root = tmp();
    const out = new OutputRoot(path.join(root, 'gen'));
    expect(OutputRoot.contains(path.join(root, 'gen'), path.join(root, 'gen-evil', 'x'), out)).toBe(false);
    expect(OutputRoot.contains(path.join(root, 'gen'), path.join(root, 'gen', 'x'), out)).toBe(true);
    expect(OutputRoot.contains(path.join(root, 'gen'), path.join(root, 'gen'), out)).toBe(true);
  });
});

describe('orphan deletion never leaves the project', () => {
  it('a receipt subject outside the project is neither deleted nor planned', async () => {
    const root = tmp();
    const outside = tmp();
    const victim = path.join(outside, 'precious.txt');
    put(victim, 'keep me\n');
    const viaDots = path.relative(root, victim).split(path.sep).join('/');
    expect(viaDots.startsWith('../')).toBe(true);
    const prev = receipt({ [viaDots]: 'keep me\n', [victim]: 'keep me\n' });
    const plan = await planWrites({
      root,
      outputDir: 'gen',
      previous: prev,
      force: false,
      files: [file('a.ts', 'a\n')],
    });
    expect(plan.entries.map((e) => [e.path, e.action])).toEqual([['gen/a.ts', 'create']]);
    await applyPlan(plan, path.join(root, 'gen'));
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
  });

  it('a receipt subject reached through a symlinked directory is not deleted', async () => {
    const root = tmp();
    const outside = tmp();
    put(path.join(outside, 'x.ts'), 'x\n');
    mkdirSync(path.join(root, 'gen'));
    symlinkSync(outside, path.join(root, 'gen', 'link'));
    const prev = receipt({ 'gen/link/x.ts': 'x\n' });
    const plan = await planWrites({ root, outputDir: 'gen', previous: prev, force: false, files: [] });
    expect(plan.entries).toEqual([]);
    await applyPlan(plan, path.join(root, 'gen'));
    expect(readFileSync(path.join(outside, 'x.ts'), 'utf8')).toBe('x\n');
  });

  it('a receipt subject in a sibling named like the project is not deleted', async () => {
    const parent = tmp();
    const root = path.join(parent, 'proj');
    put(path.join(parent, 'proj-other', 'x.ts'), 'x\n');
    mkdirSync(root);
    const prev = receipt({ '../proj-other/x.ts': 'x\n' });
    const plan = await planWrites({ root, outputDir: 'gen', previous: prev, force: false, files: [] });
    expect(plan.entries).toEqual([]);
    expect(existsSync(path.join(parent, 'proj-other', 'x.ts'))).toBe(true);
  });

  it('an orphan inside the project is still deleted (the check is not a blanket refusal)', async () => {
    const root = tmp();
    put(path.join(root, 'gen', 'old.ts'), 'old\n');
    const plan = await planWrites({
      root,
      outputDir: 'gen',
      previous: receipt({ 'gen/old.ts': 'old\n' }),
      force: false,
      files: [],
    });
    expect(plan.entries.map((e) => [e.path, e.action])).toEqual([['gen/old.ts', 'delete']]);
    await applyPlan(plan, path.join(root, 'gen'));
    expect(existsSync(path.join(root, 'gen', 'old.ts'))).toBe(false);
  });
});
