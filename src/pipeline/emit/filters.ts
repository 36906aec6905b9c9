/**
 * Nunjucks filters available to every template. Case filters split words at
 * non-alphanumerics and at lower→upper / acronym boundaries, so `HTTPServer`,
 * `http-server` and `http_server` all give the same words.
 */
import type { JsonValue, Row } from '../types.js';

export function words(input: unknown): string[] {
  const s = String(input ?? '');
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0);
}

const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase();

export const pascalCase = (s: unknown): string => words(s).map(cap).join('');
export const camelCase = (s: unknown): string => {
  const p = pascalCase(s);
  return p.charAt(0).toLowerCase() + p.slice(1);
};
export const kebabCase = (s: unknown): string =>
  words(s)
    .map((w) => w.toLowerCase())
    .join('-');
export const snakeCase = (s: unknown): string =>
  words(s)
    .map((w) => w.toLowerCase())
    .join('_');
export const constantCase = (s: unknown): string =>
  words(s)
    .map((w) => w.toUpperCase())
    .join('_');

/**
 * Any value → a double-quoted TypeScript string literal that cannot break out of
 * its context: JSON escaping plus the line/paragraph separators and `<`, so the
 * literal stays inert even inside an HTML <script> or a comment-like context.
 */
export function tsString(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return JSON.stringify(s)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
    .replace(/</g, '\\u003C')
    .replace(/>/g, '\\u003E')
    .replace(/\*\//g, '*\\/');
}

/**
 * JSON for embedding data in generated code; same escaping guarantees as tsString. A comment
 * terminator can only occur inside a JSON string, where escaping its slash keeps the data the same
 * and any comment around it intact.
 */
export function json(value: unknown, indent?: number): string {
  const text = JSON.stringify(value ?? null, null, indent);
  return text
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
    .replace(/</g, '\\u003C')
    .replace(/>/g, '\\u003E')
    .replace(/\*\//g, '*\\/');
}

/**
 * A spec regular expression (otp:pattern) as the string literal to give `new RegExp`: refused,
 * naming the pattern, unless it compiles, so a bad pattern fails the sync rather than the import
 * of the generated module.
 */
export function regex(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  try {
    new RegExp(s);
  } catch (err) {
    throw new Error(
      `regex: ${JSON.stringify(s)} is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: .*: /, '')})`,
    );
  }
  return tsString(s);
}

/** C0 and C1 control characters other than tab and the line terminators handled before them. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
const hex4 = (c: string): string => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Spec text inside a JavaScript/TypeScript comment (block, JSDoc or line comment): it cannot end
 * the comment or the line. Line terminators (LF, CR, CRLF, U+2028, U+2029) become a space, the
 * comment terminator `*` `/` becomes `*\/`, other control characters are shown as `\uXXXX`.
 */
export function comment(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return s
    .replace(/\r\n|[\n\r\u2028\u2029]/g, ' ')
    .replace(/\*\//g, '*\\/')
    .replace(CONTROL, hex4);
}

/**
 * Spec text in Markdown (README prose, table cells, code spans, Mermaid labels): it cannot start a
 * line, split a table cell, close a code span or open raw HTML. Line terminators become a space,
 * `\` becomes `\\` and `|` becomes `\|` (so no pipe is left unescaped), a backtick `'`, `<` and `>`
 * their entities, control characters `\uXXXX`.
 */
export function markdown(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return s
    .replace(/\r\n|[\n\r\u2028\u2029]/g, ' ')
    .replace(CONTROL, hex4)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/`/g, "'")
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

export function localName(iri: unknown): string {
  const s = String(iri ?? '');
  const i = Math.max(s.lastIndexOf('#'), s.lastIndexOf('/'), s.lastIndexOf(':'));
  return i >= 0 ? s.slice(i + 1) : s;
}

/**
 * Names a binding (variable, parameter, class member) may not take in a strict-mode module:
 * reserved words, strict-mode reserved words, `arguments`/`eval`, the global values a name must
 * not shadow, and `constructor` (a class field of that name is an error). Contextual keywords
 * (`number`, `type`, `from`, `of`, `get`...) are valid binding names and are kept.
 */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'implements interface let package private protected public static yield await constructor ' +
    'undefined NaN Infinity arguments eval'
  ).split(' '),
);

/** Names a type (interface, type alias) may not take, besides the reserved words: the built-in type names. */
const RESERVED_TYPES = new Set(
  'any unknown never object number string boolean symbol bigint undefined void null this type'.split(' '),
);

function identifier(raw: string, filter: string): string {
  let id = raw.replace(/[^A-Za-z0-9_$]+/g, '_');
  if (!/[A-Za-z0-9$]/.test(id))
    throw new Error(`${filter}: cannot make a TypeScript identifier from ${JSON.stringify(raw)}`);
  if (/^[0-9]/.test(id)) id = `_${id}`;
  return id;
}

/**
 * A safe TypeScript identifier for a value (variable, parameter, member): kept as is when already
 * valid, so the spec's names stay its own; else made valid; throws if nothing usable is left.
 */
export function tsIdent(value: unknown): string {
  const id = identifier(String(value ?? ''), 'tsIdent');
  return RESERVED.has(id) ? `${id}_` : id;
}

/** A safe TypeScript identifier for a type name (interface, type alias): tsIdent, and no built-in type name. */
export function tsTypeIdent(value: unknown): string {
  const id = identifier(String(value ?? ''), 'tsTypeIdent');
  return RESERVED.has(id) || RESERVED_TYPES.has(id) ? `${id}_` : id;
}

function asRows(list: unknown, filter: string): Row[] {
  if (!Array.isArray(list)) throw new Error(`${filter}: expected a list of rows, got ${typeof list}`);
  return list as Row[];
}

export function where(list: unknown, key: string, value?: JsonValue): Row[] {
  const rows = asRows(list, 'where');
  return arguments.length < 3 ? rows.filter((r) => Boolean(r[key])) : rows.filter((r) => r[key] === value);
}

function compare(a: JsonValue | undefined, b: JsonValue | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Stable sort by a key (code-unit order, so the result does not depend on the locale). */
export function sortBy(list: unknown, key: string): Row[] {
  return [...asRows(list, 'sortBy')].sort((x, y) => compare(x[key], y[key]));
}

/** Groups in first-seen order: [{ key, rows }]. */
export function groupBy(list: unknown, key: string): Array<{ key: JsonValue; rows: Row[] }> {
  const groups = new Map<string, { key: JsonValue; rows: Row[] }>();
  for (const r of asRows(list, 'groupBy')) {
    const k = r[key] ?? null;
    const id = JSON.stringify(k);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key: k, rows: [] }));
    g.rows.push(r);
  }
  return [...groups.values()];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- filters of every signature (unknown[] would refuse them: parameters are contravariant)
export const FILTERS: Record<string, (...args: any[]) => unknown> = {
  pascalCase,
  camelCase,
  kebabCase,
  snakeCase,
  constantCase,
  tsString,
  json,
  comment,
  markdown,
  regex,
  localName,
  tsIdent,
  tsTypeIdent,
  where,
  sortBy,
  groupBy,
};
