/**
 * `ggen sync`: manifest → normalize → extract → emit → canonicalize → plan →
 * write + receipt. Everything is computed in memory first; the disk is touched
 * only once every stage has succeeded and the plan has no conflict.
 * Heavy stages are imported lazily so that the no-op path never loads them.
 */
import path from 'node:path';
import { CheckFailed, InputError, type Diagnostic } from './errors.js';
import { loadManifest, resolveSources } from './manifest/index.js';
import { parseStatement, type ReceiptView } from './receipt/statement.js';
import type { Manifest } from './types.js';
import type { SkippedTemplate } from './emit/index.js';
import type { Action } from './write/plan.js';
import { readIfExists } from './write/hash.js';

export type Stage =
  'manifest' | 'up-to-date' | 'normalize' | 'extract' | 'emit' | 'canonicalize' | 'plan' | 'write' | 'receipt';

export interface StageReport {
  stage: Stage;
  summary: string;
  ms: number;
}

export interface SyncOptions {
  /** Path to ggen.toml (default `ggen.toml` in the working directory). */
  manifestPath?: string;
  check?: boolean;
  dryRun?: boolean;
  force?: boolean;
  /** ed25519 private key: PEM text or a path to a PEM file. Falls back to the manifest's signing_key_env variable. */
  signingKey?: string;
  /** The query engine for this run, over the manifest's `[ontology] engine`. */
  engine?: import('./engine/types.js').EngineName;
  /** Skip the no-op fast path and the graph cache (always run every stage). */
  noFastPath?: boolean;
  onStage?: (r: StageReport) => void;
  onProgress?: (stage: Stage, done: number, total: number) => void;
  /** Warm state kept between runs of one process (`sync --watch`): engine, formatting worker, compiled templates. */
  session?: import('./sync/session.js').SyncSession;
}

export interface SyncEntry {
  path: string;
  action: Action;
  reason: string;
  template?: string;
  /** Short unified diff (check mode, for create/update/delete/conflict). */
  diff?: string;
}

export interface SyncResult {
  /**
   * - `written`: a full run wrote (or confirmed) every output and the receipt;
   * - `up_to_date`: inputs and outputs match the receipt; nothing ran or was written;
   * - `clean` / `differences`: `--check` outcome;
   * - `dry_run`: nothing written; `entries` says what would happen.
   */
  status: 'written' | 'up_to_date' | 'clean' | 'differences' | 'dry_run';
  entries: SyncEntry[];
  receipt: { path: string; action: 'create' | 'update' | 'unchanged'; diff?: string; signed: boolean };
  graph?: { digest: string; triples: number; inferred: number; rounds: number; specFiles: string[] };
  skipped: SkippedTemplate[];
  /** Spec warnings (e.g. a process no supervisor starts) and write warnings, one Diagnostic shape with errors. */
  warnings: Diagnostic[];
  /** Milliseconds per stage; varies run to run. */
  timings: Record<string, number>;
}

export function dssePathFor(receiptPath: string): string {
  return receiptPath.endsWith('.json')
    ? `${receiptPath.slice(0, -'.json'.length)}.dsse.json`
    : `${receiptPath}.dsse.json`;
}

export async function readPreviousReceipt(manifest: Manifest): Promise<{ view: ReceiptView; text: string } | null> {
  const buf = await readIfExists(path.join(manifest.root, manifest.receipt.path));
  if (!buf) return null;
  const text = buf.toString('utf8');
  try {
    return { view: parseStatement(text), text };
  } catch (err) {
    throw new InputError({
      file: manifest.receipt.path,
      message: `the previous receipt is not a valid ggen receipt (${(err as Error).message}); restore it from version control, or delete it and run sync --force`,
    });
  }
}

/**
 * How many formatting workers this run should use (0: none), judged by the previous receipt's
 * outputs. A first run (no receipt) cannot know how many files it will make, so it uses them.
 */
async function wantsFormatPool(previous: { view: ReceiptView } | null): Promise<number> {
  const [{ workerCount }, { parserFor }] = await Promise.all([
    import('./canonicalize/pool.js'),
    import('./canonicalize/format.js'),
  ]);
  const expected = previous
    ? [...previous.view.subjects.keys()].filter((name) => parserFor(name)).length
    : Number.MAX_SAFE_INTEGER;
  return workerCount(expected, true);
}

