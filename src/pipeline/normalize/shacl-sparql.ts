/**
 * SHACL-SPARQL (sh:sparql constraints and SPARQL-based targets) for shacl-engine, run on the
 * run's one query engine (shacl-engine's own plugin builds a Comunica engine per query).
 * Follows SHACL 1.0 §5 and shacl-engine/lib/validations/sparql.js:
 * - the query gets the prefixes of its sh:prefixes ontologies (sh:declare, through owl:imports)
 *   and the manifest's, on its first line so that line numbers hold;
 * - `$PATH` in a property shape's query becomes the shape's path; `$this` is pre-bound;
 * - each row is one result, with `?value`, `?path` and `{?var}` in sh:message from the row;
 * - what ggen does not support is refused with an error at the shape's file:line, never
 *   silently skipped: `$shapesGraph`, `$currentShape`, SPARQL-based constraint components, and
 *   queries the spec forbids to pre-bind (MINUS, VALUES or a sub-SELECT around `$this`, SERVICE,
 *   `AS ?this`).
 */
import { DataFactory } from 'n3';
import { InputError } from '../errors.js';
import type { QueryEngine, RdfTerm } from '../engine/index.js';
import { withPrefixes } from '../extract/sparql-syntax.js';
import { isStringOrNull } from '../engine/query-facts.js';
import type { QueryText } from '../types.js';

const SH = 'http://www.w3.org/ns/shacl#';
const OWL_IMPORTS = 'http://www.w3.org/2002/07/owl#imports';
const sh = (name: string) => DataFactory.namedNode(SH + name) as unknown as RdfTerm;

export interface Ptr {
  terms: RdfTerm[];
  term?: RdfTerm;
  value?: string;
  out(predicates: RdfTerm[]): Ptr;
  node(terms: RdfTerm[]): Ptr;
}
interface Context {
  focusNode: Ptr & { dataset: unknown; term: RdfTerm };
  violation(component: RdfTerm, options: Record<string, unknown>): void;
  debug(component: RdfTerm, options: Record<string, unknown>): void;
}
interface PathStep {
  start: string;
  end: string;
  predicates: RdfTerm[];
  quantifier: string;
}
interface Shape {
  ptr: Ptr;
  sparql: Ptr;
  path?: PathStep[] | null;
}

/** Where a SHACL-SPARQL query sits, for diagnostics: the shapes file and the query's position in it. */
export type LocateQuery = (constraint: RdfTerm, query: string) => { file: string; line: number; column: number };

/** A shape's path as a SPARQL property path (SHACL 1.0 §5.3.2: how $PATH is substituted). */
export function pathToSparql(path: PathStep[]): string {
  return path
    .map((step) => {
      const alt = step.predicates.map((p) => `<${p.value}>`).join('|');
      let s = step.predicates.length > 1 ? `(${alt})` : alt;
      if (step.start === 'object') s = `^${s}`;
      if (step.quantifier === 'oneOrMore') s = `(${s})+`;
      else if (step.quantifier === 'zeroOrMore') s = `(${s})*`;
      else if (step.quantifier === 'zeroOrOne') s = `(${s})?`;
      return s;
    })
    .join('/');
}

