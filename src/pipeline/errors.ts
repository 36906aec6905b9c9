/**
 * Errors shared by every pipeline stage and the CLI.
 *
 * - `InputError` (exit 2): the user's input is wrong (manifest, Turtle, shapes, SPARQL, template).
 *   Each diagnostic names `file:line:col` where it can, and always says what is wrong.
 * - `CheckFailed` (exit 1): `sync --check` or `verify` found differences.
 * - anything else is an internal error (exit 3).
 */

/**
 * One diagnostic, the same shape for errors and warnings in every stage, in text and in --json.
 * `severity` defaults to error; `rule` names the check that fired (`vocabulary/unknown-term`,
 * `shacl/<shape>`, `ask/<gate>`, `turtle/syntax`, ...) so a user (or a tool) can tell them apart.
 */
export interface Diagnostic {
  severity?: 'error' | 'warning';
  rule?: string;
  /** What was probably meant, or how to fix it (printed on its own line). */
  hint?: string;
  /** Path relative to the project root, POSIX separators. */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  col?: number;
  message: string;
}

/**
 * `file:line:col: message [rule]`, warnings as `file:line:col: warning: message [rule]`, and the
 * hint on the next line. Errors keep README's `path:line:col: message` form (the exit code says error).
 */
export function formatDiagnostic(d: Diagnostic): string {
  const body = `${d.severity === 'warning' ? 'warning: ' : ''}${d.message}${d.rule ? ` [${d.rule}]` : ''}${d.hint ? `\n  hint: ${d.hint}` : ''}`;
  if (!d.file) return body;
  let where = d.file;
  if (d.line !== undefined) {
    where += `:${d.line}`;
    if (d.col !== undefined) where += `:${d.col}`;
  }
  return `${where}: ${body}`;
}

/** The --json form of a diagnostic: every key present, severity and rule filled in. */
export function diagnosticJson(d: Diagnostic): {
  severity: 'error' | 'warning';
  rule: string;
  file: string | null;
  line: number | null;
  col: number | null;
  message: string;
  hint: string | null;
} {
  return {
    severity: d.severity ?? 'error',
    rule: d.rule ?? 'input',
    file: d.file ?? null,
    line: d.line ?? null,
    col: d.col ?? null,
    message: d.message,
    hint: d.hint ?? null,
  };
}

export const EXIT_OK = 0;
export const EXIT_DIFFERENCES = 1;
export const EXIT_INPUT = 2;
export const EXIT_INTERNAL = 3;

export class InputError extends Error {
  readonly exitCode = EXIT_INPUT;
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic | Diagnostic[]) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics];
    super(list.map(formatDiagnostic).join('\n'));
    this.name = 'InputError';
    this.diagnostics = list;
  }
}

export class CheckFailed extends Error {
  readonly exitCode = EXIT_DIFFERENCES;
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailed';
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof InputError || err instanceof CheckFailed) return err.exitCode;
  return EXIT_INTERNAL;
}
