/**
 * The inference cache (normalize/inference-cache.ts): a run whose rules read and write the same
 * asserted triples as a stored run adds that run's triples without running a rule, and ends
 * exactly where a fresh run ends (same triples, counts and canonical digest); anything else, and
 * any damaged or planted entry that does not fit, runs the rules.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Parser, Store, type Quad } from 'n3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createQueryEngine, type QueryEngine } from '../../src/pipeline/extract/index.js';
import { CacheMemory } from '../../src/pipeline/fs/cache-file.js';
import { loadManifest } from '../../src/pipeline/manifest/index.js';
import { normalizeCached } from '../../src/pipeline/normalize/cache.js';
import { canonicalDigest } from '../../src/pipeline/normalize/digest.js';
import { normalize } from '../../src/pipeline/normalize/index.js';
import { runInference } from '../../src/pipeline/normalize/inference.js';
import { INFERENCE_CACHE_FILE, InferenceCache } from '../../src/pipeline/normalize/inference-cache.js';
import { indexLists } from '../../src/pipeline/normalize/lists.js';
import { ParseCache } from '../../src/pipeline/normalize/parse-cache.js';
import { ruleWrites } from '../../src/pipeline/normalize/rule-reads.js';
import type { InferenceRule } from '../../src/pipeline/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OTP = 'https://ggen.dev/otp#';
const PREFIXES = { otp: OTP, ex: 'https://example.org/app#', ggen: 'https://ggen.dev/ggen#' };
const HEAD = '@prefix otp: <https://ggen.dev/otp#> . @prefix ex: <https://example.org/app#> .\n';

const engines: Record<'oxigraph' | 'comunica', QueryEngine> = {} as never;
const roots: string[] = [];
beforeAll(async () => {
  engines.oxigraph = await createQueryEngine(PREFIXES, 'oxigraph');
  engines.comunica = await createQueryEngine(PREFIXES, 'comunica');
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const tmp = () => {
  const r = mkdtempSync(path.join(os.tmpdir(), 'ggen-infer-cache-'));
  roots.push(r);
  return r;
};
const rule = (name: string, text: string): InferenceRule => ({
  name,
  construct: { text, file: `${name}.rq`, line: 1 },
});
const parse = (text: string): Quad[] => new Parser({ baseIRI: 'https://ggen.dev/' }).parse(text);
const dump = (s: Store) =>
  s
    .getQuads(null, null, null, null)
    .map((q) => `${q.subject.termType}:${q.subject.value} ${q.predicate.value} ${q.object.termType}:${q.object.value}`)
    .sort();
const digestOf = async (s: Store) => (await canonicalDigest(s.getQuads(null, null, null, null))).digest;

const CHAIN = [
  rule('reach', 'CONSTRUCT { ?a otp:reaches ?c } WHERE { ?a otp:reaches ?b . ?b otp:next ?c }'),
  rule('seed', 'CONSTRUCT { ?a otp:reaches ?b } WHERE { ?a otp:next ?b }'),
  rule('tag', 'CONSTRUCT { ?a otp:tagged true } WHERE { ?a otp:next ?b }'),
];
const CHAIN_SPEC = `${HEAD}ex:n0 otp:next ex:n1 . ex:n1 otp:next ex:n2 . ex:n2 otp:next ex:n3 . ex:n0 otp:label "zero" .\n`;

/**
 * Runs `rules` over a copy of `quads` three ways: fresh without a cache (the reference), and
 * through the cache at `root` (reading it unless `read` is false, then saving it). Returns the
 * cached run's result and store, and how many CONSTRUCT queries it ran.
 */
async function compare(
  engine: QueryEngine,
  root: string,
  quads: Quad[],
  rules: InferenceRule[],
  options: { read?: boolean; lists?: boolean; memory?: CacheMemory } = {},
) {
  const fresh = new Store(quads);
  const cached = new Store(quads);
  if (options.lists) {
    indexLists(fresh);
    indexLists(cached);
  }
  const want = await runInference(fresh, rules, 16, engine, 'ggen.toml');
  const spy = vi.spyOn(engine, 'construct');
  const cache = InferenceCache.open(root, PREFIXES, {
    ...(options.read === false ? { read: false } : {}),
    ...(options.memory ? { memory: options.memory } : {}),
  });
  const got = await runInference(cached, rules, 16, engine, 'ggen.toml', cache);
  const constructs = spy.mock.calls.length;
  spy.mockRestore();
  cache.save();
  expect(got).toEqual(want);
  expect(dump(cached)).toEqual(dump(fresh));
  expect(await digestOf(cached)).toBe(await digestOf(fresh));
  return { got, store: cached, constructs };
}

