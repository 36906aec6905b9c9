/**
 * Stages 2 and 3: run each template's queries (extract), then render its outputs
 * (emit) in memory. Nothing here touches the output directory.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Store } from 'n3';
import type { ILoader } from 'nunjucks';
import { InputError } from '../errors.js';
import type { Manifest, NormalizedGraph, QueryText, RenderedFile, Row } from '../types.js';
import { FILTERS } from './filters.js';
import type { TemplateOutcome } from './outcome.js';
import { splitFrontmatter, toPosix, type TemplateSet, type TemplateSpec } from './templates.js';

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
}

export interface EmitResult {
  /** Sorted by path. */
  files: RenderedFile[];
  skipped: SkippedTemplate[];
  /** One per template, in template order: whether it rendered, why not, which rows fed each output. */
  outcomes: TemplateOutcome[];
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
export function mapNunjucksError(err: unknown, fallback: { file: string; line?: number }, offsets: Map<string, number>): InputError {
  if (err instanceof InputError) return err;
  const text = String((err as Error)?.message ?? err);
  const matches = [...text.matchAll(RENDER_ERROR)].filter((m) => m[1] !== 'unknown path');
  const last = matches.at(-1);
  const detail =
    text
      .slice(last ? last.index! + last[0].length : 0)
      .split('\n')
      .map((l) => l.trim().replace(/^(Template render error: \([^)]*\)|Error: )/, '').trim())
      .filter((l) => l && !/^\([^)]*\)$/.test(l))
      .join(' ') || text;
  const message = /attempted to output null or undefined value/.test(detail)
    ? 'undefined variable: the template outputs a value that is not defined (strict undefined)'
    : detail;
  const point = firstFailure;
  firstFailure = undefined;
  if (point) return new InputError({ file: point.file, line: point.line + (offsets.get(point.file) ?? 0), col: point.col, message });
  if (last) {
    const file = last[1]!;
    return new InputError({ file, line: Number(last[2]) + (offsets.get(file) ?? 0), col: Number(last[3]), message });
  }
  return new InputError({ file: fallback.file, line: fallback.line, message });
}

export async function render(manifest: Manifest, graph: Pick<NormalizedGraph, 'digest' | 'specFiles'>, extracted: ExtractedTemplate[]): Promise<EmitResult> {
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

export async function createRenderer(manifest: Manifest, graph: Pick<NormalizedGraph, 'digest' | 'specFiles'>): Promise<Renderer> {
  const nunjucks = (await import('nunjucks')).default;
  const templatesDir = path.resolve(manifest.root, manifest.generation.templates);
  const offsets = new Map<string, number>();

  class PartialLoader extends nunjucks.Loader {
    getSource(name: string): { src: string; path: string; noCache: boolean } {
      const abs = path.resolve(templatesDir, name);
      if (path.relative(templatesDir, abs).startsWith('..')) throw new Error(`include "${name}" is outside the templates directory`);
      const rel = toPosix(path.relative(manifest.root, abs));
      let src: string;
      try {
        src = readFileSync(abs, 'utf8');
      } catch {
        throw new Error(`template "${name}" not found in ${manifest.generation.templates}`);
      }
      const fm = splitFrontmatter(src);
      if (fm) offsets.set(rel, fm.offset);
      return { src: fm ? fm.body : src, path: rel, noCache: false };
    }
  }
  const env = new nunjucks.Environment(new PartialLoader() as unknown as ILoader, {
    autoescape: false,
    throwOnUndefined: true,
  });
  for (const [name, fn] of Object.entries(FILTERS)) env.addFilter(name, fn);
  strictFilters(env as unknown as { filters: Record<string, (...a: unknown[]) => unknown> });
  instrument(nunjucks as unknown as NunjucksInternals);

  const base = {
    vars: manifest.generation.vars,
    project: manifest.project,
    graph: { digest: graph.digest, specFiles: graph.specFiles },
  };
  const files: RenderedFile[] = [];
  const skipped: SkippedTemplate[] = [];
  const outcomes: TemplateOutcome[] = [];
  const owner = new Map<string, string>();

  const add = (x: ExtractedTemplate): RenderedFile[] => {
    const t = x.template;
    const mine: RenderedFile[] = [];
    const outcome: TemplateOutcome = { template: t.file, kind: 'rendered', reason: '', to: t.to, toLine: t.toLine, outputs: [] };
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
    offsets.set(t.file, t.bodyOffset);
    let body: InstanceType<typeof nunjucks.Template>;
    let to: InstanceType<typeof nunjucks.Template>;
    try {
      body = new nunjucks.Template(t.body, env, t.file, true);
    } catch (err) {
      throw mapNunjucksError(err, { file: t.file }, offsets);
    }
    try {
      to = new nunjucks.Template(t.to, env, `${t.file}#to`, true);
    } catch (err) {
      throw new InputError({ file: t.file, line: t.toLine, message: `to: ${String((err as Error).message).split('\n').pop()!.trim()}` });
    }
    const ctx: Record<string, unknown> = { ...base };
    if (t.single) ctx.rows = x.data.rows;
    else ctx.data = x.data;
    const each: Array<Row | undefined> = t.forEach ? x.data[t.forEach]! : [undefined];
    for (const [index, row] of each.entries()) {
      const c = row ? { ...ctx, row } : ctx;
      let rel: string;
      firstFailure = undefined;
      try {
        rel = to.render(c).trim();
      } catch (err) {
        const m = mapNunjucksError(err, { file: t.file }, offsets);
        throw new InputError({ file: t.file, line: t.toLine, message: `to: ${m.diagnostics[0]!.message}` });
      }
      const out = checkOutputPath(rel, t);
      const prev = owner.get(out);
      if (prev) {
        throw new InputError({
          file: t.file,
          line: t.toLine,
          message: prev === t.file ? `renders ${out} more than once (make \`to\` unique per row)` : `renders ${out}, which ${prev} also renders`,
        });
      }
      owner.set(out, t.file);
      let content: string;
      firstFailure = undefined;
      try {
        content = body.render(c);
      } catch (err) {
        throw mapNunjucksError(err, { file: t.file }, offsets);
      }
      mine.push({ path: out, content, template: t.file, mode: t.mode });
      outcome.outputs.push(
        row && t.forEach
          ? { path: out, row: { query: t.forEach, index, values: row } }
          : { path: out, queries: Object.entries(x.data).map(([query, rows]) => ({ query, rows: rows.length })) },
      );
    }
    files.push(...mine);
    return mine;
  };
  return {
    add,
    result: () => ({ files: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), skipped: [...skipped], outcomes: [...outcomes] }),
  };
}

/**
 * Strict undefined must hold through filters too: `{{ row.nmae | tsString }}` would
 * otherwise print "" for a misspelt field. Every filter but `default` refuses undefined input.
 */
function strictFilters(env: { filters: Record<string, (...a: unknown[]) => unknown> }): void {
  for (const [name, fn] of Object.entries(env.filters)) {
    if (name === 'default' || name === 'd' || (fn as { strict?: boolean }).strict) continue;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      if (args[0] === undefined) throw new Error(`undefined variable: the value given to filter "${name}" is not defined (strict undefined)`);
      return fn.apply(this, args);
    };
    (wrapped as { strict?: boolean }).strict = true;
    env.filters[name] = wrapped;
  }
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
  if (path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.startsWith('\\')) fail('must be relative to the output directory');
  const norm = path.posix.normalize(rel.replace(/\\/g, '/'));
  if (norm === '..' || norm.startsWith('../')) fail('escapes the output directory');
  if (norm === '.' || norm.endsWith('/')) fail('names a directory, not a file');
  return norm;
}
