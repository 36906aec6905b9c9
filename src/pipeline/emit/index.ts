/**
 * Stages 2 and 3: run each template's queries (extract), then render its outputs
 * (emit) in memory. Nothing here touches the output directory.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Store } from 'n3';
import type { ILoader } from 'nunjucks';
import { TRACE, trace } from '../engine/base.js';
import { InputError } from '../errors.js';
import type { Manifest, NormalizedGraph, QueryText, RenderedFile, Row, SpecMentions } from '../types.js';
import { installFastTransform, type Nodes } from './fast-transform.js';
import { FILTERS } from './filters.js';
import { precompiledProps, type CompileEnv } from './precompiled.js';
import { outputFingerprint } from './output-key.js';
import { ReadLog, scoped, withLog } from './reads.js';
import { dataDigest, mentionsDigest, RenderCache, type CachedOutput, type CachedTemplate } from './render-cache.js';
import type { TemplateOutcome } from './outcome.js';
import { splitFrontmatter, toPosix, type TemplateSet, type TemplateSpec } from './templates.js';
import { loadViews, rowsBehind } from './views.js';

export { loadTemplates, discoverTemplateFiles, type TemplateSet, type TemplateSpec } from './templates.js';

/** The part of extract's QueryEngine that emit uses (structural, so tests can pass a fake). */
export interface EmitEngine {
  select(store: Store, query: QueryText): Promise<{ variables: string[]; rows: Row[] }>;
  ask(store: Store, query: QueryText): Promise<boolean>;
}
export type RowValidator = (rows: Row[], schema: object, schemaFile: string) => void;

export interface ExtractedTemplate {
  template: TemplateSpec;
  /** false when `when` answered false or `skip_empty` found no rows. */
  active: boolean;
  reason?: string;
  data: Record<string, Row[]>;
}

export interface SkippedTemplate {
  template: string;
  reason: string;
  /** `excluded`: a pack template that ggen.toml `generation.exclude` leaves out (it never ran). */
  outcome?: 'excluded';
}

export interface EmitResult {
  /** Sorted by path. */
  files: RenderedFile[];
  skipped: SkippedTemplate[];
  /** One per template, in template order: whether it rendered, why not, which rows fed each output. */
  outcomes: TemplateOutcome[];
  /** Templates whose outputs came from the render cache (render-cache.ts) instead of a render, in template order. */
  reused: string[];
  /** Outputs of the other templates that came from their own render cache entry (output-key.ts), sorted. */
  reusedOutputs: string[];
}

export async function extractTemplateData(
  set: TemplateSet,
  graph: Pick<NormalizedGraph, 'store'>,
  engine: EmitEngine,
  validateRows: RowValidator,
): Promise<ExtractedTemplate[]> {
  const extract = createExtractor(graph, engine, validateRows);
  const out: ExtractedTemplate[] = [];
  for (const t of set.templates) out.push(await extract(t));
  return out;
}

/** Extracts one template at a time (so sync can render and format it while the next is queried). */
export function createExtractor(
  graph: Pick<NormalizedGraph, 'store'>,
  engine: EmitEngine,
  validateRows: RowValidator,
): (t: TemplateSpec) => Promise<ExtractedTemplate> {
  // Templates share queries (supervisors, children, operations...): each distinct query text runs
  // once per run. The store does not change during extract, so the rows are the same.
  const selected = new Map<string, Promise<Row[]>>();
  const select = (query: QueryText): Promise<Row[]> => {
    let rows = selected.get(query.text);
    if (!rows) {
      rows = engine.select(graph.store, query).then((r) => r.rows);
      selected.set(query.text, rows);
    }
    return rows;
  };
  return async (t) => {
    if (t.when && !(await engine.ask(graph.store, t.when))) {
      return { template: t, active: false, reason: 'when: ASK answered false', data: {} };
    }
    const data: Record<string, Row[]> = {};
    for (const q of t.queries) data[q.name] = await select(q.query);
    for (const s of t.schemas) validateRows(data[s.query] ?? [], s.schema, s.file);
    const lists = t.forEach ? [data[t.forEach]!] : Object.values(data);
    if (t.skipEmpty && lists.length > 0 && lists.every((rows) => rows.length === 0)) {
      return { template: t, active: false, reason: 'skip_empty: no rows', data };
    }
    if (t.forEach && data[t.forEach]!.length === 0) {
      return { template: t, active: true, reason: 'for_each: no rows', data };
    }
    return { template: t, active: true, data };
  };
}

const RENDER_ERROR = /\(([^()\n]+)\) \[Line (\d+), Column (\d+)\]/g;

