/** TOML files ggen reads (ggen.toml, pack.toml): parsed, or one diagnostic at the error's place. */
import type { Diagnostic } from '../errors.js';

export type Toml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function parseToml(text: string, file: string): Promise<{ raw: Toml } | { problem: Diagnostic }> {
  const { parse, TomlError } = await import('smol-toml');
  try {
    return { raw: parse(text) as Toml };
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // TomlError.message embeds a code excerpt after a blank line; keep only the reason.
    const reason = err.message.replace(/^Invalid TOML document: /, '').split('\n\n')[0] ?? err.message;
    return { problem: { file, line: err.line, col: err.column, message: reason } };
  }
}
