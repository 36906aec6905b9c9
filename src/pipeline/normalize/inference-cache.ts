/**
 * The inference cache (`.ggen/cache/inference.json`): the triples the CONSTRUCT rules added, kept
 * with the key of what they were computed from, so that a spec edit that changes no triple the
 * rules read or write (a comment, a label) adds them back instead of running the rules again.
 *
 * Why a hit is what a fresh run makes. A rule's solutions depend only on the triples of the
 * predicates its WHERE clause reads (rule-reads.ts ruleReads); whether a constructed triple is new
 * (the `inferred` count, and when a round is quiet) also on the triples of the predicates its
 * template writes (ruleWrites). The key digests exactly those triples (extract/scope.ts GraphScope:
 * n3 term ids, so blank nodes under the labels this run parsed them with), the rules' text and
 * order, max_rounds, the prefixes the rules are parsed with and the engine. A rule that reads
 * "all", writes a variable predicate or calls a volatile function (UUID(), NOW()...) is never
 * cached. Equal keys: the same asserted triples under the same labels, so the rules construct the
 * same triples; the data blank nodes they name are this run's, and the blank nodes a template
 * makes get the labels that run gave them (`i<rule>r<round>_<n>`, fresh per rule and round, see
 * inference.ts), which may differ from a fresh run's only by a renaming among themselves: the
 * canonical digest (digest.ts) then gives both the same canonical labels.
 *
 * The file is untrusted. An entry is used only if it is whole: counts that agree, every term a
 * well-formed n3 id of the kind its position allows, predicates among those the rules write, data
 * blank nodes present in the store and template ones absent, every triple distinct and not in the
 * store yet. Anything else is a miss and the rules run. What a planted entry that passes can do: it
 * needs the key of this run's inputs, and then it adds well-formed triples of the rules' own
 * predicates, as a planted rows-cache entry adds rows; SHACL and the ASK gates still judge the
 * graph. It never runs code, never narrows what the rules read (the query facts' reads keep
 * refusing stored `prefixes`), and cannot make a rule skip: either every rule's result comes from
 * the entry, or every rule runs.
 *
 * The same file answers the manifest's ASK gates (`ask`): a gate's answer over the final graph is
 * a function of the triples of the predicates it reads (the rows cache's reasoning, extract/scope.ts),
 * so it is kept under the digest of those triples. A planted answer under the right key could pass
 * a failing gate, exactly as a planted graph cache entry (cache.ts) could pass a failing graph:
 * the caches under `.ggen/` are trusted to that extent, and anything malformed is a miss.
 */
import { createHash } from 'node:crypto';
import type { Quad, Store } from 'n3';
import { CacheFile, type CacheOptions } from '../fs/cache-file.js';
import type { QueryEngine } from '../engine/index.js';
import { sortedPrefixes } from '../engine/query-facts.js';
import type { InferenceRule, QueryText } from '../types.js';
import { cacheSalt } from './cache.js';

const FORMAT = 1;
export const INFERENCE_CACHE_FILE = '.ggen/cache/inference.json';

/** What a fresh run of the rules did: counts, and the triples it added (n3 ids, s p o) in order. */
export interface InferenceEntry {
  inferred: number;
  rounds: number;
  quads: string[];
}

/** A blank node label inference.ts gives a template blank node. */
export const TEMPLATE_BLANK = /^i(\d+)r(\d+)_\d+$/;
const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

let salt: string | undefined;

export class InferenceCache {
  private constructor(
    private readonly file: CacheFile<unknown>,
    private readonly prefixes: Record<string, string>,
  ) {}

  /** `read: false` (sync --full) starts empty; `memory` (--watch) keeps it between runs. */
  static open(root: string, prefixes: Record<string, string>, options: CacheOptions = {}): InferenceCache {
    return new InferenceCache(
      CacheFile.open<unknown>(root, INFERENCE_CACHE_FILE, (salt ??= cacheSalt('inference', FORMAT)), options),
      prefixes,
    );
  }

  /**
   * The key of a run of `rules` over `store` as it is now: `predicates` are every predicate the
   * rules read or write (sorted, none 'all').
   */
  async key(
    store: Store,
    rules: InferenceRule[],
    maxRounds: number,
    engine: string,
    predicates: readonly string[],
  ): Promise<string> {
    const { termToId } = await import('n3');
    const { GraphScope } = await import('../extract/scope.js');
    const scope = new GraphScope(store, termToId).digest(predicates);
    return createHash('sha256')
      .update(
        JSON.stringify([
          engine,
          maxRounds,
          sortedPrefixes(this.prefixes),
          rules.map((r) => [r.name, r.construct.text]),
          predicates,
          scope,
        ]),
      )
      .digest('hex');
  }

