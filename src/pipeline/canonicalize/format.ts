/**
 * Prettier formatting with fixed options (never the project's .prettierrc: the
 * output must not depend on where it runs). Prettier is required: if it cannot
 * be loaded, this throws; it never falls back to unformatted output.
 */
import { extensionOf } from './banner.js';

export const PRETTIER_OPTIONS = { printWidth: 100, singleQuote: true, trailingComma: 'all', endOfLine: 'lf' } as const;

/**
 * TypeScript goes through Prettier's oxc-ts parser (@prettier/plugin-oxc, Prettier's own plugin
 * for the oxc parser, native): on this repo's outputs it prints exactly what the typescript parser
 * prints, and a cold run formats TypeScript about a third faster than with babel-ts. Whatever it
 * cannot parse is retried with the typescript parser, whose output (or error) is then the answer.
 * Where the plugin's native binding cannot load (a platform it has no build for), babel-ts takes
 * its place, with the same fallback: the outputs are the same either way.
 */
const FALLBACK: Record<string, string> = { 'oxc-ts': 'typescript', 'babel-ts': 'typescript' };

const PARSERS: Record<string, string> = {
  ts: 'oxc-ts',
  mts: 'oxc-ts',
  cts: 'oxc-ts',
  tsx: 'oxc-ts',
  js: 'babel',
  mjs: 'babel',
  cjs: 'babel',
  jsx: 'babel',
  json: 'json',
  md: 'markdown',
};

export function parserFor(file: string): string | undefined {
  return PARSERS[extensionOf(file)];
}

/**
 * What Prettier is given for a body (and what the format cache keys): for JavaScript, TypeScript
 * and JSON, trailing whitespace cannot change the formatted result (it ends no token), so it is
 * dropped, and a template edit that only adds a final line (a Nunjucks comment) leaves the key as
 * it was. Leading text is kept as it is, so error lines stay those of the generated file.
 */
export function formatInput(file: string, body: string): string {
  const parser = parserFor(file);
  return parser === 'oxc-ts' || parser === 'babel' || parser === 'json' ? body.replace(/[ \t\r\n]+$/, '') : body;
}

type Prettier = { format(src: string, opts: Record<string, unknown>): Promise<string> };
let loaded: Promise<Prettier> | undefined;
/** The oxc plugin, or null where it cannot load (then babel-ts parses TypeScript). */
let oxcPlugin: unknown = null;

export class FormatterMissing extends Error {
  constructor(cause: unknown) {
    super(
      `prettier could not be loaded (${(cause as Error)?.message ?? cause}); ggen does not write unformatted output. Reinstall dependencies (npm ci).`,
    );
    this.name = 'FormatterMissing';
  }
}

export function loadPrettier(): Promise<Prettier> {
  loaded ??= Promise.all([
    import('prettier'),
    import('@prettier/plugin-oxc').then(
      (m) => (oxcPlugin = m),
      () => null,
    ),
  ]).then(
    ([m]) => m as unknown as Prettier,
    (err: unknown) => {
      loaded = undefined;
      throw new FormatterMissing(err);
    },
  );
  return loaded;
}

/** Prettier options for `parser` (the oxc plugin for oxc-ts, or babel-ts in its place). */
function parserOptions(parser: string): Record<string, unknown> {
  if (parser !== 'oxc-ts') return { parser };
  return oxcPlugin ? { parser, plugins: [oxcPlugin] } : { parser: 'babel-ts' };
}

/** LF line endings and exactly one final newline. */
export function normalizeText(text: string): string {
  const lf = text.replace(/\r\n?/g, '\n');
  return lf.replace(/\n*$/, '\n');
}

export interface FormatFailure {
  line?: number;
  col?: number;
  message: string;
}

/** Formats one file; a syntax error in the generated text is returned, not thrown. */
export async function formatOne(
  file: string,
  text: string,
): Promise<{ ok: true; text: string } | { ok: false; error: FormatFailure }> {
  const parser = parserFor(file);
  if (!parser) return { ok: true, text: normalizeText(text) };
  const prettier = await loadPrettier();
  const fallback = FALLBACK[parser];
  if (fallback) {
    try {
      return {
        ok: true,
        text: normalizeText(
          await prettier.format(text, { ...PRETTIER_OPTIONS, ...parserOptions(parser), filepath: file }),
        ),
      };
    } catch {
      // fall through to the reference parser
    }
  }
  try {
    return {
      ok: true,
      text: normalizeText(
        await prettier.format(text, { ...PRETTIER_OPTIONS, parser: fallback ?? parser, filepath: file }),
      ),
    };
  } catch (err) {
    const e = err as { message?: string; loc?: { start?: { line?: number; column?: number } } };
    const message = String(e.message ?? err)
      .split('\n')[0]!
      .replace(/\s*\(\d+:\d+\)$/, '');
    return { ok: false, error: { line: e.loc?.start?.line, col: e.loc?.start?.column, message } };
  }
}
