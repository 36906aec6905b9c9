/**
 * Rendered outputs of the last successful sync, under `.ggen/cache/render.json`, so that a
 * template edit re-renders only that template, and a spec edit only the templates whose rows
 * changed. Rendering is a deterministic function of what a template is made of and of the values
 * it is given, so one template's outputs are keyed by the sha256 of:
 * - the cache format, ggen's own emit code (filters, the read log, the instrumented compiler) and
 *   the pipeline library versions (Nunjucks);
 * - the template closure (frontmatter that matters, body, queries, `when`, every partial it can
 *   reach, and the pack's view code when it has a view: emit/index.ts closureDigest);
 * - its rows, whether it is active and why not;
 * - the context besides the rows: `vars`, `project`, `paths`.
 * The context's `graph` (digest, spec files) changes with every spec edit and few templates read
 * it, so it is not in the key: an entry records the `graph` it was rendered with if the render
 * read it, and is a hit only for that same value.
 *
 * An output's banner names the spec files that mention the rows it read. Those follow the
 * current graph's index (which a spec edit changes), so an entry keeps, per output, the string
 * values of every object the render read, and the spec files are worked out again from them.
 *
 * The file is untrusted: an entry is used only if every field has its shape, every output path
 * passes the same checks a fresh render's does, and anything else is a miss (the template is
 * rendered). Saving keeps only the entries this run used.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheFile, type CacheOptions } from '../fs/cache-file.js';
import { digestModules } from '../fs/code-digest.js';
import { packageVersions } from '../receipt/versions.js';

export const RENDER_CACHE_FILE = '.ggen/cache/render.json';
const FORMAT = 1;

/** One output of a cached template. */
export interface CachedOutput {
  /** Output path (relative to the output directory), as the `to` rendered it. */
  path: string;
  /** Index of the `for_each` row that rendered it (null for a single-output template). */
  index: number | null;
  content: string;
  /** The output's inputs digest (banner). */
  digest: string;
  /** Per object the render read, its string values (to name the spec files again: see above). */
  reads: string[][];
  /**
   * The spec files `reads` named under the graph whose mentions digest (mentionsDigest) is
   * `mentions`: while the graph's mentions are the same (a template edit), they are not worked
   * out again from `reads` (~26K lookups for this repo).
   */
  named?: { mentions: string; specFiles: string[] };
  /**
   * In a template's entry: the key of this output's own entry, which holds its content (`content`
   * is then empty, so the render cache file keeps each text once). A hit needs that entry.
   */
  own?: string;
}

export interface CachedTemplate {
  /** The context's `graph`, as JSON, if the render read it; null if it never did. */
  graph: string | null;
  outputs: CachedOutput[];
  /**
   * One output's entry (emit/output-key.ts): the queries' rows it read through `data` (by name)
   * and the digest of those rows and of the query names (dataDigest) when it was rendered.
   */
  data?: { reads: string[]; digest: string };
  /**
   * A template's entry: the keys of its outputs' own entries, kept while the template's entry is
   * used (so a later edit that changes one of its rows still finds the others).
   */
  outputKeys?: string[];
}

let ownCode: string | undefined;
/** sha256 of ggen's emit code (this folder): a change to a filter or to how a render is logged is a miss. */
export function emitCodeDigest(): string {
  ownCode ??= digestModules([path.dirname(fileURLToPath(import.meta.url))]);
  return ownCode;
}

/**
 * sha256 of a query's rows as JSON, once per list: templates that run the same query share its
 * rows (emit/index.ts createExtractor), and the rows are not changed after extract.
 */
