/**
 * The user's hand-written folder (generation.handwritten_dir): stubs go there create-once only.
 * Whatever is at a stub's path (a file, a symlink, even a dangling one) is the user's and is kept;
 * nothing is written through a symlinked folder or outside the folder; the previous receipt never
 * makes a file there an orphan.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReceiptView } from '../../src/pipeline/receipt/statement.js';
import type { RenderedFile } from '../../src/pipeline/types.js';
import { applyPlan, PathEscape, planWrites, sha256 } from '../../src/pipeline/write/index.js';
import { loadManifest } from '../../src/pipeline/manifest/index.js';
import { InputError } from '../../src/pipeline/errors.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-hw-'));
const stub = (p: string, content = 'stub\n'): RenderedFile => ({
  path: p,
  content,
  template: 'packs/otp/templates/otp/handwritten-stub.ts.njk',
  mode: 'create_once',
  root: 'handwritten',
});
const plan = (root: string, files: RenderedFile[], previous: ReceiptView | null = null) =>
  planWrites({ root, outputDir: 'generated', handwrittenDir: 'src/domains', previous, force: false, files });

describe('stubs in the hand-written folder', () => {
  it('creates a stub once, at its path in the folder, and then keeps whatever the user made of it', async () => {
    const root = tmp();
    const p1 = await plan(root, [stub('../src/domains/pay/checks.ts')]);
    expect(p1.entries.map((e) => [e.path, e.action])).toEqual([['src/domains/pay/checks.ts', 'create']]);
    expect(p1.outputs).toEqual([{ path: 'src/domains/pay/checks.ts', sha256: sha256('stub\n'), mode: 'create_once' }]);
    await applyPlan(p1, path.join(root, 'generated'));
    const abs = path.join(root, 'src/domains/pay/checks.ts');
    expect(readFileSync(abs, 'utf8')).toBe('stub\n');

    writeFileSync(abs, 'mine\n');
    const p2 = await plan(root, [stub('../src/domains/pay/checks.ts', 'new stub\n')]);
    expect(p2.entries.map((e) => e.action)).toEqual(['keep']);
    await applyPlan(p2, path.join(root, 'generated'));
    expect(readFileSync(abs, 'utf8')).toBe('mine\n');
  });

  it("keeps a symlink (even a dangling one) at a stub path: it is the user's, and is not written through", async () => {
    const root = tmp();
    mkdirSync(path.join(root, 'src/domains/pay'), { recursive: true });
    const link = path.join(root, 'src/domains/pay/checks.ts');
    symlinkSync(path.join(root, 'nowhere.ts'), link);
    const p = await plan(root, [stub('../src/domains/pay/checks.ts')]);
    expect(p.entries.map((e) => e.action)).toEqual(['keep']);
    await applyPlan(p, path.join(root, 'generated'));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(path.join(root, 'nowhere.ts'));
    expect(existsSync(path.join(root, 'nowhere.ts'))).toBe(false);
  });

  it('refuses to write through a symlinked folder on the way', async () => {
    const root = tmp();
    const elsewhere = tmp();
    mkdirSync(path.join(root, 'src/domains'), { recursive: true });
    symlinkSync(elsewhere, path.join(root, 'src/domains/pay'));
    const p = plan(root, [stub('../src/domains/pay/checks.ts')]);
    await expect(p).rejects.toThrow(PathEscape);
    await expect(p).rejects.toThrow(/src\/domains\/pay is a symlink/);
    expect(existsSync(path.join(elsewhere, 'checks.ts'))).toBe(false);
  });

  it('refuses a stub path that leaves the folder, and a hand-written file that is not create_once', async () => {
    const root = tmp();
    await expect(plan(root, [stub('../src/other/x.ts')])).rejects.toThrow(/escapes the hand-written folder/);
    await expect(plan(root, [stub('../src/domains/../../x.ts')])).rejects.toThrow(/escapes the hand-written folder/);
    await expect(plan(root, [{ ...stub('../src/domains/x.ts'), mode: 'overwrite' }])).rejects.toThrow(
      /create_once only/,
    );
    expect(existsSync(path.join(root, 'x.ts'))).toBe(false);
  });

  it('never deletes a stub as an orphan, even when the previous receipt lists it as a subject', async () => {
    const root = tmp();
    const abs = path.join(root, 'src/domains/pay/checks.ts');
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, 'mine\n');
    const previous = {
      subjects: new Map([['src/domains/pay/checks.ts', sha256('mine\n')]]),
      createOnce: [],
      inputs: new Map(),
      packages: new Map(),
    } as unknown as ReceiptView;
    const p = await plan(root, [], previous);
    expect(p.entries).toEqual([]);
    await applyPlan(p, path.join(root, 'generated'));
    expect(readFileSync(abs, 'utf8')).toBe('mine\n');
  });
});

describe('generation.handwritten_dir in ggen.toml', () => {
  const manifest = async (generation: string): Promise<unknown> => {
    const root = tmp();
    writeFileSync(
      path.join(root, 'ggen.toml'),
      `[project]\nname = "x"\n[ontology]\nsources = ["a.ttl"]\n[generation]\n${generation}\n`,
    );
    return loadManifest(path.join(root, 'ggen.toml')).catch((err: unknown) =>
      err instanceof InputError ? err.diagnostics.map((d) => d.message) : err,
    );
  };
  it('defaults to src/domains, outside generated/', async () => {
    expect(((await manifest('')) as { generation: { handwrittenDir: string } }).generation.handwrittenDir).toBe(
      'src/domains',
    );
    expect(
      ((await manifest('handwritten_dir = "lib/gap/"')) as { generation: { handwrittenDir: string } }).generation
        .handwrittenDir,
    ).toBe('lib/gap');
  });
  it('refuses a folder that overlaps the output directory, the project root, or leaves the project', async () => {
    expect(await manifest('handwritten_dir = "generated/mine"')).toEqual([
      'generation.handwritten_dir: generated/mine overlaps generation.output_dir (generated); hand-written code lives outside what ggen generates',
    ]);
    expect(await manifest('output_dir = "src/gen"\nhandwritten_dir = "src"')).toEqual([
      'generation.handwritten_dir: src overlaps generation.output_dir (src/gen); hand-written code lives outside what ggen generates',
    ]);
    expect(await manifest('handwritten_dir = "."')).toEqual([
      'generation.handwritten_dir: must be a subdirectory, not the project root',
    ]);
    expect(await manifest('handwritten_dir = "../elsewhere"')).toEqual([
      'generation.handwritten_dir: escapes the project root: ../elsewhere',
    ]);
  });
});
