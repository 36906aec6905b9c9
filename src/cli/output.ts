/**
 * Terminal output shared by the commands: colour only on a TTY without NO_COLOR,
 * errors as `path:line:col: message` on stderr, exit codes from the error class.
 * Kept dependency-free: main.ts imports it eagerly.
 */
import {
  CheckFailed,
  EXIT_INPUT,
  EXIT_INTERNAL,
  InputError,
  diagnosticJson,
  exitCodeOf,
  formatDiagnostic,
  type Diagnostic,
} from '../pipeline/errors.js';

export const colorOn = (stream: NodeJS.WriteStream): boolean =>
  Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';

const wrap =
  (open: number, close: number) =>
  (s: string, stream: NodeJS.WriteStream = process.stdout) =>
    colorOn(stream) ? `\u001b[${open}m${s}\u001b[${close}m` : s;
export const dim = wrap(2, 22);
export const bold = wrap(1, 22);
export const red = wrap(31, 39);
export const green = wrap(32, 39);
export const yellow = wrap(33, 39);
export const cyan = wrap(36, 39);

export function stageLine(stage: string, summary: string, ms: number): string {
  return `${cyan(stage.padEnd(13))}${summary.padEnd(56)} ${dim(`${String(ms).padStart(5)} ms`)}`;
}

/** Errors that the pipeline raises with a known class but that are not InputError/CheckFailed. */
function classify(err: unknown): { code: number; diagnostics: Diagnostic[] } {
  if (err instanceof InputError) return { code: EXIT_INPUT, diagnostics: err.diagnostics };
  if (err instanceof CheckFailed) return { code: exitCodeOf(err), diagnostics: [{ message: err.message }] };
  const name = (err as Error)?.name;
  if (name === 'PathEscape' || name === 'KeyError')
    return { code: EXIT_INPUT, diagnostics: [{ message: (err as Error).message }] };
  // Known operational failures: a clear message, no stack.
  if (name === 'LockBusy' || name === 'FormatterMissing')
    return { code: EXIT_INTERNAL, diagnostics: [{ message: `error: ${(err as Error).message}` }] };
  return { code: EXIT_INTERNAL, diagnostics: [{ message: `internal error: ${(err as Error)?.stack ?? String(err)}` }] };
}

/** Prints the error (stderr always; stdout JSON too with --json) and sets process.exitCode. */
export function reportError(command: string, err: unknown, json: boolean): void {
  const { code, diagnostics } = classify(err);
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (json) {
    const errors = diagnostics.map(diagnosticJson);
    process.stdout.write(`${JSON.stringify({ command, status: 'error', exitCode: code, errors }, null, 2)}\n`);
  }
  process.exitCode = code;
}

export function maxRssKb(): number {
  return process.resourceUsage().maxRSS;
}

/** A one-line progress indicator on a TTY stderr, throttled; cleared by `done()`. */
export function progress(): { update(label: string, done: number, total: number): void; done(): void } {
  const tty = Boolean(process.stderr.isTTY);
  let last = 0;
  let shown = false;
  return {
    update(label, done, total) {
      if (!tty || total < 200) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      shown = true;
      process.stderr.write(`\r${label} ${done}/${total} (${Math.floor((done / total) * 100)}%)\u001b[K`);
    },
    done() {
      if (shown) process.stderr.write('\r\u001b[K');
      shown = false;
    },
  };
}
