/**
 * The order sync renders templates in, for formatting's sake. Files are formatted as soon as they
 * are rendered, largest first (pool.ts), but a file rendered last is formatted last: the
 * repository's 110 KB OTP vocabulary reference, whose template sorts after every other, was
 * formatted alone at the end of a cold sync while the other core idled. Prettier's Markdown costs
 * about as much per byte as TypeScript and Markdown outputs tend to be few and long (a reference,
 * a README per application), so Markdown templates are rendered first. Outputs do not depend on
 * this order (they are sorted by path); what reports the templates in order gets them back in it.
 */
import type { EmitResult } from '../emit/index.js';
import type { TemplateSpec } from '../emit/templates.js';
import { parserFor } from './format.js';

const markdown = (t: Pick<TemplateSpec, 'to'>): boolean => parserFor(t.to.trim()) === 'markdown';

/** Markdown templates first, each group in its given order. */
export function renderOrder<T extends Pick<TemplateSpec, 'to'>>(templates: readonly T[]): T[] {
  return [...templates.filter(markdown), ...templates.filter((t) => !markdown(t))];
}

/** `result`, with what it lists per template (skipped, outcomes, reused) in the order of `templates`. */
export function inTemplateOrder(result: EmitResult, templates: ReadonlyArray<Pick<TemplateSpec, 'file'>>): EmitResult {
  const rank = new Map(templates.map((t, i) => [t.file, i]));
  const by =
    <X>(key: (x: X) => string) =>
    (a: X, b: X) =>
      (rank.get(key(a)) ?? -1) - (rank.get(key(b)) ?? -1);
  return {
    ...result,
    skipped: [...result.skipped].sort(by((s) => s.template)),
    outcomes: [...result.outcomes].sort(by((o) => o.template)),
    reused: [...result.reused].sort(by((file) => file)),
  };
}
