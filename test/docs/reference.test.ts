/**
 * The generated reference pages are current: each is regenerated from its source (commander
 * definitions, JSON Schemas, runtime exports, template loader and filters) and compared with the
 * committed page. `UPDATE_DOCS=1` rewrites them instead.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../cli/helpers.js';
import { COMMANDS, REFERENCE_PAGES, runtimeReference, templatesReference } from './reference.js';

const update = process.env.UPDATE_DOCS === '1';

describe('generated reference pages are current', () => {
  for (const [file, generate] of Object.entries(REFERENCE_PAGES)) {
    it(
      file,
      () => {
        ensureBuilt();
        const want = generate();
        const abs = path.join(repoRoot, file);
        if (update) writeFileSync(abs, want);
        expect(existsSync(abs), `${file} is missing; UPDATE_DOCS=1 writes it`).toBe(true);
        expect(readFileSync(abs, 'utf8'), `${file} is stale; UPDATE_DOCS=1 rewrites it`).toBe(want);
      },
      60_000,
    );
  }

  it('the CLI page covers every command commander defines', () => {
    const main = readFileSync(path.join(repoRoot, 'src/cli/program.ts'), 'utf8');
    const defined = [...main.matchAll(/\.command\('([a-z-]+)'\)/g)].map((m) => m[1]).sort();
    expect([...COMMANDS].sort()).toEqual(defined);
  });

  it('every OTP counterpart names an export that exists', () => {
    expect(runtimeReference().unknownCounterparts).toEqual([]);
  }, 60_000);

  it('every frontmatter key the loader accepts is described, and no other', () => {
    const r = templatesReference();
    expect(r.undescribed).toEqual([]);
    expect(r.stale).toEqual([]);
  }, 60_000);
});
