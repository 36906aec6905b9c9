/**
 * Only bodies go through Prettier (canonicalize/index.ts): a run whose edit changes banners only
 * (a Nunjucks comment in a template changes its digest, hence its outputs' banners) formats
 * nothing, and a body change still formats, in a whole sync.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sync } from '../../src/pipeline/sync.js';
import { project } from '../cli/helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('sync formats only bodies', () => {
  it('runs no Prettier for a banner-only change, and formats a changed body', async () => {
    const dir = project();
    dirs.push(dir);
    const manifestPath = path.join(dir, 'ggen.toml');
    const template = path.join(dir, 'templates/service.ts.njk');
    const out = path.join(dir, 'generated/services/billing.ts');
    const run = async () => {
      const summaries: string[] = [];
      const r = await sync({ manifestPath, onStage: (s) => summaries.push(`${s.stage}: ${s.summary}`) });
      return { r, canon: summaries.find((s) => s.startsWith('canonicalize:')) ?? '' };
    };
    const cold = await run();
    expect(cold.r.status).toBe('written');
    expect(cold.canon).toMatch(/formatted, [1-9]\d* by Prettier$/);
    const before = readFileSync(out, 'utf8');

    // A comment inside and one after the template: its digest (the banners) changes, no body does.
    writeFileSync(template, readFileSync(template, 'utf8').replace('export const', '{# a note #}export const'));
    appendFileSync(template, '{# another note #}\n');
    const comment = await run();
    expect(comment.r.status).toBe('written');
    expect(comment.canon).toMatch(/formatted, 0 by Prettier$/);
    const after = readFileSync(out, 'utf8');
    expect(after).not.toBe(before);
    const body = (t: string) => t.slice(t.indexOf('\n\n'));
    expect(body(after)).toBe(body(before));
    // And it is what a fresh run with no caches prints.
    expect((await sync({ manifestPath, check: true, noFastPath: true })).status).toBe('clean');

    // A body change formats that body again (each service's output changes).
    writeFileSync(template, readFileSync(template, 'utf8').replace('name:', 'title:'));
    const changed = await run();
    expect(changed.canon).toMatch(/formatted, [1-9]\d* by Prettier$/);
    expect(readFileSync(out, 'utf8')).toMatch(/\n {2}title: '/);
    expect((await sync({ manifestPath, check: true, noFastPath: true })).status).toBe('clean');
  }, 120_000);
});
