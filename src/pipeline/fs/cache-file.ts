/**
 * One cache file under `.ggen/cache/`: `{ salt, entries }`. A file written under another salt
 * (another tool version, options or graph) is ignored, an unreadable one is empty, and saving
 * keeps only the entries this run kept, so the file tracks the current outputs. Saving is
 * atomic (an exclusive temporary file, then rename) and never goes through a symlinked
 * `.ggen/` or `.ggen/cache/`; failing to save only costs the next run its hits. A run that kept
 * exactly the entries it read (each the very object the file held) leaves the file as it is: the
 * edit loop's runs mostly hit, and rewriting a megabyte of the same JSON costs ~0.1 s each time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../write/atomic.js';

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
  ) {}

  /** `read: false` starts empty (sync --full), still saving what the run keeps. */
  static open<T>(root: string, rel: string, salt: string, options: { read?: boolean } = {}): CacheFile<T> {
    const file = path.join(root, rel);
    let known: Record<string, T> = {};
    let fromFile = false;
    if (options.read !== false) {
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
    return new CacheFile(root, file, salt, known, fromFile);
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
    if (this.fromFile && !this.changed && this.kept.size === Object.keys(this.known).length) return;
    try {
      const entries = Object.fromEntries([...this.kept].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      writeAtomic(this.file, JSON.stringify({ salt: this.salt, entries }), this.root);
    } catch {
      /* a cache is optional */
    }
  }
}