/** Nunjucks error text → `file:line:col: message`, with lines shifted past the frontmatter. */
export function mapNunjucksError(
  err: unknown,
  fallback: { file: string; line?: number },
  offsets: Map<string, number>,
): InputError {
  if (err instanceof InputError) return err;
  const text = String((err as Error)?.message ?? err);
  const matches = [...text.matchAll(RENDER_ERROR)].filter((m) => m[1] !== 'unknown path');
  const last = matches.at(-1);
  const detail =
    text
      .slice(last ? last.index! + last[0].length : 0)
      .split('\n')
      .map((l) =>
        l
          .trim()
          .replace(/^(Template render error: \([^)]*\)|Error: )/, '')
          .trim(),
      )
      .filter((l) => l && !/^\([^)]*\)$/.test(l))
      .join(' ') || text;
  const message = /attempted to output null or undefined value/.test(detail)
    ? 'undefined variable: the template outputs a value that is not defined (strict undefined)'
    : detail;
  const point = firstFailure;
  firstFailure = undefined;
  if (point)
    return new InputError({
      file: point.file,
      line: point.line + (offsets.get(point.file) ?? 0),
      col: point.col,
      message,
    });
  if (last) {
    const file = last[1]!;
    return new InputError({ file, line: Number(last[2]) + (offsets.get(file) ?? 0), col: Number(last[3]), message });
  }
  return new InputError({ file: fallback.file, line: fallback.line, message });
}

/** What emit needs of the graph: the digest and spec files (templates' `graph`) and who mentions what (banners). */
export type EmitGraph = Pick<NormalizedGraph, 'digest' | 'specFiles' | 'mentions'>;

export async function render(
  manifest: Manifest,
  graph: EmitGraph,
  extracted: ExtractedTemplate[],
): Promise<EmitResult> {
  const renderer = await createRenderer(manifest, graph);
  for (const x of extracted) renderer.add(x);
  return renderer.result();
}

export interface Renderer {
  /** Renders one extracted template; returns its files (also kept for `result`). */
  add(x: ExtractedTemplate): RenderedFile[];
  /** Every file rendered so far, sorted by path, and the skipped templates. */
  result(): EmitResult;
}

/** Filters that scan a whole list of rows: their scan is not a read of the rows they pass over (reads.ts). */
const SCOPING_FILTERS = new Set(['where', 'sortBy', 'groupBy']);

