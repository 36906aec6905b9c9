/**
 * Stage 1: Turtle sources → one validated, inferred, digested graph.
 * parse (n3) → merge → inference fixpoint → RDFC-1.0 digest → SHACL and ASK gates.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Quad, Store } from 'n3';
import { InputError, type Diagnostic } from '../errors.js';
import { TRACE, trace } from '../engine/base.js';
import type { QueryEngine } from '../engine/index.js';
import { compareCodeUnits } from '../fs/glob.js';
import { resolveSources } from '../manifest/index.js';
import type { InputFile, Manifest, NormalizedGraph } from '../types.js';
import { canonicalDigest, relabelBlankNodes } from './digest.js';
import { runInference } from './inference.js';
import type { InferenceCache } from './inference-cache.js';
import { derivationOf } from './held-graph.js';
import { MentionCollector } from './mentions.js';
import { parseFile, replayParsed, type ParseCache, type ParsedFile } from './parse-cache.js';
import type { DiskParseCache } from './parse-disk.js';
import { SourceIndex } from './positions.js';
import { lowerBound } from './sorted.js';
import type { ShaclCore } from './shacl-core.js';
import { startShacl, type ShaclOutcome } from './shacl.js';
import { allQuads, newStore } from './store.js';
import { checkVocabulary } from './vocabulary.js';

export interface ValidationReport {
  /** True when there is no violation (warnings allowed). */
  ok: boolean;
  specFiles: string[];
  /** Triples in the graph after inference. */
  triples: number;
  inferred: number;
  rounds: number;
  digest: string;
  violations: Diagnostic[];
  /** SHACL results of severity sh:Warning / sh:Info. */
  warnings: Diagnostic[];
  /** True when the verdict came from the graph cache (every input unchanged since a run that passed). */
  cached: boolean;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function byLocation(a: Diagnostic, b: Diagnostic): number {
  return (
    compareCodeUnits(a.file ?? '', b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.col ?? 0) - (b.col ?? 0) ||
    compareCodeUnits(a.message, b.message)
  );
}

