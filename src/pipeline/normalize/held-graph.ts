/**
 * The graph a `sync --watch` session keeps between runs (the session's ParseCache holds one): the
 * last run's final store (asserted, list-indexed, inferred and canonically labelled), the parses
 * it was built from, and what normalize computed of it. A run whose inputs differ from those
 * parses only by triples nothing derives from applies that delta to the held store instead of
 * building the graph again (replaying ~10K quads into a new n3 store, indexing lists, inference,
 * digest), and tells the engine the same delta (QueryEngine.changed) instead of it diffing a new
 * store against its copy.
 *
 * The delta is exact, so the store ends with the triples a fresh build makes. It is taken only
 * when every one of these holds, and the graph is built afresh otherwise:
 * - the same manifest sections, spec files and shapes parses (shapes unchanged) as the held run;
 * - the changed spec files' added and removed triples (each file's old parse against its new one,
 *   as sets) name no blank node and are in the default graph, and there are at most MAX_DELTA;
 * - no such triple's predicate is one an inference rule reads or writes, or a list-index one
 *   (rdf:first, rdf:rest and what indexLists writes), and no rule reads every predicate, writes a
 *   variable predicate or calls a volatile function: then the list index and the inference closure
 *   read exactly what they read before and are unchanged, and no added or removed triple can also
 *   be a derived one;
 * - a removed triple another spec file still asserts stays (each file's parse is a set of keys).
 * Blank nodes keep their canonical labels: no quad naming one changed, so RDFC-1.0 labels them as
 * before (digest-warm.ts), and the digest is the held canonical lines with the delta's lines
 * removed and added (a quad without a blank node is its own canonical line), sorted and hashed as
 * rdf-canonize does.
 *
 * What reads the store by identity is told: the engine's copy takes the delta, and the scope
 * digests of the changed predicates are dropped (extract/scope.ts graphScopeChanged). The held state is updated
 * with the store, so a run that fails after the delta (a SHACL violation) leaves them in step.
 * test/pipeline/sync-session.test.ts and the watch e2e test compare such runs with fresh ones.
 */
import type { Quad, Store } from 'n3';
import type { QueryEngine } from '../engine/index.js';
import type { Manifest } from '../types.js';
import type { InferenceEntry } from './inference-cache.js';
import type { ParsedFile } from './parse-cache.js';
import { digestOfSortedLines, nquadSerializer } from './digest.js';
import type { SourceIndex } from './positions.js';
import { insertSorted, removeSorted } from './sorted.js';
import { allQuads } from './store.js';

/** Added plus removed triples above which the graph is built afresh. */
export const MAX_DELTA = 256;

const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';

/** Predicates whose triples derived ones depend on or may equal; undefined: any triple may matter. */
export interface Derivation {
  predicates: ReadonlySet<string>;
  prefixes: readonly string[];
}

/** What normalize made of a held graph, which a held run reports again (but the digest, made anew). */
export interface HeldRun {
  /** The final store: asserted, list-indexed, inferred, canonically labelled. */
  store: Store;
  inferred: number;
  rounds: number;
  digest: string;
  /** Parsed blank node label → canonical label. */
  labels: Map<string, string>;
  /** The inference cache entry the held run kept (saved again by each run that reuses it). */
  inferenceKept: { key: string; entry: InferenceEntry } | undefined;
}

interface Held extends HeldRun {
  /** The manifest sections normalize reads, as JSON. */
  manifestKey: string;
  specFiles: readonly string[];
  spec: readonly ParsedFile[];
  shapes: readonly ParsedFile[];
  derivation: Derivation;
  /** The store's canonical N-Quads lines, sorted (made at the first delta). */
  lines: string[] | undefined;
}

/** The manifest sections a graph is built from (sources are the resolved spec files, compared apart). */
export function manifestKey(manifest: Manifest): string {
  return JSON.stringify([manifest.ontology, manifest.inference, manifest.validation]);
}

const keys = new WeakMap<ParsedFile, Map<string, Quad>>();

/** A file's triples by key (n3 ids of subject, predicate, object; graph apart). */
function keysOf(parsed: ParsedFile, termToId: (t: never) => string): Map<string, Quad> {
  let k = keys.get(parsed);
  if (!k) {
    k = new Map();
    for (const q of parsed.quads) k.set(tripleKey(q, termToId), q);
    keys.set(parsed, k);
  }
  return k;
}

function tripleKey(q: Quad, termToId: (t: never) => string): string {
  // n3 ids of an IRI or blank node never hold U+0000 (n3's parser rejects it in an IRI).
  return `${termToId(q.subject as never)}\u0000${termToId(q.predicate as never)}\u0000${termToId(q.object as never)}\u0000${q.graph.termType === 'DefaultGraph' ? '' : termToId(q.graph as never)}`;
}

const plain = (q: Quad): boolean =>
  q.subject.termType !== 'BlankNode' && q.object.termType !== 'BlankNode' && q.graph.termType === 'DefaultGraph';

export class HeldGraph {
  private held: Held | undefined;
  /** The shapes graph of the last run and the parses it was replayed from (nothing writes to it). */
  private shapesGraph: { parsed: readonly ParsedFile[]; store: Store; positions: SourceIndex } | undefined;
  /** Runs that applied a delta to the held graph, and runs that built the graph. */
  hits = 0;
  misses = 0;

  /** The shapes graph of these parses: the last run's when they are the same, else `build`'s. */
  shapes(
    parsed: readonly ParsedFile[],
    build: () => { store: Store; positions: SourceIndex },
  ): { store: Store; positions: SourceIndex } {
    const last = this.shapesGraph;
    if (last && last.parsed.length === parsed.length && last.parsed.every((p, i) => p === parsed[i])) return last;
    this.shapesGraph = { parsed, ...build() };
    return this.shapesGraph;
  }