/** Partials a template names with a literal include/import/from/extends; null if a name is computed. */
const PARTIAL_REF = /\{%-?\s*(?:include|import|from|extends)\s+(?:(["'])(.*?)\1|(\S))/g;

interface PartialRefs {
  /** Partial names given literally, in order of appearance (repeats kept). */
  names: string[];
  /** Whether some include/import/from/extends computes its name. */
  computed: boolean;
}

function refsOf(text: string): PartialRefs {
  const names: string[] = [];
  let computed = false;
  for (const m of text.matchAll(PARTIAL_REF)) {
    if (m[3] !== undefined) computed = true;
    else if (m[2] !== undefined) names.push(m[2]);
  }
  return { names, computed };
}

/**
 * Compiled templates kept between runs of one process (`sync --watch`). The Nunjucks environment
 * caches the partials it loads, so it and everything compiled against it are reused only while
 * every template file under the templates directories has the same text (`key`).
 */
export interface RendererCache {
  key: string;
  env?: unknown;
  offsets?: Map<string, number>;
  compiled: Map<string, unknown>;
}

/**
 * `dirs`: the templates directories an include is looked up in, in order (the project's, then
 * each pack's, last pack first; see discoverTemplateFiles).
 */
export async function createRenderer(
  manifest: Manifest,
  graph: EmitGraph,
  dirs: string[] = [manifest.generation.templates],
  cache?: RendererCache,
  /** Outputs of earlier runs, reused for a template whose closure, rows and context are unchanged (render-cache.ts). */
  renderCache?: RenderCache,
): Promise<Renderer> {
  const templatesDirs = dirs.map((d) => path.resolve(manifest.root, d));
  let key = '';
  if (cache) {
    const h = createHash('sha256').update(`${manifest.root}\0`);
    for (const templatesDir of templatesDirs) {
      h.update(`${templatesDir}\0`);
      for (const name of listTemplateFiles(templatesDir, true)) {
        let text = '';
        try {
          text = readFileSync(path.join(templatesDir, name), 'utf8');
        } catch {
          /* gone: counts as empty */
        }
        h.update(`${name}\0${Buffer.byteLength(text)}:`).update(text);
      }
    }
    key = h.digest('hex');
    if (cache.key !== key) {
      cache.key = key;
      cache.env = undefined;
      cache.offsets = undefined;
      cache.compiled.clear();
    }
  }
  const offsets = cache?.offsets ?? new Map<string, number>();

  // Nunjucks is loaded at the first compile (~30 ms): a run whose every template is answered by
  // the render cache never loads it. `add` is synchronous, hence require.
  type Template = InstanceType<Nunjucks['Template']>;
  let loaded: { nunjucks: Nunjucks; env: InstanceType<Nunjucks['Environment']> } | undefined;
  const load = (): NonNullable<typeof loaded> => {
    if (loaded) return loaded;
    const nunjucks = instrumentedNunjucks();
    class PartialLoader extends nunjucks.Loader {
      getSource(name: string): { src: string; path: string; noCache: boolean } {
        const { src, path: rel } = partialSource(name);
        // The build's compiled code of this text (precompiled.ts), if any, as Nunjucks takes it from a loader.
        const props = precompiledProps(src, rel, env as unknown as CompileEnv);
        return { src: props ? ({ type: 'code', obj: props } as unknown as string) : src, path: rel, noCache: false };
      }
    }
    const partialSource = (name: string): { src: string; path: string } => {
      let abs: string | undefined;
      let src: string | undefined;
      for (const templatesDir of templatesDirs) {
        const candidate = path.resolve(templatesDir, name);
        if (path.relative(templatesDir, candidate).startsWith('..'))
          throw new Error(`include "${name}" is outside the templates directory`);
        try {
          src = readFileSync(candidate, 'utf8');
          abs = candidate;
          break;
        } catch {
          /* the next directory */
        }
      }
      if (abs === undefined || src === undefined) throw new Error(`template "${name}" not found in ${dirs.join(', ')}`);
      const rel = toPosix(path.relative(manifest.root, abs));
      const fm = splitFrontmatter(src);
      if (fm) offsets.set(rel, fm.offset);
      return { src: fm ? fm.body : src, path: rel };
    };
    let env = cache?.env as InstanceType<Nunjucks['Environment']> | undefined;
    if (!env) {
      env = new nunjucks.Environment(new PartialLoader() as unknown as ILoader, ENVIRONMENT_OPTIONS);
      for (const [name, fn] of Object.entries(FILTERS))
        env.addFilter(name, SCOPING_FILTERS.has(name) ? scoped(fn) : fn);
      strictFilters(env as unknown as { filters: Record<string, (...a: unknown[]) => unknown> });
      if (cache) {
        cache.env = env;
        cache.offsets = offsets;
      }
    }
    return (loaded = { nunjucks, env });
  };
  const compile = (src: string, name: string): Template => {
    const k = `${name}\0${src}`;
    const hit = cache?.compiled.get(k) as Template | undefined;
    if (hit) return hit;
    const { nunjucks, env } = load();
    const props = precompiledProps(src, name, env as unknown as CompileEnv);
    const t = new nunjucks.Template(props ? ({ type: 'code', obj: props } as unknown as string) : src, env, name, true);
    cache?.compiled.set(k, t);
    return t;
  };

  const outputDir = manifest.generation.outputDir;
  const handwrittenDir = manifest.generation.handwrittenDir;
  /** The hand-written folder seen from the output directory, and back: what generated imports and stubs need. */
  const fromOutput = path.posix.relative(outputDir, handwrittenDir);
  const views = await loadViews(manifest.root, manifest.packs ?? []);
  const base = {
    vars: manifest.generation.vars,
    project: manifest.project,
    graph: { digest: graph.digest, specFiles: graph.specFiles },
    // The folders (from the project root), and each seen from the other (for relative imports).
    paths: {
      outputDir,
      handwrittenDir,
      handwritten: fromOutput,
      output: path.posix.relative(handwrittenDir, outputDir),
    },
  };
  /** The context's `graph` as a render cache entry records it (render-cache.ts). */
  const graphJson = JSON.stringify(base.graph);
  /** The context besides the rows and `graph`, as a render cache key covers it. */
  const context = { vars: base.vars, project: base.project, paths: base.paths };
  const contextJson = JSON.stringify(context);
  const files: RenderedFile[] = [];
  const reused: string[] = [];
  const reusedOutputs: string[] = [];
  const skipped: SkippedTemplate[] = [];
  const outcomes: TemplateOutcome[] = [];
  const owner = new Map<string, string>();

  // The partials a template can reach, by name (relative to the templates dir), with their text.
  const partialText = new Map<string, string | null>();
  const readPartial = (name: string): string | null => {
    if (!partialText.has(name)) {
      let text: string | null = null;
      for (const dir of templatesDirs) if ((text = readIfFile(path.resolve(dir, name))) !== null) break;
      partialText.set(name, text);
    }
    return partialText.get(name)!;
  };
  /** Whether a list could be mentionedFiles' answer: spec files of this graph, in its order, each once. */
  let specIndex: Map<string, number> | undefined;
  const namesSpecFiles = (list: readonly string[]): boolean => {
    specIndex ??= new Map(graph.specFiles.map((f, i) => [f, i]));
    let last = -1;
    for (const f of list) {
      const i = specIndex.get(f);
      if (i === undefined || i <= last) return false;
      last = i;
    }
    return true;
  };

  /** What each partial names (by partial name; its text does not change during a run). */
  const partialRefsByName = new Map<string, PartialRefs>();
  const partialRefs = (name: string, src: string): PartialRefs => {
    let r = partialRefsByName.get(name);
    if (!r) partialRefsByName.set(name, (r = refsOf(src)));
    return r;
  };
  /** sha256 over what a template is made of: frontmatter that matters, body, queries, and the partials it reaches. */
  const closureDigest = (t: TemplateSpec): string => {
    const h = createHash('sha256');
    const part = (s: string): void => void h.update(`${Buffer.byteLength(s)}:`).update(s);
    part('ggen-output-inputs/1');
    part(JSON.stringify([t.file, t.to, t.mode, t.single, t.forEach ?? null, t.skipEmpty]));
    if (t.root === 'handwritten') part('root: handwritten');
    part(t.body);
    for (const q of t.queries) part(`${q.name}\0${q.query.text}`);
    part(t.when ? t.when.text : '');
    part(t.name !== undefined && views.views.has(t.name) ? views.text : '');
    const seen = new Set<string>();
    let computed = false;
    const scan = (ref: PartialRefs): void => {
      computed ||= ref.computed;
      for (const name of ref.names) {
        if (seen.has(name)) continue;
        seen.add(name);
        const src = readPartial(name);
        if (src !== null) scan(partialRefs(name, src));
      }
    };
    scan(refsOf(t.body));
    // A computed name could reach any partial: count every one there is.
    if (computed) for (const dir of templatesDirs) for (const name of listTemplateFiles(dir, false)) seen.add(name);
    for (const name of [...seen].sort()) part(`${name}\0${readPartial(name) ?? ''}`);
    return h.digest('hex');
  };

  const add = (x: ExtractedTemplate): RenderedFile[] => {
    const started = TRACE ? performance.now() : 0;
    const mine = addTemplate(x);
    if (TRACE) {
      const own = mine.filter((f) => reusedOutputs.includes(f.path)).length;
      const how =
        reused.at(-1) === x.template.file ? ', render cache' : own > 0 ? `, ${own} from the render cache` : '';
      trace(started, `emit ${x.template.file}: ${mine.length} output(s)${how}`);
    }
    return mine;
  };

  const addTemplate = (x: ExtractedTemplate): RenderedFile[] => {
    const t = x.template;
    const mine: RenderedFile[] = [];
    const outcome: TemplateOutcome = {
      template: t.file,
      kind: 'rendered',
      reason: '',
      to: t.to,
      toLine: t.toLine,
      outputs: [],
    };
    outcomes.push(outcome);
    if (!x.active) {
      skipped.push({ template: t.file, reason: x.reason ?? 'inactive' });
      outcome.kind = x.reason?.startsWith('when') ? 'when-false' : 'skip-empty';
      outcome.reason = x.reason ?? 'inactive';
      return mine;
    }
    if (x.reason) {
      skipped.push({ template: t.file, reason: x.reason });
      outcome.kind = 'no-rows';
      outcome.reason = x.reason;
    }
    const closure = closureDigest(t);
    const cacheKey = renderCache ? RenderCache.key(closure, x, context) : undefined;
    if (renderCache && cacheKey) {
      const hit = renderCache.get(cacheKey, graphJson);
      if (hit && reuse(t, x, hit, cacheKey, mine, outcome)) {
        for (const k of hit.outputKeys ?? []) renderCache.retain(k);
        reused.push(t.file);
        files.push(...mine);
        return mine;
      }
    }
    offsets.set(t.file, t.bodyOffset);
    // Compiled at the first output rendered: when every output is reused (per-output entries, below),
    // Nunjucks need not load. Such a hit means this very closure compiled and rendered before.
    let templates: { body: Template; to: Template } | undefined;
    const compiled = (): { body: Template; to: Template } => {
      if (templates) return templates;
      let body: Template;
      try {
        body = compile(t.body, t.file);
      } catch (err) {
        throw mapNunjucksError(err, { file: t.file }, offsets);
      }
      try {
        return (templates = { body, to: compile(t.to, `${t.file}#to`) });
      } catch (err) {
        throw new InputError({
          file: t.file,
          line: t.toLine,
          message: `to: ${String((err as Error).message)
            .split('\n')
            .pop()!
            .trim()}`,
        });
      }
    };
    const each: Array<Row | undefined> = t.forEach ? x.data[t.forEach]! : [undefined];
    const view = t.name !== undefined ? views.views.get(t.name) : undefined;
    // With a view, the banner's spec files are those of the rows behind what the output read (not of
    // the view's own labels, such as a pattern's kind).
    const rowSet = view ? new Set<object>(Object.values(x.data).flat()) : undefined;
    const toCache: CachedOutput[] = [];
    let readGraph = false;
    const outputKeys: string[] = [];
    for (const [index, row] of each.entries()) {
      // Built from the unwrapped rows: what the output reads of the view is what it depends on.
      const viewValue = view ? view(x.data, row) : undefined;
      // One output's own key (output-key.ts): only for a for_each output, whose render may not read `data`.
      const fingerprint =
        renderCache && t.forEach && !t.single ? outputFingerprint(row, viewValue, view !== undefined) : undefined;
      const outputKey =
        fingerprint &&
        createHash('sha256').update(`ggen-output/1\0${closure}\0${contextJson}\0${fingerprint}`).digest('hex');
      const hit = outputKey ? renderCache!.get(outputKey, graphJson) : undefined;
      const cachedOutput =
        hit?.data &&
        hit.outputs.length === 1 &&
        hit.outputs[0]!.index === null &&
        hit.outputs[0]!.own === undefined &&
        dataDigest(x.data, hit.data.reads) === hit.data.digest
          ? hit.outputs[0]!
          : undefined;
      if (cachedOutput && pathFits(cachedOutput.path, t)) {
        const specFiles = namedFiles(cachedOutput);
        const entry = { ...cachedOutput, named: { mentions: mentionsDigest(graph), specFiles: [...specFiles] } };
        if (specFiles !== cachedOutput.named?.specFiles) renderCache!.set(outputKey!, { ...hit!, outputs: [entry] });
        toCache.push({ ...entry, index, content: '', own: outputKey! });
        readGraph ||= hit!.graph !== null;
        outputKeys.push(outputKey!);
        const out = claim(cachedOutput.path, t);
        reusedOutputs.push(out);
        push(
          t,
          x,
          out,
          cachedOutput.content,
          { digest: cachedOutput.digest, specFiles: [...specFiles] },
          row,
          index,
          mine,
          outcome,
        );
        continue;
      }
      const { body, to } = compiled();
      // Each output reads through its own log: its digest and spec files are its own (reads.ts).
      const log = new ReadLog(x.data);
      const c: Record<string, unknown> = {
        vars: log.wrap(base.vars),
        project: log.wrap(base.project),
        graph: log.wrap(base.graph),
        paths: log.wrap(base.paths),
      };
      if (t.single) c.rows = log.wrap(x.data.rows);
      else c.data = log.wrap(x.data);
      if (row) c.row = log.wrap(row);
      if (view) c.view = log.wrap(viewValue);
      let rel: string;
      firstFailure = undefined;
      try {
        rel = withLog(log, () => to.render(c)).trim();
      } catch (err) {
        const m = mapNunjucksError(err, { file: t.file }, offsets);
        throw new InputError({ file: t.file, line: t.toLine, message: `to: ${m.diagnostics[0]!.message}` });
      }
      const checked = checkOutputPath(rel, t);
      const out = claim(checked, t);
      let content: string;
      firstFailure = undefined;
      try {
        content = withLog(log, () => body.render(c));
      } catch (err) {
        throw mapNunjucksError(err, { file: t.file }, offsets);
      }
      const digest = createHash('sha256').update(`${closure}\0${log.digest()}`).digest('hex');
      const read = rowSet ? rowsBehind(log.touched, rowSet) : log.touched;
      const outputReadGraph = log.touched.has(base.graph);
      readGraph ||= outputReadGraph;
      const specFiles = mentionedFiles(read, graph);
      if (renderCache) {
        const entry: CachedOutput = {
          path: checked,
          index: null,
          content,
          digest,
          reads: stringsOf(read),
          named: { mentions: mentionsDigest(graph), specFiles: [...specFiles] },
        };
        toCache.push(
          outputKey ? { ...entry, index, content: '', own: outputKey } : { ...entry, index: t.forEach ? index : null },
        );
        // Alone too, with the rows it read through `data`: a hit needs those rows unchanged.
        if (outputKey) {
          outputKeys.push(outputKey);
          const reads = [...log.keysRead].sort();
          renderCache.set(outputKey, {
            graph: outputReadGraph ? graphJson : null,
            outputs: [entry],
            data: { reads, digest: dataDigest(x.data, reads) },
          });
        }
      }
      push(t, x, out, content, { digest, specFiles }, row, index, mine, outcome);
    }
    // No output rendered and none reused (no rows): compiled all the same, so a broken template fails as before.
    if (each.length === 0) compiled();
    if (renderCache && cacheKey)
      renderCache.set(cacheKey, {
        graph: readGraph ? graphJson : null,
        outputs: toCache,
        ...(outputKeys.length > 0 ? { outputKeys } : {}),
      });
    files.push(...mine);
    return mine;
  };

  /** Claims a checked output path (checkOutputPath) for `t`: no two renders may write one file. */
  const claim = (checked: string, t: TemplateSpec): string => {
    const out = t.root === 'handwritten' ? path.posix.join(fromOutput, checked) : checked;
    const prev = owner.get(out);
    if (prev) {
      throw new InputError({
        file: t.file,
        line: t.toLine,
        message:
          prev === t.file
            ? `renders ${out} more than once (make \`to\` unique per row)`
            : `renders ${out}, which ${prev} also renders`,
      });
    }
    owner.set(out, t.file);
    return out;
  };

  const push = (
    t: TemplateSpec,
    x: ExtractedTemplate,
    out: string,
    content: string,
    inputs: { digest: string; specFiles: string[] },
    row: Row | undefined,
    index: number,
    mine: RenderedFile[],
    outcome: TemplateOutcome,
  ): void => {
    mine.push({
      path: out,
      content,
      template: t.file,
      mode: t.mode,
      ...(t.root === 'handwritten' ? { root: 'handwritten' as const } : {}),
      inputs,
    });
    outcome.outputs.push(
      row && t.forEach
        ? { path: out, row: { query: t.forEach, index, values: row } }
        : { path: out, queries: Object.entries(x.data).map(([query, rows]) => ({ query, rows: rows.length })) },
    );
  };

  /** Whether a cached output's path is one a fresh render could give (the file is untrusted: else a miss, not an error). */
  const pathFits = (p: string, t: TemplateSpec): boolean => {
    try {
      return checkOutputPath(p, t) === p;
    } catch {
      return false;
    }
  };

  /**
   * The spec files a cached output names: as the entry recorded them (that very array) while the
   * graph's mentions are the same and the list is one mentionedFiles could give, else worked out
   * again from its reads (a new array).
   */
  const namedFiles = (o: CachedOutput): string[] => {
    if (o.named && o.named.mentions === mentionsDigest(graph) && namesSpecFiles(o.named.specFiles))
      return o.named.specFiles;
    return mentionedFilesOf(o.reads, graph);
  };

  /**
   * A cached render's outputs, as a fresh render would give them: one per `for_each` row in order
   * (or exactly one), each path checked and claimed again, the spec files named from the current
   * graph. False (nothing claimed) when the entry does not fit this template's rows.
   */
  const reuse = (
    t: TemplateSpec,
    x: ExtractedTemplate,
    hit: CachedTemplate,
    cacheKey: string,
    mine: RenderedFile[],
    outcome: TemplateOutcome,
  ): boolean => {
    const cached = hit.outputs;
    const each: Array<Row | undefined> = t.forEach ? x.data[t.forEach]! : [undefined];
    if (cached.length !== each.length) return false;
    if (!cached.every((o, i) => o.index === (t.forEach ? i : null))) return false;
    if (!cached.every((o) => pathFits(o.path, t))) return false;
    // An output's text kept in its own entry: that entry must be there, for this path and digest.
    const contents: string[] = [];
    for (const o of cached) {
      if (o.own === undefined) {
        contents.push(o.content);
        continue;
      }
      const own = renderCache!.get(o.own, graphJson)?.outputs;
      if (own?.length !== 1 || own[0]!.path !== o.path || own[0]!.digest !== o.digest) return false;
      contents.push(own[0]!.content);
    }
    const mentions = mentionsDigest(graph);
    let renamed = false;
    const named = cached.map((o) => {
      const files = namedFiles(o);
      if (files !== o.named?.specFiles) renamed = true;
      return [...files];
    });
    for (const [index, o] of cached.entries()) {
      push(
        t,
        x,
        claim(o.path, t),
        contents[index]!,
        { digest: o.digest, specFiles: named[index]! },
        each[index],
        index,
        mine,
        outcome,
      );
    }
    if (renamed)
      renderCache!.set(cacheKey, {
        ...hit,
        outputs: cached.map((o, i) => ({ ...o, named: { mentions, specFiles: [...named[i]!] } })),
      });
    return true;
  };
  return {
    add,
    result: () => ({
      files: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      skipped: [...skipped],
      outcomes: [...outcomes],
      reused: [...reused],
      reusedOutputs: [...reusedOutputs].sort(),
    }),
  };
}

/**
 * The spec files that mention the rows a render read (rule: canonicalize/banner.ts), sorted.
 * Per row: every file with a triple about one of its IRIs; and of the files that alone use one of
 * its string literals, the one(s) that account for most of them. (A query can compute a string
 * that another file happens to use, e.g. a local name; the row's other values outvote it.)
 */
export function mentionedFiles(touched: Iterable<object>, graph: EmitGraph): string[] {
  if (!graph.mentions) return [...graph.specFiles];
  const lists: unknown[][] = [];
  for (const obj of touched) if (!Array.isArray(obj)) lists.push(Object.values(obj));
  return mentionedFilesOf(lists, graph);
}

/** mentionedFiles, given per object read its values (as a render cache entry keeps them). */
function mentionedFilesOf(valueLists: Iterable<readonly unknown[]>, graph: EmitGraph): string[] {
  const m: SpecMentions | undefined = graph.mentions;
  if (!m) return [...graph.specFiles];
  let memo = filesOfValues.get(m);
  if (!memo) filesOfValues.set(m, (memo = new Map()));
  const found = new Set<number>();
  for (const values of valueLists) {
    const strings = values.filter((v): v is string => typeof v === 'string');
    // Outputs read the same rows over and over (a server row: its server, client and test).
    const key = JSON.stringify(strings);
    let files = memo.get(key);
    if (!files) memo.set(key, (files = filesOfOne(strings, m)));
    for (const i of files) found.add(i);
  }
  return [...found]
    .sort((a, b) => a - b)
    .map((i) => graph.specFiles[i]!)
    .filter((f) => f !== undefined);
}

/** Per mentions index, the files each list of string values (one object read) names, by the list as JSON. */
const filesOfValues = new WeakMap<SpecMentions, Map<string, number[]>>();

/** The files that mention one object read: every file with a triple about one of its values, and the literals' majority. */
function filesOfOne(values: readonly string[], m: SpecMentions): number[] {
  const found = new Set<number>();
  const votes = new Map<number, number>();
  for (const v of values) {
    if (Object.hasOwn(m.subjects, v)) for (const i of m.subjects[v]!) found.add(i);
    if (Object.hasOwn(m.literals, v)) votes.set(m.literals[v]!, (votes.get(m.literals[v]!) ?? 0) + 1);
  }
  const most = Math.max(0, ...votes.values());
  for (const [i, n] of votes) if (n === most) found.add(i);
  return [...found];
}

/** Per object read (arrays aside: mentionedFiles passes over them), its string values; objects with none are left out. */
function stringsOf(read: Iterable<object>): string[][] {
  const out: string[][] = [];
  for (const obj of read) {
    if (Array.isArray(obj)) continue;
    const values = Object.values(obj).filter((v): v is string => typeof v === 'string');
    if (values.length > 0) out.push(values);
  }
  return out;
}

function readIfFile(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Every partial under the templates dir (in a directory starting with `_`), or every `.njk` with `all`; relative to it, sorted. */
function listTemplateFiles(templatesDir: string, all: boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string, inPartials: boolean): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs, inPartials || e.name.startsWith('_'));
      else if ((all || inPartials) && e.isFile() && e.name.endsWith('.njk'))
        out.push(toPosix(path.relative(templatesDir, abs)));
    }
  };
  walk(templatesDir, false);
  return out.sort();
}

/**
 * Strict undefined must hold through filters too: `{{ row.nmae | tsString }}` would
 * otherwise print "" for a misspelt field. Every filter but `default` refuses undefined input.
 */
function strictFilters(env: { filters: Record<string, (...a: unknown[]) => unknown> }): void {
  for (const [name, fn] of Object.entries(env.filters)) {
    if (name === 'default' || name === 'd' || (fn as { strict?: boolean }).strict) continue;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      if (args[0] === undefined)
        throw new Error(`undefined variable: the value given to filter "${name}" is not defined (strict undefined)`);
      return fn.apply(this, args);
    };
    (wrapped as { strict?: boolean }).strict = true;
    env.filters[name] = wrapped;
  }
}

