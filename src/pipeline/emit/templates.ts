/**
 * Template discovery and frontmatter. Every `*.njk` under `generation.templates`
 * is a template, except those under a directory whose name starts with `_`
 * (partials, reachable only through include/import/extends).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, Scalar } from 'yaml';
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
}

const KEYS = new Set(['to', 'query', 'queries', 'for_each', 'when', 'skip_empty', 'mode', 'schema', 'description']);

export const toPosix = (p: string): string => p.split(path.sep).join('/');

/** All `.njk` files under the templates dir, split into templates and partials; both sorted, relative to root. */
export async function discoverTemplateFiles(manifest: Manifest): Promise<{ templates: string[]; partials: string[] }> {
  const dir = path.resolve(manifest.root, manifest.generation.templates);
  const templates: string[] = [];
  const partials: string[] = [];
  const walk = async (abs: string, inPartials: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && abs === dir) {
        throw new InputError({ file: manifest.path, message: `templates directory ${manifest.generation.templates} does not exist` });
      }
      throw err;
    }
    for (const e of entries) {
      const child = path.join(abs, e.name);
      if (e.isDirectory()) await walk(child, inPartials || e.name.startsWith('_'));
      else if (e.isFile() && e.name.endsWith('.njk')) {
        (inPartials ? partials : templates).push(toPosix(path.relative(manifest.root, child)));
      }
    }
  };
  await walk(dir, false);
  const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return { templates: templates.sort(byCodeUnit), partials: partials.sort(byCodeUnit) };
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

