/**
 * planWrites / applyPlan on the hand-written folder's edges, which the mutation run of plan.ts left
 * untested (#16): a stub with no folder set, a stub at the folder itself, the exact reasons and
 * modes of its entries, errors on the way (a file system error is passed through, a symlinked
 * folder is named with the template), a stub name the file system refuses, a file that appears between
 * planning and applying (kept: create_once is exclusive), and a receipt subject that is a symlink
 * to the output directory itself (neither read nor deleted).
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReceiptView } from '../../src/pipeline/receipt/statement.js';
import type { RenderedFile } from '../../src/pipeline/types.js';
import { applyPlan, PathEscape, planWrites, sha256 } from '../../src/pipeline/write/index.js';

const TEMPLATE = 'packs/otp/templates/otp/handwritten-stub.ts.njk';
const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-hw-edges-'));
const stub = (p: string, content = 'stub\n'): RenderedFile => ({
  path: p,
  content,
  template: TEMPLATE,
  mode: 'create_once',
  root: 'handwritten',
});
const plan = (root: string, files: RenderedFile[]) =>
  planWrites({ root, outputDir: 'generated', handwrittenDir: 'src/domains', previous: null, force: false, files });

describe('the hand-written folder at its edges', () => {
  it('refuses a stub when no hand-written folder is set', async () => {
    const root = tmp();
    const err = await planWrites({
      root,
      outputDir: 'generated',
      previous: null,
      force: false,
      files: [stub('../src/domains/x.ts')],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PathEscape);
    expect((err as Error).message).toBe(`${TEMPLATE}: to: ../src/domains/x.ts: no hand-written folder is set`);
  });

  it('refuses a stub at the folder itself', async () => {
    const root = tmp();
    await expect(plan(root, [stub('../src/domains')])).rejects.toThrow(
      `${TEMPLATE}: to: ../src/domains escapes the hand-written folder src/domains`,
    );
  });

  it('gives a new stub and a kept one their reasons and the create_once mode', async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'src/domains'), { recursive: true });
    writeFileSync(path.join(root, 'src/domains/kept.ts'), 'mine\n');
    const p = await plan(root, [stub('../src/domains/new.ts'), stub('../src/domains/kept.ts')]);
    expect(p.entries.map((e) => [e.path, e.action, e.reason, e.mode])).toEqual([
      [
        'src/domains/kept.ts',
        'keep',
        'create_once: the file exists in the hand-written folder and belongs to the user',
        'create_once',
      ],
      ['src/domains/new.ts', 'create', 'create_once: a stub for hand-written code, not there yet', 'create_once'],
    ]);
  });

  it('names the template when a folder on the way is a symlink', async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'src/domains'), { recursive: true });
    symlinkSync(tmp(), path.join(root, 'src/domains/pay'));
    const err = await plan(root, [stub('../src/domains/pay/x.ts')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PathEscape);
    expect((err as Error).message).toMatch(new RegExp(`^${TEMPLATE.replace(/\./g, '\\.')}: to: .*src/domains/pay`));
  });

  it('passes an error on the way through as the file system error, not as a path escape (a folder name too long)', async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'src/domains'), { recursive: true });
    const err = await plan(root, [stub(`../src/domains/${'d'.repeat(300)}/x.ts`)]).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(PathEscape);
    expect((err as NodeJS.ErrnoException).code).toBe('ENAMETOOLONG');
  });

  it('passes an error looking at the stub path through (a name longer than the file system allows)', async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'src/domains'), { recursive: true });
    const err = await plan(root, [stub(`../src/domains/${'x'.repeat(300)}.ts`)]).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('ENAMETOOLONG');
  });

  it("keeps a file that appeared at a stub's path after planning: the stub is created exclusively", async () => {
    const root = tmp();
    const p = await plan(root, [stub('../src/domains/pay/checks.ts')]);
    expect(p.entries.map((e) => e.action)).toEqual(['create']);
    const abs = path.join(root, 'src/domains/pay/checks.ts');
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, 'written by the user meanwhile\n');
    await applyPlan(p, path.join(root, 'generated'));
    expect(readFileSync(abs, 'utf8')).toBe('written by the user meanwhile\n');
  });
});

describe('orphans that are the output directory', () => {
  it('a receipt subject that is a symlink to the output directory is neither read nor deleted', async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'generated'));
    writeFileSync(path.join(root, 'generated/a.ts'), 'a');
    symlinkSync(path.join(root, 'generated'), path.join(root, 'generated/self'));
    const previous = {
      subjects: new Map([['generated/self', sha256('x')]]),
      createOnce: [],
      inputs: new Map(),
    } as unknown as ReceiptView;
    const p = await planWrites({ root, outputDir: 'generated', previous, force: false, files: [] });
    expect(p.entries).toEqual([]);
  });
});