function resolveSigningKey(manifest: Manifest, flag: string | undefined): string | undefined {
  if (flag) return flag;
  const env = process.env[manifest.receipt.signingKeyEnv];
  return env && env.trim() !== '' ? env : undefined;
}

export async function sync(opts: SyncOptions = {}): Promise<SyncResult> {
  const timings: Record<string, number> = {};
  const started = performance.now();
  let t = started;
  /** `spent`: for stages that ran interleaved (extract, emit), their own share of the time since the last stage. */
  const stage = (name: Stage, summary: string, spent?: number): void => {
    const now = performance.now();
    const ms = Math.round(spent ?? now - t);
    timings[name] = ms;
    t = now;
    opts.onStage?.({ stage: name, summary, ms });
  };
  const readOnly = Boolean(opts.check || opts.dryRun);

  const manifest = await loadManifest(opts.manifestPath ?? 'ggen.toml');
  if (opts.engine) manifest.ontology.engine = opts.engine;
  const keySpec = resolveSigningKey(manifest, opts.signingKey);
  const { loadPrivateKey, KeyError } = await import('./receipt/dsse.js');
  let privateKey;
  try {
    privateKey = keySpec ? loadPrivateKey(keySpec) : undefined;
  } catch (err) {
    if (err instanceof KeyError) throw new InputError({ message: err.message });
    throw err;
  }
  stage('manifest', manifest.path);

  let release: (() => void) | undefined;
  if (!readOnly) {
    // ggen's own folders are refused when symlinked, as output folders are: nothing is written through them.
    const { refuseSymlinks, PathEscape } = await import('./write/paths.js');
    try {
      for (const dir of ['.ggen/cache', path.dirname(manifest.receipt.path)]) refuseSymlinks(manifest.root, dir);
    } catch (err) {
      if (err instanceof PathEscape) throw new InputError({ message: err.message });
      throw err;
    }
    const { acquireLock } = await import('./write/lock.js');
    release = await acquireLock(manifest.root);
  }
  try {
    return await run(manifest, opts, privateKey, stage, timings, started);
  } finally {
    release?.();
  }
}

