/**
 * The fixpoint skips rules whose read predicates gained nothing; it must end exactly where
 * rerunning every rule every round ends (same triples, same blank node labels, same rounds).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataFactory, Parser, Store, type Quad } from 'n3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createQueryEngine, type QueryEngine } from '../../src/pipeline/extract/index.js';
import { runInference } from '../../src/pipeline/normalize/inference.js';
import { indexLists } from '../../src/pipeline/normalize/lists.js';
import { ruleReads } from '../../src/pipeline/normalize/rule-reads.js';
import type { InferenceRule } from '../../src/pipeline/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');
const OTP = 'https://ggen.dev/otp#';
const PREFIXES = { otp: OTP, ex: 'https://example.org/app#' };

let engine: QueryEngine;
beforeAll(async () => {
  engine = await createQueryEngine(PREFIXES);
});

const rule = (name: string, text: string): InferenceRule => ({
  name,
  construct: { text, file: `${name}.rq`, line: 1 },
});

function storeOf(...texts: string[]): Store {
  const store = new Store();
  for (const t of texts) store.addQuads(new Parser({ baseIRI: 'https://ggen.dev/' }).parse(t));
  return store;
}

/** The plain fixpoint: every rule, every round, with the same fresh blank node labels. */
async function plainFixpoint(
  store: Store,
  rules: InferenceRule[],
  maxRounds: number,
): Promise<{ inferred: number; rounds: number }> {
  let inferred = 0;
  for (let round = 1; round <= maxRounds; round++) {
    let added = 0;
    for (const [index, r] of rules.entries()) {
      const fresh = (t: Quad['subject'] | Quad['object']) =>
        t.termType === 'BlankNode' ? DataFactory.blankNode(`i${index}r${round}_${t.value}`) : t;
      for (const q of await engine.construct(store, r.construct)) {
        const f = DataFactory.quad(
          fresh(q.subject) as Quad['subject'],
          q.predicate,
          fresh(q.object) as Quad['object'],
          q.graph,
        );
        if (!store.has(f)) {
          store.addQuad(f);
          added++;
        }
      }
    }
    inferred += added;
    if (added === 0) return { inferred, rounds: round };
  }
  throw new Error('no fixpoint');
}

const dump = (s: Store) =>
  s
    .getQuads(null, null, null, null)
    .map((q) => `${q.subject.termType}:${q.subject.value} ${q.predicate.value} ${q.object.termType}:${q.object.value}`)
    .sort();

async function expectSameAsPlain(
  texts: string[],
  rules: InferenceRule[],
  maxRounds = 16,
  lists = false,
): Promise<{ inferred: number; rounds: number }> {
  const a = storeOf(...texts);
  if (lists) indexLists(a);
  const b = new Store(a.getQuads(null, null, null, null));
  const got = await runInference(a, rules, maxRounds, engine, 'ggen.toml');
  const want = await plainFixpoint(b, rules, maxRounds);
  expect(got).toEqual(want);
  expect(dump(a)).toEqual(dump(b));
  return got;
}

