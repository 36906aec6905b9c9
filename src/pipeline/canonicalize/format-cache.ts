/**
 * Prettier results of the last successful sync, under `.ggen/cache/format.json`, keyed by the
 * sha256 of (Prettier version, options, parser, path, unformatted body). When a template edit
 * changes a few outputs, the others skip Prettier, and a run with no miss never loads it.
 * Saving keeps only the entries this run used, so the file tracks the current outputs.
 *
 * The banner is not part of the key: it carries the digest of the output's inputs, which a
 * spec or template edit can change while the body stays the same. Prettier prints the banner's comment lines verbatim and never
 * lets them change how the code after them is laid out, so a hit is the new banner followed by
 * the cached text after the banner it was formatted with (checked to be there, else a miss).
 */
import { createHash } from 'node:crypto';
import { CacheFile } from '../fs/cache-file.js';
import { packageVersions } from '../receipt/versions.js';
import { PRETTIER_OPTIONS, parserFor } from './format.js';

export const FORMAT_CACHE_FILE = '.ggen/cache/format.json';
const FORMAT = 2;

interface Entry {
  /** The banner the text was formatted with. */
  b: string;
  /** Prettier's output for that banner + the body. */
  t: string;
}

export class FormatCache {
  private constructor(
    private readonly file: CacheFile<Entry>,
    private readonly salt: string,
  ) {}

  /** `read: false` starts empty (sync --full), still saving what this run formats. */
  static open(root: string, options: { read?: boolean } = {}): FormatCache {
    const prettier = packageVersions().find((p) => p.name === 'prettier')?.version ?? 'unknown';
    const salt = `${FORMAT}\0${prettier}\0${JSON.stringify(PRETTIER_OPTIONS)}`;
    return new FormatCache(CacheFile.open<Entry>(root, FORMAT_CACHE_FILE, salt, options), salt);
  }

  private key(file: string, body: string): string {
    return createHash('sha256')
      .update(`${this.salt}\0${parserFor(file) ?? ''}\0${file}\0`)
      .update(body)
      .digest('hex');
  }

  /** The formatted text of `banner` + `body`, if an earlier run formatted `body` (under any banner). */
  get(file: string, banner: string, body: string): string | undefined {
    const k = this.key(file, body);
    const hit = this.file.lookup(k);
    if (!hit || typeof hit.b !== 'string' || typeof hit.t !== 'string' || !hit.t.startsWith(hit.b)) return undefined;
    if (hit.b === banner) {
      this.file.keep(k, hit);
      return hit.t;
    }
    const text = banner + hit.t.slice(hit.b.length);
    this.file.keep(k, { b: banner, t: text });
    return text;
  }

  set(file: string, banner: string, body: string, formatted: string): void {
    this.file.keep(this.key(file, body), { b: banner, t: formatted });
  }

  /** Call after a successful write run only (a failed sync writes nothing). */
  save(): void {
    this.file.save();
  }
}
