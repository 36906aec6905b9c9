/**
 * Packs' view models: code of a pack that runs between extract and emit and turns a template's
 * flat query rows into the nested data its template reads as `view` (application -> server ->
 * operation -> parameters...), so templates loop over a shape instead of re-joining rows.
 *
 * A pack names its module in pack.toml `view`; the module exports `views`, keyed by template name
 * (relative to the templates directory). A view is data only: a pure function of the rows (and,
 * for a `for_each` template, the output's row). The module is a pack file: the receipt and the
 * fast path hash it like a template.
 *
 * Where the code lives: a pack that ships with ggen is compiled with the CLI, so its `.ts` source
 * is type-checked and tested with the tool and its compiled twin under dist/ is what runs. A pack
 * by path or from npm ships JavaScript (.js/.mjs), imported as it is.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../errors.js';
import { ownPackage } from '../receipt/versions.js';
import type { PackInfo, Row } from '../types.js';

/**
 * A view object made from rows (a copy with nested children) lists them under this key,
 * non-enumerable, so that the banner still finds the spec files of the rows it shows.
 */
export const VIEW_ROWS = Symbol.for('ggen.view.rows');

/** The rows behind what a render read through a view: extract's own rows, and those view objects name. */
export function rowsBehind(touched: Iterable<object>, rows: ReadonlySet<object>): object[] {
  const out: object[] = [];
  for (const obj of touched) {
    if (rows.has(obj)) out.push(obj);
    const named = (obj as { [VIEW_ROWS]?: unknown })[VIEW_ROWS];
    if (Array.isArray(named)) for (const r of named) if (rows.has(r as object)) out.push(r as object);
  }
  return out;
}

/** One template's view: its rows (by query name) and, for a `for_each` template, the output's row. */
export type TemplateView = (data: Readonly<Record<string, readonly Row[]>>, row: Row | undefined) => object;

export interface LoadedViews {
  /** Template name -> view (a later pack's view of the same name replaces an earlier one's). */
  views: Map<string, TemplateView>;
  /** The view modules' bytes, for the per-output digests (quiet diffs). */
  text: string;
}

/** The file Node imports for a pack's `view` (root-relative): a .ts source of a built-in pack runs compiled. */
export function viewModuleFile(root: string, view: string): string {
  const abs = path.resolve(root, view);
  if (!/\.ts$/.test(abs)) return abs;
  const own = ownPackage().dir;
  const rel = path.relative(own, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new InputError({
      file: view,
      message: 'a pack view model must be JavaScript (.js or .mjs); a .ts source only in a pack that ships with ggen',
    });
  return path.join(own, 'dist', rel.replace(/\.ts$/, '.js'));
}

export async function loadViews(root: string, packs: readonly PackInfo[]): Promise<LoadedViews> {
  const views = new Map<string, TemplateView>();
  let text = '';
  for (const pack of packs) {
    if (!pack.view) continue;
    const file = viewModuleFile(root, pack.view);
    if (!existsSync(file))
      throw new InputError({ file: pack.view, message: `view model not built: ${file} is missing (npm run build)` });
    for (const f of pack.viewFiles ?? [pack.view]) text += `${f}\0${readFileSync(path.resolve(root, f), 'utf8')}\0`;
    const mod = (await import(pathToFileURL(file).href)) as { views?: Record<string, unknown> };
    if (!mod.views || typeof mod.views !== 'object')
      throw new InputError({ file: pack.view, message: 'a pack view model must export `views`' });
    for (const [name, fn] of Object.entries(mod.views)) {
      if (typeof fn !== 'function')
        throw new InputError({ file: pack.view, message: `views[${JSON.stringify(name)}] is not a function` });
      views.set(name, fn as TemplateView);
    }
  }
  return { views, text };
}
