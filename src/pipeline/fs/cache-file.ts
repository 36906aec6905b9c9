/**
 * One cache file under `.ggen/cache/`: `{ salt, entries }`. A file written under another salt
 * (another tool version, options or graph) is ignored, an unreadable one is empty, and saving
 * keeps only the entries this run kept, so the file tracks the current outputs. Saving is
 * atomic (an exclusive temporary file, then rename) and never goes through a symlinked
 * `.ggen/` or `.ggen/cache/`; failing to save only costs the next run its hits. A run that kept
 * exactly the entries it read (each the very object the file held) leaves the file as it is: the
 * edit loop's runs mostly hit, and rewriting a megabyte of the same JSON costs ~0.1 s each time.
 *
 * Under `sync --watch` a CacheMemory (held by the session) keeps each file's entries between runs:
 * a run reads them from memory instead of parsing the file again, and its save updates memory and
 * leaves the file to be written once, when the session closes (CacheMemory.flush), not every run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../write/atomic.js';

/**
 * The cache files of one process (`sync --watch`), by absolute path: what the last run saved, and
 * the writes not made yet. What memory holds is what this process computed, never read back from
 * a file, so it needs no checking beyond what a lookup's caller does.
 */
export class CacheMemory {
  private readonly held = new Map<string, { salt: string; entries: Record<string, unknown> }>();
  private readonly values = new Map<string, unknown>();
  private readonly pending = new Map<string, () => void>();

  get<T>(file: string): { salt: string; entries: Record<string, T> } | undefined {
    return this.held.get(file) as { salt: string; entries: Record<string, T> } | undefined;
  }

  /** Holds a file's content as it is on disk already (nothing to write). */
  remember(file: string, salt: string, entries: Record<string, unknown>): void {
    if (!this.held.has(file)) this.held.set(file, { salt, entries });
  }

  /** Holds a file's new content, and its write until flush (a later save of the same file replaces it). */
  put(file: string, salt: string, entries: Record<string, unknown>, write: () => void): void {
    this.held.set(file, { salt, entries });
    this.pending.set(file, write);
  }

  /** For a cache that is not a CacheFile (the graph cache): what it holds for `file`, if anything. */
  value(file: string): unknown {
    return this.values.get(file);
  }

  /** Holds a value for `file`, and its write until flush. */
  hold(file: string, value: unknown, write: () => void): void {
    this.values.set(file, value);
    this.pending.set(file, write);
  }

  /** Writes every file saved since the last flush (each once, its latest content). */
  flush(): void {
    const writes = [...this.pending.values()];
    this.pending.clear();
    for (const w of writes) w();
  }

  /** Number of writes waiting for flush (tests). */
  get unwritten(): number {
    return this.pending.size;
  }
}

export interface CacheOptions {
  /** false: start empty (sync --full), still saving what the run keeps. */
  read?: boolean;
  /** The watch session's memory: read from and save to it; the file is written at flush. */
  memory?: CacheMemory;
}

export class CacheFile<T> {
  private readonly kept = new Map<string, T>();
  /** Whether a kept entry is not the one read from the file (so saving would change it). */
  private changed = false;

  private constructor(
    private readonly root: string,
    private readonly file: string,
    private readonly salt: string,
    private readonly known: Record<string, T>,
    /** Whether `known` is what the file holds under this salt (else saving always writes). */
    private readonly fromFile: boolean,
    private readonly memory: CacheMemory | undefined,
  ) {}

  /** `read: false` starts empty (sync --full), still saving what the run keeps. */
  static open<T>(root: string, rel: string, salt: string, options: CacheOptions = {}): CacheFile<T> {
    const file = path.join(root, rel);
    let known: Record<string, T> = {};
    let fromFile = false;
    const held = options.memory?.get<T>(file);
    if (options.read !== false && held) {
      // This process saved the file last: memory has its content (or the content it will have).
      if (held.salt === salt) {
        known = held.entries;
        fromFile = true;
      }
    } else if (options.read !== false) {
      try {
        const stored = JSON.parse(readFileSync(file, 'utf8')) as { salt?: string; entries?: Record<string, T> };
        if (stored.salt === salt && stored.entries && typeof stored.entries === 'object') {
          known = stored.entries;
          fromFile = true;
        }
      } catch {
        /* no cache yet, or unreadable: every lookup is a miss */
      }
    }
    return new CacheFile(root, file, salt, known, fromFile, options.memory);
  }

  /** Whether nothing was read (no file, another salt, unreadable, `read: false`, or no entries). */
  get empty(): boolean {
    return Object.keys(this.known).length === 0;
  }

  /** The stored entry for `key`, if any (callers check its shape: the file is not trusted). */
  lookup(key: string): T | undefined {
    return Object.hasOwn(this.known, key) ? this.known[key] : undefined;
  }

  /** Records an entry to save. */
  keep(key: string, value: T): void {
    if (!Object.hasOwn(this.known, key) || this.known[key] !== value) this.changed = true;
    this.kept.set(key, value);
  }

  save(): void {
    if (this.fromFile && !this.changed && this.kept.size === Object.keys(this.known).length) {
      // Unchanged: the next run of this process can still skip reading the file.
      this.memory?.remember(this.file, this.salt, this.known);
      return;
    }
    const entries = Object.fromEntries([...this.kept].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const write = (): void => {
      try {
        writeAtomic(this.file, JSON.stringify({ salt: this.salt, entries }), this.root, { durable: false });
      } catch {
        /* a cache is optional */
      }
    };
    if (this.memory) this.memory.put(this.file, this.salt, entries, write);
    else write();
  }
}
