/**
 * SHACL results kept between the runs of one `sync --watch` process (the session hands this to
 * normalize through its parse cache). Top-level shapes are grouped as shacl-engine must see them
 * together (those that share a nested shape, see shacl.ts shapeClosures); a group's results are
 * reused while the shapes graph is the same and the data triples it can read are: those whose
 * predicate one of its shapes names (sh:path and its nested paths, sh:equals/disjoint/lessThan*,
 * sh:targetSubjectsOf/ObjectsOf, the predicates of its SHACL-SPARQL queries), rdf:type and
 * rdfs:subClassOf (targets, sh:class) — compared as a digest of those triples in the final graph
 * (extract/scope.ts graphScope, shared with the rows cache). Every other core constraint compares value nodes alone. A
 * group that uses anything else (sh:closed, an sh: term not listed here, a query whose reads
 * cannot be pinned down) validates every run. Validating a subset of the groups in one run gives
 * each shape the results a run over all of them gives it (shacl.ts validateTagged; the core
 * worker split relies on the same). Results are kept as plain data (shacl-core.ts encodeResult),
 * in memory only; their places in the specs are looked up again by each run.
 */
import { createHash } from 'node:crypto';
import type { Store } from 'n3';
import type { QueryEngine } from '../engine/index.js';
import { clauseReads, graphScope } from '../extract/scope.js';
import type { EncodedResult } from './shacl-core.js';
import type { N3Like } from './shacl-sparql.js';

const SH = 'http://www.w3.org/ns/shacl#';
const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const RDF_TYPE = `${RDF}type`;
const SUBCLASS = 'http://www.w3.org/2000/01/rdf-schema#subClassOf';

/** sh: predicates of a shape that read no triple of the data beyond the value nodes its path gives. */
const VALUE_ONLY = new Set(
  [
    // Nested shapes: their own terms are read where the closure reaches them.
    'property',
    'node',
    'not',
    'and',
    'or',
    'xone',
    'qualifiedValueShape',
    'qualifiedMinCount',
    'qualifiedMaxCount',
    'qualifiedValueShapesDisjoint',
    'datatype',
    'nodeKind',
    'minCount',
    'maxCount',
    'minInclusive',
    'maxInclusive',
    'minExclusive',
    'maxExclusive',
    'minLength',
    'maxLength',
    'pattern',
    'flags',
    'languageIn',
    'uniqueLang',
    'in',
    'hasValue',
    'targetNode',
    'message',
    'severity',
    'name',
    'description',
    'order',
    'group',
    'defaultValue',
    'deactivated',
  ].map((n) => SH + n),
);
const PREDICATE_VALUED = new Set(
  ['equals', 'disjoint', 'lessThan', 'lessThanOrEquals', 'targetSubjectsOf', 'targetObjectsOf'].map((n) => SH + n),
);

interface Term {
  termType: string;
  value: string;
}

class All extends Error {}

/** The data predicates a group of shapes (every shape of its closures) can read; throws All when unknown. */
async function groupReads(
  shapes: Store,
  nodes: Iterable<Term>,
  engine: QueryEngine,
  prefixes: Record<string, string>,
): Promise<Set<string>> {
  const out = new Set<string>([RDF_TYPE, SUBCLASS]);
  const addPath = (t: Term, depth = 0): void => {
    if (depth > 64) throw new All();
    if (t.termType === 'NamedNode') return void out.add(t.value);
    if (t.termType !== 'BlankNode') throw new All();
    const quads = shapes.getQuads(t as never, null, null, null);
    if (quads.length === 0) throw new All();
    for (const q of quads) {
      const p = q.predicate.value;
      if (p === `${RDF}first` || p === `${SH}inversePath` || p.endsWith('Path')) {
        if (p.startsWith(SH) && !/^(inverse|alternative|zeroOrMore|oneOrMore|zeroOrOne)Path$/.test(p.slice(SH.length)))
          throw new All();
        addPath(q.object as Term, depth + 1);
      } else if (p === `${RDF}rest`) {
        if (q.object.value !== `${RDF}nil`) addPath(q.object as Term, depth + 1);
      } else throw new All();
    }
  };
  const [{ declaredPrefixes, ptrOf }, { withPrefixes }] = await Promise.all([
    import('./shacl-sparql.js'),
    import('../extract/sparql-syntax.js'),
  ]);
  const sparql = async (node: Term): Promise<void> => {
    const select = shapes.getObjects(node as never, `${SH}select`, null)[0];
    if (!select || select.termType !== 'Literal') throw new All();
    const declared = declaredPrefixes(
      ptrOf(shapes as unknown as N3Like, []).node(
        shapes.getObjects(node as never, `${SH}prefixes`, null) as never,
      ) as never,
    );
    // $PATH stands for the shape's sh:path, whose predicates are read already.
    const text = withPrefixes(select.value.split('$PATH').join('<urn:ggen:check:path>'), {
      ...prefixes,
      ...declared,
    });
    // Parsed in this process (the AST is the engine's, kept by text), never read from the query
    // facts file: a planted "reads less" there would reuse stale results.
    const reads = clauseReads(await engine.parseShacl({ text, file: '<shapes>', line: 1 }), {
      ...prefixes,
      ...declared,
    });
    if (reads.fresh || reads.predicates === 'all') throw new All();
    for (const p of reads.predicates) out.add(p);
  };
  for (const node of nodes) {
    for (const q of shapes.getQuads(node as never, null, null, null)) {
      const p = q.predicate.value;
      if (!p.startsWith(SH) || VALUE_ONLY.has(p)) continue;
      if (p === `${SH}path`) addPath(q.object as Term);
      else if (p === `${SH}targetClass` || p === `${SH}class`) continue;
      else if (PREDICATE_VALUED.has(p)) {
        if (q.object.termType !== 'NamedNode') throw new All();
        out.add(q.object.value);
      } else if (p === `${SH}sparql` || p === `${SH}target`) await sparql(q.object as Term);
      else if (p === `${SH}closed` && q.object.value !== 'true') continue;
      else throw new All();
    }
  }
  return out;
}

