/**
 * Parses SPARQL with traqula (the parser Comunica itself uses) before running it, to report
 * syntax errors at `file:line:col` and to enforce the query form and a top-level ORDER BY.
 */
import { InputError } from '../errors.js';
import type { QueryText } from '../types.js';

export type QueryForm = 'select' | 'ask' | 'construct' | 'describe';

export interface SparqlParser {
  parse(text: string, context?: { prefixes?: Record<string, string>; [key: string]: unknown }): unknown;
}

interface ParsedQuery {
  type?: string;
  subType?: string;
  solutionModifiers?: { order?: { orderDefs?: unknown[] } };
}

let parserPromise: Promise<SparqlParser> | undefined;

/**
 * A traqula parser of our own, for when Comunica's cannot be reached (see engine.ts). Building one
 * records the whole grammar (~250 ms), so it is done at most once per process.
 */
export function standaloneParser(): Promise<SparqlParser> {
  parserPromise ??= import('@traqula/parser-sparql-1-2').then(
    ({ Parser }) => new Parser({ lexerConfig: { positionTracking: 'full' } }) as unknown as SparqlParser,
  );
  return parserPromise;
}

function positionOfOffset(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** Line/column (1-based, within the query text) and a one-line reason for a traqula error. */
export function locateSparqlError(text: string, message: string): { line: number; col: number; reason: string } {
  const lines = message.split('\n');
  const located = /^Parse error on line (\d+)$/.exec(lines[0] ?? '');
  if (located) {
    const caret = lines[2] ?? '';
    const col = caret.endsWith('^') ? caret.length : 1;
    return { line: Number(located[1]), col, reason: lines.slice(3).join(' ') || 'syntax error' };
  }
  if (lines[0] === 'Parse error') {
    // The parser ran out of input: point just past the last character.
    const end = positionOfOffset(text, text.replace(/\s+$/, '').length);
    return { ...end, reason: `unexpected end of query: ${lines.slice(1).join(' ')}` };
  }
  const lexer = /^unexpected character: ->(.*)<- at offset: (\d+)/s.exec(message);
  if (lexer)
    return { ...positionOfOffset(text, Number(lexer[2])), reason: `unexpected character ${JSON.stringify(lexer[1])}` };
  const prefix = /^Unknown prefix: (.*)$/.exec(message);
  if (prefix) {
    const name = prefix[1] ?? '';
    const m = new RegExp(`(^|[\\s(){}\\[\\],;/^|!=<>])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`).exec(text);
    const at = m ? m.index + (m[1]?.length ?? 0) : 0;
    return { ...positionOfOffset(text, at), reason: `unknown prefix ${JSON.stringify(name + ':')}` };
  }
  return { line: 1, col: 1, reason: lines.join(' ') };
}

/** Maps a position inside `q.text` to a position in `q.file`. */
export function fileDiagnostic(q: QueryText, line: number, col: number, message: string) {
  return {
    file: q.file,
    line: q.line + line - 1,
    col: line === 1 ? (q.column ?? 1) + col - 1 : col,
    message,
  };
}

function keywordOffset(text: string, keyword: string): number {
  const m = new RegExp(`\\b${keyword}\\b`, 'i').exec(text);
  return m ? m.index : 0;
}

/**
 * Parses `q` with `parser` (with `prefixes` available as if declared) and checks its form. SELECT queries must
 * have a top-level ORDER BY so that row order is always defined. Returns the AST; throws InputError.
 */
export async function checkQuery(
  q: QueryText,
  prefixes: Record<string, string>,
  form: QueryForm,
  parser?: SparqlParser,
  /** More parse context (e.g. an AST factory that records source offsets). */
  context: Record<string, unknown> = {},
  /** SHACL's SELECTs need no ORDER BY: their rows never reach an output in order. */
  requireOrder = true,
): Promise<unknown> {
  parser ??= await standaloneParser();
  let ast: ParsedQuery;
  try {
    ast = parser.parse(q.text, { ...context, prefixes: { ...prefixes } }) as ParsedQuery;
  } catch (err) {
    const { line, col, reason } = locateSparqlError(q.text, (err as Error).message);
    throw new InputError(fileDiagnostic(q, line, col, `SPARQL syntax error: ${reason}`));
  }
  if (ast.type !== 'query') {
    throw new InputError(fileDiagnostic(q, 1, 1, `expected a SPARQL ${form.toUpperCase()} query, got an update`));
  }
  if (ast.subType !== form) {
    const at = positionOfOffset(q.text, keywordOffset(q.text, ast.subType ?? ''));
    throw new InputError(
      fileDiagnostic(
        q,
        at.line,
        at.col,
        `expected a SPARQL ${form.toUpperCase()} query, got ${String(ast.subType).toUpperCase()}`,
      ),
    );
  }
  if (form === 'select' && requireOrder && !(ast.solutionModifiers?.order?.orderDefs?.length ?? 0)) {
    const at = positionOfOffset(q.text, keywordOffset(q.text, 'SELECT'));
    throw new InputError(
      fileDiagnostic(q, at.line, at.col, 'SELECT query has no ORDER BY: add one so that row order is defined'),
    );
  }
  return ast;
}

/** The query text with the manifest prefixes it does not declare itself, kept on its first line so line numbers hold. */
export function withPrefixes(text: string, prefixes: Record<string, string>): string {
  const declared = new Set<string>();
  for (const m of text.matchAll(/\bPREFIX\s+([A-Za-z][\w.-]*)?:/gi)) declared.add(m[1] ?? '');
  const missing = Object.keys(prefixes)
    .filter((p) => !declared.has(p))
    .sort()
    .map((p) => `PREFIX ${p}: <${prefixes[p]}> `);
  return missing.join('') + text;
}
