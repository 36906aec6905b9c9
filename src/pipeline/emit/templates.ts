/**
 * Template discovery and frontmatter. Every `*.njk` under `generation.templates`
 * is a template, except those under a directory whose name starts with `_`
 * (partials, reachable only through include/import/extends).
 */
// Synchronous reads: a run reads ~100 small template, query and schema files, and one blocking
// read each costs a fraction of fs/promises' open/stat/read/close round trips (write/hash.ts).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pair, Node as YamlNode } from 'yaml';
import { InputError } from '../errors.js';
import type { Manifest, QueryText } from '../types.js';

export type OutputMode = 'overwrite' | 'create_once';

export interface TemplateQuery {
  /** Query name; the single `query:` is named `rows`. */
  name: string;
  query: QueryText;
}

export interface TemplateSpec {
  /** Template file, relative to root, POSIX separators. */
  file: string;
  /** Its name inside its templates directory (what a pack's view model is keyed by). */
  name?: string;
  /** Body without frontmatter. */
  body: string;
  /** Lines taken by the frontmatter (added to Nunjucks line numbers). */
  bodyOffset: number;
  to: string;
  toLine: number;
  /** true when the template used `query:` (context `rows`), false for `queries:` (context `data`). */
  single: boolean;
  queries: TemplateQuery[];
  /** Name of the query whose rows each make one output. */
  forEach?: string;
  when?: QueryText;
  skipEmpty: boolean;
  mode: OutputMode;
  /** Where `to` is relative to: the output directory, or the user's hand-written folder (create_once only). */
  root: 'output' | 'handwritten';
  /** Query name → JSON Schema (parsed) and its file. */
  schemas: Array<{ query: string; file: string; schema: object }>;
  description?: string;
  /** Files read for this template besides itself (query files, schemas), relative to root. */
  deps: string[];
}

export interface TemplateSet {
  templates: TemplateSpec[];
  /** Partials (relative to root), sorted. */
  partials: string[];
  /** Pack templates left out by `generation.exclude`. */
  excluded: TemplateFiles['excluded'];
  /** Templates directories in include-lookup order. */
  dirs: string[];
}

const KEYS = new Set([
  'to',
  'query',
  'queries',
  'for_each',
  'when',
  'skip_empty',
  'mode',
  'root',
  'schema',
  'description',
]);
/** The keys a frontmatter may have (test/docs/reference.ts reads KEYS from this file). */
export const FRONTMATTER_KEYS: ReadonlySet<string> = KEYS;

export const toPosix = (p: string): string => p.split(path.sep).join('/');

/** Where a template came from: its name inside its templates directory, and the directory its query and schema files resolve against. */
export interface TemplateOrigin {
  name: string;
  /** Root-relative directory that `query:`/`schema:` paths are relative to: the pack's, or the project root. */
  base: string;
  /** The pack that supplied it; undefined for the project's own templates. */
  pack?: string;
}

export interface TemplateFiles {
  templates: string[];
  partials: string[];
  /** Template or partial (root-relative) → origin. */
  origins: Map<string, TemplateOrigin>;
  /** Pack templates left out by `generation.exclude`, sorted by file. */
  excluded: Array<{ template: string; pack: string; name: string }>;
  /** Templates directories in lookup order for includes: the project's first, then each pack's. */
  dirs: string[];
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function walkTemplates(
  root: string,
  dirRel: string,
  missingOk: boolean,
  onMissing: () => never,
): Promise<Array<{ name: string; partial: boolean }>> {
  const dir = path.resolve(root, dirRel);
  const found: Array<{ name: string; partial: boolean }> = [];
  const walk = async (abs: string, inPartials: boolean): Promise<void> => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && abs === dir) {
        if (missingOk) return;
        onMissing();
      }
      throw err;
    }
    for (const e of entries) {
      const child = path.join(abs, e.name);
      if (e.isDirectory()) await walk(child, inPartials || e.name.startsWith('_'));
      else if (e.isFile() && e.name.endsWith('.njk'))
        found.push({ name: toPosix(path.relative(dir, child)), partial: inPartials });
    }
  };
  await walk(dir, false);
  return found;
}

