/** Applies the CONSTRUCT rules in order, round after round, until a round adds no triple. */
import type { Quad, Store } from 'n3';
import { InputError } from '../errors.js';
import type { QueryEngine } from '../extract/engine.js';
import type { InferenceRule } from '../types.js';

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
): Promise<InferenceResult> {
  if (rules.length === 0) return { inferred: 0, rounds: 0 };
  const { DataFactory } = await import('n3');
  let inferred = 0;
  for (let round = 1; round <= maxRounds; round++) {
    const active: string[] = [];
    for (const [index, rule] of rules.entries()) {
      // Comunica labels template blank nodes g_0, g_1... afresh for every query: make them
      // fresh per rule and round, as CONSTRUCT semantics require, so two rules never share one.
      const fresh = (t: Quad['subject'] | Quad['object']) =>
        t.termType === 'BlankNode' ? DataFactory.blankNode(`i${index}r${round}_${t.value}`) : t;
      const quads = (await engine.construct(store, rule.construct)).map((q) =>
        q.subject.termType === 'BlankNode' || q.object.termType === 'BlankNode'
          ? DataFactory.quad(fresh(q.subject) as Quad['subject'], q.predicate, fresh(q.object) as Quad['object'], q.graph)
          : q,
      );
      let added = 0;
      for (const q of quads) {
        if (!store.has(q)) {
          store.addQuad(q);
          added++;
        }
      }
      if (added > 0) active.push(`${rule.name} (+${added})`);
      inferred += added;
    }
    if (active.length === 0) return { inferred, rounds: round };
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
