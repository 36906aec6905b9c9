/**
 * Errors shared by every pipeline stage and the CLI.
 *
 * - `InputError` (exit 2): the user's input is wrong (manifest, Turtle, shapes, SPARQL, template).
 *   Each diagnostic names `file:line:col` where it can, and always says what is wrong.
 * - `CheckFailed` (exit 1): `sync --check` or `verify` found differences.
 * - anything else is an internal error (exit 3).
 */

export interface Diagnostic {
  /** Path relative to the project root, POSIX separators. */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  col?: number;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  if (!d.file) return d.message;
  let where = d.file;
  if (d.line !== undefined) {
    where += `:${d.line}`;
    if (d.col !== undefined) where += `:${d.col}`;
  }
  return `${where}: ${d.message}`;
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
