/**
 * Text rewrites of a parsed query, placed by traqula's source locations, that make both engines
 * answer the same: ORDER BY tie-breakers (rows that tie under the query's ORDER BY would otherwise
 * come in each engine's own store order) and SHACL pre-binding as a VALUES block (Oxigraph's JS
 * API has no initial bindings).
 */
import type { SparqlParser } from '../extract/sparql-syntax.js';

interface Loc {
  sourceLocationType?: string;
  start?: number;
  end?: number;
}
interface AstNode {
  type?: string;
  subType?: string;
  value?: unknown;
  loc?: Loc;
  variable?: AstNode;
  expression?: AstNode;
  variables?: AstNode[];
  where?: AstNode;
  solutionModifiers?: { order?: { orderDefs?: Array<{ expression?: AstNode }>; loc?: Loc } };
}

/** A parse context whose AST carries source offsets (traqula tracks none by default). */
export function locatingContext(parser: SparqlParser): Record<string, unknown> {
  const p = parser as unknown as { defaultContext?: { astFactory?: { constructor: new (args: object) => unknown } } };
  const Factory = p.defaultContext?.astFactory?.constructor;
  return Factory ? { astFactory: new Factory({ tracksSourceLocation: true }) } : {};
}

const offsets = (loc: Loc | undefined): { start: number; end: number } | undefined =>
  loc?.sourceLocationType === 'source' && typeof loc.start === 'number' && typeof loc.end === 'number'
    ? { start: loc.start, end: loc.end }
    : undefined;

/** Projected variable names, or undefined for `SELECT *`. */
export function projectedVariables(ast: unknown): string[] | undefined {
  const vars = (ast as AstNode).variables ?? [];
  const names: string[] = [];
  for (const v of vars) {
    if (v.type === 'wildcard') return undefined;
    if (v.subType === 'variable' && typeof v.value === 'string') names.push(v.value);
    else if (v.variable && typeof v.variable.value === 'string') names.push(v.variable.value);
  }
  return names;
}

/**
 * The query text with every projected variable its ORDER BY does not already sort on appended
 * to the ORDER BY, so that only identical rows can tie. Unchanged when the AST has no positions
 * or the query projects `*`.
 */
export function withTieBreakers(text: string, ast: unknown): string {
  const order = (ast as AstNode).solutionModifiers?.order;
  const at = offsets(order?.loc);
  const projected = projectedVariables(ast);
  if (!at || !projected) return text;
  const sorted = new Set(
    (order?.orderDefs ?? [])
      .map((d) => (d.expression?.subType === 'variable' ? String(d.expression.value) : undefined))
      .filter(Boolean),
  );
  const extra = projected.filter((v) => !sorted.has(v));
  if (extra.length === 0) return text;
  return `${text.slice(0, at.end)} ${extra.map((v) => `?${v}`).join(' ')} ${text.slice(at.end)}`;
}

/** The same, on the AST (for Comunica, which is given the algebra rather than the text). */
export function addTieBreakers(ast: unknown): unknown {
  const a = ast as AstNode;
  const order = a.solutionModifiers?.order;
  const projected = projectedVariables(ast);
  if (!order?.orderDefs || !projected) return ast;
  const sorted = new Set(
    order.orderDefs.map((d) => (d.expression?.subType === 'variable' ? String(d.expression.value) : undefined)),
  );
  const extra = projected.filter((v) => !sorted.has(v));
  if (extra.length === 0) return ast;
  const loc = { sourceLocationType: 'autoGenerate' };
  return {
    ...a,
    solutionModifiers: {
      ...a.solutionModifiers,
      order: {
        ...order,
        orderDefs: [
          ...order.orderDefs,
          ...extra.map((v) => ({
            expression: { type: 'term', subType: 'variable', value: v, loc },
            descending: false,
            loc,
          })),
        ],
      },
    },
  };
}

interface Literalish {
  termType: string;
  value: string;
  language?: string;
  datatype?: { value: string };
}

