/**
 * What an inference rule can read: the predicates of its WHERE clause, from the parsed query.
 * A rule whose read predicates gained no triple since it last ran would construct exactly what
 * it constructed then, so the fixpoint may skip it. Anything this cannot pin down (a variable
 * predicate, a negated property set, a `*` or `?` path that can match zero steps, an unresolvable
 * IRI, an unknown node) reads "all".
 */
import type { QueryEngine } from '../engine/index.js';
import type { InferenceRule } from '../types.js';

export interface RuleReads {
  /** Predicate IRIs the WHERE clause matches on, or 'all' when any triple may matter. */
  predicates: ReadonlySet<string> | 'all';
  /** The rule mints new terms each run (template blank nodes, BNODE(), UUID()...): never skipped. */
  fresh: boolean;
  /**
   * With `prefixFilters` only: IRI prefixes whose predicates a variable predicate can match (see
   * ruleReads); every predicate of the graph that starts with one of them is read too.
   */
  prefixes?: ReadonlySet<string>;
}

interface Node {
  type?: string;
  subType?: string;
  value?: unknown;
  prefix?: string;
  key?: string;
  operator?: string;
  items?: unknown[];
  predicate?: unknown;
  patterns?: unknown[];
  context?: unknown[];
  where?: unknown;
  template?: unknown;
}

/** RuleReads as JSON (the query facts file), predicates sorted. */
export interface StoredReads {
  predicates: string[] | 'all';
  fresh: boolean;
  /** IRI prefixes of further predicates read (extract/scope.ts only; never in an inference rule's reads). */
  prefixes?: string[];
}

export function storedReads(r: RuleReads): StoredReads {
  return { predicates: r.predicates === 'all' ? 'all' : [...r.predicates].sort(), fresh: r.fresh };
}

/**
 * Shape check of a stored RuleReads (the query facts file is untrusted): absolute IRIs only, and
 * no `prefixes` (an inference rule's reads never have them: a reader that ignored them would skip
 * a rule it must run).
 */
export function isStoredReads(x: unknown): x is StoredReads {
  if (x === null || typeof x !== 'object') return false;
  const r = x as StoredReads;
  return (
    !('prefixes' in r) &&
    typeof r.fresh === 'boolean' &&
    (r.predicates === 'all' ||
      (Array.isArray(r.predicates) &&
        r.predicates.every((p) => typeof p === 'string' && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(p))))
  );
}

/** Shape check of stored reads that may carry `prefixes` (extract/scope.ts): strings, no 'all'. */
export function isScopedReads(x: unknown): x is StoredReads {
  if (x === null || typeof x !== 'object') return false;
  const { prefixes, ...rest } = x as StoredReads;
  return (
    isStoredReads(rest) &&
    (prefixes === undefined ||
      (rest.predicates !== 'all' && Array.isArray(prefixes) && prefixes.every((p) => typeof p === 'string')))
  );
}

// Functions whose value differs between two runs of the same query.
const VOLATILE = new Set(['bnode', 'uuid', 'struuid', 'rand', 'now']);

class AllPredicates extends Error {}

/** Kinds of group whose FILTERs restrict every solution of the triples directly in it. */
const FILTERED_GROUPS = new Set(['group', 'optional', 'minus']);

/**
 * The prefix each variable must start with by the FILTERs of a group: a FILTER that is, or has
 * as a top-level `&&` conjunct, STRSTARTS(STR(?v), "simple literal"). (Also extract/bound-reads.ts.)
 */
export function filterPrefixes(patterns: unknown[]): Map<string, string> {
  const out = new Map<string, string>();
  const conjunct = (e: Node & { args?: Node[] }): void => {
    if (e?.type !== 'expression' || typeof e.operator !== 'string' || !Array.isArray(e.args)) return;
    const op = e.operator.toLowerCase();
    if (op === '&&') return e.args.forEach(conjunct);
    const [str, lit] = e.args as [(Node & { args?: Node[] }) | undefined, (Node & { langOrIri?: unknown }) | undefined];
    const v = str?.args?.[0];
    if (
      op === 'strstarts' &&
      e.args.length === 2 &&
      str?.type === 'expression' &&
      str.operator?.toLowerCase() === 'str' &&
      str.args?.length === 1 &&
      v?.type === 'term' &&
      v.subType === 'variable' &&
      typeof v.value === 'string' &&
      lit?.type === 'term' &&
      lit.subType === 'literal' &&
      typeof lit.value === 'string' &&
      lit.langOrIri === undefined
    )
      out.set(v.value, lit.value);
  };
  for (const p of patterns as Array<Node & { expression?: Node }>)
    if (p?.type === 'pattern' && p.subType === 'filter' && p.expression) conjunct(p.expression);
  return out;
}