describe('inference fixpoint', () => {
  it('matches the plain fixpoint on the repository specs and rules', async () => {
    const rules = readdirSync(path.join(ROOT, 'packs/otp/queries/inference'))
      .filter((f) => f.endsWith('.rq'))
      .sort()
      .map((f) => rule(f, read(`packs/otp/queries/inference/${f}`)));
    const specs = ['packs/otp/ontology/otp.ttl', 'specs/telecom.ttl', 'specs/autonomics.ttl', 'specs/chat.ttl'].map(
      read,
    );
    // As ggen.toml runs them: after the list index, which the rules read lists through.
    const got = await expectSameAsPlain(specs, rules, 16, true);
    const withoutIndex = await expectSameAsPlain(specs, rules);
    expect(withoutIndex.inferred).toBeGreaterThan(0);
    expect(got.inferred).toBeGreaterThan(withoutIndex.inferred);
  });

  it('reaches the fixpoint of a chain that needs several rounds, with rules listed against the chain', async () => {
    // r2 reads what r1 makes and r1 reads what r2 makes; listed in the order that needs most rounds.
    const rules = [
      rule('reach', 'CONSTRUCT { ?a otp:reaches ?c } WHERE { ?a otp:reaches ?b . ?b otp:next ?c }'),
      rule('seed', 'CONSTRUCT { ?a otp:reaches ?b } WHERE { ?a otp:next ?b }'),
      rule('mark', 'CONSTRUCT { ?a a otp:Far } WHERE { ?a otp:reaches ex:n4 }'),
      rule('unrelated', 'CONSTRUCT { ?a otp:seen true } WHERE { ?a otp:label ?l }'),
    ];
    const spec =
      '@prefix otp: <https://ggen.dev/otp#> . @prefix ex: <https://example.org/app#> .\nex:n0 otp:next ex:n1 . ex:n1 otp:next ex:n2 . ex:n2 otp:next ex:n3 . ex:n3 otp:next ex:n4 . ex:n0 otp:label "zero" .\n';
    const got = await expectSameAsPlain([spec], rules);
    expect(got.rounds).toBeGreaterThanOrEqual(3);
  });

  it('reruns rules with a variable predicate or a negated property set', async () => {
    const rules = [
      rule('copy', 'CONSTRUCT { ?s otp:copied ?o } WHERE { ?s otp:next ?o }'),
      rule('any', 'CONSTRUCT { ?s a otp:HasCopy } WHERE { ?s ?p ?o FILTER(?p = otp:copied) }'),
      rule('nps', 'CONSTRUCT { ?s a otp:Linked } WHERE { ?s !(otp:next|otp:label) ?o . ?o a otp:Node }'),
    ];
    const spec =
      '@prefix otp: <https://ggen.dev/otp#> . @prefix ex: <https://example.org/app#> .\nex:a otp:next ex:b . ex:b a otp:Node .\n';
    await expectSameAsPlain([spec], rules);
  });

  it('reruns a rule with a * or ? path when another rule brings new nodes: zero steps pair every node with itself', async () => {
    const spec =
      '@prefix otp: <https://ggen.dev/otp#> . @prefix ex: <https://example.org/app#> .\nex:a otp:next ex:b .\n';
    for (const path of ['otp:next*', 'otp:next?'])
      await expectSameAsPlain(
        [spec],
        [
          // Listed first, so round 1 runs it before `tag` adds ex:t; round 2 must run it again.
          rule('self', `CONSTRUCT { ?x otp:self ?x } WHERE { ?x ${path} ?x }`),
          rule('tag', 'CONSTRUCT { ?b otp:tagged ex:t } WHERE { ?a otp:next ?b }'),
        ],
      );
  });

  it('still fails on a rule that mints a blank node every round', async () => {
    const rules = [rule('grow', 'CONSTRUCT { ?w otp:meta [ otp:k "x" ] } WHERE { ?w a otp:Worker }')];
    const store = storeOf('@prefix otp: <https://ggen.dev/otp#> . <https://example.org/app#w> a otp:Worker .\n');
    await expect(runInference(store, rules, 4, engine, 'ggen.toml')).rejects.toThrow(
      /did not reach a fixpoint in 4 rounds; rules still adding triples in the last round: grow/,
    );
  });
});

describe('ruleReads', () => {
  const reads = async (text: string) => {
    const { ast, prefixes } = await engine.parse({ text, file: 'r.rq', line: 1 }, 'construct');
    return ruleReads(ast, prefixes);
  };

  it('lists the predicates of patterns, paths, lists and EXISTS clauses', async () => {
    const r = await reads(
      'PREFIX x: <http://x/> CONSTRUCT { ?s otp:p ?o } WHERE { ?s a otp:A ; otp:q/x:r* ?o . ?o x:l (1) FILTER NOT EXISTS { ?o ^otp:z ?s } }',
    );
    expect(r.fresh).toBe(false);
    expect(r.predicates === 'all' ? 'all' : [...r.predicates].sort()).toEqual([
      'http://www.w3.org/1999/02/22-rdf-syntax-ns#first',
      'http://www.w3.org/1999/02/22-rdf-syntax-ns#rest',
      'http://www.w3.org/1999/02/22-rdf-syntax-ns#type',
      'http://x/l',
      'http://x/r',
      `${OTP}q`,
      `${OTP}z`,
    ]);
  });

  it('reads everything for a variable predicate, a negated set or a relative IRI', async () => {
    expect((await reads('CONSTRUCT { ?s otp:p ?o } WHERE { ?s ?p ?o }')).predicates).toBe('all');
    expect((await reads('CONSTRUCT { ?s otp:p ?o } WHERE { ?s !otp:q ?o }')).predicates).toBe('all');
    expect((await reads('BASE <http://b/> CONSTRUCT { ?s otp:p ?o } WHERE { ?s <rel> ?o }')).predicates).toBe('all');
    // A path that can match zero steps binds every node of the graph, whatever its predicates.
    expect((await reads('CONSTRUCT { ?s otp:p ?o } WHERE { ?s otp:q* ?o }')).predicates).toBe('all');
    expect((await reads('CONSTRUCT { ?s otp:p ?o } WHERE { ?s (otp:q|otp:r?) ?o }')).predicates).toBe('all');
    expect((await reads('CONSTRUCT { ?s otp:p ?o } WHERE { ?s otp:q+/otp:r? ?o }')).predicates).not.toBe('all');
  });

  it('marks rules that mint terms as fresh', async () => {
    expect((await reads('CONSTRUCT { ?s otp:p [ otp:k 1 ] } WHERE { ?s a otp:A }')).fresh).toBe(true);
    expect((await reads('CONSTRUCT { ?s otp:p ?b } WHERE { ?s a otp:A BIND(BNODE() AS ?b) }')).fresh).toBe(true);
    expect((await reads('CONSTRUCT { ?s otp:p ?b } WHERE { ?s ?x ?o BIND(UUID() AS ?b) }')).fresh).toBe(true);
  });
});