/** `PREFIX p: <ns>` for every sh:declare of `ontologies` and of what they owl:import. */
export function declaredPrefixes(
  ontologies: Ptr,
  seen = new Set<string>(),
  out: Record<string, string> = {},
): Record<string, string> {
  for (const term of ontologies.terms) {
    const key = `${term.termType}|${term.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ont = ontologies.node([term]);
    declaredPrefixes(ont.out([DataFactory.namedNode(OWL_IMPORTS) as unknown as RdfTerm]), seen, out);
    for (const d of ont.out([sh('declare')]).terms) {
      const decl = ont.node([d]);
      const prefix = decl.out([sh('prefix')]).value;
      const namespace = decl.out([sh('namespace')]).value;
      if (prefix !== undefined && namespace !== undefined) out[prefix] = namespace;
    }
  }
  return out;
}

interface AstNode {
  type?: string;
  subType?: string;
  value?: unknown;
  variables?: AstNode[];
  variable?: AstNode;
  [k: string]: unknown;
}

/** Whether the subtree mentions one of the variables. */
function mentions(x: unknown, names: string[]): boolean {
  if (x === null || typeof x !== 'object') return false;
  if (Array.isArray(x)) return x.some((y) => mentions(y, names));
  const n = x as AstNode;
  if (n.type === 'term' && n.subType === 'variable' && names.includes(String(n.value))) return true;
  return Object.entries(n).some(([k, v]) => k !== 'loc' && mentions(v, names));
}

/**
 * The reason a pre-bound query breaks SHACL 1.0 §5.3.1's rules, or undefined: VALUES, SERVICE,
 * `AS ?this`, a sub-SELECT that does not return `$this`, and MINUS around `$this`. A MINUS that
 * does not mention `$this` means the same with or without pre-binding, so it is allowed (this
 * repo's shapes use it: FILTER NOT EXISTS costs a subquery per row).
 */
export function preBindingProblem(ast: unknown, preBound: string[]): string | undefined {
  if (preBound.length === 0) return undefined;
  const around = `around ${preBound.map((p) => `$${p}`).join(', ')}`;
  let problem: string | undefined;
  const walk = (x: unknown, root: boolean): void => {
    if (problem || x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach((y) => walk(y, false));
    const n = x as AstNode;
    if (n.type === 'pattern' && n.subType === 'minus' && mentions(n, preBound)) problem = `MINUS ${around}`;
    else if (n.type === 'pattern' && n.subType === 'values') problem = 'VALUES';
    else if (n.type === 'pattern' && n.subType === 'service') problem = 'SERVICE (federated query)';
    else if (n.type === 'pattern' && n.subType === 'bind' && preBound.includes(String(n.variable?.value)))
      problem = `BIND (... AS ?${String(n.variable?.value)})`;
    else if (!root && n.type === 'query') {
      const vars = n.variables ?? [];
      const projects = (name: string) => vars.some((v) => v.value === name || v.variable?.value === name);
      if (preBound.some((p) => !projects(p)))
        problem = `a sub-SELECT that does not return ${preBound.map((p) => `$${p}`).join(', ')} by name`;
    }
    if (problem) return;
    for (const [k, v] of Object.entries(n)) if (k !== 'loc') walk(v, false);
  };
  walk(ast, true);
  const root = ast as AstNode;
  if (!problem && root.values) problem = 'VALUES';
  return problem;
}

const UNSUPPORTED_VARS = /[$?](shapesGraph|currentShape)\b/;

/** The `validations` and `targetResolvers` options of shacl-engine's Validator. */
export function sparqlPlugins(
  engine: QueryEngine,
  options: { prefixes?: Record<string, string>; locate?: LocateQuery } = {},
): { validations: Map<unknown, unknown>; targetResolvers: Map<unknown, unknown> } {
  const locate = (constraint: RdfTerm, query: string): QueryText => {
    const at = options.locate?.(constraint, query);
    return { text: query, file: at?.file ?? '<shapes>', line: at?.line ?? 1, column: at?.column ?? 1 };
  };
  const fail = (q: QueryText, message: string): never => {
    throw new InputError({ file: q.file, line: q.line, col: q.column ?? 1, message });
  };

  /** The text to run: prefixes on the first line, $PATH substituted; checked. */
  const prepare = async (
    constraint: Ptr,
    select: string,
    path: PathStep[] | null | undefined,
    preBound: string[],
  ): Promise<string> => {
    const q = locate(constraint.terms[0]!, select);
    const unsupported = UNSUPPORTED_VARS.exec(select);
    if (unsupported)
      fail(
        q,
        `unsupported SHACL-SPARQL feature: $${unsupported[1]} is not pre-bound by ggen; rewrite the query without it`,
      );
    const prefixes = { ...(options.prefixes ?? {}), ...declaredPrefixes(constraint.out([sh('prefixes')])) };
    let text = select;
    if (path && path.length > 0) text = text.split('$PATH').join(pathToSparql(path));
    // Checked once per text: the verdict is a query fact (engine/query-facts.ts), so a run whose
    // shapes are unchanged does not parse them again.
    const problem = await engine.derive(
      { ...q, text: withPrefixes(text, prefixes) },
      'shacl',
      `pre-binding/${preBound.join(',')}`,
      (ast) => preBindingProblem(ast, preBound) ?? null,
      isStringOrNull,
    );
    if (problem)
      fail(q, `unsupported SHACL-SPARQL query: ${problem} (SHACL 1.0 §5.3.1 forbids it with pre-bound variables)`);
    return withPrefixes(text, prefixes);
  };

  const compileSparql = (shape: Shape) => {
    const checks: Array<Promise<{ query: string; message: RdfTerm[]; source: RdfTerm[] } | undefined>> =
      shape.sparql.terms.map(async (term) => {
        const constraint = shape.sparql.node([term]);
        const deactivated = constraint.out([sh('deactivated')]).value;
        const select = constraint.out([sh('select')]).value;
        if (deactivated === 'true' || !select) return undefined;
        const query = await prepare(constraint, select, shape.path, ['this']);
        return { query, message: constraint.out([sh('message')]).terms, source: [term] };
      });
    const compiled = Promise.all(checks);
    // An error in a query surfaces at the first validation, before any result is reported.
    compiled.catch(() => {});
    return {
      generic: async (context: Context) => {
        for (const c of await compiled) {
          if (!c) continue;
          const rows = await engine.selectTerms(context.focusNode.dataset, c.query, { this: context.focusNode.term });
          for (const row of rows) {
            // A variable named `...Raw` reads as its plain text in sh:message, others in N-Triples form ("x", <iri>).
            const args = Object.fromEntries([...row].map(([k, v]) => [k, k.endsWith('Raw') ? v.value : v]));
            const value = context.focusNode.node([row.get('value') ?? context.focusNode.term]);
            const p = row.get('path');
            const path =
              p && p.termType === 'NamedNode'
                ? [{ start: 'subject', end: 'object', predicates: [p], quantifier: 'one' }]
                : undefined;
            context.violation(sh('SPARQLConstraintComponent'), {
              args,
              message: c.message,
              source: c.source,
              value,
              ...(path ? { path } : {}),
            });
          }
          if (rows.length === 0) context.debug(sh('SPARQLConstraintComponent'), { source: c.source });
        }
      },
    };
  };
  const resolveSparqlTarget = async (targetPtr: Ptr, context: Context): Promise<RdfTerm[]> => {
    const select = targetPtr.out([sh('select')]).value;
    if (!select) return [];
    const query = await prepare(targetPtr, select, undefined, []);
    const rows = await engine.selectTerms(context.focusNode.dataset, query);
    return rows.map((row) => row.get('this')).filter((t): t is RdfTerm => t !== undefined);
  };
  return {
    validations: new Map<unknown, unknown>([[sh('sparql'), compileSparql]]),
    targetResolvers: new Map<unknown, unknown>([[sh('target'), resolveSparqlTarget]]),
    prepare,
  } as { validations: Map<unknown, unknown>; targetResolvers: Map<unknown, unknown> };
}

export interface N3Like {
  getQuads(s: unknown, p: unknown, o: unknown, g: unknown): Array<{ subject: RdfTerm; object: RdfTerm }>;
}

/** A minimal shacl-engine-style pointer over an n3 store. */
export function ptrOf(store: N3Like, terms: RdfTerm[]): Ptr {
  return {
    terms,
    term: terms[0],
    value: terms[0]?.value,
    out: (predicates) =>
      ptrOf(
        store,
        terms.flatMap((t) => predicates.flatMap((p) => store.getQuads(t, p, null, null).map((q) => q.object))),
      ),
    node: (ts) => ptrOf(store, ts),
  };
}

/**
 * Checks every SHACL-SPARQL query of the shapes graph before validation, whether or not its shape
 * has focus nodes: syntax errors, unsupported variables and forbidden pre-binding are errors at the
 * shape's file:line. SPARQL-based constraint components are refused: ggen does not run them, and
 * silently ignoring them would report a graph valid that is not.
 */
export async function checkShapesSparql(
  shapes: N3Like,
  engine: QueryEngine,
  options: {
    prefixes?: Record<string, string>;
    locate?: LocateQuery;
    locateNode?: (t: RdfTerm) => { file?: string; line?: number };
  } = {},
): Promise<void> {
  const named = (iri: string) => DataFactory.namedNode(iri) as unknown as RdfTerm;
  // Any node with a validator is a SPARQL-based constraint component, whatever (sub)class it declares.
  for (const p of ['validator', 'nodeValidator', 'propertyValidator']) {
    for (const q of shapes.getQuads(null, sh(p), null, null)) {
      if (q.subject.value.startsWith(SH)) continue;
      const at = options.locateNode?.(q.subject) ?? {};
      throw new InputError({
        ...(at.file ? { file: at.file } : {}),
        ...(at.line ? { line: at.line } : {}),
        message: `unsupported SHACL-SPARQL feature: SPARQL-based constraint component ${q.subject.termType === 'NamedNode' ? `<${q.subject.value}>` : '(a blank node)'} (sh:${p}); express it as an sh:sparql constraint on the shapes that use it`,
      });
    }
  }
  const plugins = sparqlPlugins(engine, options) as unknown as {
    prepare: (c: Ptr, select: string, path: PathStep[] | undefined, preBound: string[]) => Promise<string>;
  };
  const dummyPath: PathStep[] = [
    { start: 'subject', end: 'object', predicates: [named('urn:ggen:check:path')], quantifier: 'one' },
  ];
  for (const q of shapes.getQuads(null, sh('sparql'), null, null)) {
    const constraint = ptrOf(shapes, [q.object]);
    const select = constraint.out([sh('select')]).value;
    if (!select) continue;
    const hasPath = shapes.getQuads(q.subject, sh('path'), null, null).length > 0;
    await plugins.prepare(constraint, select, hasPath ? dummyPath : undefined, ['this']);
  }
  for (const q of shapes.getQuads(null, sh('target'), null, null)) {
    const target = ptrOf(shapes, [q.object]);
    const select = target.out([sh('select')]).value;
    if (select) await plugins.prepare(target, select, undefined, []);
  }
}
