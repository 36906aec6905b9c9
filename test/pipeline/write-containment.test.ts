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
const file = (p: string, content: string): RenderedFile => ({ path: p, content, template: 'templates/t.njk', mode: 'overwrite' });
const receipt = (subjects: Record<string, string>): ReceiptView =>
  ({ subjects: new Map(Object.entries(subjects).map(([k, v]) => [k, sha256(v)])), createOnce: [], inputs: new Map(), packages: new Map() }) as unknown as ReceiptView;
function put(abs: string, text: string): void {
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, text);
}

describe('output paths stay inside the output directory', () => {
  it('refuses a sibling directory whose name starts with the output directory name', async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'gen'));
    mkdirSync(path.join(root, 'gen-evil'));
    const plan = planWrites({ root, outputDir: 'gen', previous: null, force: false, files: [file('../gen-evil/x.ts', 'x')] });
    await expect(plan).rejects.toThrow(PathEscape);
    await expect(plan).rejects.toThrow(/\.\.\/gen-evil\/x\.ts escapes the output directory/);
    expect(existsSync(path.join(root, 'gen-evil/x.ts'))).toBe(false);
  });

  it('refuses the sibling also when the output directory is given with a trailing separator', async () => {
    const root = tmp();
    await expect(planWrites({ root, outputDir: `gen${path.sep}`, previous: null, force: false, files: [file('../gen2/x.ts', 'x')] })).rejects.toThrow(PathEscape);
  });

  it('refuses a symlink into a sibling whose name starts with the output directory name', async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'gen'));
    mkdirSync(path.join(root, 'gen-evil'));
    symlinkSync(path.join(root, 'gen-evil'), path.join(root, 'gen', 'link'));
    await expect(planWrites({ root, outputDir: 'gen', previous: null, force: false, files: [file('link/x.ts', 'x')] })).rejects.toThrow(/through a symlink/);
  });

  it('refuses the output directory itself as an output', async () => {
    const root = tmp();
    await expect(planWrites({ root, outputDir: 'gen', previous: null, force: false, files: [file('.', 'x')] })).rejects.toThrow(PathEscape);
    await expect(planWrites({ root, outputDir: 'gen', previous: null, force: false, files: [file('a/..', 'x')] })).rejects.toThrow(PathEscape);
  });

  it('accepts nested paths and names that merely contain dots', async () => {
    const root = tmp();
    const plan = await planWrites({ root, outputDir: 'gen', previous: null, force: false, files: [file('a/b/c.ts', 'x'), file('..a.ts', 'y')] });
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
