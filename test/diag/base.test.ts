/** The corpus base is valid and does generate: a case that fails, fails because of its one edit. */
import { afterAll, describe, expect, it } from 'vitest';
import { BASE, makeProject, removeProjects, run } from './project.js';

afterAll(removeProjects);

describe('the corpus base spec', () => {
  it('is valid, warns about nothing and writes its outputs', async () => {
    const out = await run(makeProject(BASE));
    expect(out.errors).toEqual([]);
    expect(out.result?.warnings).toEqual([]);
    expect(out.written).toContain('generated/payments/app.ts');
  }, 120_000);
});