type Nunjucks = typeof import('nunjucks');

/** The options of the environment every template is compiled and rendered in. */
const ENVIRONMENT_OPTIONS = { autoescape: false, throwOnUndefined: true };

/** Nunjucks with ggen's instrumented compiler and fast transform (once per loaded Nunjucks). */
function instrumentedNunjucks(): Nunjucks {
  const require = createRequire(import.meta.url);
  const nunjucks = require('nunjucks') as Nunjucks;
  instrument(nunjucks as unknown as NunjucksInternals);
  installFastTransform(require('nunjucks/src/transformer'), (nunjucks as unknown as NunjucksInternals).nodes);
  return nunjucks;
}

/** The compiler as createRenderer compiles a template with it, for precompiled.ts's build step. */
export function compileEnvironment(): { env: CompileEnv; compile: (src: string, name: string) => string } {
  const nunjucks = instrumentedNunjucks();
  const env = new nunjucks.Environment([], ENVIRONMENT_OPTIONS) as unknown as CompileEnv;
  const { compiler } = nunjucks as unknown as {
    compiler: { compile(src: string, asyncFilters: unknown, extensions: unknown, name: string, opts: object): string };
  };
  return { env, compile: (src, name) => compiler.compile(src, env.asyncFilters, env.extensionsList, name, env.opts) };
}