  /** Forgets the held graph: the next run builds it. */
  drop(): void {
    this.held = undefined;
  }

  /** Holds the graph a run just built from these parses (its store final: inferred and relabelled). */
  hold(
    run: HeldRun,
    manifest: Manifest,
    specFiles: readonly string[],
    spec: readonly ParsedFile[],
    shapes: readonly ParsedFile[],
    derivation: Derivation | undefined,
  ): void {
    this.misses++;
    this.held = derivation
      ? { ...run, manifestKey: manifestKey(manifest), specFiles, spec, shapes, derivation, lines: undefined }
      : undefined;
  }

  /**
   * The held graph brought in step with these parses, or undefined (nothing changed: the graph is
   * built as usual, or the change is not a delta this can apply). The held state is the new
   * run's when this returns.
   */
  async apply(
    manifest: Manifest,
    specFiles: readonly string[],
    spec: readonly ParsedFile[],
    shapes: readonly ParsedFile[],
    engine: QueryEngine,
  ): Promise<HeldRun | undefined> {
    const h = this.held;
    this.held = undefined;
    if (!h) return undefined;
    if (
      h.specFiles.length !== specFiles.length ||
      h.specFiles.some((f, i) => f !== specFiles[i]) ||
      h.shapes.length !== shapes.length ||
      h.shapes.some((p, i) => p !== shapes[i]) ||
      h.manifestKey !== manifestKey(manifest)
    )
      return undefined;
    const { termToId, DataFactory } = await import('n3');
    const id = termToId as (t: never) => string;
    // Each changed file's triples removed and added, by key.
    const removed = new Map<string, Quad>();
    const added = new Map<string, Quad>();
    for (let i = 0; i < spec.length; i++) {
      const before = h.spec[i]!;
      const after = spec[i]!;
      if (before === after) continue;
      const a = keysOf(after, id);
      const b = keysOf(before, id);
      for (const [k, q] of b) if (!a.has(k)) removed.set(k, q);
      for (const [k, q] of a) if (!b.has(k)) added.set(k, q);
      if (removed.size + added.size > MAX_DELTA) return undefined;
    }
    if (removed.size + added.size === 0) return undefined;
    const sensitive = (p: string) =>
      h.derivation.predicates.has(p) || h.derivation.prefixes.some((prefix) => p.startsWith(prefix));
    for (const q of [...removed.values(), ...added.values()])
      if (!plain(q) || sensitive(q.predicate.value)) return undefined;
    // A triple one file dropped and another gained (moved) is no change; one another file still asserts stays.
    for (const k of [...removed.keys()])
      if (added.delete(k) || spec.some((p) => keysOf(p, id).has(k))) removed.delete(k);

    const store = h.store;
    const lines = h.lines ?? (await canonicalLines(store));
    const serialize = await nquadSerializer();
    const gone: Quad[] = [];
    const fresh: Quad[] = [];
    for (const q of removed.values()) {
      const t = DataFactory.quad(q.subject, q.predicate, q.object);
      if (!store.has(t)) continue;
      store.removeQuad(t);
      gone.push(t);
      removeSorted(lines, serialize(t.subject, t.predicate, t.object, t.graph));
    }
    for (const q of added.values()) {
      const t = DataFactory.quad(q.subject, q.predicate, q.object);
      if (!store.addQuad(t)) continue;
      fresh.push(t);
      insertSorted(lines, serialize(t.subject, t.predicate, t.object, t.graph));
    }
    if (lines.length !== store.size) return undefined;
    engine.changed(store, fresh, gone);
    const touched = new Set([...gone, ...fresh].map((q) => q.predicate.value));
    (await import('../extract/scope.js')).graphScopeChanged(store, touched);
    const digest = digestOfSortedLines(lines);
    this.held = { ...h, spec, digest, lines };
    this.hits++;
    return {
      store,
      inferred: h.inferred,
      rounds: h.rounds,
      digest,
      labels: h.labels,
      inferenceKept: h.inferenceKept,
    };
  }
}

/** A canonically labelled store's canonical lines, sorted as rdf-canonize sorts them. */
async function canonicalLines(store: Store): Promise<string[]> {
  const serialize = await nquadSerializer();
  const lines = allQuads(store).map((q) => serialize(q.subject, q.predicate, q.object, q.graph));
  return lines.sort();
}

/**
 * The predicates that derived triples depend on or may be: what the rules read and write (query
 * facts, as the inference cache reads them) and the list index's. Undefined when a rule reads
 * every predicate, writes a variable one or calls a volatile function.
 */
export async function derivationOf(
  rules: Manifest['inference']['rules'],
  listIndex: boolean,
  engine: QueryEngine,
): Promise<Derivation | undefined> {
  const { storedRuleReads, storedRuleWrites } = await import('./rule-reads.js');
  const { GGEN } = await import('./lists.js');
  // What indexLists (lists.ts) reads and writes.
  const predicates = new Set<string>(
    listIndex ? [`${RDF}first`, `${RDF}rest`, `${GGEN}listIndex`, `${GGEN}inList`, `${GGEN}member`] : [],
  );
  const prefixes: string[] = [];
  for (const rule of rules) {
    const r = await storedRuleReads(engine, rule);
    if (r.predicates === 'all') return undefined;
    for (const p of r.predicates) predicates.add(p);
    for (const p of r.prefixes ?? []) prefixes.push(p);
    const w = await storedRuleWrites(engine, rule);
    if (w.volatile || w.predicates === 'all') return undefined;
    for (const p of w.predicates) predicates.add(p);
  }
  return { predicates, prefixes };
}
