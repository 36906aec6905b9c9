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
 * worker split relies on the same). Results are kept as plain data (shacl-core.ts encodeResult)
 * that names no place and no label of this run: a shape that is a blank node by its number in the
 * shapes graph (the order its quads first name it, which the same text always gives), a data node
 * by its canonical label (digest.ts), which the group's reads digest covers. Their places in the
 * specs are looked up again by each run, so diagnostics are those of a fresh run.
 *
 * Under --watch the entries live in memory (ParseCache.shacl); a one-shot sync or validate keeps
 * them on disk (shacl-disk.ts), where they are untrusted input: an entry answers only for the same
 * shapes-graph digest, group and reads digest, and every field is checked against this run's
 * shapes and data (see `checkEntry`); anything off is a miss, and the group validates.
 */
import { createHash } from 'node:crypto';
import type { Quad, Store } from 'n3';
import type { QueryEngine } from '../engine/index.js';
import { sortedPrefixes } from '../engine/query-facts.js';
import { boundReads } from '../extract/bound-reads.js';
import { graphScope } from '../extract/scope.js';
import type { CacheFile } from '../fs/cache-file.js';
import { isStoredReads, type StoredReads } from './rule-reads.js';
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

/** What a SHACL-SPARQL query (its text with every prefix it uses declared) reads of the data. */
type ReadsOf = (text: string, prefixes: Record<string, string>) => Promise<StoredReads>;