/**
 * Every template and partial the run uses, relative to root, both sorted: each pack's (in
 * `packs` order; a later pack's template of the same name replaces an earlier one's), less
 * those named in `generation.exclude`, then the project's own templates directory, whose
 * templates override a pack template of the same relative path or add new ones.
 */
export async function discoverTemplateFiles(manifest: Manifest): Promise<TemplateFiles> {
  const byName = new Map<string, { file: string; origin: TemplateOrigin; partial: boolean }>();
  const packNames = new Set<string>();
  for (const pack of manifest.packs ?? []) {
    const found = await walkTemplates(manifest.root, pack.templates, false, () => {
      throw new InputError({
        file: pack.manifestFile,
        message: `templates directory ${pack.templates} does not exist`,
      });
    });
    for (const f of found) {
      byName.set(f.name, {
        file: toPosix(path.posix.join(pack.templates, f.name)),
        origin: { name: f.name, base: pack.dir, pack: pack.name },
        partial: f.partial,
      });
      if (!f.partial) packNames.add(f.name);
    }
  }
  const excluded: TemplateFiles['excluded'] = [];
  const problems: Array<{ file: string; message: string }> = [];
  for (const [i, name] of (manifest.generation.exclude ?? []).entries()) {
    const hit = byName.get(name);
    if (!hit || hit.partial || !hit.origin.pack) {
      const known = [...packNames].sort(byCodeUnit);
      problems.push({
        file: manifest.path,
        message: `generation.exclude[${i}]: no pack template named "${name}"${known.length ? ` (pack templates: ${known.join(', ')})` : ' (no pack brings templates)'}`,
      });
      continue;
    }
    excluded.push({ template: hit.file, pack: hit.origin.pack, name });
    byName.delete(name);
  }
  if (problems.length > 0) throw new InputError(problems);
  const own = await walkTemplates(
    manifest.root,
    manifest.generation.templates,
    (manifest.packs ?? []).length > 0,
    () => {
      throw new InputError({
        file: manifest.path,
        message: `templates directory ${manifest.generation.templates} does not exist`,
      });
    },
  );
  for (const f of own) {
    byName.set(f.name, {
      file: toPosix(path.posix.join(manifest.generation.templates, f.name)),
      origin: { name: f.name, base: '.' },
      partial: f.partial,
    });
  }
  const templates: string[] = [];
  const partials: string[] = [];
  const origins = new Map<string, TemplateOrigin>();
  for (const v of byName.values()) {
    (v.partial ? partials : templates).push(v.file);
    origins.set(v.file, v.origin);
  }
  return {
    templates: templates.sort(byCodeUnit),
    partials: partials.sort(byCodeUnit),
    origins,
    excluded: excluded.sort((a, b) => byCodeUnit(a.template, b.template)),
    dirs: [manifest.generation.templates, ...[...(manifest.packs ?? [])].reverse().map((p) => p.templates)],
  };
}

/** Splits `---\n yaml \n---\n body`. Returns null when the file has no frontmatter. */
export function splitFrontmatter(src: string): { yaml: string; body: string; offset: number } | null {
  const lines = src.split('\n');
  if (lines[0]?.replace(/\r$/, '') !== '---') return null;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.replace(/\r$/, '') === '---') {
      return { yaml: lines.slice(1, i).join('\n'), body: lines.slice(i + 1).join('\n'), offset: i + 1 };
    }
  }
  return null;
}

const isQueryFile = (s: string): boolean => !/[\n\r]/.test(s) && /\.(rq|sparql)$/i.test(s.trim());

/** A line and column in the template file (1-based). */
export interface FrontmatterPos {
  line: number;
  col: number;
}