const rowsDigests = new WeakMap<readonly unknown[], string>();
export function rowsDigest(rows: readonly unknown[]): string {
  let d = rowsDigests.get(rows);
  if (d === undefined) {
    d = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
    rowsDigests.set(rows, d);
  }
  return d;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const HEX64 = /^[0-9a-f]{64}$/;

/** One cached output's shape, checked field by field (the file is not trusted). */
function validOutput(v: unknown): v is CachedOutput {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Partial<CachedOutput>;
  return (
    isString(o.path) &&
    isString(o.content) &&
    isString(o.digest) &&
    HEX64.test(o.digest) &&
    (o.index === null || (Number.isSafeInteger(o.index) && o.index! >= 0)) &&
    Array.isArray(o.reads) &&
    o.reads.every((r) => Array.isArray(r) && r.every(isString)) &&
    (o.named === undefined || validNamed(o.named)) &&
    (o.own === undefined || (isString(o.own) && HEX64.test(o.own)))
  );
}

function validNamed(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const { mentions, specFiles } = v as { mentions?: unknown; specFiles?: unknown };
  return isString(mentions) && HEX64.test(mentions) && Array.isArray(specFiles) && specFiles.every(isString);
}

/**
 * sha256 of what names an output's spec files besides its reads (emit/index.ts mentionedFiles):
 * the graph's spec files, in order, and who mentions what. Once per graph object.
 */
const mentionsDigests = new WeakMap<object, string>();
export function mentionsDigest(graph: { specFiles: readonly string[]; mentions?: unknown }): string {
  let d = mentionsDigests.get(graph);
  if (d === undefined) {
    d = createHash('sha256')
      .update(JSON.stringify([graph.specFiles, graph.mentions ?? null]))
      .digest('hex');
    mentionsDigests.set(graph, d);
  }
  return d;
}

/**
 * sha256 of a template's rows as one output read them through `data`: the query names, in order,
 * and the rows of each name in `reads` (the output's `where` and the like scan a query's rows whole).
 */
export function dataDigest(data: Readonly<Record<string, readonly unknown[]>>, reads: readonly string[]): string {
  const h = createHash('sha256').update(JSON.stringify(Object.keys(data)));
  for (const name of reads)
    h.update(`\0${JSON.stringify(name)}:${Object.hasOwn(data, name) ? rowsDigest(data[name]!) : '-'}`);
  return h.digest('hex');
}

function validData(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const { reads, digest } = v as { reads?: unknown; digest?: unknown };
  return Array.isArray(reads) && reads.every(isString) && isString(digest) && HEX64.test(digest);
}

/** The entry's shape (the file is not trusted). */
function valid(e: unknown): e is CachedTemplate {
  if (typeof e !== 'object' || e === null) return false;
  const { graph, outputs, data, outputKeys } = e as Partial<CachedTemplate>;
  return (
    (graph === null || isString(graph)) &&
    Array.isArray(outputs) &&
    outputs.every(validOutput) &&
    (data === undefined || validData(data)) &&
    (outputKeys === undefined || (Array.isArray(outputKeys) && outputKeys.every((k) => isString(k) && HEX64.test(k))))
  );
}

export class RenderCache {
  private constructor(private readonly file: CacheFile<CachedTemplate>) {}

  /** `read: false` starts empty (sync --full), still saving what this run renders. */
  static open(root: string, options: CacheOptions = {}): RenderCache {
    const salt = createHash('sha256')
      .update(JSON.stringify([FORMAT, emitCodeDigest(), packageVersions()]))
      .digest('hex');
    return new RenderCache(CacheFile.open<CachedTemplate>(root, RENDER_CACHE_FILE, salt, options));
  }

  /** The key of one template's render: its closure digest, its rows and the context besides `graph`. */
  static key(
    closure: string,
    extracted: { active: boolean; reason?: string; data: Record<string, readonly unknown[]> },
    context: unknown,
  ): string {
    const h = createHash('sha256')
      .update(`${closure}\0${extracted.active}\0${extracted.reason ?? ''}\0`)
      .update(JSON.stringify(context));
    for (const [name, rows] of Object.entries(extracted.data))
      h.update(`\0${JSON.stringify(name)}:${rowsDigest(rows)}`);
    return h.digest('hex');
  }

  /** The cached outputs under `key`, if well-formed and rendered with this `graph` (JSON) or without reading it. */
  get(key: string, graph: string): CachedTemplate | undefined {
    const hit = this.file.lookup(key);
    if (!valid(hit) || (hit.graph !== null && hit.graph !== graph)) return undefined;
    this.file.keep(key, hit);
    return hit;
  }

  /** Keeps the entry under `key` for the next run, if there is a well-formed one (its use is up to that run). */
  retain(key: string): void {
    const hit = this.file.lookup(key);
    if (valid(hit)) this.file.keep(key, hit);
  }

  set(key: string, entry: CachedTemplate): void {
    this.file.keep(key, entry);
  }

  /** Call after a successful write run only (a failed sync writes nothing). */
  save(): void {
    this.file.save();
  }
}