  /**
   * The stored run for `key`, checked against `store` (before any rule ran): its triples as n3
   * quads, or undefined (a miss) when there is none or anything about it is off.
   */
  async lookup(
    key: string,
    store: Store,
    rules: number,
    maxRounds: number,
    writes: ReadonlySet<string>,
  ): Promise<{ entry: InferenceEntry; quads: Quad[] } | undefined> {
    const e = this.file.lookup(key) as Partial<InferenceEntry> | undefined;
    if (e === null || typeof e !== 'object') return undefined;
    const { inferred, rounds, quads } = e;
    if (
      !Number.isSafeInteger(inferred) ||
      inferred! < 0 ||
      !Number.isSafeInteger(rounds) ||
      rounds! < 1 ||
      rounds! > maxRounds ||
      !Array.isArray(quads) ||
      quads.length !== inferred! * 3
    )
      return undefined;
    const { DataFactory, termFromId, termToId } = await import('n3');
    const terms = new Map<string, Quad['subject'] | Quad['predicate'] | Quad['object'] | null>();
    // A term of one position, or null if the id is not one n3 writes for such a term.
    const term = (id: unknown, position: 'subject' | 'predicate' | 'object') => {
      if (typeof id !== 'string' || id.length === 0) return null;
      const k = `${position}\u0000${id}`;
      let t = terms.get(k);
      if (t !== undefined) return t;
      t = null;
      try {
        const parsed = termFromId(id) as Quad['object'];
        if (termToId(parsed as never) === id) {
          if (parsed.termType === 'NamedNode') {
            if (ABSOLUTE_IRI.test(parsed.value) && (position !== 'predicate' || writes.has(parsed.value))) t = parsed;
          } else if (parsed.termType === 'BlankNode' && position !== 'predicate') {
            const made = TEMPLATE_BLANK.exec(parsed.value);
            const inStore =
              store.countQuads(parsed, null, null, null) > 0 || store.countQuads(null, null, parsed, null) > 0;
            // A template's blank node is new (rule and round within the run's); any other is the data's.
            if (made ? !inStore && Number(made[1]) < rules && Number(made[2]) <= rounds! : inStore) t = parsed;
          } else if (parsed.termType === 'Literal' && position === 'object') t = parsed;
        }
      } catch {
        t = null;
      }
      terms.set(k, t);
      return t;
    };
    const out: Quad[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < quads.length; i += 3) {
      const s = term(quads[i], 'subject');
      const p = term(quads[i + 1], 'predicate');
      const o = term(quads[i + 2], 'object');
      if (!s || !p || !o) return undefined;
      const line = JSON.stringify([quads[i], quads[i + 1], quads[i + 2]]);
      if (seen.has(line)) return undefined;
      seen.add(line);
      const q = DataFactory.quad(s as Quad['subject'], p as Quad['predicate'], o as Quad['object']);
      if (store.has(q)) return undefined;
      out.push(q);
    }
    return { entry: e as InferenceEntry, quads: out };
  }

  /**
   * An ASK gate's answer over the final graph `store`, from the file when the triples of every
   * predicate the gate reads (extract/scope.ts queryReads, the rows cache's facts) are those of
   * the run that stored it, the gate's text, the prefixes and the engine the same; else asked.
   * A gate that reads "all" is always asked.
   */
  async ask(engine: QueryEngine, store: Store, query: QueryText): Promise<boolean> {
    const { graphScope, queryReads } = await import('../extract/scope.js');
    const { isScopedReads } = await import('./rule-reads.js');
    const reads = await engine.derive(query, 'ask', 'reads', (ast, p) => queryReads(ast, p, 'ask'), isScopedReads);
    if (reads.predicates === 'all' || reads.fresh) return engine.ask(store, query);
    const { termToId } = await import('n3');
    const scope = graphScope(store, termToId).digest(reads.predicates, reads.prefixes);
    const key = `ask/${createHash('sha256')
      .update(JSON.stringify([engine.name, sortedPrefixes(this.prefixes), query.text, scope]))
      .digest('hex')}`;
    const stored = this.file.lookup(key) as { ask?: unknown } | undefined;
    const answer =
      stored !== null && typeof stored === 'object' && typeof stored.ask === 'boolean'
        ? stored.ask
        : await engine.ask(store, query);
    this.file.keep(
      key,
      stored !== null && typeof stored === 'object' && stored.ask === answer ? stored : { ask: answer },
    );
    return answer;
  }

  /** The inference run this cache kept last, and its key (a watch session keeps it again, held-graph.ts). */
  kept: { key: string; entry: InferenceEntry } | undefined;

  /** Keeps `entry` (the one read, or a fresh run's) for `key`; saved by `save`. */
  keep(key: string, entry: InferenceEntry): void {
    this.file.keep(key, entry);
    this.kept = { key, entry };
  }

  /** Writes what this run kept; call only once the whole run has succeeded. */
  save(): void {
    this.file.save();
  }
}

/** A fresh run's entry: the added quads as n3 ids (undefined if one is not in the default graph). */
export async function entryOf(
  inferred: number,
  rounds: number,
  added: readonly Quad[],
): Promise<InferenceEntry | undefined> {
  const { termToId } = await import('n3');
  const quads: string[] = [];
  for (const q of added) {
    if (q.graph.termType !== 'DefaultGraph') return undefined;
    quads.push(termToId(q.subject as never), termToId(q.predicate as never), termToId(q.object as never));
  }
  return { inferred, rounds, quads };
}
