/**
 * A file that appears at a new output's path between planning and applying (#16): the plan saw
 * nothing there, so ggen did not write that file and must not overwrite it. applyPlan creates
 * every output that was absent at plan time exclusively; when one is taken meanwhile it fails
 * closed: the stranger's file is kept, the outputs this run created are removed again, nothing is
 * updated or deleted, and the error names the path.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckFailed } from '../../src/pipeline/errors.js';
import type { ReceiptView } from '../../src/pipeline/receipt/statement.js';
import type { RenderedFile } from '../../src/pipeline/types.js';
import { applyPlan, planWrites, sha256 } from '../../src/pipeline/write/index.js';

const file = (p: string, content: string, mode: RenderedFile['mode'] = 'overwrite'): RenderedFile => ({
  path: p,
  content,
  template: `templates/${p}.njk`,
  mode,
});

function project() {
  const root = mkdtempSync(path.join(tmpdir(), 'ggen-plan-race-'));
  mkdirSync(path.join(root, 'gen'));
  writeFileSync(path.join(root, 'gen/changed.ts'), 'old output');
  writeFileSync(path.join(root, 'gen/orphan.ts'), 'orphan');
  const previous = {
    subjects: new Map([
      ['gen/changed.ts', sha256('old output')],
      ['gen/orphan.ts', sha256('orphan')],
      ['gen/recreated.ts', sha256('r')],
    ]),
    createOnce: [],
    inputs: new Map(),
  } as unknown as ReceiptView;
  const files = [
    file('changed.ts', 'new output'),
    file('new.ts', 'generated'),
    file('sub/other-new.ts', 'other'),
    file('recreated.ts', 'r'),
    file('stub.ts', 'stub', 'create_once'),
  ];
  return { root, previous, files, at: (rel: string) => path.join(root, 'gen', rel) };
}

describe('applyPlan and a file that appears after planning', () => {
  it("a new overwrite-mode output's path taken meanwhile: kept, nothing else written, the path named", async () => {
    const { root, previous, files, at } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: false });
    expect(plan.entries.map((e) => [e.path, e.action])).toEqual([
      ['gen/changed.ts', 'update'],
      ['gen/new.ts', 'create'],
      ['gen/orphan.ts', 'delete'],
      ['gen/recreated.ts', 'create'],
      ['gen/stub.ts', 'create'],
      ['gen/sub/other-new.ts', 'create'],
    ]);
    writeFileSync(at('new.ts'), 'written by someone else meanwhile');

    const err = await applyPlan(plan, path.join(root, 'gen')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailed);
    expect((err as Error).message).toBe(
      [
        'sync stopped; nothing was written:',
        '  gen/new.ts: appeared after planning (not written by ggen); kept. Run sync again to see it as a conflict',
      ].join('\n'),
    );
    expect(readFileSync(at('new.ts'), 'utf8')).toBe('written by someone else meanwhile');
    // the outputs created before the failure are taken back, the update and the deletion never happen
    expect(existsSync(at('recreated.ts'))).toBe(false);
    expect(existsSync(at('stub.ts'))).toBe(false);
    expect(existsSync(at('sub/other-new.ts'))).toBe(false);
    expect(existsSync(at('sub'))).toBe(false);
    expect(readFileSync(at('changed.ts'), 'utf8')).toBe('old output');
    expect(readFileSync(at('orphan.ts'), 'utf8')).toBe('orphan');
  });

  it('an output recorded by the previous receipt but missing at plan time is created exclusively too', async () => {
    const { root, previous, files, at } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: false });
    writeFileSync(at('recreated.ts'), 'restored by the user meanwhile');
    writeFileSync(at('new.ts'), 'and this one');
    const err = await applyPlan(plan, path.join(root, 'gen')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailed);
    expect((err as Error).message.split('\n').slice(1)).toEqual([
      '  gen/new.ts: appeared after planning (not written by ggen); kept. Run sync again to see it as a conflict',
      '  gen/recreated.ts: appeared after planning (not written by ggen); kept. Run sync again to see it as a conflict',
    ]);
    expect(readFileSync(at('recreated.ts'), 'utf8')).toBe('restored by the user meanwhile');
    expect(readFileSync(at('new.ts'), 'utf8')).toBe('and this one');
  });

  it('a create_once file taken meanwhile is simply kept: the rest of the plan is applied', async () => {
    const { root, previous, files, at } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: false });
    writeFileSync(at('stub.ts'), 'the user was first');
    await applyPlan(plan, path.join(root, 'gen'));
    expect(readFileSync(at('stub.ts'), 'utf8')).toBe('the user was first');
    expect(readFileSync(at('new.ts'), 'utf8')).toBe('generated');
    expect(readFileSync(at('sub/other-new.ts'), 'utf8')).toBe('other');
    expect(readFileSync(at('changed.ts'), 'utf8')).toBe('new output');
    expect(existsSync(at('orphan.ts'))).toBe(false);
  });

  it('without a race every create, update and deletion lands, with no temporary file left', async () => {
    const { root, previous, files, at } = project();
    const plan = await planWrites({ root, outputDir: 'gen', files, previous, force: false });
    await applyPlan(plan, path.join(root, 'gen'));
    expect(readFileSync(at('new.ts'), 'utf8')).toBe('generated');
    expect(readFileSync(at('recreated.ts'), 'utf8')).toBe('r');
    expect(readFileSync(at('stub.ts'), 'utf8')).toBe('stub');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(path.join(root, 'gen')).sort()).toEqual([
      'changed.ts',
      'new.ts',
      'recreated.ts',
      'stub.ts',
      'sub',
    ]);
  });
});