/**
 * Whether every node a property path binds is a subject or object of a triple it matched. A `*`
 * or `?` path also matches zero steps, from any node of the whole graph to itself (SPARQL 1.1
 * §18.5: `?x ex:p* ?y` lists every term of every triple): its solutions then depend on triples of
 * any predicate. A sequence with one step that must match a triple binds only nodes reached
 * through it; an alternative, only if each branch does.
 */
function matchesTriples(path: Node): boolean {
  if (path.type !== 'path') return true;
  const items = Array.isArray(path.items) ? (path.items as Node[]) : [];
  switch (path.subType) {
    case '*':
    case '?':
      return false;
    case '/':
      return items.some(matchesTriples);
    default:
      // `|`: each branch; `^`, `+`: one step or more of what they wrap (`!` reads "all" anyway).
      return items.length > 0 && items.every(matchesTriples);
  }
}

/** The prefixes a parsed query's terms resolve against: `prefixes`, then its own PREFIX declarations. */
export function queryPrefixes(ast: unknown, prefixes: Record<string, string>): Record<string, string> {
  const known: Record<string, string> = { ...prefixes };
  for (const c of ((ast as Node).context ?? []) as Node[]) {
    if (c.type === 'contextDef' && c.subType === 'prefix' && typeof c.key === 'string') {
      const v = (c.value as Node | undefined)?.value;
      if (typeof v === 'string') known[c.key] = v;
    }
  }
  return known;
}

/**
 * `ast` is traqula's AST of a CONSTRUCT query; `prefixes` are those the query was parsed with.
 *
 * With `prefixFilters`, a variable predicate ?v of a triple directly in a group (its BGP) whose
 * FILTERs require STRSTARTS(STR(?v), "P") reads the predicates starting with P (`prefixes`),
 * not "all": the group's FILTER removes every solution in which that triple matched another
 * predicate (in an OPTIONAL it is the left join's condition, which such a match fails too), so
 * triples of other predicates cannot change the group's solutions.
 */
export function ruleReads(
  ast: unknown,
  prefixes: Record<string, string>,
  options: { prefixFilters?: boolean } = {},
): RuleReads {
  const root = ast as Node;
  // A BASE changes what relative IRIs mean; relative IRIs already read "all" below.
  const known = queryPrefixes(root, prefixes);

  const iri = (term: Node): string => {
    if (term.type !== 'term' || term.subType !== 'namedNode' || typeof term.value !== 'string')
      throw new AllPredicates();
    const full =
      term.prefix !== undefined
        ? known[term.prefix] === undefined
          ? undefined
          : known[term.prefix] + term.value
        : term.value;
    if (full === undefined || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(full)) throw new AllPredicates();
    return full;
  };
  const predicates = new Set<string>();
  const readPrefixes = new Set<string>();
  const addPath = (p: Node, filtered?: Map<string, string>): void => {
    const prefix = p.type === 'term' && p.subType === 'variable' ? filtered?.get(String(p.value)) : undefined;
    if (prefix !== undefined) readPrefixes.add(prefix);
    else if (p.type === 'term') predicates.add(iri(p));
    else if (p.type === 'path' && p.subType !== '!' && Array.isArray(p.items))
      for (const item of p.items) addPath(item as Node);
    else throw new AllPredicates();
  };

  let fresh = false;
  // `filtered`: the FILTER prefixes of the group whose BGP (or its triples array) `x` is.
  const walk = (x: unknown, inTemplate: boolean, filtered?: Map<string, string>): void => {
    if (Array.isArray(x)) {
      for (const y of x) walk(y, inTemplate, filtered);
      return;
    }
    if (x === null || typeof x !== 'object') return;
    const n = x as Node;
    if (inTemplate && n.type === 'term' && n.subType === 'blankNode') fresh = true;
    if (n.type === 'expression' && typeof n.operator === 'string' && VOLATILE.has(n.operator.toLowerCase()))
      fresh = true;
    if (n.type === 'pattern' && n.subType === 'service') throw new AllPredicates();
    if (!inTemplate && n.type === 'triple') {
      if (!matchesTriples(n.predicate as Node)) throw new AllPredicates();
      addPath(n.predicate as Node, filtered);
    }
    const group =
      options.prefixFilters && !inTemplate && n.type === 'pattern' && FILTERED_GROUPS.has(String(n.subType))
        ? filterPrefixes(Array.isArray(n.patterns) ? n.patterns : [])
        : undefined;
    for (const [k, v] of Object.entries(n)) {
      if (k === 'loc' || k === 'predicate') continue;
      if (group && k === 'patterns' && Array.isArray(v))
        for (const child of v as Node[])
          walk(child, inTemplate, child?.type === 'pattern' && child.subType === 'bgp' ? group : undefined);
      else if (filtered && n.type === 'pattern' && n.subType === 'bgp' && k === 'triples')
        walk(v, inTemplate, filtered);
      else walk(v, inTemplate);
    }
  };

  walk(root.template, true);
  try {
    if (root.where === undefined) throw new AllPredicates();
    walk(root.where, false);
  } catch (err) {
    if (!(err instanceof AllPredicates)) throw err;
    // Still look for volatile functions in the rest of the clause.
    const scan = (x: unknown): void => {
      if (Array.isArray(x)) return x.forEach(scan);
      if (x === null || typeof x !== 'object') return;
      const n = x as Node;
      if (n.type === 'expression' && typeof n.operator === 'string' && VOLATILE.has(n.operator.toLowerCase()))
        fresh = true;
      for (const v of Object.values(n)) scan(v);
    };
    scan(root.where);
    return { predicates: 'all', fresh };
  }
  return readPrefixes.size > 0 ? { predicates, fresh, prefixes: readPrefixes } : { predicates, fresh };
}

