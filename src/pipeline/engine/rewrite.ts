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
  return applyTieBreakers(text, tieBreakers(ast));
}

/** Where withTieBreakers inserts what: after offset `at`, the variables `extra`; null for no change. */
export interface TieBreakers {
  at: number;
  extra: string[];
}

export function tieBreakers(ast: unknown): TieBreakers | null {
  const order = (ast as AstNode).solutionModifiers?.order;
  const at = offsets(order?.loc);
  const projected = projectedVariables(ast);
  if (!at || !projected) return null;
  const sorted = new Set(
    (order?.orderDefs ?? [])
      .map((d) => (d.expression?.subType === 'variable' ? String(d.expression.value) : undefined))
      .filter(Boolean),
  );
  const extra = projected.filter((v) => !sorted.has(v));
  return extra.length === 0 ? null : { at: at.end, extra };
}

export function applyTieBreakers(text: string, t: TieBreakers | null): string {
  if (!t) return text;
  return `${text.slice(0, t.at)} ${t.extra.map((v) => `?${v}`).join(' ')} ${text.slice(t.at)}`;
}

const VARNAME = /^[\p{L}\p{N}\p{M}_\u00B7\u203F\u2040]+$/u;

/** Shape check of stored tie-breakers (query-facts.ts: the cache is untrusted) for `text`. */
export function isTieBreakersFor(text: string): (x: unknown) => x is TieBreakers | null {
  return (x: unknown): x is TieBreakers | null => {
    if (x === null) return true;
    const t = x as TieBreakers;
    return (
      typeof x === 'object' &&
      Number.isInteger(t.at) &&
      t.at > 0 &&
      t.at <= text.length &&
      Array.isArray(t.extra) &&
      t.extra.length > 0 &&
      t.extra.every((v) => typeof v === 'string' && VARNAME.test(v)) &&
      /ORDER\s+BY/i.test(text.slice(0, t.at))
    );
  };
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
  const plan = substitutionPlan(text, ast, Object.keys(bound));
  return plan ? applySubstitution(text, plan, bound) : undefined;
}

/**
 * Where substitute edits the text for the variables `names`, whatever values they get: the WHERE
 * clause's opening brace, and each occurrence as [start, end, name, 1 for `bound(?name)` else 0],
 * last first. Null without positions.
 */
export interface SubstitutionPlan {
  where: number;
  edits: Array<[number, number, string, 0 | 1]>;
}

export function substitutionPlan(text: string, ast: unknown, names: string[]): SubstitutionPlan | null {
  const where = (ast as AstNode).where;
  const at = offsets(where?.loc);
  if (!at || text[at.start] !== '{') return null;
  const bound = new Set(names);
  const edits: Array<[number, number, string, 0 | 1]> = [];
  let ok = true;
  const walk = (x: unknown): void => {
    if (!ok || x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(walk);
    const n = x as AstNode & { operator?: string; args?: AstNode[] };
    if (
      n.type === 'expression' &&
      n.operator === 'bound' &&
      n.args?.[0]?.subType === 'variable' &&
      bound.has(String(n.args[0].value))
    ) {
      const o = offsets(n.loc);
      if (!o) ok = false;
      else edits.push([o.start, o.end, String(n.args[0].value), 1]);
      return;
    }
    if (n.type === 'term' && n.subType === 'variable' && bound.has(String(n.value))) {
      const o = offsets(n.loc);
      if (!o) ok = false;
      else edits.push([o.start, o.end, String(n.value), 0]);
      return;
    }
    for (const [k, v] of Object.entries(n)) {
      // A sub-SELECT's projection keeps the variable (it returns it, bound by the outer VALUES).
      if (k === 'loc' || (n.type === 'query' && k === 'variables')) continue;
      walk(v);
    }
  };
  walk(where);
  if (!ok) return null;
  edits.sort((a, b) => b[0] - a[0]);
  return { where: at.start, edits };
}

/** substitute's text from its plan; `bound` maps every planned name to its SPARQL text. */
export function applySubstitution(text: string, plan: SubstitutionPlan, bound: Record<string, string>): string {
  let out = text;
  for (const [start, end, name, isBound] of plan.edits)
    out = out.slice(0, start) + (isBound ? '(true)' : bound[name]!) + out.slice(end);
  const names = Object.keys(bound);
  const block = ` VALUES (${names.map((v) => `?${v}`).join(' ')}) { (${names.map((v) => bound[v]).join(' ')}) } `;
  return out.slice(0, plan.where + 1) + block + out.slice(plan.where + 1);
}

/**
 * Shape check of a stored plan (query-facts.ts: the cache is untrusted) for `text` and `names`:
 * the brace is a brace, each edit covers exactly a `?name`/`$name` or a `bound(?name)` (in the
 * brackets traqula's location includes) after it,
 * and the edits come last first without overlapping.
 */
export function isSubstitutionPlanFor(text: string, names: string[]): (x: unknown) => x is SubstitutionPlan | null {
  return (x: unknown): x is SubstitutionPlan | null => {
    if (x === null) return true;
    const p = x as SubstitutionPlan;
    if (typeof x !== 'object' || !Number.isInteger(p.where) || text[p.where] !== '{' || !Array.isArray(p.edits))
      return false;
    let limit = text.length;
    for (const e of p.edits as unknown[]) {
      if (!Array.isArray(e) || e.length !== 4) return false;
      const [start, end, name, isBound] = e as [unknown, unknown, unknown, unknown];
      if (!Number.isInteger(start) || !Number.isInteger(end) || typeof name !== 'string' || !names.includes(name))
        return false;
      const s = start as number;
      const t = end as number;
      if (s <= p.where || t > limit || s >= t) return false;
      const slice = text.slice(s, t);
      const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (
        isBound === 0
          ? !new RegExp(`^[?$]${esc}$`).test(slice)
          : isBound === 1
            ? !new RegExp(`^(?:\\(\\s*)*bound\\s*\\(\\s*[?$]${esc}\\s*\\)(?:\\s*\\))*$`, 'i').test(slice)
            : true
      )
        return false;
      limit = s;
    }
    return true;
  };
}
