/**
 * What an inference rule can read: the predicates of its WHERE clause, from the parsed query.
 * A rule whose read predicates gained no triple since it last ran would construct exactly what
 * it constructed then, so the fixpoint may skip it. Anything this cannot pin down (a variable
 * predicate, a negated property set, an unresolvable IRI, an unknown node) reads "all".
 */

export interface RuleReads {
  /** Predicate IRIs the WHERE clause matches on, or 'all' when any triple may matter. */
  predicates: ReadonlySet<string> | 'all';
  /** The rule mints new terms each run (template blank nodes, BNODE(), UUID()...): never skipped. */
  fresh: boolean;
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
  context?: unknown[];
  where?: unknown;
  template?: unknown;
}

/** RuleReads as JSON (the query facts file), predicates sorted. */
export interface StoredReads {
  predicates: string[] | 'all';
  fresh: boolean;
}

export function storedReads(r: RuleReads): StoredReads {
  return { predicates: r.predicates === 'all' ? 'all' : [...r.predicates].sort(), fresh: r.fresh };
}

/** Shape check of a stored RuleReads (the query facts file is untrusted): absolute IRIs only. */
export function isStoredReads(x: unknown): x is StoredReads {
  if (x === null || typeof x !== 'object') return false;
  const r = x as StoredReads;
  return (
    typeof r.fresh === 'boolean' &&
    (r.predicates === 'all' ||
      (Array.isArray(r.predicates) &&
        r.predicates.every((p) => typeof p === 'string' && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(p))))
  );
}

// Functions whose value differs between two runs of the same query.
const VOLATILE = new Set(['bnode', 'uuid', 'struuid', 'rand', 'now']);

class AllPredicates extends Error {}

/** `ast` is traqula's AST of a CONSTRUCT query; `prefixes` are those the query was parsed with. */
export function ruleReads(ast: unknown, prefixes: Record<string, string>): RuleReads {
  const root = ast as Node;
  const known: Record<string, string> = { ...prefixes };
  for (const c of (root.context ?? []) as Node[]) {
    if (c.type === 'contextDef' && c.subType === 'prefix' && typeof c.key === 'string') {
      const v = (c.value as Node | undefined)?.value;
      if (typeof v === 'string') known[c.key] = v;
    }
    // A BASE changes what relative IRIs mean; relative IRIs already read "all" below.
  }

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
  const addPath = (p: Node): void => {
    if (p.type === 'term') predicates.add(iri(p));
    else if (p.type === 'path' && p.subType !== '!' && Array.isArray(p.items))
      for (const item of p.items) addPath(item as Node);
    else throw new AllPredicates();
  };

  let fresh = false;
  const walk = (x: unknown, inTemplate: boolean): void => {
    if (Array.isArray(x)) {
      for (const y of x) walk(y, inTemplate);
      return;
    }
    if (x === null || typeof x !== 'object') return;
    const n = x as Node;
    if (inTemplate && n.type === 'term' && n.subType === 'blankNode') fresh = true;
    if (n.type === 'expression' && typeof n.operator === 'string' && VOLATILE.has(n.operator.toLowerCase()))
      fresh = true;
    if (n.type === 'pattern' && n.subType === 'service') throw new AllPredicates();
    if (!inTemplate && n.type === 'triple') addPath(n.predicate as Node);
    for (const [k, v] of Object.entries(n)) if (k !== 'loc' && k !== 'predicate') walk(v, inTemplate);
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
  return { predicates, fresh };
}