/** What a rule's CONSTRUCT template writes (inference-cache.ts), as JSON (the query facts file). */
export interface RuleWrites {
  /** Predicate IRIs of the template's triples, sorted; 'all' when one is a variable or unresolvable. */
  predicates: string[] | 'all';
  /** The query calls a function whose value differs between runs (BNODE, UUID, RAND, NOW...). */
  volatile: boolean;
}

/**
 * The predicates of a CONSTRUCT template (`ast` is traqula's AST, parsed with `prefixes`), and
 * whether any clause calls a volatile function. Template blank nodes are not volatile here: a
 * rerun makes the same triples up to their labels, which the canonical digest makes equal.
 */
export function ruleWrites(ast: unknown, prefixes: Record<string, string>): RuleWrites {
  const root = ast as Node;
  let volatile = false;
  const scan = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(scan);
    if (x === null || typeof x !== 'object') return;
    const n = x as Node;
    if (n.type === 'expression' && typeof n.operator === 'string' && VOLATILE.has(n.operator.toLowerCase()))
      volatile = true;
    for (const [k, v] of Object.entries(n)) if (k !== 'loc') scan(v);
  };
  scan(root.where);
  const known = queryPrefixes(root, prefixes);
  const predicates = new Set<string>();
  let all = root.template === null || typeof root.template !== 'object';
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (x === null || typeof x !== 'object') return;
    const n = x as Node;
    if (n.type === 'triple') {
      const p = n.predicate as Node | undefined;
      const full =
        p?.type === 'term' && p.subType === 'namedNode' && typeof p.value === 'string'
          ? p.prefix !== undefined
            ? known[p.prefix] === undefined
              ? undefined
              : known[p.prefix] + p.value
            : p.value
          : undefined;
      if (full === undefined || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(full)) all = true;
      else predicates.add(full);
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'loc' && k !== 'predicate') walk(v);
  };
  walk(root.template);
  return { predicates: all ? 'all' : [...predicates].sort(), volatile };
}

/** Shape check of stored RuleWrites (the query facts file is untrusted). */
export function isRuleWrites(x: unknown): x is RuleWrites {
  if (x === null || typeof x !== 'object') return false;
  const w = x as RuleWrites;
  return (
    typeof w.volatile === 'boolean' &&
    (w.predicates === 'all' ||
      (Array.isArray(w.predicates) &&
        w.predicates.every((p) => typeof p === 'string' && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(p))))
  );
}

/** What `rule` reads, as a query fact (engine/query-facts.ts): the rule is parsed only when the fact is not known. */
export function storedRuleReads(engine: QueryEngine, rule: InferenceRule): Promise<StoredReads> {
  return engine.derive(
    rule.construct,
    'construct',
    'reads',
    (ast, prefixes) => storedReads(ruleReads(ast, prefixes)),
    isStoredReads,
  );
}

/** What `rule`'s template writes, as a query fact. */
export function storedRuleWrites(engine: QueryEngine, rule: InferenceRule): Promise<RuleWrites> {
  return engine.derive(rule.construct, 'construct', 'writes', ruleWrites, isRuleWrites);
}