/** The data predicates a group of shapes (every shape of its closures) can read; throws All when unknown. */
async function groupReads(
  shapes: Store,
  nodes: Iterable<Term>,
  readsOf: ReadsOf,
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
    const reads = await readsOf(text, { ...prefixes, ...declared });
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

/** One result as kept: no place, no label of the run that computed it (see the file's comment). */
interface Kept {
  /** The position of its top-level shape among the group's members. */
  m: number;
  /** The shape that produced it: a named node's n3 id, or a blank node's number in the shapes graph. */
  shape?: string | number;
  focus?: string;
  value?: string;
  severity?: string;
  component?: string;
  path?: EncodedResult['path'];
  message: string[];
}

/** A group's entry: the digest of the triples it reads, and its results then. */
interface Entry {
  print: string;
  results: Kept[];
}

/**
 * The top-level shapes in shacl-engine's order (its Validator's `shapes` once built), each a
 * named node's IRI or a blank node's number in the shapes graph.
 */
type TopsEntry = Array<string | number>;

const SHAPE_ROOTS = ['targetClass', 'targetNode', 'targetObjectsOf', 'targetSubjectsOf', 'target'].map((n) => SH + n);

/**
 * The shapes shacl-engine's Validator lists when built over `shapes` (Validator.js: the subjects
 * of the target predicates, and the instances of sh:NodeShape and sh:PropertyShape), as a set.
 */
function rootShapes(shapes: Store): Map<string, Term> {
  const out = new Map<string, Term>();
  const add = (t: Term) => void out.set(`${t.termType}|${t.value}`, t);
  for (const p of SHAPE_ROOTS) for (const t of shapes.getSubjects(p, null, null)) add(t);
  for (const c of ['NodeShape', 'PropertyShape']) for (const t of shapes.getSubjects(RDF_TYPE, SH + c, null)) add(t);
  return out;
}

/** Where entries are kept: in memory (--watch) or a cache file (one-shot runs, shacl-disk.ts). */
interface Entries {
  get(key: string): unknown;
  set(key: string, entry: Entry | TopsEntry): void;
  /** The run used this entry as it is (a cache file then leaves it unchanged). */
  reused(key: string, entry: unknown): void;
  /** Only the entries of these keys are still wanted. */
  retain(keys: Set<string>): void;
}

class MemoryEntries implements Entries {
  private readonly map = new Map<string, unknown>();
  /** What one-shot runs kept on disk, read until the session has results of its own (seed). */
  private seeded: CacheFile<unknown> | undefined;
  seed(file: CacheFile<unknown>): void {
    this.seeded = file;
  }
  get(key: string): unknown {
    return this.map.has(key) ? this.map.get(key) : this.seeded?.lookup(key);
  }
  set(key: string, entry: Entry | TopsEntry): void {
    this.map.set(key, entry);
  }
  reused(key: string, entry: unknown): void {
    // An entry read from the seed file (checked like any entry) is the session's from now on.
    if (!this.map.has(key)) this.map.set(key, entry);
  }
  retain(keys: Set<string>): void {
    for (const key of [...this.map.keys()]) if (!keys.has(key)) this.map.delete(key);
    this.seeded = undefined;
  }
}

class FileEntries implements Entries {
  constructor(private readonly file: CacheFile<unknown>) {}
  get(key: string): unknown {
    return this.file.lookup(key);
  }
  set(key: string, entry: Entry | TopsEntry): void {
    this.file.keep(key, entry);
  }
  reused(key: string, entry: unknown): void {
    this.file.keep(key, entry);
  }
  retain(): void {
    /* a CacheFile saves only the entries kept this run */
  }
}

const IRI = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const LITERAL_ID = /^"[\s\S]*"(?:@[a-zA-Z0-9-]+|\^\^[^"\s<>]+)?$/;
const PATH_ENDS = new Set(['subject', 'object']);
const QUANTIFIERS = new Set(['one', 'zeroOrMore', 'oneOrMore', 'zeroOrOne']);
const isString = (x: unknown): x is string => typeof x === 'string';
/**
 * Text a diagnostic prints: no control character but tab and newline (a terminal escape in a kept
 * message would reach the user's terminal; a result that holds one is not kept, and validates each run).
 */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const isText = (x: unknown): x is string => isString(x) && !CONTROL.test(x);
const isIndex = (x: unknown, length: number): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < length;

/** The run's view of the shapes graph and data a group's entry is checked and placed against. */
interface Frame {
  N3: typeof import('n3');
  data: Store;
  /** The shapes graph's blank nodes (n3 ids) by number, and their numbers by id. */
  blanks: string[];
  blankNumbers: Map<string, number>;
}

/** Whether `id` is an n3 id that reads back as itself: an IRI, a literal, or (data terms) a blank node of the data. */
function termOk(frame: Frame, id: unknown, kinds: 'iri' | 'data'): id is string {
  if (!isText(id)) return false;
  let ok: boolean;
  if (IRI.test(id)) ok = true;
  else if (kinds === 'iri') return false;
  else if (LITERAL_ID.test(id)) ok = true;
  else if (id.startsWith('_:') && id.length > 2) {
    // A blank node of this run's data (canonical labels, which the reads digest covers).
    const t = frame.N3.termFromId(id) as never;
    ok = frame.data.countQuads(t, null, null, null) > 0 || frame.data.countQuads(null, null, t, null) > 0;
  } else return false;
  if (!ok) return false;
  try {
    return frame.N3.termToId(frame.N3.termFromId(id) as never) === id;
  } catch {
    return false;
  }
}

/**
 * The results an entry holds, placed in this run (each on its shape's index among `members`, a
 * blank shape by this run's label), or undefined when anything about it is off: another reads
 * digest, a field of the wrong shape, a term that is not one, a shape outside the group, a blank
 * data node this run's data does not hold.
 */
function checkEntry(
  frame: Frame,
  raw: unknown,
  print: string,
  members: number[],
  closure: Set<string>,
): EncodedResult[] | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const { print: stored, results } = raw as Partial<Entry>;
  if (stored !== print || !Array.isArray(results)) return undefined;
  const out: EncodedResult[] = [];
  for (const k of results as unknown[]) {
    if (k === null || typeof k !== 'object' || Array.isArray(k)) return undefined;
    const r = k as Record<string, unknown>;
    for (const field of Object.keys(r))
      if (!['m', 'shape', 'focus', 'value', 'severity', 'component', 'path', 'message'].includes(field))
        return undefined;
    if (!isIndex(r.m, members.length)) return undefined;
    if (!Array.isArray(r.message) || !r.message.every(isText)) return undefined;
    const e: EncodedResult = { s: members[r.m]!, message: [...(r.message as string[])] };
    for (const [field, kinds] of [
      ['focus', 'data'],
      ['value', 'data'],
      ['severity', 'iri'],
      ['component', 'iri'],
    ] as const) {
      if (r[field] === undefined) continue;
      if (!termOk(frame, r[field], kinds)) return undefined;
      e[field] = r[field];
    }
    if (r.shape !== undefined) {
      let id: string;
      if (isIndex(r.shape, frame.blanks.length)) id = frame.blanks[r.shape]!;
      else if (termOk(frame, r.shape, 'iri')) id = r.shape;
      else return undefined;
      const t = frame.N3.termFromId(id);
      // The shape is one of the group's (a result of another shape was not computed by this group).
      if (!closure.has(`${t.termType}|${t.value}`)) return undefined;
      e.shape = id;
    }
    if (r.path === null) e.path = null;
    else if (r.path !== undefined) {
      if (!Array.isArray(r.path)) return undefined;
      const steps: NonNullable<EncodedResult['path']> = [];
      for (const step of r.path as unknown[]) {
        if (step === null || typeof step !== 'object') return undefined;
        const x = step as Record<string, unknown>;
        if (!isString(x.start) || !PATH_ENDS.has(x.start) || !isString(x.end) || !PATH_ENDS.has(x.end))
          return undefined;
        if (!isString(x.quantifier) || !QUANTIFIERS.has(x.quantifier)) return undefined;
        if (!Array.isArray(x.predicates) || !x.predicates.every((p) => termOk(frame, p, 'iri'))) return undefined;
        steps.push({
          start: x.start,
          end: x.end,
          quantifier: x.quantifier,
          predicates: [...(x.predicates as string[])],
        });
      }
      e.path = steps;
    }
    out.push(e);
  }
  return out;
}

/** This run's results of a group as an entry's, or undefined when one of them cannot be kept so. */
function toKept(frame: Frame, results: EncodedResult[], members: number[]): Kept[] | undefined {
  const out: Kept[] = [];
  for (const { s, shape, ...rest } of results) {
    const m = members.indexOf(s);
    if (m < 0) return undefined;
    const k: Kept = { m, ...rest };
    if (shape !== undefined) {
      const n = frame.blankNumbers.get(shape);
      k.shape = n ?? shape;
    }
    out.push(k);
  }
  return out;
}

export class WarmShacl {
  private readonly entries: Entries;
  /** Each group's reads (null: cannot be pinned down), by the key of its entry. */
  private readonly reads = new Map<string, Set<string> | null>();
  /** Groups whose results were reused, and groups validated, since the session began. */
  hits = 0;
  misses = 0;

  /**
   * No `file`: entries in memory, for the runs of one process (--watch). A SHACL-SPARQL query's
   * reads are then worked out from its parse in this process, never read from the query facts
   * file. With `file` (a one-shot run, shacl-disk.ts): entries in that cache file, and the reads
   * are a query fact (engine.derive, as the rows cache reads them), which spares loading the
   * SPARQL parser on a run whose shapes are unchanged.
   */
  constructor(file?: CacheFile<unknown>) {
    this.entries = file ? new FileEntries(file) : new MemoryEntries();
    this.onDisk = file !== undefined;
  }

  /**
   * In memory (--watch): until its first plan, also reads the results one-shot runs kept in `file`
   * (shacl-disk.ts), so that the first edit after `sync --watch` starts validates only the groups
   * it changed, as a one-shot sync would. Every entry read from it is checked as one read from a
   * cache file is (checkEntry); the session never writes the file.
   */
  seed(open: () => CacheFile<unknown>): void {
    if (this.entries instanceof MemoryEntries && !this.planned) {
      this.entries.seed(open());
      this.seeded = true;
    }
  }

  /** Whether the first plan reads the seed file: its groups' reads then come from the query facts, as on disk. */
  private seeded = false;

  /** Whether a plan ran (in memory: the session has results of its own). */
  private planned = false;

  private readonly onDisk: boolean;
  /** The shapes graph's digest and blank node numbers, worked out once per store. */
  private shapesFrame: { store: Store; size: number; digest: string; blanks: string[] } | undefined;
  /** What the store of this run's shapes graph was parsed from (`parsedFrom`). */
  private source: { store: Store; size: number; from: ShapesSource } | undefined;

  /**
   * Says that `shapes` holds exactly the quads of `from` (normalize parsed them into it): the
   * shapes graph is then named by `from.key` instead of a digest of its triples (digestStore, a
   * pass over every shapes triple each run), and its blank nodes are numbered in the order the
   * parse first names them, which the same key always gives. A key names the bytes parsed, so
   * the same triples in other text miss once, never the reverse.
   */
  parsedFrom(shapes: Store, from: ShapesSource): void {
    this.source = { store: shapes, size: shapes.size, from };
  }

  private async shapesOf(shapes: Store): Promise<{ N3: typeof import('n3'); digest: string; blanks: string[] }> {
    const N3 = await import('n3');
    let f = this.shapesFrame;
    if (!f || f.store !== shapes || f.size !== shapes.size) {
      const src = this.source;
      const { digest, blanks } =
        src && src.store === shapes && src.size === shapes.size
          ? digestSource(src.from, N3.termToId)
          : digestStore(shapes, N3.termToId);
      this.shapesFrame = f = { store: shapes, size: shapes.size, digest, blanks };
    }
    return { N3, digest: f.digest, blanks: f.blanks };
  }

  private static topsKey(shapesDigest: string): string {
    return createHash('sha256')
      .update(JSON.stringify(['tops', shapesDigest]))
      .digest('hex');
  }

  /**
   * The top-level shapes shacl-engine would list for `shapes`, in its order, as an earlier run of
   * the same shapes graph kept them (`keepTops`): a run whose every group is reused then never
   * loads shacl-engine. Undefined unless the kept list is exactly the set rootShapes finds, each
   * once (a list that left a shape out would leave it unvalidated).
   */
  async knownTops(shapes: Store): Promise<Term[] | undefined> {
    const { N3, digest, blanks } = await this.shapesOf(shapes);
    const key = WarmShacl.topsKey(digest);
    const raw = this.entries.get(key);
    if (!Array.isArray(raw)) return undefined;
    const roots = rootShapes(shapes);
    if (raw.length !== roots.size) return undefined;
    const out: Term[] = [];
    const seen = new Set<string>();
    for (const x of raw as unknown[]) {
      let k: string;
      if (isIndex(x, blanks.length)) k = `BlankNode|${N3.termFromId(blanks[x]!).value}`;
      else if (isString(x) && IRI.test(x)) k = `NamedNode|${x}`;
      else return undefined;
      const t = roots.get(k);
      if (!t || seen.has(k)) return undefined;
      seen.add(k);
      out.push(t);
    }
    this.entries.reused(key, raw);
    return out;
  }

  /** Keeps shacl-engine's list of top-level shapes for `knownTops` (if it is the set knownTops checks it against). */
  async keepTops(shapes: Store, tops: Term[]): Promise<void> {
    const { digest, blanks } = await this.shapesOf(shapes);
    const roots = rootShapes(shapes);
    if (tops.length !== roots.size || tops.some((t) => !roots.has(`${t.termType}|${t.value}`))) return;
    const numbers = new Map(blanks.map((id, n) => [id, n]));
    const value: TopsEntry = [];
    for (const t of tops) {
      if (t.termType === 'NamedNode' && IRI.test(t.value)) value.push(t.value);
      else if (t.termType === 'BlankNode' && numbers.has(`_:${t.value}`)) value.push(numbers.get(`_:${t.value}`)!);
      else return;
    }
    const key = WarmShacl.topsKey(digest);
    const stored = this.entries.get(key);
    if (JSON.stringify(stored) === JSON.stringify(value)) this.entries.reused(key, stored);
    else this.entries.set(key, value);
  }

  /** The groups of `tops` (by shared nested shapes), each with its reusable results if any. */
  async plan(
    shapes: Store,
    data: Store,
    tops: Term[],
    closures: Array<Map<string, Term>>,
    engine: QueryEngine,
    prefixes: Record<string, string>,
  ): Promise<WarmGroup[]> {
    if (this.planned) this.seeded = false;
    this.planned = true;
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
    const { N3, digest: shapesDigest, blanks } = await this.shapesOf(shapes);
    const frame: Frame = { N3, data, blanks, blankNumbers: new Map(blanks.map((id, n) => [id, n])) };
    const scope = graphScope(data, N3.termToId);
    // The first plan of a seeded session reads as a one-shot run does (the same reads make the same
    // digests, and the query facts spare loading the SPARQL parser); a group's reads are kept for the session.
    const readsOf: ReadsOf =
      this.onDisk || this.seeded
        ? (text) =>
            engine.derive(
              { text, file: '<shapes>', line: 1 },
              'shacl',
              'warm-reads/bound-subjects',
              (ast, known) => boundReads(ast, known),
              isStoredReads,
            )
        : async (text, known) => boundReads(await engine.parseShacl({ text, file: '<shapes>', line: 1 }), known);
    // The list of top-level shapes (knownTops) is kept with the groups.
    const seen = new Set<string>([WarmShacl.topsKey(shapesDigest)]);
    const out: WarmGroup[] = [];
    for (const members of groups.values()) {
      // Shapes by name, not index: the same shapes graph may list its shapes in another order.
      const names = members.map((i) => {
        const t = tops[i]!;
        return t.termType === 'BlankNode'
          ? [t.termType, frame.blankNumbers.get(`_:${t.value}`) ?? null]
          : [t.termType, t.value];
      });
      const key = createHash('sha256')
        .update(JSON.stringify([engine.name, sortedPrefixes(prefixes), shapesDigest, names]))
        .digest('hex');
      seen.add(key);
      // What a group reads depends on the shapes graph alone: worked out once per session.
      let reads = this.reads.get(key);
      if (reads === undefined) {
        try {
          reads = await groupReads(
            shapes,
            members.flatMap((i) => [...closures[i]!.values()]),
            readsOf,
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
      // A bound predicate's reads: the triples of each predicate its binding triples name now; a
      // subject-bound one's, the triples of its predicate whose subjects it names (bound-reads.ts).
      const print = scope.readsDigest([...reads]);
      if (print === undefined) {
        // A marker that does not decode (the query facts file is untrusted): validate.
        this.misses++;
        out.push({ shapes: members, results: undefined, keep: undefined });
        continue;
      }
      const closure = new Set(members.flatMap((i) => [...closures[i]!.keys()]));
      const stored = this.entries.get(key);
      const results = stored === undefined ? undefined : checkEntry(frame, stored, print, members, closure);
      if (results) {
        this.hits++;
        this.entries.reused(key, stored);
        out.push({ shapes: members, results, keep: undefined });
      } else {
        this.misses++;
        out.push({
          shapes: members,
          results: undefined,
          keep: (fresh) => {
            const kept = toKept(frame, fresh, members);
            // Kept only if it reads back as exactly these results (what a later run will check it against).
            if (kept && checkEntry(frame, { print, results: kept }, print, members, closure))
              this.entries.set(key, { print, results: kept });
          },
        });
      }
    }
    // Only the groups of the current shapes graph are kept.
    this.entries.retain(seen);
    for (const key of [...this.reads.keys()]) if (!seen.has(key)) this.reads.delete(key);
    return out;
  }
}

/** What a shapes graph was parsed from: a key of the parse's inputs, and the quads it gave, file by file in parse order. */
export interface ShapesSource {
  key: string;
  quads: ReadonlyArray<readonly Quad[]>;
}

/**
 * digestStore for a shapes graph known by what it was parsed from: a digest of the source's key
 * (tagged, so that it is never a digestStore digest), and its blank nodes (n3 ids) in the order
 * the parse first names them.
 */
function digestSource(
  from: ShapesSource,
  termToId: (typeof import('n3'))['termToId'],
): { digest: string; blanks: string[] } {
  const seen = new Set<string>();
  const blanks: string[] = [];
  for (const quads of from.quads)
    for (const q of quads)
      for (const t of [q.subject, q.predicate, q.object, q.graph])
        if (t.termType === 'BlankNode') {
          const label = termToId(t as never);
          if (!seen.has(label)) {
            seen.add(label);
            blanks.push(label);
          }
        }
  const digest = createHash('sha256')
    .update(JSON.stringify(['parsed-from', from.key]))
    .digest('hex');
  return { digest, blanks };
}

/**
 * The shapes graph's triples as one sha256, in a fixed order, and its blank nodes (n3 ids) in the
 * order the store's quads first name them: a blank node counts by that number, not its label,
 * which depends on what else the process parsed before. Two stores with the same digest are the
 * same graph with blank node k of one standing for blank node k of the other.
 */
function digestStore(store: Store, termToId: (typeof import('n3'))['termToId']): { digest: string; blanks: string[] } {
  const numbers = new Map<string, number>();
  const blanks: string[] = [];
  const id = (t: { termType: string; value: string; language?: string; datatype?: { value: string } }) => {
    if (t.termType === 'BlankNode') {
      const label = termToId(t as never);
      let n = numbers.get(label);
      if (n === undefined) {
        numbers.set(label, (n = blanks.length));
        blanks.push(label);
      }
      return JSON.stringify(['BlankNode', n]);
    }
    return JSON.stringify([t.termType, t.value, t.language ?? '', t.datatype?.value ?? '']);
  };
  const lines: string[] = [];
  for (const q of store.readQuads(null, null, null, null))
    lines.push(`${id(q.subject)} ${id(q.predicate)} ${id(q.object)} ${id(q.graph)}`);
  lines.sort();
  const h = createHash('sha256');
  for (const l of lines) h.update(l).update('\n');
  return { digest: h.digest('hex'), blanks };
}
