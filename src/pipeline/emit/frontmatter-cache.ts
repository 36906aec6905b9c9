/**
 * Parsed template frontmatters of the last successful sync, under `.ggen/cache/frontmatter.json`,
 * so that a run whose templates' frontmatters are unchanged never loads the `yaml` package (~0.1 s
 * of a template edit's run). An entry is keyed by the sha256 of the frontmatter's YAML text and
 * holds only data (templates.ts FrontmatterData): what each key says and where it stands in the
 * YAML. Everything the template means is still worked out from that data on every run (query and
 * schema files read, every value checked: templates.ts interpret), so a hit and a parse give the
 * same TemplateSpec and the same errors.
 *
 * The file is untrusted: an entry is used only if it has FrontmatterData's exact shape (known keys,
 * values of the kinds a parse gives, positive line and column numbers); anything else is a miss
 * (the YAML is parsed). Only YAML that parsed without error is cached. Saving keeps the entries
 * this run used.
 */
import { createHash } from 'node:crypto';
import { CacheFile, type CacheOptions } from '../fs/cache-file.js';
import { packageVersions } from '../receipt/versions.js';
import { emitCodeDigest } from './render-cache.js';
import {
  FRONTMATTER_KEYS,
  type FrontmatterData,
  type FrontmatterLookup,
  type FrontmatterNode,
  type FrontmatterPos,
} from './templates.js';

export const FRONTMATTER_CACHE_FILE = '.ggen/cache/frontmatter.json';
const FORMAT = 1;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasOnly = (o: Record<string, unknown>, keys: string[]): boolean =>
  Object.keys(o).every((k) => keys.includes(k)) && keys.every((k) => Object.hasOwn(o, k));

function validPos(v: unknown): v is FrontmatterPos {
  if (!isObject(v) || !hasOnly(v, ['line', 'col'])) return false;
  return (
    Number.isSafeInteger(v.line) && (v.line as number) >= 1 && Number.isSafeInteger(v.col) && (v.col as number) >= 1
  );
}

function validNode(v: unknown, extra: string[] = []): v is FrontmatterNode {
  if (!isObject(v) || !hasOnly(v, ['line', 'col', 'block', ...extra])) return false;
  return validPos({ line: v.line, col: v.col }) && typeof v.block === 'boolean';
}

/** A value as a parse gives it: a string, boolean, null, 0, or a map of strings and 0s. */
function validValue(v: unknown): boolean {
  if (typeof v === 'string' || typeof v === 'boolean' || v === null || v === 0) return true;
  return isObject(v) && Object.values(v).every((x) => typeof x === 'string' || x === 0);
}

/** FrontmatterData's exact shape (the file is not trusted). */
export function validFrontmatter(v: unknown): v is FrontmatterData {
  if (!isObject(v) || !isObject(v.keys)) return false;
  const top = Object.keys(v);
  if (!top.every((k) => k === 'keys' || k === 'items')) return false;
  for (const [key, entry] of Object.entries(v.keys)) {
    if (!FRONTMATTER_KEYS.has(key)) return false;
    if (!isObject(entry) || !hasOnly(entry, ['value', 'where', 'node'])) return false;
    if (!validValue(entry.value) || !validPos(entry.where) || !validNode(entry.node)) return false;
  }
  // `items` is there exactly when `queries` is: null (not a map) or its items.
  if (Object.hasOwn(v, 'items') !== Object.hasOwn(v.keys, 'queries')) return false;
  if (Object.hasOwn(v, 'items') && v.items !== null) {
    if (!Array.isArray(v.items)) return false;
    for (const item of v.items as unknown[]) {
      if (!validNode(item, ['name', 'text'])) return false;
      const { name, text } = item as unknown as { name: unknown; text: unknown };
      if (typeof name !== 'string' || !(typeof text === 'string' || text === null)) return false;
    }
  }
  return true;
}

export class FrontmatterCache implements FrontmatterLookup {
  private constructor(private readonly file: CacheFile<FrontmatterData>) {}

  /** `read: false` starts empty (sync --full), still saving what this run parses. */
  static open(root: string, options: CacheOptions = {}): FrontmatterCache {
    const salt = createHash('sha256')
      .update(JSON.stringify([FORMAT, emitCodeDigest(), packageVersions()]))
      .digest('hex');
    return new FrontmatterCache(CacheFile.open<FrontmatterData>(root, FRONTMATTER_CACHE_FILE, salt, options));
  }

  private static key(yaml: string): string {
    return createHash('sha256').update(yaml).digest('hex');
  }

  get(yaml: string): FrontmatterData | undefined {
    const key = FrontmatterCache.key(yaml);
    const hit = this.file.lookup(key);
    if (!validFrontmatter(hit)) return undefined;
    this.file.keep(key, hit);
    return hit;
  }

  set(yaml: string, data: FrontmatterData): void {
    this.file.keep(FrontmatterCache.key(yaml), data);
  }

  /** Call after a successful write run only (a failed sync writes nothing). */
  save(): void {
    this.file.save();
  }
}
