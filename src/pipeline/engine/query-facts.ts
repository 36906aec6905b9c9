/**
 * Query facts: what ggen derives from a query's parsed form (the text to run with its ORDER BY
 * tie-breakers, the predicates an inference rule reads, whether a SHACL-SPARQL query may be
 * pre-bound, where `$this` sits in it) depends only on the query text, the prefixes it is parsed
 * with and ggen's own code. Kept in `.ggen/cache/queries.json`, a run whose queries are all known
 * (a spec edit: the queries did not change) never loads the SPARQL parser (traqula: ~0.5 s to
 * import and build its grammar, then ~5 ms a query).
 *
 * Only facts of queries that parsed and passed their checks are stored (a query with an error
 * is parsed again every run, to report it). The file is untrusted: every entry is shape-checked
 * by its reader, and a wrong shape is a miss. Facts are keyed by sha256 of (kind, prefixes, text)
 * and salted with ggen's code and parser versions, so an edited query or a rebuilt ggen misses.
 *
 * A first run (no facts file yet) of a project on a pack that ships with ggen need not load the
 * parser either: `npm run build` syncs this repository's own project (query-facts-seed.ts) and
 * keeps the facts its run computed in `query-facts.seed.json` beside this module, under the same
 * salt. A fact the project's file lacks is looked up there before it is computed: same key (kind,
 * prefixes, text), same code, same answer, and the same shape checks as the file's entries. A seed
 * of other code (another salt) or an unreadable one is ignored.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheFile, type CacheOptions } from '../fs/cache-file.js';
import { compareCodeUnits } from '../fs/glob.js';
import { digestModules } from '../fs/code-digest.js';
import { packageVersions } from '../receipt/versions.js';

const FORMAT = 1;
export const QUERY_FACTS_FILE = '.ggen/cache/queries.json';
/** The build's facts of the shipped packs' queries (only in dist/: written by query-facts-seed.ts). */
export const QUERY_FACTS_SEED = fileURLToPath(new URL('./query-facts.seed.json', import.meta.url));

let salt: string | undefined;

/** The SPARQL parser's version: the facts are what this parser made of the text. */
function parserVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    let dir = path.dirname(require.resolve('@traqula/parser-sparql-1-2'));
    for (; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
      const pkg = path.join(dir, 'package.json');
      if (existsSync(pkg)) {
        const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
        if (json.name === '@traqula/parser-sparql-1-2') return String(json.version);
      }
    }
  } catch {
    /* unknown: still a fixed salt part */
  }
  return 'unknown';
}

export function factsSalt(): string {
  if (salt === undefined) {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const code = digestModules([
      here,
      path.join(here, '../extract'),
      path.join(here, '../normalize'),
      path.join(here, '../fs'),
    ]);
    salt = createHash('sha256')
      .update(JSON.stringify([FORMAT, code, parserVersion(), packageVersions()]))
      .digest('hex');
  }
  return salt;
}

/** A prefix map as key material: its entries in code-unit order of the prefix, whatever order it was built in. */
export function sortedPrefixes(prefixes: Record<string, string>): Array<[string, string]> {
  return Object.entries(prefixes).sort(([a], [b]) => compareCodeUnits(a, b));
}

export class QueryFacts {
  /** Facts computed or read in this process (a watch session's later runs hit here). */
  private readonly memory = new Map<string, unknown>();

  /** The build's facts (read at the first fact the project's file lacks), or null once found unusable. */
  private seedFile: CacheFile<unknown> | null | undefined;

  private constructor(
    private readonly file: CacheFile<unknown> | undefined,
    /** Where the build's facts are, if this project's facts may come from there. */
    private readonly seed?: string,
  ) {}

  /** Facts in memory only (no project directory: tests, explain). */
  static inMemory(): QueryFacts {
    return new QueryFacts(undefined);
  }

  /**
   * The project's facts file; `read: false` (sync --full) starts empty and still saves, and parses
   * every query afresh (the build's facts are not read either). `seed`: the build's facts file to
   * fall back on (tests name another; false: none).
   */
  static open(root: string, options: CacheOptions = {}, seed: string | false = QUERY_FACTS_SEED): QueryFacts {
    return new QueryFacts(
      CacheFile.open<unknown>(root, QUERY_FACTS_FILE, factsSalt(), options),
      seed === false || options.read === false ? undefined : seed,
    );
  }

  /** The build's fact under `key`, if there is a usable seed (read once, at the first miss). */
  private seeded(key: string): unknown {
    if (this.seed === undefined) return undefined;
    if (this.seedFile === undefined) {
      const file = CacheFile.open<unknown>(path.dirname(this.seed), path.basename(this.seed), factsSalt());
      this.seedFile = file.empty ? null : file;
    }
    return this.seedFile?.lookup(key);
  }

  /** Takes over what an earlier run of this process knew (a watch session's engine outlives runs). */
  inherit(earlier: QueryFacts): void {
    for (const [k, v] of earlier.memory) if (!this.memory.has(k)) this.memory.set(k, v);
  }

  static key(kind: string, prefixes: Record<string, string>, text: string): string {
    return createHash('sha256')
      .update(`${kind}\0`)
      .update(JSON.stringify(sortedPrefixes(prefixes)))
      .update('\0')
      .update(text)
      .digest('hex');
  }

  /**
   * The fact under `key`: from memory, else from the file if `valid` accepts its shape, else
   * `compute()` (which may throw: nothing is then stored). Every fact used is kept for saving.
   */
  async get<T>(key: string, valid: (x: unknown) => x is T, compute: () => Promise<T>): Promise<T> {
    this.used = true;
    if (this.memory.has(key)) {
      const value = this.memory.get(key) as T;
      this.file?.keep(key, value);
      return value;
    }
    const stored = this.file?.lookup(key);
    let value: T;
    if (stored !== undefined && valid(stored)) value = stored;
    else {
      const seeded = this.seeded(key);
      value = seeded !== undefined && valid(seeded) ? seeded : await compute();
    }
    this.memory.set(key, value);
    this.file?.keep(key, value);
    return value;
  }

  /** Whether this run asked for any fact (a run that ran no query keeps the file as it is). */
  private used = false;

  /** Marks a fact this process knows as used by this run (kept when the file is saved). */
  touch(key: string): void {
    if (!this.memory.has(key)) return;
    this.used = true;
    this.file?.keep(key, this.memory.get(key));
  }

  /**
   * Writes the facts this run used (atomically; a failure only costs the next run its hits).
   * A run that asked for none (every result from the caches) leaves the file alone.
   */
  save(): void {
    if (this.used) this.file?.save();
  }
}

/** Shape checks for the facts' readers. */
export const isString = (x: unknown): x is string => typeof x === 'string';
export const isStringOrNull = (x: unknown): x is string | null => x === null || typeof x === 'string';
