import { describe, expect, it } from 'vitest';
import { inTemplateOrder, renderOrder } from '../../src/pipeline/canonicalize/order.js';
import type { EmitResult } from '../../src/pipeline/emit/index.js';

const t = (file: string, to: string) => ({ file, to });

describe('render order', () => {
  it('renders Markdown templates first, each group in its given order', () => {
    const templates = [
      t('a/app.ts.njk', '{{ row.app }}/app.ts'),
      t('a/readme.md.njk', ' {{ row.app }}/README.md '),
      t('a/types.ts.njk', 'types.ts'),
      t('ref/vocabulary.md.njk', 'reference/vocabulary.md'),
      t('z/notes.json.njk', 'notes.json'),
    ];
    expect(renderOrder(templates).map((x) => x.file)).toEqual([
      'a/readme.md.njk',
      'ref/vocabulary.md.njk',
      'a/app.ts.njk',
      'a/types.ts.njk',
      'z/notes.json.njk',
    ]);
    // The input is left as it was.
    expect(templates[0]!.file).toBe('a/app.ts.njk');
  });

  it('gives what is listed per template back in template order', () => {
    const templates = [t('a.ts.njk', 'a.ts'), t('b.md.njk', 'b.md'), t('c.ts.njk', 'c.ts')];
    const outcome = (template: string) => ({ template, kind: 'rendered' as const, reason: '', to: '', outputs: [] });
    const rendered = {
      files: [],
      skipped: [
        { template: 'c.ts.njk', reason: 'no rows' },
        { template: 'a.ts.njk', reason: 'when false' },
      ],
      outcomes: ['b.md.njk', 'a.ts.njk', 'c.ts.njk'].map(outcome),
      reused: ['b.md.njk', 'c.ts.njk', 'a.ts.njk'],
    } as unknown as EmitResult;
    const back = inTemplateOrder(rendered, templates);
    expect(back.skipped.map((s) => s.template)).toEqual(['a.ts.njk', 'c.ts.njk']);
    expect(back.outcomes.map((o) => o.template)).toEqual(['a.ts.njk', 'b.md.njk', 'c.ts.njk']);
    expect(back.reused).toEqual(['a.ts.njk', 'b.md.njk', 'c.ts.njk']);
  });
});
