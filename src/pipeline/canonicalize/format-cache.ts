/**
 * Prettier results of the last successful sync, under `.ggen/cache/format.json`, keyed by the
 * sha256 of (Prettier version, options, parser, path, unformatted text). When a template edit
 * changes a few outputs, the others skip Prettier, and a run with no miss never loads it.
 * Saving keeps only the entries this run used, so the file tracks the current outputs.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageVersions } from '../receipt/versions.js';
import { PRETTIER_OPTIONS, parserFor } from './format.js';

export const FORMAT_CACHE_FILE = '.ggen/cache/format.json';
const FORMAT = 1;

export class FormatCache {
  private readonly used = new Map<string, string>();

  private constructor(
    private readonly root: string,
    private readonly salt: string,
    private readonly known: Record<string, string>,
  ) {}

  /** `read: false` starts empty (sync --full), still saving what this run formats. */
  static open(root: string, options: { read?: boolean } = {}): FormatCache {
    const prettier = packageVersions().find((p) => p.name === 'prettier')?.version ?? 'unknown';
    const salt = `${FORMAT}\0${prettier}\0${JSON.stringify(PRETTIER_OPTIONS)}`;
    let known: Record<string, string> = {};
    if (options.read !== false) {
      try {
        const entry = JSON.parse(readFileSync(path.join(root, FORMAT_CACHE_FILE), 'utf8')) as { salt?: string; entries?: Record<string, string> };
        if (entry.salt === salt && entry.entries && typeof entry.entries === 'object') known = entry.entries;
      } catch {
        /* no cache yet, or unreadable: every file is a miss */
      }
    }
    return new FormatCache(root, salt, known);
  }

  private key(file: string, text: string): string {
    return createHash('sha256').update(`${this.salt}\0${parserFor(file) ?? ''}\0${file}\0`).update(text).digest('hex');
  }

  get(file: string, text: string): string | undefined {
    const k = this.key(file, text);
    const hit = Object.hasOwn(this.known, k) ? this.known[k] : undefined;
    if (typeof hit === 'string') this.used.set(k, hit);
    return typeof hit === 'string' ? hit : undefined;
  }

  set(file: string, text: string, formatted: string): void {
    this.used.set(this.key(file, text), formatted);
  }

  /** Call after a successful write run only (a failed sync writes nothing). Failures cost only the next run's hits. */
  save(): void {
    try {
      const file = path.join(this.root, FORMAT_CACHE_FILE);
      mkdirSync(path.dirname(file), { recursive: true });
      const entries = Object.fromEntries([...this.used].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ salt: this.salt, entries }));
      renameSync(tmp, file);
    } catch {
      /* a cache is optional */
    }
  }
}