/** A value node as `readQuery` sees it: where it starts, and whether it is a block scalar (`|`, `>`). */
export interface FrontmatterNode extends FrontmatterPos {
  block: boolean;
}

/**
 * What a template's frontmatter says, as loadTemplate reads it: per key, its value (JSON) and
 * where it is; for `queries`, its items. Read from the YAML (parseFrontmatter), or from the
 * frontmatter cache (frontmatter-cache.ts), which holds this data for YAML texts parsed before.
 * Values keep only what loadTemplate's checks can tell apart: strings, booleans and null as they
 * are, a map as its entries (each a string or 0), anything else as 0 (no check accepts either).
 */
export interface FrontmatterData {
  keys: Record<string, { value: FrontmatterValue; where: FrontmatterPos; node: FrontmatterNode }>;
  /** `queries:` items when it is a map; null when it is not; absent without `queries`. */
  items?: Array<{ name: string; text: string | null } & FrontmatterNode> | null;
}
export type FrontmatterValue = string | boolean | null | 0 | Record<string, string | 0>;

/** A value as FrontmatterData keeps it (see there). */
function plainValue(v: unknown): FrontmatterValue {
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (typeof v === 'object' && !Array.isArray(v)) {
    const out: Record<string, string | 0> = {};
    for (const [k, x] of Object.entries(v as object)) out[k] = typeof x === 'string' ? x : 0;
    return out;
  }
  return 0;
}

/**
 * Parses a frontmatter's YAML. Throws the YAML's own errors (file:line:col), a non-map, an unknown
 * key.
 */
