/**
 * Prettier results of the last successful sync, under `.ggen/cache/format.json`, keyed by the
 * sha256 of (Prettier and its oxc plugin's versions, options, parser, path, unformatted body). When a template edit
 * changes a few outputs, the others skip Prettier, and a run with no miss never loads it.
 * Saving keeps only the entries this run used, so the file tracks the current outputs.
 *
 * Only bodies are formatted and stored: the banner (which carries the digest of the output's
 * inputs, so a spec or template edit can change it while the body stays the same) is applied
 * after Prettier (banner.ts `withBanner`). An edit that changes banners only runs no Prettier.
 *
 * The file is untrusted: an entry must be a string that is normalized text (LF, one final
 * newline) and match the check value stored with it, else it is a miss.
 */
import { createHash } from 'node:crypto';
import { CacheFile, type CacheOptions } from '../fs/cache-file.js';
import { packageVersions } from '../receipt/versions.js';
import { PRETTIER_OPTIONS, parserFor } from './format.js';

export const FORMAT_CACHE_FILE = '.ggen/cache/format.json';
const FORMAT = 3;

interface Entry {
  /** Prettier's output for the body (normalized: LF, one final newline). */
  t: string;
  /** sha256 of (key, t), truncated: a hand-edited or damaged entry is a miss. */
  h: string;
}

const check = (key: string, text: string): string =>
  createHash('sha256').update(`${key}\0`).update(text).digest('hex').slice(0, 32);

export class FormatCache {
  private constructor(
    private readonly file: CacheFile<Entry>,
    private readonly salt: string,
  ) {}

  /** `read: false` starts empty (sync --full), still saving what this run formats. */
  static open(root: string, options: CacheOptions = {}): FormatCache {
    const version = (name: string) => packageVersions().find((p) => p.name === name)?.version ?? 'unknown';
    const salt = `${FORMAT}\0${version('prettier')}\0${version('@prettier/plugin-oxc')}\0${JSON.stringify(PRETTIER_OPTIONS)}`;
    return new FormatCache(CacheFile.open<Entry>(root, FORMAT_CACHE_FILE, salt, options), salt);
  }

  /** Whether nothing was read (no file, another salt, unreadable, or `read: false`): every lookup misses. */
  get empty(): boolean {
    return this.file.empty;
  }

  private key(file: string, body: string): string {
    return createHash('sha256')
      .update(`${this.salt}\0${parserFor(file) ?? ''}\0${file}\0`)
      .update(body)
      .digest('hex');
  }

  /** The formatted text of `body` (no banner), if an earlier run formatted it. */
  get(file: string, body: string): string | undefined {
    const k = this.key(file, body);
    const hit = this.file.lookup(k);
    if (
      !hit ||
      typeof hit.t !== 'string' ||
      typeof hit.h !== 'string' ||
      !hit.t.endsWith('\n') ||
      hit.t.includes('\r') ||
      hit.h !== check(k, hit.t)
    )
      return undefined;
    this.file.keep(k, hit);
    return hit.t;
  }

  set(file: string, body: string, formatted: string): void {
    const k = this.key(file, body);
    this.file.keep(k, { t: formatted, h: check(k, formatted) });
  }

  /** Call after a successful write run only (a failed sync writes nothing). */
  save(): void {
    this.file.save();
  }
}
