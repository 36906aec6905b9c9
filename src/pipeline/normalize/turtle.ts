/** Parses one Turtle file into a store with n3, turning its errors into `file:line:col: message`. */
import type { Quad, Store } from 'n3';
import { InputError } from '../errors.js';
import { tracker, type SourceIndex } from './positions.js';

interface N3ErrorContext {
  line?: number;
  token?: { line: number; start?: number } | undefined;
  previousToken?: { line: number; end?: number } | undefined;
}

/** Where an n3 error points: the offending token when there is one, else the text the lexer choked on. */
export function turtleErrorPosition(
  text: string,
  err: Error & { context?: N3ErrorContext },
): { line?: number; col?: number } {
  const ctx = err.context;
  const line = ctx?.token?.line ?? ctx?.line;
  if (line === undefined) return {};
  if (ctx?.token?.start !== undefined) return { line, col: ctx.token.start + 1 };
  const lineText = text.split('\n')[line - 1] ?? '';
  const issue = /^Unexpected "(.*)" on line/s.exec(err.message)?.[1];
  if (issue) {
    const from = ctx?.previousToken?.line === line ? (ctx.previousToken.end ?? 0) : 0;
    const at = lineText.indexOf(issue.slice(0, 10), from);
    if (at >= 0) return { line, col: at + 1 };
  }
  if (ctx?.previousToken?.line === line && ctx.previousToken.end !== undefined)
    return { line, col: ctx.previousToken.end + 1 };
  return { line, col: 1 };
}

/**
 * Adds the triples of `text` to `store`. `onQuad` sees each parsed quad (e.g. to remember which
 * file declared a subject). Returns the number of quads parsed.
 */
export async function parseTurtleInto(
  store: Store,
  text: string,
  file: string,
  baseIri: string | undefined,
  onQuad?: (quad: Quad) => void,
  positions?: SourceIndex,
  /** An RDF/JS factory for the parser to build terms with (n3's own by default). */
  factory?: object,
): Promise<number> {
  const { Parser } = await import('n3');
  const parser = new Parser({
    format: 'text/turtle',
    ...(baseIri ? { baseIRI: baseIri } : {}),
    ...(factory ? { factory: factory as never } : {}),
  });
  const track = positions ? tracker(parser, file, positions) : undefined;
  let count = 0;
  let failure: (Error & { context?: N3ErrorContext }) | undefined;
  await new Promise<void>((resolve) => {
    const onQuadCb = (error: Error | null | undefined, quad: Quad | null | undefined) => {
      if (error) {
        // n3 stops after the first error and does not call back again.
        failure ??= error;
        resolve();
      } else if (quad) {
        store.addQuad(quad);
        onQuad?.(quad);
        track?.quad(quad);
        count++;
      } else {
        resolve();
      }
    };
    parser.parse(text, (track ? { onQuad: onQuadCb, ...track.callbacks } : onQuadCb) as never);
  });
  if (failure) {
    const { line, col } = turtleErrorPosition(text, failure);
    const message = failure.message.replace(/ on line \d+\.$/, '');
    throw new InputError({
      rule: 'turtle/syntax',
      file,
      ...(line !== undefined ? { line } : {}),
      ...(col !== undefined ? { col } : {}),
      message,
    });
  }
  return count;
}