const escapeString = (s: string) =>
  s.replace(
    /[\\"\n\r\t\b\f]/g,
    (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' })[c]!,
  );

/** A term as SPARQL text; undefined for a blank node (SPARQL cannot name one). */
export function termToSparql(term: Literalish): string | undefined {
  switch (term.termType) {
    case 'NamedNode':
      return /[\u0000-\u0020<>"{}|^`\\]/.test(term.value) ? undefined : `<${term.value}>`;
    case 'Literal': {
      const s = `"${escapeString(term.value)}"`;
      if (term.language) return `${s}@${term.language}`;
      const dt = term.datatype?.value;
      return dt && dt !== 'http://www.w3.org/2001/XMLSchema#string' ? `${s}^^<${dt}>` : s;
    }
    default:
      return undefined;
  }
}

/** `text` with `VALUES (?a ...) { (t ...) }` opening its WHERE group; undefined without positions. */
export function withValues(text: string, ast: unknown, bound: Record<string, string>): string | undefined {
  const at = offsets((ast as AstNode).where?.loc);
  if (!at || text[at.start] !== '{') return undefined;
  const names = Object.keys(bound);
  if (names.length === 0) return text;
  const block = ` VALUES (${names.map((n) => `?${n}`).join(' ')}) { (${names.map((n) => bound[n]).join(' ')}) } `;
  return text.slice(0, at.start + 1) + block + text.slice(at.start + 1);
}

/** `text` projecting `?name` too (for a query that does not); undefined without positions. */
export function withProjected(text: string, ast: unknown, name: string): string | undefined {
  const projected = projectedVariables(ast);
  if (!projected || projected.includes(name)) return text;
  const first = offsets((ast as AstNode).variables?.[0]?.loc);
  if (!first) return undefined;
  return `${text.slice(0, first.start)}?${name} ${text.slice(first.start)}`;
}

/**
 * SHACL pre-binding as the spec defines it (SHACL 1.0 §5.3.1): every occurrence of a pre-bound
 * variable in the WHERE clause, nested groups and sub-SELECTs included, is replaced by its value
 * (`bound(?v)` by `true`), and a VALUES block opening the WHERE clause binds it for the
 * projection. `bound` maps each variable to its SPARQL text. Undefined without positions.
 */
export function substitute(text: string, ast: unknown, bound: Record<string, string>): string | undefined {
  const where = (ast as AstNode).where;
  const at = offsets(where?.loc);
  if (!at || text[at.start] !== '{') return undefined;
  const edits: Array<{ start: number; end: number; text: string }> = [];
  let ok = true;
  const walk = (x: unknown): void => {
    if (!ok || x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(walk);
    const n = x as AstNode & { operator?: string; args?: AstNode[] };
    if (
      n.type === 'expression' &&
      n.operator === 'bound' &&
      n.args?.[0]?.subType === 'variable' &&
      String(n.args[0].value) in bound
    ) {
      const o = offsets(n.loc);
      if (!o) ok = false;
      else edits.push({ ...o, text: '(true)' });
      return;
    }
    if (n.type === 'term' && n.subType === 'variable' && String(n.value) in bound) {
      const o = offsets(n.loc);
      if (!o) ok = false;
      else edits.push({ ...o, text: bound[String(n.value)]! });
      return;
    }
    for (const [k, v] of Object.entries(n)) {
      // A sub-SELECT's projection keeps the variable (it returns it, bound by the outer VALUES).
      if (k === 'loc' || (n.type === 'query' && k === 'variables')) continue;
      walk(v);
    }
  };
  walk(where);
  if (!ok) return undefined;
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  const names = Object.keys(bound);
  const block = ` VALUES (${names.map((v) => `?${v}`).join(' ')}) { (${names.map((v) => bound[v]).join(' ')}) } `;
  return out.slice(0, at.start + 1) + block + out.slice(at.start + 1);
}
