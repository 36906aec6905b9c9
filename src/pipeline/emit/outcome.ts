/**
 * What happened to each template in a run, and which query rows fed each output: the record that
 * `ggen explain` prints and that the generated-import check quotes when an imported file is
 * missing ("the template that would produce it did not render because ...").
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Row } from '../types.js';

/**
 * - `rendered`: produced at least one output;
 * - `when-false`: its `when:` ASK answered false;
 * - `skip-empty`: `skip_empty: true` and its queries returned no rows;
 * - `no-rows`: `for_each` over a query that returned no rows (nothing to render, not an error);
 * - `excluded`: the manifest (or a pack's manifest) excludes it; `reason` says which key.
 */
export type OutcomeKind = 'rendered' | 'when-false' | 'skip-empty' | 'no-rows' | 'excluded';

export interface FedOutput {
  /** Path relative to the output directory. */
  path: string;
  /** Under `for_each`: the query and the 0-based index of the row that rendered this output. */
  row?: { query: string; index: number; values: Row };
  /** Without `for_each`: every query the template ran and how many rows each gave. */
  queries?: Array<{ query: string; rows: number }>;
}

export interface TemplateOutcome {
  /** Template file, relative to the project root. */
  template: string;
  kind: OutcomeKind;
  /** Why it did not render (empty for `rendered`). */
  reason: string;
  /** The template's `to:` pattern and its line, to tell which template would produce a missing path. */
  to: string;
  toLine?: number;
  outputs: FedOutput[];
}

/** The record for a template the manifest excludes (the manifest/pack stage builds it). */
export function excludedOutcome(template: string, to: string, reason: string): TemplateOutcome {
  return { template, kind: 'excluded', reason, to, outputs: [] };
}

/**
 * The records of the pack templates `generation.exclude` leaves out. Their `to:` is read from
 * their frontmatter, so a missing import can still name the template that would have made it; an
 * excluded template that does not parse is not this run's business (its `to` reads as empty).
 */
export async function excludedOutcomes(
  root: string,
  excluded: Array<{ template: string; pack: string; name: string }>,
): Promise<TemplateOutcome[]> {
  if (excluded.length === 0) return [];
  const { splitFrontmatter } = await import('./templates.js');
  const { parse } = await import('yaml');
  return Promise.all(
    excluded.map(async (x) => {
      let to = '';
      try {
        const fm = splitFrontmatter(await readFile(path.resolve(root, x.template), 'utf8'));
        const value = fm ? (parse(fm.yaml) as { to?: unknown } | null)?.to : undefined;
        if (typeof value === 'string') to = value;
      } catch {
        /* unreadable: no pattern */
      }
      return excludedOutcome(x.template, to, `excluded (generation.exclude names ${x.name} of pack ${x.pack})`);
    }),
  );
}

/**
 * Whether a `to:` pattern could render `target`: each `{{ ... }}` (or `{% ... %}` block) stands
 * for any text without a slash.
 */
export function couldRender(to: string, target: string): boolean {
  const parts = to.trim().split(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/);
  const re = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*');
  return new RegExp(`^${re}$`).test(target);
}
