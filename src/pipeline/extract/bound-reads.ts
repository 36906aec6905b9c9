/**
 * What a query reads when its variables are bound: clauseReads (scope.ts) reads every triple of
 * each predicate a pattern names; here a pattern whose subject (or predicate) is a variable that
 * the query's top-level group binds reads only the triples of the nodes that binding can give.
 * Used by warm SHACL (normalize/shacl-warm.ts, for SHACL-SPARQL queries) and by the rows cache
 * (scope.ts rowsScope, for the templates' queries): an edit of a comment on a server then leaves
 * the rows of a query that reads the comments of operations, classes or state machines valid.
 *
 * The reads say so with markers (scope.ts BOUND and SUBJECTS), which GraphScope.readsDigest
 * turns into digests of exactly those triples.
 */
import { filterPrefixes, queryPrefixes, type StoredReads } from '../normalize/rule-reads.js';
import { BOUND, clauseReads, MARKERS, SUBJECTS, type SubjectsConstraint } from './scope.js';

interface AstNode {
  type?: string;
  subType?: string;
  value?: unknown;
  prefix?: string;
  [k: string]: unknown;
}

const IRI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * What a SELECT, ASK or SHACL-SPARQL query reads (clauseReads, with `options`), narrowed by what
 * the basic graph patterns directly in its top-level group bind. Every solution of the group
 * extends a solution of each of those triples, so a variable ?v one of them names with a named
 * predicate P is, in every solution, a node such a P-triple names there: an object of a P-triple
 * (`?x P ?v`), a subject of one (`?v P ?x`), or a subject of one with that object (`?v P <O>`);
 * and, when a FILTER of the top-level group requires STRSTARTS(STR(?v), "X") (X an absolute IRI
 * prefix), an IRI starting with X.
 *
 * A triple pattern `?v Q ?c` (Q named) then matches, where ?v is so bound, only Q-triples whose
 * subject meets all of that: in the top-level basic graph patterns, in the basic graph patterns of
 * an EXISTS group directly under a FILTER of the top-level group (evaluated with ?v substituted by
 * the solution's value), and in the basic graph patterns directly in an OPTIONAL of the top-level
 * group that follows a basic graph pattern naming ?v (its left side binds ?v, so a solution of the
 * OPTIONAL with another subject is compatible with none; before it, ?v may be unbound). A match with
 * another subject only makes solutions the group drops. Such a pattern reads `SUBJECTS + [Q, ...]`
 * instead of every Q-triple.
 *
 * A variable predicate ?v in those places, when the top-level group binds ?v as the object of a
 * named predicate P (`?cls otp:requiresProperty ?v`) and no other, matches only triples whose
 * predicate is an object of a P-triple: it reads `BOUND + P`; any other use of such a ?v (bound
 * again by BIND or VALUES, a predicate elsewhere) leaves the query read as clauseReads reads it.
 */
export function boundReads(
  ast: unknown,
  prefixes: Record<string, string>,
  options: { prefixFilters?: boolean } = {},
): StoredReads {
  const root = ast as AstNode;
  const where = root.where as AstNode | undefined;
  // A query naming a marker itself is read as written.
  if (!where || where.subType !== 'group' || JSON.stringify(ast).includes(MARKERS))
    return clauseReads(ast, prefixes, options);
  const known = queryPrefixes(root, prefixes);
  const iri = (t: AstNode | undefined): string | undefined => {
    if (t?.type !== 'term' || t.subType !== 'namedNode' || typeof t.value !== 'string') return undefined;
    const full =
      t.prefix !== undefined ? (known[t.prefix] === undefined ? undefined : known[t.prefix] + t.value) : t.value;
    return full !== undefined && IRI.test(full) ? full : undefined;
  };
  const isVar = (t: unknown): t is AstNode =>
    (t as AstNode)?.type === 'term' &&
    (t as AstNode).subType === 'variable' &&
    typeof (t as AstNode).value === 'string';
  const top = (where.patterns ?? []) as AstNode[];
  const topTriples = top
    .filter((p) => p.type === 'pattern' && p.subType === 'bgp')
    .flatMap((p) => (p.triples ?? []) as AstNode[]);
  // ?v -> the one named predicate binding it as an object (a variable bound by two is left alone);
  // ?v -> what every solution's ?v is (as JSON, see SubjectsConstraint); ?v -> the index among the
  // top-level patterns of the first basic graph pattern that names it.
  const binder = new Map<string, string | null>();
  const constraints = new Map<string, Set<string>>();
  const boundAt = new Map<string, number>();
  const constrain = (v: string, c: SubjectsConstraint, at: number) => {
    let set = constraints.get(v);
    if (!set) constraints.set(v, (set = new Set()));
    set.add(JSON.stringify(c));
    if (!boundAt.has(v)) boundAt.set(v, at);
  };
  top.forEach((pattern, at) => {
    if (pattern.type !== 'pattern' || pattern.subType !== 'bgp') return;
    for (const t of (pattern.triples ?? []) as AstNode[]) {
      const p = iri(t.predicate as AstNode);
      if (!p) continue;
      if (isVar(t.object)) {
        const v = String(t.object.value);
        binder.set(v, binder.has(v) && binder.get(v) !== p ? null : p);
        constrain(v, ['objects', p], at);
      }
      if (isVar(t.subject)) {
        const o = iri(t.object as AstNode);
        constrain(String(t.subject.value), o ? ['subjects', p, o] : ['subjects', p], at);
      }
    }
  });
  if (constraints.size === 0) return clauseReads(ast, prefixes, options);
  for (const [v, x] of filterPrefixes(top)) if (constraints.has(v) && IRI.test(x)) constrain(v, ['prefix', x], 0);
  // The triples of the basic graph patterns directly in a top-level OPTIONAL, by its index.
  const optionalAt = new Map<AstNode, number>();
  top.forEach((pattern, at) => {
    if (pattern.type !== 'pattern' || pattern.subType !== 'optional') return;
    for (const g of (pattern.patterns ?? []) as AstNode[])
      if (g.type === 'pattern' && g.subType === 'bgp')
        for (const t of (g.triples ?? []) as AstNode[]) optionalAt.set(t, at);
  });
  // The triples whose variable predicate may be read as bound: in the top-level BGPs, and in the
  // BGPs of an EXISTS group directly under a FILTER of the top-level group.
  const safe = new Set<AstNode>(topTriples);
  const existsGroups = (e: unknown): void => {
    const x = e as AstNode;
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) return void (x as unknown[]).forEach(existsGroups);
    if (x.type === 'expression' && x.subType === 'patternOperation') {
      const g = x.args as AstNode;
      if (g?.type === 'pattern' && g.subType === 'group')
        for (const p of (g.patterns ?? []) as AstNode[])
          if (p.type === 'pattern' && p.subType === 'bgp') for (const t of (p.triples ?? []) as AstNode[]) safe.add(t);
      return;
    }
    if (x.type === 'expression') existsGroups(x.args);
  };
  for (const p of top) if (p.type === 'pattern' && p.subType === 'filter') existsGroups(p.expression);
  // A mention of a bound variable as a BIND target or in VALUES (or, bound as an object, projected
  // by a subquery) makes the reads those of clauseReads: it could be bound again, or read where it
  // is not yet bound. A subquery that projects it only joins, as the basic graph patterns do.
  const replaced = new Map<AstNode, AstNode>();
  let unsafe = false;
  const marker = (value: string): AstNode => ({ type: 'term', subType: 'namedNode', value });
  const visit = (x: unknown, parentKey: string, owner: AstNode | undefined): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) return void (x as unknown[]).forEach((y) => visit(y, parentKey, owner));
    const n = x as AstNode;
    if (n.type === 'triple') {
      for (const k of ['subject', 'predicate', 'object']) visit(n[k], k, n);
      return;
    }
    if (isVar(n) && constraints.has(String(n.value))) {
      const v = String(n.value);
      if (parentKey === 'predicate') {
        const p = binder.get(v);
        if (owner && safe.has(owner) && p) replaced.set(n, marker(BOUND + p));
        else if (binder.has(v)) unsafe = true;
      } else if (parentKey === 'variable' || (parentKey === 'variables' && binder.has(v))) unsafe = true;
      else if (parentKey === 'subject' && owner) {
        // A named predicate read only where its subject is one the binding triples name.
        const q = iri(owner.predicate as AstNode);
        const after = optionalAt.get(owner);
        const of = [...constraints.get(v)!].sort().map((c) => JSON.parse(c) as SubjectsConstraint);
        // Bound only by Q-triples (`?v Q ?c` itself): every Q-triple's subject is such a node.
        const all = of.every((c) => c[0] === 'subjects' && c.length === 2 && c[1] === q);
        if (q && !all && (safe.has(owner) || (after !== undefined && after > boundAt.get(v)!)))
          replaced.set(owner.predicate as AstNode, marker(SUBJECTS + JSON.stringify([q, ...of])));
      }
      return;
    }
    if (n.type === 'pattern' && n.subType === 'values') {
      const text = JSON.stringify(n);
      for (const v of constraints.keys()) if (text.includes(JSON.stringify(v))) unsafe = true;
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'loc') visit(v, k === 'variable' ? 'variable' : k, owner);
  };
  visit(where, 'where', undefined);
  if (unsafe || replaced.size === 0) return clauseReads(ast, prefixes, options);
  const copy = (x: unknown): unknown => {
    if (!x || typeof x !== 'object') return x;
    const r = replaced.get(x as AstNode);
    if (r) return r;
    if (Array.isArray(x)) return x.map(copy);
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, copy(v)]));
  };
  return clauseReads(copy(ast), prefixes, options);
}