async function readInputs(manifest: Manifest, files: string[], key: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  const problems: Diagnostic[] = [];
  await Promise.all(
    files.map(async (file) => {
      try {
        texts.set(file, await readFile(path.join(manifest.root, file), 'utf8'));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        problems.push({
          file: manifest.path,
          message: `${key}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code})`}: ${file}`,
        });
      }
    }),
  );
  if (problems.length > 0) throw new InputError(problems.sort(byLocation));
  return texts;
}

/** Parses every file, reporting the syntax errors of all files at once. */
async function parseAll(
  texts: Map<string, string>,
  files: string[],
  baseIri: string | undefined,
  /**
   * The role ('spec', 'shapes') the files are parsed for, and where earlier parses are kept: under
   * --watch the files parsed by earlier runs (`cache`), else the disk parse cache (`disk`).
   */
  parses: { role: string; cache?: ParseCache | undefined; disk?: DiskParseCache | undefined },
): Promise<ParsedFile[]> {
  const problems: Diagnostic[] = [];
  const out: ParsedFile[] = [];
  for (const file of files) {
    try {
      const text = texts.get(file) ?? '';
      const { role, cache, disk } = parses;
      let parsed = cache ? await cache.parse(role, file, text, baseIri) : disk?.get(role, file, text, baseIri);
      if (!parsed) {
        parsed = await parseFile(text, file, baseIri);
        disk?.parsed(role, file, parsed);
      }
      out.push(parsed);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(...err.diagnostics);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

/** Adds parsed files to a run: their quads to `store` (none with `store` undefined), their positions, each quad to `onQuad`. */
function replayAll(
  store: Store | undefined,
  parsed: readonly ParsedFile[],
  files: string[],
  positions: SourceIndex,
  onQuad: ((file: string) => (q: Quad) => void) | undefined,
): void {
  for (const [i, p] of parsed.entries()) {
    const each = onQuad?.(files[i]!);
    if (store) replayParsed(p, store, positions, each);
    else {
      if (each) for (const q of p.quads) each(q);
      positions.merge(p.index);
    }
  }
}

/** The offsets of every newline of `text`, in order. */
function newlines(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) out.push(i);
  return out;
}

/**
 * The shapes graph by what it is parsed from: the shapes files' names and bytes, in the order
 * parsed, and the base IRI. The same key parses to the same quads in the same order (whether
 * parsed or replayed from a parse cache), which is what warm SHACL needs to know of the shapes
 * graph (shacl-warm.ts `parsedFrom`) without digesting its triples every run.
 */
function shapesSourceKey(files: string[], texts: Map<string, string>, baseIri: string | undefined): string {
  const h = createHash('sha256');
  const part = (s: string) => h.update(`${Buffer.byteLength(s)}:`).update(s);
  part('ggen-shapes-source/1');
  part(baseIri ?? '\u0000none');
  for (const file of files) {
    part(file);
    part(sha256(texts.get(file) ?? ''));
  }
  return h.digest('hex');
}

interface Built {
  /** Undefined when the vocabulary check failed (nothing after it ran). */
  graph: NormalizedGraph | undefined;
  violations: Diagnostic[];
  warnings: Diagnostic[];
  specFiles: string[];
  positions: SourceIndex;
  /** Joins SHACL (its core-only shapes validated meanwhile, in a worker with GGEN_SHACL_WORKER=1): its results go before the others, as they always have. */
  finish: () => Promise<void>;
}

/**
 * Stage 1. With GGEN_SHACL_WORKER=1 the SHACL core worker (shacl-core.ts) starts now, so that
 * loading it overlaps the parse; else every shape validates in this thread, in one run.
 * `defer`: return once the rest is done, with the SHACL verdict still pending in `verdict`.
 */
async function build(
  manifest: Manifest,
  engine: QueryEngine,
  parses?: ParseCache,
  disk?: DiskParseCache,
  defer = false,
  inference?: InferenceCache,
  /** false: leave the graph's `mentions` out (only sync's banners read them; validate does not). */
  mentions = true,
): Promise<Built & { verdict: Promise<void> }> {
  const core = manifest.validation.shacl.length > 0 ? (await import('./shacl-core.js')).ShaclCore.start() : undefined;
  try {
    const built = await buildGraph(manifest, engine, parses, disk, core, inference, mentions);
    const verdict = built.finish().finally(() => core?.close());
    if (defer) verdict.catch(() => undefined);
    else await verdict;
    return { ...built, verdict };
  } catch (err) {
    await core?.close();
    throw err;
  }
}

async function buildGraph(
  manifest: Manifest,
  engine: QueryEngine,
  parses: ParseCache | undefined,
  disk: DiskParseCache | undefined,
  core: ShaclCore | undefined,
  inference: InferenceCache | undefined,
  collectMentions: boolean,
): Promise<Built> {
  const N3 = await import('n3');
  const specFiles = await resolveSources(manifest);
  const shapesFiles = [...new Set(manifest.validation.shacl)].sort(compareCodeUnits);
  const [specTexts, shapesTexts] = await Promise.all([
    readInputs(manifest, specFiles, 'ontology.sources'),
    readInputs(manifest, shapesFiles, 'validation.shacl'),
  ]);

  let phase = TRACE ? performance.now() : 0;
  const mark = (what: string) => {
    if (!TRACE) return;
    trace(phase, `normalize: ${what}`);
    phase = performance.now();
  };
  mark('read');
  const specParsed = await parseAll(specTexts, specFiles, manifest.ontology.baseIri, {
    role: 'spec',
    cache: parses,
    disk,
  });
  const shapesParsed = await parseAll(shapesTexts, shapesFiles, manifest.ontology.baseIri, {
    role: 'shapes',
    cache: parses,
    disk,
  });
  parses?.retain();
  // Under --watch, the last run's graph with this run's delta applied, when that is exact (held-graph.ts).
  const held = parses ? await parses.held.apply(manifest, specFiles, specParsed, shapesParsed, engine) : undefined;
  const store = held ? held.store : newStore(N3);
  // Where every triple was written: where diagnostics point, in the file's own prefixes; and
  // which files mention which terms: the spec files an output's banner names.
  const positions = new SourceIndex();
  const mentions = collectMentions ? new MentionCollector(specFiles) : undefined;
  replayAll(held ? undefined : store, specParsed, specFiles, positions, mentions && ((file) => mentions.file(file)));
  const replayShapes = () => {
    const built = { store: newStore(N3), positions: new SourceIndex() };
    replayAll(built.store, shapesParsed, shapesFiles, built.positions, undefined);
    return built;
  };
  // Under --watch, the last run's shapes graph while its files are unchanged (nothing writes to it).
  const { store: shapes, positions: shapePositions } = parses
    ? parses.held.shapes(shapesParsed, replayShapes)
    : replayShapes();

  mark(held ? 'parse (held graph, delta applied)' : 'parse');
  // A term the vocabulary does not declare fails here, before a shape can misread it. (The held
  // graph has its derived triples too: an unknown term is looked for again in the asserted ones
  // alone, as a graph built afresh is checked, so that the diagnostics are that graph's.)
  let unknown = checkVocabulary(store, positions, manifest.ontology.prefixes);
  if (held && unknown.length > 0) {
    const asserted = newStore(N3);
    for (const p of specParsed) replayParsed(p, asserted, new SourceIndex());
    unknown = checkVocabulary(asserted, positions, manifest.ontology.prefixes);
  }
  if (unknown.length > 0) {
    const finish = async () => {};
    return { graph: undefined, violations: unknown.sort(byLocation), warnings: [], specFiles, positions, finish };
  }

  mark('vocabulary');
  let inferred: number;
  let rounds: number;
  let digest: string;
  let blankNodeLabels: Map<string, string>;
  if (held) {
    // The list index and inference closure are the held run's: the delta touched nothing they read.
    ({ inferred, rounds, digest, labels: blankNodeLabels } = held);
    if (held.inferenceKept) inference?.keep(held.inferenceKept.key, held.inferenceKept.entry);
    mentions?.relabel(blankNodeLabels);
    positions.relabelled(blankNodeLabels);
  } else {
    const indexed = manifest.inference.listIndex ? (await import('./lists.js')).indexLists(store) : 0;
    const ran = await runInference(
      store,
      manifest.inference.rules,
      manifest.inference.maxRounds,
      engine,
      manifest.path,
      inference,
    );
    inferred = indexed + ran.inferred;
    rounds = ran.rounds;
    mark('list index and inference');

    const quads = allQuads(store);
    // The last run's blank node labels when no quad naming a blank node changed: under --watch the
    // session's (digest-warm.ts), else those one-shot runs keep on disk (digest-disk.ts).
    ({ digest, blankNodeLabels } = parses
      ? await parses.digest.digest(quads)
      : disk
        ? await disk.digest.digest(quads)
        : await canonicalDigest(quads));
    await relabelBlankNodes(store, quads, blankNodeLabels);
    mentions?.relabel(blankNodeLabels);
    positions.relabelled(blankNodeLabels);
    if (blankNodeLabels.size > 0) engine.relabelled(store, blankNodeLabels);
    if (parses) {
      const derivation = await derivationOf(manifest.inference.rules, manifest.inference.listIndex, engine);
      const run = { store, inferred, rounds, digest, labels: blankNodeLabels, inferenceKept: inference?.kept };
      parses.held.hold(run, manifest, specFiles, specParsed, shapesParsed, derivation);
    }
  }
  mark('canonical digest');

  const violations: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  let shacl: (() => Promise<ShaclOutcome>) | undefined;
  if (shapesFiles.length > 0) {
    const lineStarts = new Map<string, number[]>();
    shacl = await startShacl({
      data: store,
      shapes,
      prefixes: manifest.ontology.prefixes,
      positions,
      shapePositions,
      shapesFile: shapesFiles[0],
      shapesSource: {
        key: shapesSourceKey(shapesFiles, shapesTexts, manifest.ontology.baseIri),
        quads: shapesParsed.map((p) => p.quads),
      },
      engine,
      locateNode: (t) => {
        const at = shapePositions.subject(t);
        return at ? { file: at.file, line: at.line } : { file: shapesFiles[0] };
      },
      locate: (t, query) => {
        const file = shapePositions.subject(t)?.file ?? shapesFiles[0] ?? '<shapes>';
        const text = shapesTexts.get(file) ?? '';
        const at = text.indexOf(query);
        if (at < 0) return { file, line: 1, column: 1 };
        // Each SPARQL constraint is located (every run): the file's line starts are found once.
        let starts = lineStarts.get(file);
        if (!starts) lineStarts.set(file, (starts = newlines(text)));
        // `n` newlines come before `at`: it is on line n + 1, after the newline at starts[n - 1].
        const n = lowerBound(starts, at);
        return { file, line: n + 1, column: at - (n > 0 ? starts[n - 1]! : -1) };
      },
      ...(core ? { core, split: core.inWorker } : { split: false }),
      ...(parses ? { warm: parses.shacl } : disk ? { warm: disk.shacl } : {}),
    });
  }
  mark('shacl');
  for (const gate of manifest.validation.ask) {
    // Answered from the inference cache when the triples the gate reads are unchanged.
    const answer = inference ? await inference.ask(engine, store, gate.ask) : await engine.ask(store, gate.ask);
    if (answer !== gate.expect) {
      violations.push({
        rule: `ask/${gate.name}`,
        file: gate.ask.file,
        line: gate.ask.line,
        col: gate.ask.column ?? 1,
        message: `ASK gate "${gate.name}" answered ${answer}, expected ${gate.expect}${gate.message ? `: ${gate.message}` : ''}`,
      });
    }
  }

  mark('ask gates');
  const inputs = new Map<string, InputFile>();
  for (const [file, text] of [...specTexts, ...shapesTexts]) inputs.set(file, { path: file, sha256: sha256(text) });
  for (const q of [...manifest.inference.rules.map((r) => r.construct), ...manifest.validation.ask.map((g) => g.ask)]) {
    if (q.file !== manifest.path) inputs.set(q.file, { path: q.file, sha256: sha256(q.text) });
  }

  return {
    graph: {
      store,
      digest,
      specFiles,
      inputs: [...inputs.values()].sort((a, b) => compareCodeUnits(a.path, b.path)),
      tripleCount: store.size,
      inferredTriples: inferred,
      rounds,
      warnings,
      ...(mentions ? { mentions: mentions.result() } : {}),
    },
    violations,
    warnings,
    specFiles,
    positions,
    finish: async () => {
      const outcome = await shacl?.();
      if (!outcome) return;
      violations.unshift(...outcome.violations.sort(byLocation));
      warnings.unshift(...outcome.warnings.sort(byLocation));
    },
  };
}

/** Runs stage 1. Throws InputError on syntax errors, a diverging inference, and listing every violation. */
export async function normalize(
  manifest: Manifest,
  engine: QueryEngine,
  /** Under --watch: parsed files kept between runs (parse-cache.ts). */
  parses?: ParseCache,
  /** Otherwise: parses kept on disk (parse-disk.ts); the caller saves it once the run succeeded. */
  disk?: DiskParseCache,
  /** The inference cache (inference-cache.ts); the caller saves it once the run succeeded. */
  inference?: InferenceCache,
): Promise<NormalizedGraph> {
  const { graph, verdict } = await normalizeDeferred(manifest, engine, parses, disk, inference);
  await verdict;
  return graph;
}

/**
 * normalize() that returns as soon as the graph is ready, SHACL core still validating in its
 * worker: `verdict` rejects with the same InputError normalize() would throw. Join it before
 * anything is written (sync does, before plan). A violation found here (vocabulary, ASK gates)
 * waits for SHACL and throws now, with every violation in the usual order.
 */
export async function normalizeDeferred(
  manifest: Manifest,
  engine: QueryEngine,
  parses?: ParseCache,
  disk?: DiskParseCache,
  inference?: InferenceCache,
): Promise<{ graph: NormalizedGraph; verdict: Promise<void> }> {
  const built = await build(manifest, engine, parses, disk, true, inference);
  const check = async (): Promise<NormalizedGraph> => {
    await built.verdict;
    if (built.violations.length > 0 || !built.graph) throw new InputError(built.violations);
    return built.graph;
  };
  const graph = built.violations.length > 0 || !built.graph ? await check() : built.graph;
  const verdict = check().then(() => undefined);
  verdict.catch(() => undefined);
  return { graph, verdict };
}

/**
 * `ggen validate`: runs stage 1 and reports instead of throwing on violations. Syntax errors and a
 * diverging inference still throw InputError: there is no graph to report on.
 *
 * `cache: true` (the CLI) first asks the graph cache (cache.ts): it holds only graphs that passed
 * validation, keyed by the bytes of every normalize input, the manifest's sections and ggen's own
 * code, so a hit is the verdict a run would reach. validate only reads the cache, never writes it.
 */
export async function validateProject(
  manifest: Manifest,
  engine?: QueryEngine,
  options: { cache?: boolean } = {},
): Promise<ValidationReport> {
  if (options.cache) {
    const { graphCacheKey, readGraphCache } = await import('./cache.js');
    const key = await graphCacheKey(manifest);
    const cached = key ? readGraphCache(manifest, key) : undefined;
    if (cached) {
      return {
        ok: true,
        specFiles: cached.specFiles,
        triples: cached.tripleCount,
        inferred: cached.inferredTriples,
        rounds: cached.rounds,
        digest: cached.digest,
        violations: [],
        warnings: cached.warnings ?? [],
        cached: true,
      };
    }
  }
  const { createQueryEngine } = await import('../engine/index.js');
  if (!engine && options.cache) {
    // The query facts sync stored (engine/query-facts.ts) spare the SPARQL parser; validate only reads them.
    const { QueryFacts } = await import('../engine/query-facts.js');
    engine = await createQueryEngine(manifest.ontology.prefixes, manifest.ontology.engine);
    engine.useQueryFacts(QueryFacts.open(manifest.root));
  }
  // validate reads the disk parse cache (sync writes it), never writes it.
  const disk = options.cache ? await (await import('./parse-disk.js')).DiskParseCache.open(manifest.root) : undefined;
  // So does the inference cache (inference-cache.ts).
  const inference = options.cache
    ? (await import('./inference-cache.js')).InferenceCache.open(manifest.root, manifest.ontology.prefixes)
    : undefined;
  // Which spec file mentions what names the files in sync's banners; a report has none.
  const { graph, violations, warnings, specFiles } = await build(
    manifest,
    engine ?? (await createQueryEngine(manifest.ontology.prefixes, manifest.ontology.engine)),
    undefined,
    disk,
    false,
    inference,
    false,
  );
  return {
    ok: violations.length === 0,
    specFiles,
    triples: graph?.tripleCount ?? 0,
    inferred: graph?.inferredTriples ?? 0,
    rounds: graph?.rounds ?? 0,
    digest: graph?.digest ?? '',
    violations,
    warnings,
    cached: false,
  };
}
