/**
 * planWrites decides every file's fate before anything is written: one project holding each case
 * at once, checked entry by entry (action and the reason shown to the user), the receipt's outputs
 * (create_once records the user's file), the conflict list and the sort order; then --force.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReceiptView } from '../../src/pipeline/receipt/statement.js';
import type { RenderedFile } from '../../src/pipeline/types.js';
import { applyPlan, PathEscape, planWrites, sha256 } from '../../src/pipeline/write/index.js';

const file = (p: string, content: string, mode: RenderedFile['mode'] = 'overwrite'): RenderedFile => ({
  path: p,
  content,
  template: `templates/${p}.njk`,
  mode,
});

function project() {
  const root = mkdtempSync(path.join(tmpdir(), 'ggen-plan-'));
  mkdirSync(path.join(root, 'gen'));
  const put = (rel: string, content: string) => writeFileSync(path.join(root, 'gen', rel), content);
  put('c-same.ts', 'same');
  put('d-unlisted.ts', 'someone else');
  put('e-edited.ts', 'edited by hand');
  put('f-changed.ts', 'old output');
  put('a-once.ts', 'the user wrote this');
  put('h-orphan.ts', 'orphan as written');
  put('i-orphan-edited.ts', 'orphan, then edited');
  put('k-user.ts', 'create_once file, since edited');
  const previous: ReceiptView = {
    subjects: new Map([
      ['gen/b-missing.ts', sha256('b')],
      ['gen/c-same.ts', sha256('same')],
      ['gen/e-edited.ts', sha256('as generated')],
      ['gen/f-changed.ts', sha256('old output')],
      ['gen/h-orphan.ts', sha256('orphan as written')],
      ['gen/i-orphan-edited.ts', sha256('orphan')],
      ['gen/j-orphan-gone.ts', sha256('gone')],
      ['gen/k-user.ts', sha256('create_once file')],
    ]),
    createOnce: ['gen/k-user.ts'],
    inputs: new Map(),
  } as ReceiptView;
  // deliberately unsorted
  const files = [
    file('z-new.ts', 'z'),
    file('g-once.ts', 'g', 'create_once'),
    file('f-changed.ts', 'new output'),
    file('b-missing.ts', 'b'),
    file('e-edited.ts', 'regenerated'),
    file('d-unlisted.ts', 'd'),
    file('c-same.ts', 'same'),
    file('a-once.ts', 'template default', 'create_once'),
  ];
  return { root, previous, files };
}

const unlisted =
  'exists but no previous receipt lists it (not written by ggen, or the receipt is missing); use --force to overwrite';
const edited = 'edited by hand since the last sync (it no longer matches the receipt); use --force to overwrite';

describe('planWrites', () => {
  it('decides each case, with its reason, sorted by path', async () => {
    const { root, previous, files } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: false });
    expect(plan.entries.map((e) => [e.path, e.action, e.reason])).toEqual([
      ['gen/a-once.ts', 'keep', 'create_once: the file exists and belongs to the user'],
      ['gen/b-missing.ts', 'create', 'missing on disk; recreated'],
      ['gen/c-same.ts', 'unchanged', 'up to date'],
      ['gen/d-unlisted.ts', 'conflict', unlisted],
      ['gen/e-edited.ts', 'conflict', edited],
      ['gen/f-changed.ts', 'update', 'specs or templates changed'],
      ['gen/g-once.ts', 'create', 'create_once: not there yet'],
      ['gen/h-orphan.ts', 'delete', 'orphan: no template produces it any more'],
      ['gen/i-orphan-edited.ts', 'keep', 'orphan edited by hand since the last sync; kept, and no longer tracked'],
      ['gen/z-new.ts', 'create', 'new output'],
    ]);
    expect(plan.conflicts.map((e) => e.path)).toEqual(['gen/d-unlisted.ts', 'gen/e-edited.ts']);
    // what the new receipt records: the user's own content for an existing create_once file
    expect(plan.outputs).toEqual([
      { path: 'gen/a-once.ts', sha256: sha256('the user wrote this'), mode: 'create_once' },
      { path: 'gen/b-missing.ts', sha256: sha256('b'), mode: 'overwrite' },
      { path: 'gen/c-same.ts', sha256: sha256('same'), mode: 'overwrite' },
      { path: 'gen/d-unlisted.ts', sha256: sha256('d'), mode: 'overwrite' },
      { path: 'gen/e-edited.ts', sha256: sha256('regenerated'), mode: 'overwrite' },
      { path: 'gen/f-changed.ts', sha256: sha256('new output'), mode: 'overwrite' },
      { path: 'gen/g-once.ts', sha256: sha256('g'), mode: 'create_once' },
      { path: 'gen/z-new.ts', sha256: sha256('z'), mode: 'overwrite' },
    ]);
    const byPath = new Map(plan.entries.map((e) => [e.path, e]));
    expect(byPath.get('gen/f-changed.ts')).toMatchObject({
      abs: path.join(root, 'gen', 'f-changed.ts'),
      content: 'new output',
      sha256: sha256('new output'),
      old: 'old output',
      template: 'templates/f-changed.ts.njk',
      mode: 'overwrite',
    });
    expect(byPath.get('gen/z-new.ts')?.old).toBeNull();
    expect(byPath.get('gen/h-orphan.ts')).toMatchObject({ old: 'orphan as written', mode: 'overwrite' });
    expect(byPath.get('gen/i-orphan-edited.ts')).toMatchObject({ old: 'orphan, then edited', mode: 'overwrite' });
  });

  it('applyPlan writes creates and updates only: kept, conflicting and unchanged files stay as they are', async () => {
    const { root, previous, files } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: false });
    await applyPlan(plan, path.join(root, 'gen'));
    const read = (rel: string) => readFileSync(path.join(root, 'gen', rel), 'utf8');
    expect(read('a-once.ts')).toBe('the user wrote this');
    expect(read('d-unlisted.ts')).toBe('someone else');
    expect(read('e-edited.ts')).toBe('edited by hand');
    expect(read('i-orphan-edited.ts')).toBe('orphan, then edited');
    expect(read('f-changed.ts')).toBe('new output');
    expect(read('b-missing.ts')).toBe('b');
    expect(existsSync(path.join(root, 'gen', 'h-orphan.ts'))).toBe(false);
  });

  it('with --force, overwrites the files it would otherwise refuse, and says why', async () => {
    const { root, previous, files } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: true });
    const reasons = Object.fromEntries(plan.entries.map((e) => [e.path, [e.action, e.reason]]));
    expect(reasons['gen/d-unlisted.ts']).toEqual(['update', 'exists but no receipt lists it; overwritten (--force)']);
    expect(reasons['gen/e-edited.ts']).toEqual(['update', 'edited by hand since the last sync; overwritten (--force)']);
    expect(plan.conflicts).toEqual([]);
  });

  it('without a previous receipt, every existing file that differs is a conflict and nothing is an orphan', async () => {
    const { root, files } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous: null, force: false });
    expect(plan.conflicts.map((e) => e.path)).toEqual(['gen/d-unlisted.ts', 'gen/e-edited.ts', 'gen/f-changed.ts']);
    expect(plan.entries.filter((e) => e.action === 'delete')).toEqual([]);
  });

  it('a receipt naming the output directory itself as a subject is not an orphan to read or delete', async () => {
    const { root, files } = project();
    const previous = {
      subjects: new Map([['gen', sha256('x')]]),
      createOnce: [],
      inputs: new Map(),
    } as unknown as ReceiptView;
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: true });
    expect(plan.entries.filter((e) => e.path === 'gen')).toEqual([]);
  });

  it('names the template of an output that escapes the output directory', async () => {
    const { root } = project();
    const err = await planWrites({
      root,
      outputDir: 'gen',
      files: [file('../evil.ts', 'x')],
      previous: null,
      force: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PathEscape);
    expect((err as Error).message).toBe('templates/../evil.ts.njk: to: ../evil.ts escapes the output directory');
  });

  it('passes other file system errors through unchanged (a symlink loop on the way)', async () => {
    const { root } = project();
    symlinkSync('loop', path.join(root, 'gen', 'loop'));
    const err = await planWrites({
      root,
      outputDir: 'gen',
      files: [file('loop/x.ts', 'x')],
      previous: null,
      force: false,
    }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(PathEscape);
    expect((err as NodeJS.ErrnoException).code).toBe('ELOOP');
  });
});