const entriesOf = (root: string) =>
  JSON.parse(readFileSync(path.join(root, INFERENCE_CACHE_FILE), 'utf8')) as {
    salt: string;
    entries: Record<string, { inferred: number; rounds: number; quads: string[] }>;
  };

describe.each(['oxigraph', 'comunica'] as const)('inference cache (%s)', (name) => {
  it('runs no rule when an edit touches no predicate the rules read or write, and ends as a fresh run', async () => {
    const engine = engines[name];
    const root = tmp();
    const first = await compare(engine, root, parse(CHAIN_SPEC), CHAIN);
    expect(first.constructs).toBeGreaterThan(0);
    expect(first.got.rounds).toBeGreaterThanOrEqual(3);
    // A new comment and an edited label: no rule reads or writes rdfs:comment or otp:label.
    const edited = `${CHAIN_SPEC.replace('"zero"', '"nought"')}ex:n1 <http://www.w3.org/2000/01/rdf-schema#comment> "one" .\n`;
    const second = await compare(engine, root, parse(edited), CHAIN);
    expect(second.constructs).toBe(0);
    expect(second.got).toEqual(first.got);
  });

  it('runs the rules again when an edit adds a triple of a predicate a rule reads', async () => {
    const engine = engines[name];
    const root = tmp();
    await compare(engine, root, parse(CHAIN_SPEC), CHAIN);
    const second = await compare(engine, root, parse(`${CHAIN_SPEC}ex:n3 otp:next ex:n4 .\n`), CHAIN);
    expect(second.constructs).toBeGreaterThan(0);
    expect(second.store.has(parse(`${HEAD}ex:n0 otp:reaches ex:n4 .`)[0]!)).toBe(true);
    // And the entry now answers for the edited graph.
    const third = await compare(engine, root, parse(`${CHAIN_SPEC}ex:n3 otp:next ex:n4 .\n`), CHAIN);
    expect(third.constructs).toBe(0);
  });

  it('runs a rule with a * or ? path again on an edit of any predicate: zero steps pair every node with itself', async () => {
    const engine = engines[name];
    const root = tmp();
    // `?a otp:next* ?b` also matches zero steps, from every node of the graph to itself (SPARQL 1.1
    // §18.5), so a triple of a predicate the rule never names brings new solutions.
    for (const path of ['otp:next*', 'otp:next?'])
      for (const edit of ['ex:m0 otp:label "new" .', 'ex:m1 <http://www.w3.org/2000/01/rdf-schema#comment> "c" .']) {
        const rules = [rule('self', `CONSTRUCT { ?a otp:reaches ?b } WHERE { ?a ${path} ?b }`)];
        await compare(engine, root, parse(CHAIN_SPEC), rules);
        const second = await compare(engine, root, parse(`${CHAIN_SPEC}${edit}\n`), rules);
        expect(second.constructs).toBeGreaterThan(0);
      }
  });

  it('runs the rules again when an edit asserts a triple a rule writes (the inferred count changes)', async () => {
    const engine = engines[name];
    const root = tmp();
    const first = await compare(engine, root, parse(CHAIN_SPEC), CHAIN);
    // Nothing reads otp:tagged, but the rules no longer add this triple: one fewer inferred.
    const second = await compare(engine, root, parse(`${CHAIN_SPEC}ex:n0 otp:tagged true .\n`), CHAIN);
    expect(second.constructs).toBeGreaterThan(0);
    expect(second.got.inferred).toBe(first.got.inferred - 1);
    // And back: the asserted triple removed, the rules add it again.
    const third = await compare(engine, root, parse(CHAIN_SPEC), CHAIN);
    expect(third.constructs).toBeGreaterThan(0);
    expect(third.got.inferred).toBe(first.got.inferred);
  });

  it('reuses a closure over lists (data blank nodes) with the canonical digest of a fresh run', async () => {
    // (A rule whose template makes blank nodes reruns every round and never reaches a fixpoint
    // unless it matches nothing, inference.ts: a stored closure holds data blank nodes only.)
    const engine = engines[name];
    const root = tmp();
    const rules = [
      rule(
        'members',
        'PREFIX ggen: <https://ggen.dev/ggen#> CONSTRUCT { ?s otp:has ?m . ?list otp:owner ?s . ?s otp:list ?list } WHERE { ?s otp:items ?list . ?list ggen:member ?m }',
      ),
      rule('nested', 'CONSTRUCT { ?s otp:has ?n } WHERE { ?s otp:has ?m . ?m otp:part ?n }'),
    ];
    const spec = `${HEAD}ex:a otp:items ( ex:x ex:y [ otp:part [ otp:label "z" ] ] ) . ex:b otp:items ( ex:x ) . ex:a otp:label "a" .\n`;
    // One parse, replayed: the labels are the same each time, as the disk parse cache replays them.
    const quads = parse(spec);
    const first = await compare(engine, root, quads, rules, { lists: true });
    expect(first.constructs).toBeGreaterThan(0);
    expect(first.got.rounds).toBe(2);
    const extra = parse(`${HEAD}ex:b otp:label "b" .`);
    const second = await compare(engine, root, [...quads, ...extra], rules, { lists: true });
    expect(second.constructs).toBe(0);
    const lines = dump(second.store);
    expect(lines.filter((q) => /^BlankNode:\S+ https:\/\/ggen.dev\/otp#owner NamedNode/.test(q))).toHaveLength(2);
    expect(lines.filter((q) => /otp#has BlankNode:/.test(q))).toHaveLength(2);
  });

  it('misses when a rule text, their order or max_rounds changes', async () => {
    const engine = engines[name];
    const root = tmp();
    const quads = parse(CHAIN_SPEC);
    await compare(engine, root, quads, CHAIN);
    const reworded = [CHAIN[0]!, rule('seed', `${CHAIN[1]!.construct.text} # same rule, new text`), CHAIN[2]!];
    expect((await compare(engine, root, quads, reworded)).constructs).toBeGreaterThan(0);
    expect((await compare(engine, root, quads, [...CHAIN].reverse())).constructs).toBeGreaterThan(0);
    expect((await compare(engine, root, quads, CHAIN)).constructs).toBeGreaterThan(0);
    expect((await compare(engine, root, quads, CHAIN)).constructs).toBe(0);
    const cache = InferenceCache.open(root, PREFIXES);
    const spy = vi.spyOn(engine, 'construct');
    await runInference(new Store(quads), CHAIN, 15, engine, 'ggen.toml', cache);
    expect(spy).toHaveBeenCalled();
  });

  it('ignores the file when told not to read it (sync --full), and still saves its run', async () => {
    const engine = engines[name];
    const root = tmp();
    const quads = parse(CHAIN_SPEC);
    await compare(engine, root, quads, CHAIN);
    expect((await compare(engine, root, quads, CHAIN, { read: false })).constructs).toBeGreaterThan(0);
    expect((await compare(engine, root, quads, CHAIN)).constructs).toBe(0);
  });
});

describe('inference cache entries are untrusted', () => {
  const engine = () => engines.oxigraph;
  // With an asserted triple of a predicate a rule writes (so the store holds one such triple).
  const quads = parse(`${CHAIN_SPEC}ex:n9 otp:tagged true .\n`);

  /** A saved run's file, then `plant` edits it; the next run must run the rules and be right. */
  async function plantedMisses(plant: (file: ReturnType<typeof entriesOf>, key: string) => unknown): Promise<void> {
    const root = tmp();
    await compare(engine(), root, quads, CHAIN);
    const file = entriesOf(root);
    const key = Object.keys(file.entries)[0]!;
    const planted = plant(file, key);
    writeFileSync(path.join(root, INFERENCE_CACHE_FILE), typeof planted === 'string' ? planted : JSON.stringify(file));
    expect((await compare(engine(), root, quads, CHAIN)).constructs).toBeGreaterThan(0);
    // The miss replaced the entry with a sound one.
    expect((await compare(engine(), root, quads, CHAIN)).constructs).toBe(0);
  }

  it('a sound entry is reused (the control for the cases below)', async () => {
    const root = tmp();
    await compare(engine(), root, quads, CHAIN);
    expect((await compare(engine(), root, quads, CHAIN)).constructs).toBe(0);
  });

  it('misses on a file that is not JSON, cut short or empty', async () => {
    await plantedMisses(() => 'not json');
    await plantedMisses((f) => JSON.stringify(f).slice(0, 200));
    await plantedMisses(() => '');
  });

  it('misses on another salt', async () => {
    await plantedMisses((f) => {
      f.salt = f.salt.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    });
  });

  it('misses on counts that disagree with the triples', async () => {
    await plantedMisses((f, k) => void (f.entries[k]!.inferred += 1));
    await plantedMisses((f, k) => void f.entries[k]!.quads.splice(0, 3));
    await plantedMisses((f, k) => void (f.entries[k]!.rounds = 0));
    await plantedMisses((f, k) => void (f.entries[k]!.rounds = 17));
    await plantedMisses((f, k) => void ((f.entries[k] as unknown as { quads: unknown }).quads = 'x'));
  });

  it('misses on a triple of a predicate no rule writes, a malformed term or a term in the wrong place', async () => {
    const swap = (i: number, value: string) => (f: ReturnType<typeof entriesOf>, k: string) =>
      void (f.entries[k]!.quads[i] = value);
    await plantedMisses(swap(1, `${OTP}label`));
    await plantedMisses(swap(1, 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'));
    await plantedMisses(swap(0, '"literal subject"'));
    await plantedMisses(swap(1, '_:b0'));
    await plantedMisses(swap(2, 'not an iri'));
    await plantedMisses(swap(2, '<<ex:a ex:b ex:c>>'));
    await plantedMisses(swap(0, ''));
    await plantedMisses((f, k) => void ((f.entries[k]!.quads as unknown[])[0] = 7));
  });

  it('misses on blank nodes that do not fit: a data node the store lacks, a template node it has', async () => {
    await plantedMisses((f, k) => void (f.entries[k]!.quads[0] = '_:nowhere'));
    await plantedMisses((f, k) => void (f.entries[k]!.quads[0] = '_:i9r1_0'));
    await plantedMisses((f, k) => void (f.entries[k]!.quads[2] = '_:i0r99_0'));
  });

  it('misses on a triple listed twice or one the store already holds', async () => {
    await plantedMisses((f, k) => {
      const e = f.entries[k]!;
      e.quads.push(...e.quads.slice(0, 3));
      e.inferred += 1;
    });
    await plantedMisses((f, k) => {
      const e = f.entries[k]!;
      e.quads.push('https://example.org/app#n9', `${OTP}tagged`, '"true"^^http://www.w3.org/2001/XMLSchema#boolean');
      e.inferred += 1;
    });
  });
});

describe('ASK gates answered from the inference cache', () => {
  const GATE = { text: 'ASK { ?app a otp:Application }', file: 'ggen.toml', line: 3 };
  const APP = `${HEAD}ex:app a otp:Application ; otp:label "app" .\n`;

  async function answer(root: string, quads: Quad[], query = GATE) {
    const engine = engines.oxigraph;
    const cache = InferenceCache.open(root, PREFIXES);
    const spy = vi.spyOn(engine, 'ask');
    const got = await cache.ask(engine, new Store(quads), query);
    const asked = spy.mock.calls.length;
    spy.mockRestore();
    cache.save();
    expect(got).toBe(await engine.ask(new Store(quads), query));
    return { got, asked };
  }

  it('reuses the answer while the triples the gate reads are unchanged, and asks again when they change', async () => {
    const root = tmp();
    expect(await answer(root, parse(APP))).toEqual({ got: true, asked: 1 });
    expect(await answer(root, parse(APP.replace('"app"', '"renamed"')))).toEqual({ got: true, asked: 0 });
    // The application is gone: the gate must fail, whatever was stored.
    expect(await answer(root, parse(`${HEAD}ex:app otp:label "app" .\n`))).toEqual({ got: false, asked: 1 });
    expect(await answer(root, parse(`${HEAD}ex:app otp:label "app2" .\n`))).toEqual({ got: false, asked: 0 });
  });

  it('asks a gate that reads "all", and a gate whose stored answer is not a boolean', async () => {
    const root = tmp();
    const any = { text: 'ASK { ?s ?p ?o }', file: 'ggen.toml', line: 1 };
    await answer(root, parse(APP), any);
    expect((await answer(root, parse(APP), any)).asked).toBe(1);
    await answer(root, parse(APP));
    const file = entriesOf(root) as unknown as { entries: Record<string, unknown> };
    const key = Object.keys(file.entries).find((k) => k.startsWith('ask/'))!;
    file.entries[key] = { ask: 'true' };
    writeFileSync(path.join(root, INFERENCE_CACHE_FILE), JSON.stringify(file));
    expect(await answer(root, parse(APP))).toEqual({ got: true, asked: 1 });
  });
});

describe('inference cache under --watch', () => {
  it('keeps the entry in memory between runs and writes the file at flush', async () => {
    const root = tmp();
    const memory = new CacheMemory();
    const quads = parse(CHAIN_SPEC);
    await compare(engines.oxigraph, root, quads, CHAIN, { memory });
    expect(memory.unwritten).toBe(1);
    expect((await compare(engines.oxigraph, root, quads, CHAIN, { memory })).constructs).toBe(0);
    memory.flush();
    expect(Object.keys(entriesOf(root).entries)).toHaveLength(1);
  });
});

describe('ruleWrites', () => {
  const writes = async (text: string) => {
    const { ast, prefixes } = await engines.oxigraph.parse(
      { text: `PREFIX otp: <${OTP}>\n${text}`, file: 'r.rq', line: 1 },
      'construct',
    );
    return ruleWrites(ast, prefixes);
  };
  it('lists the template predicates, nested blank nodes and lists included', async () => {
    expect(
      await writes('CONSTRUCT { ?a otp:p ?b ; a otp:C . ?b otp:q [ otp:r ( ?a ) ] } WHERE { ?a otp:s ?b }'),
    ).toEqual({
      predicates: [
        'http://www.w3.org/1999/02/22-rdf-syntax-ns#first',
        'http://www.w3.org/1999/02/22-rdf-syntax-ns#rest',
        'http://www.w3.org/1999/02/22-rdf-syntax-ns#type',
        `${OTP}p`,
        `${OTP}q`,
        `${OTP}r`,
      ],
      volatile: false,
    });
  });
  it('writes "all" for a variable predicate, and marks volatile functions', async () => {
    expect((await writes('CONSTRUCT { ?a ?p ?b } WHERE { ?a ?p ?b }')).predicates).toBe('all');
    expect((await writes('CONSTRUCT { ?a otp:id ?u } WHERE { ?a otp:s ?b BIND(UUID() AS ?u) }')).volatile).toBe(true);
    expect((await writes('CONSTRUCT { ?a otp:n ?u } WHERE { ?a otp:s ?b BIND(BNODE() AS ?u) }')).volatile).toBe(true);
    expect((await writes('CONSTRUCT { ?a otp:m [ otp:k 1 ] } WHERE { ?a otp:s ?b }')).volatile).toBe(false);
  });
  it('is never cached when a rule reads "all" or writes a variable predicate', async () => {
    const root = tmp();
    const quads = parse(CHAIN_SPEC);
    for (const rules of [
      [...CHAIN, rule('any', 'CONSTRUCT { ?s a otp:Linked } WHERE { ?s ?p ?o FILTER(?p = otp:next) }')],
      [...CHAIN, rule('copy', 'CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o . ?s otp:next ?x }')],
    ]) {
      await compare(engines.oxigraph, root, quads, rules);
      expect((await compare(engines.oxigraph, root, quads, rules)).constructs).toBeGreaterThan(0);
    }
  });
});

describe('inference cache in normalize', () => {
  /** This repository's specs and pack in a scratch directory. */
  function repoCopy(): string {
    const root = tmp();
    for (const e of ['specs', 'packs', 'ggen.toml'])
      cpSync(path.join(ROOT, e), path.join(root, e), { recursive: true });
    const manifest = path.join(root, 'ggen.toml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^packs = \["otp"\]$/m, 'packs = ["./packs/otp"]'));
    return root;
  }
  const editComment = (root: string, to: string) => {
    const spec = path.join(root, 'specs/telecom.ttl');
    const text = readFileSync(spec, 'utf8');
    expect(text).toMatch(/Charges and refunds in \w+ cents/);
    writeFileSync(spec, text.replace(/Charges and refunds in \w+ cents/, `Charges and refunds in ${to} cents`));
  };

  /**
   * One ggen process (dist/, as the CLI runs): normalize this project through the caches, counting
   * the CONSTRUCT queries; `read: false` is sync --full (and saves nothing here, the reference).
   */
  function normalizeInChild(root: string, read: boolean) {
    const script = `
const { loadManifest } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/pipeline/manifest/index.js'))});
const { createQueryEngine } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/pipeline/extract/index.js'))});
const { normalizeCached } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/pipeline/normalize/cache.js'))});
const { createHash } = await import('node:crypto');
const manifest = await loadManifest(${JSON.stringify(path.join(root, 'ggen.toml'))});
const engine = await createQueryEngine(manifest.ontology.prefixes, manifest.ontology.engine);
let constructs = 0;
let asks = 0;
const construct = engine.construct.bind(engine);
engine.construct = (...a) => (constructs++, construct(...a));
const ask = engine.ask.bind(engine);
engine.ask = (...a) => (asks++, ask(...a));
const { graph, save } = await normalizeCached(manifest, engine, { read: ${read} });
if (${read}) await save();
const lines = graph.store.getQuads(null, null, null, null).map((q) => [q.subject.id, q.predicate.id, q.object.id].join(' ')).sort();
process.stdout.write(JSON.stringify({ constructs, asks, digest: graph.digest, inferred: graph.inferredTriples, rounds: graph.rounds,
  triples: graph.tripleCount, store: createHash('sha256').update(lines.join('\\n')).digest('hex') }) + '\\n');
`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      constructs: number;
      asks: number;
      digest: string;
      inferred: number;
      rounds: number;
      triples: number;
      store: string;
    };
  }

  it("one-shot: a comment edit of this repo runs no rule; graph, digest and counts are a fresh run's", () => {
    const root = repoCopy();
    const first = normalizeInChild(root, true);
    expect(first.constructs).toBeGreaterThan(0);
    editComment(root, 'whole');
    const second = normalizeInChild(root, true);
    expect(second.constructs).toBe(0);
    // The pack's ASK gate reads rdf:type only: answered from the file too.
    expect(first.asks).toBe(1);
    expect(second.asks).toBe(0);
    const fresh = normalizeInChild(root, false);
    expect(fresh.constructs).toBeGreaterThan(0);
    expect(fresh.asks).toBe(1);
    expect(second.digest).not.toBe(first.digest);
    expect({ ...second, constructs: 0, asks: 0 }).toEqual({ ...fresh, constructs: 0, asks: 0 });
  }, 120_000);

  it("--watch: a comment edit reuses the closure from memory; the graph is a fresh normalize's", async () => {
    const root = repoCopy();
    const manifest = path.join(root, 'ggen.toml');
    const prefixes = (await loadManifest(manifest)).ontology.prefixes;
    const engine = await createQueryEngine(prefixes, 'oxigraph');
    const parses = new ParseCache();
    const memory = new CacheMemory();
    const first = await normalizeCached(await loadManifest(manifest), engine, { parses, memory });
    await first.save();
    editComment(root, 'whole');
    const spy = vi.spyOn(engine, 'construct');
    const second = await normalizeCached(await loadManifest(manifest), engine, { parses, memory });
    expect(second.hit).toBe(false);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    const fresh = await normalize(await loadManifest(manifest), await createQueryEngine(prefixes, 'oxigraph'));
    expect(second.graph.digest).toBe(fresh.digest);
    expect(second.graph.digest).not.toBe(first.graph.digest);
    expect([second.graph.inferredTriples, second.graph.rounds, second.graph.tripleCount]).toEqual([
      fresh.inferredTriples,
      fresh.rounds,
      fresh.tripleCount,
    ]);
    expect(dump(second.graph.store)).toEqual(dump(fresh.store));
    // An edit to a predicate the rules read (an application's root supervisor) runs them again.
    const spec = path.join(root, 'specs/telecom.ttl');
    writeFileSync(spec, `${readFileSync(spec, 'utf8')}\n<https://ggen.dev/x#app> a <${OTP}Application> .\n`);
    const spy2 = vi.spyOn(engine, 'construct');
    await normalizeCached(await loadManifest(manifest), engine, { parses, memory }).catch(() => undefined);
    expect(spy2).toHaveBeenCalled();
  }, 120_000);
});