type CompileFn = (this: CompilerProto, node: unknown, frame: unknown) => void;
interface CompilerProto {
  compileFilter: CompileFn;
  compileFunCall: CompileFn;
  _emit(s: string): void;
  _templateName(): string;
  __ggenLines?: boolean;
}
interface NunjucksInternals {
  compiler: { Compiler: { prototype: CompilerProto } };
  runtime: Record<string, unknown>;
  lib: { TemplateError: new (message: string, lineno: number, colno: number) => Error };
  nodes: Nodes;
}

export interface FailurePoint {
  file: string;
  line: number;
  col: number;
}

/** Where the current render first failed (set by the instrumented template code; rendering is synchronous). */
let firstFailure: FailurePoint | undefined;

/**
 * Nunjucks loses error positions in three ways: filters record none; calls record
 * them 0-based where output errors are 1-based; and code after an `{% include %}`
 * runs inside the partial's callback, so its errors are blamed on the partial.
 * The compiler is instrumented so that filters, calls and strict-undefined output
 * record (template, line, col) at the point of failure; mapNunjucksError prefers it.
 */
function instrument(nunjucks: NunjucksInternals): void {
  const proto = nunjucks.compiler.Compiler.prototype;
  if (proto.__ggenLines) return;
  const rt = nunjucks.runtime;
  rt.ggenAt = (file: string, line: number, col: number, fn: () => unknown): unknown => {
    try {
      return fn();
    } catch (err) {
      firstFailure ??= { file, line, col };
      throw err;
    }
  };
  rt.ggenEnsure = (file: string, val: unknown, line: number, col: number): unknown => {
    if (val === null || val === undefined) {
      firstFailure ??= { file, line: line + 1, col: col + 1 };
      throw new nunjucks.lib.TemplateError('attempted to output null or undefined value', line + 1, col + 1);
    }
    return val;
  };
  const at = (self: CompilerProto, node: unknown): string => {
    const n = node as { lineno: number; colno: number };
    return `(lineno = ${n.lineno + 1}, colno = ${n.colno + 1}, runtime.ggenAt(${self._templateName()}, ${n.lineno + 1}, ${n.colno + 1}, () => `;
  };
  const emit = proto._emit;
  proto._emit = function (code: string) {
    emit.call(this, code === 'runtime.ensureDefined(' ? `runtime.ggenEnsure(${this._templateName()}, ` : code);
  };
  const filter = proto.compileFilter;
  proto.compileFilter = function (node, frame) {
    this._emit(at(this, node));
    filter.call(this, node, frame);
    this._emit('))');
  };
  const call = proto.compileFunCall;
  proto.compileFunCall = function (node, frame) {
    this._emit(at(this, node));
    call.call(this, node, frame);
    this._emit('))');
  };
  proto.__ggenLines = true;
}

/** Lexical check of a rendered `to` (symlinks are checked again at write time). */
function checkOutputPath(rel: string, t: TemplateSpec): string {
  const fail = (why: string): never => {
    throw new InputError({ file: t.file, line: t.toLine, message: `to: "${rel}" ${why}` });
  };
  if (rel === '') fail('is empty');
  if (rel.includes('\0')) fail('contains a NUL byte');
  if (path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.startsWith('\\'))
    fail(`must be relative to the ${t.root === 'handwritten' ? 'hand-written folder' : 'output directory'}`);
  const norm = path.posix.normalize(rel.replace(/\\/g, '/'));
  if (norm === '..' || norm.startsWith('../'))
    fail(`escapes the ${t.root === 'handwritten' ? 'hand-written folder' : 'output directory'}`);
  if (norm === '.' || norm.endsWith('/')) fail('names a directory, not a file');
  return norm;
}
