/**
 * One cache file under `.ggen/cache/`: `{ salt, entries }`. A file written under another salt
 * (another tool version, options or graph) is ignored, an unreadable one is empty, and saving
 * keeps only the entries this run kept, so the file tracks the current outputs. Saving is
 * atomic (an exclusive temporary file, then rename) and never goes through a symlinked
 * `.ggen/` or `.ggen/cache/`; failing to save only costs the next run its hits.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../write/atomic.js';

export class CacheFile<T> {
  private readonly kept = new Map<string, T>();

  private constructor(
    private readonly root: string,
    private readonly file: string,
    private readonly salt: string,
    private readonly known: Record<string, T>,
  ) {}

  /** `read: false` starts empty (sync --full), still saving what the run keeps. */
  static open<T>(root: string, rel: string, salt: string, options: { read?: boolean } = {}): CacheFile<T> {
    const file = path.join(root, rel);
    let known: Record<string, T> = {};
    if (options.read !== false) {
      try {
        const stored = JSON.parse(readFileSync(file, 'utf8')) as { salt?: string; entries?: Record<string, T> };
        if (stored.salt === salt && stored.entries && typeof stored.entries === 'object') known = stored.entries;
      } catch {
        /* no cache yet, or unreadable: every lookup is a miss */
      }
    }
    return new CacheFile(root, file, salt, known);
  }

  /** The stored entry for `key`, if any (callers check its shape: the file is not trusted). */
  lookup(key: string): T | undefined {
    return Object.hasOwn(this.known, key) ? this.known[key] : undefined;
  }

  /** Records an entry to save. */
  keep(key: string, value: T): void {
    this.kept.set(key, value);
  }

  save(): void {
    try {
      const entries = Object.fromEntries([...this.kept].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      writeAtomic(this.file, JSON.stringify({ salt: this.salt, entries }), this.root);
    } catch {
      /* a cache is optional */
    }
  }
}