export async function parseFrontmatter(yaml: string, file: string): Promise<FrontmatterData> {
  // yaml loads here, not at import, and only for a frontmatter the cache does not hold.
  const { LineCounter, parseDocument, isMap, isScalar, Scalar } = await import('yaml');
  const lc = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter: lc, uniqueKeys: true });
  const pos = (offset: number | undefined): FrontmatterPos =>
    offset === undefined ? { line: 2, col: 1 } : { line: lc.linePos(offset).line + 1, col: lc.linePos(offset).col };
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => ({
        file,
        line: (e.linePos?.[0]?.line ?? 0) + 1,
        col: e.linePos?.[0]?.col,
        message: `frontmatter: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  if (!isMap(doc.contents))
    throw new InputError({ file, line: 2, col: 1, message: 'frontmatter must be a YAML mapping' });

  const pairs = new Map<string, Pair<YamlNode, YamlNode>>();
  for (const item of doc.contents.items as Array<Pair<YamlNode, YamlNode>>) {
    const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
    const at = (item.key as YamlNode | null)?.range?.[0];
    if (!FRONTMATTER_KEYS.has(key)) {
      throw new InputError({
        file,
        ...pos(at),
        message: `unknown frontmatter key "${key}" (allowed: ${[...FRONTMATTER_KEYS].join(', ')})`,
      });
    }
    pairs.set(key, item);
  }
  const node = (n: YamlNode | null | undefined): FrontmatterNode => ({
    ...pos(n?.range?.[0]),
    block: n instanceof Scalar && (n.type === 'BLOCK_LITERAL' || n.type === 'BLOCK_FOLDED'),
  });
  const data: FrontmatterData = { keys: {} };
  for (const [key, item] of pairs) {
    const v = item.value;
    const value =
      v && typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as { toJSON(): unknown }).toJSON() : v;
    data.keys[key] = {
      value: plainValue(value),
      where: pos(((item.value ?? item.key) as YamlNode | null)?.range?.[0]),
      node: node(item.value),
    };
  }
  const queries = pairs.get('queries')?.value;
  if (pairs.has('queries'))
    data.items = isMap(queries)
      ? (queries.items as Array<Pair<YamlNode, YamlNode>>).map((item) => {
          const v = isScalar(item.value) ? item.value.value : undefined;
          return {
            name: isScalar(item.key) ? String(item.key.value) : String(item.key),
            text: typeof v === 'string' ? v : null,
            ...node(item.value),
          };
        })
      : null;
  return data;
}

/** A frontmatter parse cache (frontmatter-cache.ts): the YAML text → its FrontmatterData. */
export interface FrontmatterLookup {
  get(yaml: string): FrontmatterData | undefined;
  set(yaml: string, data: FrontmatterData): void;
}

export async function loadTemplate(
  manifest: Manifest,
  file: string,
  origin?: TemplateOrigin,
  cache?: FrontmatterLookup,
): Promise<TemplateSpec> {
  const src = readFileSync(path.resolve(manifest.root, file), 'utf8');
  const fm = splitFrontmatter(src);
  if (!fm)
    throw new InputError({
      file,
      line: 1,
      col: 1,
      message: 'template has no frontmatter (a first line `---`, YAML with at least `to:`, then `---`)',
    });

  let data = cache?.get(fm.yaml);
  if (!data) {
    data = await parseFrontmatter(fm.yaml, file);
    cache?.set(fm.yaml, data);
  }
  return interpret(manifest, file, origin, fm, data);
}

/** The TemplateSpec a frontmatter's data makes: query and schema files read, every value checked. */
async function interpret(
  manifest: Manifest,
  file: string,
  origin: TemplateOrigin | undefined,
  fm: { body: string; offset: number },
  data: FrontmatterData,
): Promise<TemplateSpec> {
  const base = origin?.base ?? '.';
  const has = (key: string): boolean => Object.hasOwn(data.keys, key);
  const where = (key: string): { file: string; line: number; col: number } => {
    const at = has(key) ? data.keys[key]!.where : { line: 2, col: 1 };
    return { file, line: at.line, col: at.col };
  };
  const value = (key: string): unknown => (has(key) ? data.keys[key]!.value : undefined);
  const fail = (key: string, message: string): never => {
    throw new InputError({ ...where(key), message });
  };

  const deps: string[] = [];
  const readQuery = async (key: string, text: unknown, at: FrontmatterNode): Promise<QueryText> => {
    if (typeof text !== 'string' || text.trim() === '')
      return fail(key, `${key} must be a query file (.rq/.sparql) or inline SPARQL text`);
    if (isQueryFile(text)) {
      const rel = toPosix(path.join(base, text.trim()));
      try {
        const body = readFileSync(path.resolve(manifest.root, rel), 'utf8');
        deps.push(rel);
        return { text: body, file: rel, line: 1 };
      } catch {
        throw new InputError({
          file,
          line: at.line,
          col: at.col,
          message: `query file ${rel} not found (paths are relative to ${base === '.' ? 'the project root' : `the pack ${origin?.pack ?? base}`})`,
        });
      }
    }
    return { text, file, line: at.line + (at.block ? 1 : 0) };
  };

  const to = value('to');
  if (typeof to !== 'string' || to.trim() === '')
    throw new InputError({
      file,
      line: 2,
      col: 1,
      message: 'frontmatter needs `to:` (the output path, a Nunjucks string relative to the output directory)',
    });

  const queries: TemplateQuery[] = [];
  let single = false;
  if (has('query') && has('queries')) fail('queries', 'use either `query` or `queries`, not both');
  if (has('query')) {
    single = true;
    queries.push({ name: 'rows', query: await readQuery('query', value('query'), data.keys.query!.node) });
  } else if (has('queries')) {
    const items = data.items;
    if (!items) return fail('queries', '`queries` must map names to query files or inline SPARQL');
    for (const item of items) {
      const name = item.name;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail('queries', `query name "${name}" must be an identifier`);
      queries.push({ name, query: await readQuery('queries', item.text, item) });
    }
    if (queries.length === 0) fail('queries', '`queries` is empty');
  }

  let forEach: string | undefined;
  if (has('for_each')) {
    const fe = value('for_each');
    if (single) {
      if (fe !== true && fe !== false) fail('for_each', 'with a single `query`, `for_each` is true or false');
      if (fe === true) forEach = 'rows';
    } else if (queries.length > 0) {
      if (typeof fe !== 'string' || !queries.some((q) => q.name === fe))
        fail('for_each', `for_each must name one of the queries (${queries.map((q) => q.name).join(', ')})`);
      forEach = fe as string;
    } else fail('for_each', '`for_each` needs a `query` or `queries`');
  }

  const when = has('when') ? await readQuery('when', value('when'), data.keys.when!.node) : undefined;

  const skipEmpty = value('skip_empty') ?? false;
  if (typeof skipEmpty !== 'boolean') fail('skip_empty', '`skip_empty` must be true or false');
  const mode = value('mode') ?? 'overwrite';
  if (mode !== 'overwrite' && mode !== 'create_once') fail('mode', '`mode` must be `overwrite` or `create_once`');
  const root = value('root') ?? 'output';
  if (root !== 'output' && root !== 'handwritten') fail('root', '`root` must be `output` or `handwritten`');
  if (root === 'handwritten' && mode !== 'create_once')
    fail(
      'root',
      "`root: handwritten` writes into the user's folder, so it needs `mode: create_once` (never overwritten)",
    );
  const description = value('description');
  if (description !== undefined && typeof description !== 'string')
    fail('description', '`description` must be a string');

  const schemas: TemplateSpec['schemas'] = [];
  if (has('schema')) {
    const s = value('schema');
    const entries: Array<[string, unknown]> =
      typeof s === 'string'
        ? [[forEach ?? queries[0]?.name ?? '', s]]
        : s && typeof s === 'object' && !Array.isArray(s)
          ? Object.entries(s)
          : [];
    if (entries.length === 0)
      fail('schema', '`schema` must be a JSON Schema file path, or a map of query names to files');
    for (const [q, f] of entries) {
      if (!queries.some((x) => x.name === q))
        fail('schema', q ? `schema names unknown query "${q}"` : '`schema` needs a query');
      if (typeof f !== 'string') fail('schema', 'schema file must be a path');
      const rel = toPosix(path.join(base, f as string));
      let text: string;
      try {
        text = readFileSync(path.resolve(manifest.root, rel), 'utf8');
      } catch {
        return fail(
          'schema',
          `schema file ${rel} not found (paths are relative to ${base === '.' ? 'the project root' : `the pack ${origin?.pack ?? base}`})`,
        );
      }
      let schema: object;
      try {
        schema = JSON.parse(text) as object;
      } catch (err) {
        throw new InputError({ file: rel, message: `invalid JSON: ${(err as Error).message}` });
      }
      deps.push(rel);
      schemas.push({ query: q, file: rel, schema });
    }
  }

  return {
    file,
    body: fm.body,
    bodyOffset: fm.offset,
    ...(origin ? { name: origin.name } : {}),
    to: to as string,
    toLine: where('to').line,
    single,
    queries,
    forEach,
    when,
    skipEmpty: skipEmpty as boolean,
    mode: mode as OutputMode,
    root: root as 'output' | 'handwritten',
    schemas,
    description: description as string | undefined,
    deps: [...new Set(deps)].sort(),
  };
}

/** `frontmatter`: parsed frontmatters of earlier runs (frontmatter-cache.ts), so that YAML is parsed only for new ones. */
export async function loadTemplates(manifest: Manifest, frontmatter?: FrontmatterLookup): Promise<TemplateSet> {
  const found = await discoverTemplateFiles(manifest);
  return {
    templates: await Promise.all(
      found.templates.map((t) => loadTemplate(manifest, t, found.origins.get(t), frontmatter)),
    ),
    partials: found.partials,
    excluded: found.excluded,
    dirs: found.dirs,
  };
}
