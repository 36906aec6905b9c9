/**
 * Applies the CONSTRUCT rules in order, round after round, until a round adds no triple.
 * After round 1 a rule runs again only if a predicate its WHERE clause reads gained a triple
 * since it last ran (rule-reads.ts): otherwise it would construct only triples already in the
 * store. The store grows exactly as with plain reruns, so rounds and results are the same.
 *
 * With an InferenceCache (inference-cache.ts), a run whose rules read and write the same triples
 * as a run it stored adds that run's triples instead of running any rule.
 */
import type { Quad, Store } from 'n3';
import { InputError } from '../errors.js';
import { TRACE, trace } from '../engine/base.js';
import type { QueryEngine } from '../engine/index.js';
import type { InferenceRule } from '../types.js';
import { entryOf, type InferenceCache } from './inference-cache.js';
import { storedRuleReads, storedRuleWrites, type RuleReads } from './rule-reads.js';

export interface InferenceResult {
  /** Triples added by all rules together. */
  inferred: number;
  /** Rounds run, the last (quiet) one included; 0 without rules. */
  rounds: number;
}

export async function runInference(
  store: Store,
  rules: InferenceRule[],
  maxRounds: number,
  engine: QueryEngine,
  manifestFile: string,
  cache?: InferenceCache,
): Promise<InferenceResult> {
  if (rules.length === 0) return { inferred: 0, rounds: 0 };
  const { DataFactory } = await import('n3');
  const reads: RuleReads[] = [];
  for (const rule of rules) {
    // What a rule reads is a query fact (engine/query-facts.ts): known, the rule is not parsed.
    const stored = await storedRuleReads(engine, rule);
    reads.push({ predicates: stored.predicates === 'all' ? 'all' : new Set(stored.predicates), fresh: stored.fresh });
  }
  const started = TRACE ? performance.now() : 0;
  const cached = cache ? await cacheKey(store, rules, maxRounds, engine, cache, reads) : undefined;
  if (cached) {
    const hit = await cache!.lookup(cached.key, store, rules.length, maxRounds, cached.writes);
    if (TRACE) trace(started, `inference cache ${hit ? `hit: ${hit.quads.length} triples` : 'miss'}`);
    if (hit) {
      for (const q of hit.quads) store.addQuad(q);
      if (hit.quads.length > 0) engine.changed(store, hit.quads);
      cache!.keep(cached.key, hit.entry);
      return { inferred: hit.entry.inferred, rounds: hit.entry.rounds };
    }
  }
  // Every triple added, in order (what the cache stores).
  const all: Quad[] = [];
  const done = async (result: InferenceResult): Promise<InferenceResult> => {
    const entry = cached ? await entryOf(result.inferred, result.rounds, all) : undefined;
    if (entry) cache!.keep(cached!.key, entry);
    return result;
  };
  // Predicates that gained a triple since each rule last ran.
  const touched = rules.map(() => new Set<string>());
  const mustRun = (index: number): boolean => {
    const r = reads[index]!;
    if (r.fresh || r.predicates === 'all') return true;
    for (const p of touched[index]!) if (r.predicates.has(p)) return true;
    return false;
  };
  let inferred = 0;
  for (let round = 1; round <= maxRounds; round++) {
    const active: string[] = [];
    for (const [index, rule] of rules.entries()) {
      if (round > 1 && !mustRun(index)) continue;
      touched[index]!.clear();
      // A blank node bound from the data (a list cell, a nested field) comes back with its store
      // label (both engines, see engine/); it must keep its identity, or the derived triple would
      // describe a node nothing links to. Any other blank node comes from the rule's template:
      // make it fresh per rule and round, as CONSTRUCT semantics require, so two rules never
      // share one (Comunica reuses g_0, g_1... in every query).
      const resolved = new Map<string, Quad['subject'] | Quad['object']>();
      const fresh = (t: Quad['subject'] | Quad['object']) => {
        if (t.termType !== 'BlankNode') return t;
        let r = resolved.get(t.value);
        if (r === undefined) {
          r =
            store.countQuads(t, null, null, null) > 0 || store.countQuads(null, null, t, null) > 0
              ? t
              : DataFactory.blankNode(`i${index}r${round}_${resolved.size}`);
          resolved.set(t.value, r);
        }
        return r;
      };
      const quads = (await engine.construct(store, rule.construct)).map((q) =>
        q.subject.termType === 'BlankNode' || q.object.termType === 'BlankNode'
          ? DataFactory.quad(
              fresh(q.subject) as Quad['subject'],
              q.predicate,
              fresh(q.object) as Quad['object'],
              q.graph,
            )
          : q,
      );
      const added: Quad[] = [];
      for (const q of quads) {
        // n3's addQuad answers whether the quad was new.
        if (store.addQuad(q)) {
          added.push(q);
          all.push(q);
          for (const t of touched) t.add(q.predicate.value);
        }
      }
      if (added.length > 0) engine.changed(store, added);
      if (added.length > 0) active.push(`${rule.name} (+${added.length})`);
      inferred += added.length;
    }
    if (active.length === 0) return done({ inferred, rounds: round });
    if (round === maxRounds) {
      throw new InputError({
        file: manifestFile,
        message:
          `inference.max_rounds: inference did not reach a fixpoint in ${maxRounds} rounds; ` +
          `rules still adding triples in the last round: ${active.join(', ')}` +
          ' (a rule that creates blank nodes or new IRIs on every round never converges)',
      });
    }
  }
  return { inferred, rounds: maxRounds };
}

/**
 * The cache key of this run, and the predicates the rules write; undefined when the rules cannot
 * be cached (one reads "all", writes a variable predicate or calls a volatile function).
 */
async function cacheKey(
  store: Store,
  rules: InferenceRule[],
  maxRounds: number,
  engine: QueryEngine,
  cache: InferenceCache,
  reads: RuleReads[],
): Promise<{ key: string; writes: Set<string> } | undefined> {
  const predicates = new Set<string>();
  for (const r of reads) {
    if (r.predicates === 'all') return undefined;
    for (const p of r.predicates) predicates.add(p);
  }
  const writes = new Set<string>();
  for (const rule of rules) {
    const w = await storedRuleWrites(engine, rule);
    if (w.volatile || w.predicates === 'all') return undefined;
    for (const p of w.predicates) {
      writes.add(p);
      predicates.add(p);
    }
  }
  const key = await cache.key(store, rules, maxRounds, engine.name, [...predicates].sort());
  return { key, writes };
}