async function run(
  manifest: Manifest,
  opts: SyncOptions,
  privateKey: import('node:crypto').KeyObject | undefined,
  stage: (name: Stage, summary: string, spent?: number) => void,
  timings: Record<string, number>,
  started: number,
): Promise<SyncResult> {
  const readOnly = Boolean(opts.check || opts.dryRun);
  const previous = await readPreviousReceipt(manifest);
  const receiptAbs = path.join(manifest.root, manifest.receipt.path);
  const dsseRel = dssePathFor(manifest.receipt.path);
  const warnings: Diagnostic[] = [];

  const signIfNeeded = async (receiptText: string, write: boolean): Promise<boolean> => {
    if (!privateKey) return false;
    const { signEnvelope, serializeEnvelope } = await import('./receipt/dsse.js');
    const env = serializeEnvelope(signEnvelope(Buffer.from(receiptText, 'utf8'), privateKey));
    const abs = path.join(manifest.root, dsseRel);
    if (write && (await readIfExists(abs))?.toString('utf8') !== env) {
      const { writeAtomic } = await import('./write/atomic.js');
      writeAtomic(abs, env, manifest.root);
    }
    return true;
  };

  if (previous && !opts.noFastPath) {
    const { checkUpToDate } = await import('./sync/fast-path.js');
    const verdict = await checkUpToDate(manifest, previous.view);
    if (verdict.upToDate) {
      const signed = await signIfNeeded(previous.text, !readOnly);
      stage('up-to-date', `${previous.view.subjects.size} outputs match ${manifest.receipt.path}; inputs unchanged`);
      timings.total = Math.round(performance.now() - started);
      return {
        status: opts.check ? 'clean' : opts.dryRun ? 'dry_run' : 'up_to_date',
        entries: [...previous.view.subjects.keys()].map((p) => ({
          path: p,
          action: 'unchanged' as const,
          reason: 'up to date',
        })),
        receipt: { path: manifest.receipt.path, action: 'unchanged', signed },
        skipped: [],
        warnings,
        timings,
      };
    }
  }

  // The formatting worker starts at the first file the format cache cannot answer, and formats
  // while this thread extracts and renders the next templates (pool.ts). It is closed however the
  // run ends.
  let pool: import('./canonicalize/pool.js').FormatPool | undefined;
  const { FormatPool, workerCount } = await import('./canonicalize/pool.js');
  // Under --watch one worker stays up between runs, Prettier warm in it (session.ts).
  const session = opts.session;
  const startPool: ((warm?: boolean) => import('./canonicalize/pool.js').FormatPool) | undefined = session
    ? workerCount(Number.MAX_SAFE_INTEGER, true) > 0
      ? () => (session.pool ??= FormatPool.start(1))
      : undefined
    : await wantsFormatPool(previous).then((n) =>
        // One now; the others while it waits for work (pool.ts `spare`).
        n > 0 ? (warm = true) => (pool ??= FormatPool.start(1, warm, n - 1)) : undefined,
      );
  // Only bodies are formatted, so a run with a format cache often formats nothing (an edit that
  // changes banners only): its worker starts at the first miss, if any. A run with no format cache
  // (the first, --full), a run whose graph inputs changed, and --watch start it now, on the other
  // core, while this thread normalizes (canonicalize/start-policy.ts).
  // Under --watch the cache files are kept in the session's memory between runs (fs/cache-file.ts).
  const cacheOptions = { read: !opts.noFastPath, ...(session ? { memory: session.caches } : {}) };
  const { FormatCache } = await import('./canonicalize/format-cache.js');
  const formatCache = FormatCache.open(manifest.root, cacheOptions);
  if (startPool) {
    const { startsEarly, graphInputsChanged } = await import('./canonicalize/start-policy.js');
    const early = await startsEarly({
      watch: Boolean(session),
      formatCacheEmpty: formatCache.empty,
      graphChanged: async () =>
        graphInputsChanged(manifest.root, previous?.view ?? null, await resolveSources(manifest)),
      env: process.env.GGEN_FORMAT_EARLY,
    });
    if (early) startPool(early.warm);
  }
  // SHACL's verdict (its core-only shapes validate in a worker meanwhile with GGEN_SHACL_WORKER=1).
  let verdict: Promise<void> | undefined;
  let heavy;
  try {
    heavy = await (async () => {
      const { createQueryEngine, validateRows } = await import('./extract/index.js');
      const { normalizeCached, GRAPH_CACHE_FILE, subjectsOfType } = await import('./normalize/cache.js');
      // The engine loads only if something needs a query run: a graph or a result the caches lack.
      let engine: ReturnType<typeof createQueryEngine> | undefined;
      const engineName = manifest.ontology.engine;
      const create = () => createQueryEngine(manifest.ontology.prefixes, engineName);
      // What the queries' parses told (query-facts.ts): a run whose queries are unchanged skips the parser.
      const { QueryFacts } = await import('./engine/query-facts.js');
      const queryFacts = QueryFacts.open(manifest.root, cacheOptions);
      const getEngine = () =>
        (engine ??= (session ? session.engine(engineName, manifest.ontology.prefixes, create) : create()).then(
          (e) => (e.useQueryFacts(queryFacts), e),
        ));
      const normalized = await normalizeCached(manifest, getEngine, {
        read: !opts.noFastPath,
        defer: true,
        ...(session ? { parses: session.parses, memory: session.caches } : {}),
      });
      verdict = normalized.verdict;
      const { graph, hit, save: saveGraph } = normalized;
      stage(
        'normalize',
        `${graph.tripleCount} triples (${graph.inferredTriples} inferred), ${graph.rounds} round${graph.rounds === 1 ? '' : 's'}${hit ? `; inputs unchanged, graph from ${GRAPH_CACHE_FILE}` : ''}`,
      );
      // A first run (no format cache: nor any other) or --full queries the graph it built: Oxigraph's
      // module compiles on a background thread meanwhile (engine/oxigraph.ts), not at the first
      // query. Only for a graph small enough that any part of it picks the same compile tiers.
      if (
        !hit &&
        formatCache.empty &&
        (engineName ?? (await import('./engine/types.js')).DEFAULT_ENGINE) === 'oxigraph'
      ) {
        const { loadOxigraph, LIFTOFF_ONLY_MAX_TRIPLES } = await import('./engine/oxigraph.js');
        if (graph.tripleCount <= LIFTOFF_ONLY_MAX_TRIPLES) void loadOxigraph(graph.tripleCount).catch(() => {});
      }
      // The npm packages the spec's patterns need (pack.toml npm_packages): warned, never installed.
      const { appPackages, missingAppPackages } = await import('./app-packages.js');
      warnings.push(
        ...missingAppPackages(
          appPackages(manifest.packs, subjectsOfType(graph), manifest.ontology.prefixes),
          manifest.root,
        ),
      );

      // Template by template: extract, render, and hand the files to the formatting workers, which
      // format them on another core while the next template is queried.
      const setupStarted = performance.now();
      const [emit, { Canonicalizer }, { RowsCache }, { RenderCache }, { FrontmatterCache }] = await Promise.all([
        import('./emit/index.js'),
        import('./canonicalize/index.js'),
        import('./extract/rows-cache.js'),
        import('./emit/render-cache.js'),
        import('./emit/frontmatter-cache.js'),
      ]);
      const { renderOrder, inTemplateOrder } = await import('./canonicalize/order.js');
      // A graph built this run (not from the graph cache) keys each query by the triples it can read (extract/scope.ts).
      // A one-shot run's missed queries run on the triples they read (the whole graph stays loaded under --watch).
      const scope = hit
        ? undefined
        : (await import('./extract/scope.js')).rowsScope(graph.store, getEngine, { subgraphs: !session });
      const rowsCache = RowsCache.open(manifest.root, graph, manifest.ontology.prefixes, cacheOptions, scope);
      // Queries answer about `graph.store`, read only here, at the first query the rows cache
      // misses: a graph from the graph cache builds its store then (normalize/cache.ts), not before.
      const queries = {
        select: async (_: unknown, q: import('./types.js').QueryText) => ({
          variables: [],
          rows: await rowsCache.select(
            q,
            async (part) => (await (await getEngine()).select(part ?? graph.store, q)).rows,
          ),
        }),
        ask: (_: unknown, q: import('./types.js').QueryText) =>
          rowsCache.ask(q, async (part) => (await getEngine()).ask(part ?? graph.store, q)),
      };
      const frontmatterCache = FrontmatterCache.open(manifest.root, cacheOptions);
      const templates = await emit.loadTemplates(manifest, frontmatterCache);
      const extract = emit.createExtractor({ store: undefined as never }, queries, validateRows);
      const renderCache = RenderCache.open(manifest.root, cacheOptions);
      const renderer = await emit.createRenderer(manifest, graph, templates.dirs, session?.renderer, renderCache);
      const canonicalizer = new Canonicalizer(graph, {
        outputDir: manifest.generation.outputDir,
        cache: formatCache,
        ...(startPool ? { pool: startPool } : {}),
        onProgress: opts.onProgress ? (d, n) => opts.onProgress!('canonicalize', d, n) : undefined,
      });
      // Loading templates and caches counts as extract, so that the stage lines add up to the total.
      let extractMs = performance.now() - setupStarted;
      let emitMs = 0;
      let rowCount = 0;
      for (const template of renderOrder(templates.templates)) {
        const t0 = performance.now();
        const x = await extract(template);
        const t1 = performance.now();
        rowCount += Object.values(x.data).reduce((m, r) => m + r.length, 0);
        canonicalizer.submit(renderer.add(x));
        extractMs += t1 - t0;
        emitMs += performance.now() - t1;
      }
      const rendered = inTemplateOrder(renderer.result(), templates.templates);
      stage(
        'extract',
        `${templates.templates.length} template${templates.templates.length === 1 ? '' : 's'}, ${rowCount} rows`,
        extractMs,
      );
      stage(
        'emit',
        `${rendered.files.length} file${rendered.files.length === 1 ? '' : 's'}${rendered.skipped.length ? `, ${rendered.skipped.length} template(s) skipped` : ''}${rendered.reused.length ? `, ${rendered.reused.length} template(s) unchanged (render cache)` : ''}`,
        emitMs,
      );

      const formatted = await canonicalizer.finish(rendered.files);
      return {
        graph,
        saveGraph,
        templates,
        rendered,
        rowsCache,
        renderCache,
        frontmatterCache,
        formatted,
        queryFacts,
        prettier: canonicalizer.counts.formatted,
      };
    })();
  } catch (err) {
    // An invalid graph may break extract or a template too: the shapes' verdict is the error to report.
    await verdict;
    throw err;
  } finally {
    await pool?.close();
  }
  const {
    graph,
    saveGraph,
    templates,
    rendered,
    rowsCache,
    renderCache,
    frontmatterCache,
    formatted,
    queryFacts,
    prettier,
  } = heavy;
  stage(
    'canonicalize',
    `${formatted.length} file${formatted.length === 1 ? '' : 's'} formatted, ${prettier} by Prettier`,
  );
  // Joined before anything else can fail or be written (the wait, if any, counts in the plan stage).
  await verdict;
  const [{ checkGeneratedImports }, { excludedOutcomes }] = await Promise.all([
    import('./emit/imports.js'),
    import('./emit/outcome.js'),
  ]);
  const unresolved = checkGeneratedImports({
    root: manifest.root,
    outputDir: manifest.generation.outputDir,
    files: formatted,
    outcomes: [...(await excludedOutcomes(manifest.root, templates.excluded)), ...rendered.outcomes],
    previousOutputs: previous?.view.subjects.keys(),
  });
  if (unresolved.length > 0) throw new InputError(unresolved);

  const { planWrites, PathEscape } = await import('./write/index.js');
  let plan;
  try {
    plan = await planWrites({
      root: manifest.root,
      outputDir: manifest.generation.outputDir,
      handwrittenDir: manifest.generation.handwrittenDir,
      files: formatted,
      previous: previous?.view ?? null,
      force: Boolean(opts.force),
    });
  } catch (err) {
    if (err instanceof PathEscape) {
      const [file, ...rest] = err.message.split(': ');
      throw new InputError({ file, message: rest.join(': ') || err.message });
    }
    throw err;
  }

  const { dedupe, hashInputs } = await import('./sync/inputs.js');
  const { buildStatement, serializeStatement, packageVersions } = await import('./receipt/index.js');
  const shapes = new Set(manifest.validation.shacl);
  const specs = new Set(graph.specFiles);
  const inputs = await hashInputs(
    manifest.root,
    dedupe([
      { path: manifest.path, role: 'manifest' },
      ...manifest.packs.map((p) => ({ path: p.manifestFile, role: 'pack' as const })),
      ...manifest.packs.flatMap((p) => (p.viewFiles ?? []).map((f) => ({ path: f, role: 'pack' as const }))),
      ...graph.inputs.map((i) => ({
        path: i.path,
        role: specs.has(i.path) ? ('spec' as const) : shapes.has(i.path) ? ('shapes' as const) : ('rule' as const),
      })),
      ...templates.templates.map((tp) => ({ path: tp.file, role: 'template' as const })),
      ...templates.partials.map((p) => ({ path: p, role: 'partial' as const })),
      ...templates.templates.flatMap((tp) =>
        tp.deps.map((d) => ({ path: d, role: d.endsWith('.json') ? ('schema' as const) : ('query' as const) })),
      ),
    ]),
  );
  const statement = buildStatement({
    manifest,
    outputs: plan.outputs,
    inputs,
    packages: packageVersions(),
    graph: {
      digest: graph.digest,
      tripleCount: graph.tripleCount,
      inferredTriples: graph.inferredTriples,
      rounds: graph.rounds,
    },
  });
  const receiptText = serializeStatement(statement);
  const receiptAction = !previous ? 'create' : previous.text === receiptText ? 'unchanged' : 'update';

  const counts = (a: Action): number => plan.entries.filter((e) => e.action === a).length;
  stage(
    'plan',
    `${counts('create')} to create, ${counts('update')} to update, ${counts('delete')} to delete, ${counts('unchanged')} unchanged${plan.conflicts.length ? `, ${plan.conflicts.length} conflict(s)` : ''}`,
  );

  const base = {
    graph: {
      digest: graph.digest,
      triples: graph.tripleCount,
      inferred: graph.inferredTriples,
      rounds: graph.rounds,
      specFiles: graph.specFiles,
    },
    skipped: [
      ...templates.excluded.map((x) => ({
        template: x.template,
        reason: `excluded (generation.exclude names ${x.name} of pack ${x.pack})`,
        outcome: 'excluded' as const,
      })),
      ...rendered.skipped,
    ],
    warnings,
    timings,
  };
  warnings.push(...(graph.warnings ?? []));
  for (const e of plan.entries) {
    if (e.action === 'keep' && e.reason.startsWith('orphan'))
      warnings.push({ severity: 'warning', rule: 'write/orphan', file: e.path, message: e.reason });
  }

  if (opts.check) {
    const { unifiedDiff } = await import('./write/diff.js');
    const entries: SyncEntry[] = plan.entries.map((e) => {
      const changes =
        e.action === 'create' || e.action === 'update' || e.action === 'delete' || e.action === 'conflict';
      return {
        path: e.path,
        action: e.action,
        reason: e.reason,
        template: e.template,
        diff: changes
          ? unifiedDiff(e.old ?? '', e.action === 'delete' ? '' : (e.content ?? ''), e.path, { maxLines: 12 })
          : undefined,
      };
    });
    const receiptDiff =
      receiptAction === 'unchanged'
        ? undefined
        : unifiedDiff(previous?.text ?? '', receiptText, manifest.receipt.path, { maxLines: 12 });
    const differs = entries.some((e) => e.diff !== undefined) || receiptAction !== 'unchanged';
    timings.total = Math.round(performance.now() - started);
    return {
      ...base,
      status: differs ? 'differences' : 'clean',
      entries,
      receipt: { path: manifest.receipt.path, action: receiptAction, diff: receiptDiff, signed: Boolean(privateKey) },
    };
  }

  const entries: SyncEntry[] = plan.entries.map((e) => ({
    path: e.path,
    action: e.action,
    reason: e.reason,
    template: e.template,
  }));
  if (opts.dryRun) {
    timings.total = Math.round(performance.now() - started);
    return {
      ...base,
      status: 'dry_run',
      entries,
      receipt: { path: manifest.receipt.path, action: receiptAction, signed: Boolean(privateKey) },
    };
  }

  if (plan.conflicts.length > 0) {
    throw new CheckFailed(
      ['sync stopped; nothing was written:', ...plan.conflicts.map((c) => `  ${c.path}: ${c.reason}`)].join('\n'),
    );
  }

  const { applyPlan } = await import('./write/plan.js');
  const { writeAtomic } = await import('./write/atomic.js');
  await applyPlan(plan, path.join(manifest.root, manifest.generation.outputDir));
  await saveGraph();
  formatCache.save();
  rowsCache.save();
  renderCache.save();
  frontmatterCache.save();
  queryFacts.save();
  stage(
    'write',
    `${counts('create')} created, ${counts('update')} updated, ${counts('delete')} deleted, ${counts('unchanged')} unchanged`,
  );
  if (receiptAction !== 'unchanged') writeAtomic(receiptAbs, receiptText, manifest.root);
  const signed = await signIfNeeded(receiptText, true);
  if (!signed && receiptAction !== 'unchanged' && (await readIfExists(path.join(manifest.root, dsseRel)))) {
    warnings.push({
      severity: 'warning',
      rule: 'receipt/stale-signature',
      file: dsseRel,
      message: 'signs an older receipt; give a signing key to refresh it',
    });
  }
  stage('receipt', `${manifest.receipt.path} ${receiptAction}${signed ? `, signed (${dsseRel})` : ''}`);
  timings.total = Math.round(performance.now() - started);
  return {
    ...base,
    status: 'written',
    entries,
    receipt: { path: manifest.receipt.path, action: receiptAction, signed },
  };
}