export async function loadTemplate(manifest: Manifest, file: string): Promise<TemplateSpec> {
  const src = await readFile(path.resolve(manifest.root, file), 'utf8');
  const fm = splitFrontmatter(src);
  if (!fm) throw new InputError({ file, line: 1, col: 1, message: 'template has no frontmatter (a first line `---`, YAML with at least `to:`, then `---`)' });

  const lc = new LineCounter();
  const doc = parseDocument(fm.yaml, { lineCounter: lc, uniqueKeys: true });
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lc.linePos(offset).line) + 1;
  const colOf = (offset: number | undefined): number => (offset === undefined ? 1 : lc.linePos(offset).col);
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => ({ file, line: (e.linePos?.[0]?.line ?? 0) + 1, col: e.linePos?.[0]?.col, message: `frontmatter: ${e.message.split('\n')[0]}` })),
    );
  }
  if (!isMap(doc.contents)) throw new InputError({ file, line: 2, col: 1, message: 'frontmatter must be a YAML mapping' });

  const pairs = new Map<string, Pair<YamlNode, YamlNode>>();
  for (const item of doc.contents.items as Array<Pair<YamlNode, YamlNode>>) {
    const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
    const at = (item.key as YamlNode | null)?.range?.[0];
    if (!KEYS.has(key)) {
      throw new InputError({ file, line: lineOf(at), col: colOf(at), message: `unknown frontmatter key "${key}" (allowed: ${[...KEYS].join(', ')})` });
    }
    pairs.set(key, item);
  }
  const where = (key: string): { file: string; line: number; col: number } => {
    const node = pairs.get(key)?.value ?? pairs.get(key)?.key;
    const at = (node as YamlNode | null)?.range?.[0];
    return { file, line: lineOf(at), col: colOf(at) };
  };
  const value = (key: string): unknown => {
    const v = pairs.get(key)?.value;
    return v && typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as { toJSON(): unknown }).toJSON() : v;
  };
  const fail = (key: string, message: string): never => {
    throw new InputError({ ...where(key), message });
  };

  const deps: string[] = [];
  const readQuery = async (key: string, text: unknown, node: YamlNode | undefined | null): Promise<QueryText> => {
    if (typeof text !== 'string' || text.trim() === '') return fail(key, `${key} must be a query file (.rq/.sparql) or inline SPARQL text`);
    const at = node?.range?.[0];
    if (isQueryFile(text)) {
      const rel = toPosix(path.join(path.dirname(manifest.generation.templates), text.trim()));
      try {
        const body = await readFile(path.resolve(manifest.root, rel), 'utf8');
        deps.push(rel);
        return { text: body, file: rel, line: 1 };
      } catch {
        throw new InputError({ file, line: lineOf(at), col: colOf(at), message: `query file ${rel} not found (paths are relative to the project root)` });
      }
    }
    const block = node instanceof Scalar && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
    return { text, file, line: lineOf(at) + (block ? 1 : 0) };
  };

  const to = value('to');
  if (typeof to !== 'string' || to.trim() === '') throw new InputError({ file, line: 2, col: 1, message: 'frontmatter needs `to:` (the output path, a Nunjucks string relative to the output directory)' });

  const queries: TemplateQuery[] = [];
  let single = false;
  if (pairs.has('query') && pairs.has('queries')) fail('queries', 'use either `query` or `queries`, not both');
  if (pairs.has('query')) {
    single = true;
    queries.push({ name: 'rows', query: await readQuery('query', value('query'), pairs.get('query')!.value) });
  } else if (pairs.has('queries')) {
    const node = pairs.get('queries')!.value;
    if (!isMap(node)) fail('queries', '`queries` must map names to query files or inline SPARQL');
    for (const item of (node as unknown as { items: Array<Pair<YamlNode, YamlNode>> }).items) {
      const name = isScalar(item.key) ? String(item.key.value) : String(item.key);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail('queries', `query name "${name}" must be an identifier`);
      const v = isScalar(item.value) ? item.value.value : undefined;
      queries.push({ name, query: await readQuery('queries', v, item.value) });
    }
    if (queries.length === 0) fail('queries', '`queries` is empty');
  }

  let forEach: string | undefined;
  if (pairs.has('for_each')) {
    const fe = value('for_each');
    if (single) {
      if (fe !== true && fe !== false) fail('for_each', 'with a single `query`, `for_each` is true or false');
      if (fe === true) forEach = 'rows';
    } else if (queries.length > 0) {
      if (typeof fe !== 'string' || !queries.some((q) => q.name === fe)) fail('for_each', `for_each must name one of the queries (${queries.map((q) => q.name).join(', ')})`);
      forEach = fe as string;
    } else fail('for_each', '`for_each` needs a `query` or `queries`');
  }

  const when = pairs.has('when') ? await readQuery('when', value('when'), pairs.get('when')!.value) : undefined;

  const skipEmpty = value('skip_empty') ?? false;
  if (typeof skipEmpty !== 'boolean') fail('skip_empty', '`skip_empty` must be true or false');
  const mode = value('mode') ?? 'overwrite';
  if (mode !== 'overwrite' && mode !== 'create_once') fail('mode', '`mode` must be `overwrite` or `create_once`');
  const description = value('description');
  if (description !== undefined && typeof description !== 'string') fail('description', '`description` must be a string');

  const schemas: TemplateSpec['schemas'] = [];
  if (pairs.has('schema')) {
    const s = value('schema');
    const entries: Array<[string, unknown]> =
      typeof s === 'string' ? [[forEach ?? queries[0]?.name ?? '', s]] : s && typeof s === 'object' && !Array.isArray(s) ? Object.entries(s) : [];
    if (entries.length === 0) fail('schema', '`schema` must be a JSON Schema file path, or a map of query names to files');
    for (const [q, f] of entries) {
      if (!queries.some((x) => x.name === q)) fail('schema', q ? `schema names unknown query "${q}"` : '`schema` needs a query');
      if (typeof f !== 'string') fail('schema', 'schema file must be a path');
      const rel = toPosix(path.normalize(f as string));
      let text: string;
      try {
        text = await readFile(path.resolve(manifest.root, rel), 'utf8');
      } catch {
        return fail('schema', `schema file ${rel} not found (paths are relative to the project root)`);
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
    to: to as string,
    toLine: where('to').line,
    single,
    queries,
    forEach,
    when,
    skipEmpty: skipEmpty as boolean,
    mode: mode as OutputMode,
    schemas,
    description: description as string | undefined,
    deps: [...new Set(deps)].sort(),
  };
}

export async function loadTemplates(manifest: Manifest): Promise<TemplateSet> {
  const { templates, partials } = await discoverTemplateFiles(manifest);
  return { templates: await Promise.all(templates.map((t) => loadTemplate(manifest, t))), partials };
}