export interface WarmGroup {
  /** Indexes of the group's top-level shapes. */
  shapes: number[];
  /** Its results of an earlier run, still valid; undefined: validate it. */
  results: EncodedResult[] | undefined;
  /** Keep this run's results for the group (undefined: the group validates every run). */
  keep: ((results: EncodedResult[]) => void) | undefined;
}

export class WarmShacl {
  /** Per group: the data's fingerprint, and each result with its shape's place among the group's members. */
  private entries = new Map<string, { print: string; results: Array<{ shape: number; result: EncodedResult }> }>();
  /** Each group's reads (null: cannot be pinned down), by the key of its entry. */
  private readonly reads = new Map<string, Set<string> | null>();
  /** Groups whose results were reused, and groups validated, since the session began. */
  hits = 0;
  misses = 0;

  /** The groups of `tops` (by shared nested shapes), each with its reusable results if any. */
  async plan(
    shapes: Store,
    data: Store,
    tops: Term[],
    closures: Array<Map<string, Term>>,
    engine: QueryEngine,
    prefixes: Record<string, string>,
  ): Promise<WarmGroup[]> {
    // Union-find over shapes that share a nested shape.
    const parent = tops.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
    const owner = new Map<string, number>();
    closures.forEach((c, i) => {
      for (const k of c.keys()) {
        const j = owner.get(k);
        if (j === undefined) owner.set(k, i);
        else parent[find(i)] = find(j);
      }
    });
    const groups = new Map<number, number[]>();
    tops.forEach((_, i) => {
      const r = find(i);
      groups.set(r, [...(groups.get(r) ?? []), i]);
    });
    const shapesDigest = digestStore(shapes);
    const scope = graphScope(data, (await import('n3')).termToId);
    const seen = new Set<string>();
    const out: WarmGroup[] = [];
    for (const members of groups.values()) {
      // Shapes by name, not index: the same shapes graph may list its shapes in another order.
      const names = members.map((i) => `${tops[i]!.termType}|${tops[i]!.value}`);
      const key = JSON.stringify([engine.name, Object.entries(prefixes).sort(), shapesDigest, names]);
      seen.add(key);
      // What a group reads depends on the shapes graph alone: worked out once per session.
      let reads = this.reads.get(key);
      if (reads === undefined) {
        try {
          reads = await groupReads(
            shapes,
            members.flatMap((i) => [...closures[i]!.values()]),
            engine,
            prefixes,
          );
        } catch (err) {
          if (!(err instanceof All)) throw err;
          reads = null;
        }
        this.reads.set(key, reads);
      }
      if (!reads) {
        this.misses++;
        out.push({ shapes: members, results: undefined, keep: undefined });
        continue;
      }
      const print = scope.digest([...reads]);
      const hit = this.entries.get(key);
      if (hit && hit.print === print) {
        this.hits++;
        // Each result goes to its shape's index in this run.
        const results = hit.results.map(({ shape, result }) => ({ ...result, s: members[shape]! }));
        out.push({ shapes: members, results, keep: undefined });
      } else {
        this.misses++;
        out.push({
          shapes: members,
          results: undefined,
          keep: (results) =>
            void this.entries.set(key, {
              print,
              results: results.map((result) => ({ shape: members.indexOf(result.s), result })),
            }),
        });
      }
    }
    // Only the groups of the current shapes graph are kept.
    for (const key of [...this.entries.keys()]) if (!seen.has(key)) this.entries.delete(key);
    for (const key of [...this.reads.keys()]) if (!seen.has(key)) this.reads.delete(key);
    return out;
  }
}

/** The shapes graph's triples as one sha256, in a fixed order (its blank node labels are the parse cache's, stable while its text is). */
function digestStore(store: Store): string {
  const lines: string[] = [];
  const id = (t: { termType: string; value: string; language?: string; datatype?: { value: string } }) =>
    JSON.stringify([t.termType, t.value, t.language ?? '', t.datatype?.value ?? '']);
  for (const q of store.readQuads(null, null, null, null))
    lines.push(`${id(q.subject)} ${id(q.predicate)} ${id(q.object)} ${id(q.graph)}`);
  lines.sort();
  const h = createHash('sha256');
  for (const l of lines) h.update(l).update('\n');
  return h.digest('hex');
}
