/**
 * Parsed Turtle kept between the runs of one process (`sync --watch`): each file's quads in the
 * order n3 produced them, where each was written and the prefixes the file declared. An entry is
 * reused only for the same role (spec or shapes), file, base IRI and exactly the same text, so a
 * run replays what parsing that text would produce, in the same order; only the blank node labels
 * differ, and those already differ between any two parses in one process (n3 numbers its parses)
 * until digest.ts gives them their canonical labels. A watch run after one spec edit parses that
 * file alone.
 *
 * Entries live in memory only, one per file of the last run (`retain`), and a failed parse stores
 * nothing.
 */
import type { Quad, Store } from 'n3';
import { SourceIndex } from './positions.js';
import { parseTurtleInto } from './turtle.js';

export interface ParsedFile {
  readonly text: string;
  readonly baseIri: string | undefined;
  /** Quads in parse order. */
  readonly quads: readonly Quad[];
  /** Where each quad was written and the prefixes the file declared (this file only). */
  readonly index: SourceIndex;
}

/** Parses one file on its own: its quads and positions, ready to be replayed into a run's store. */
export async function parseFile(text: string, file: string, baseIri: string | undefined): Promise<ParsedFile> {
  const quads: Quad[] = [];
  const index = new SourceIndex();
  const sink = { addQuad: (q: Quad) => void quads.push(q) } as unknown as Store;
  await parseTurtleInto(sink, text, file, baseIri, undefined, index);
  return { text, baseIri, quads, index };
}

/** Adds a parsed file to a run: its quads to `store` (each seen by `onQuad`), its positions to `positions`. */
export function replayParsed(
  parsed: ParsedFile,
  store: Store,
  positions: SourceIndex,
  onQuad?: (q: Quad) => void,
): void {
  for (const q of parsed.quads) {
    store.addQuad(q);
    onQuad?.(q);
  }
  positions.merge(parsed.index);
}

export class ParseCache {
  private entries = new Map<string, ParsedFile>();
  private used = new Set<string>();
  /** Files answered from the cache, and files parsed, since the cache was made. */
  hits = 0;
  misses = 0;

  /** The parse of `text` as `file`, from the cache when this exact text was parsed before. */
  async parse(role: string, file: string, text: string, baseIri: string | undefined): Promise<ParsedFile> {
    const key = `${role}\u0000${file}`;
    this.used.add(key);
    const hit = this.entries.get(key);
    if (hit && hit.text === text && hit.baseIri === baseIri) {
      this.hits++;
      return hit;
    }
    this.misses++;
    this.entries.delete(key);
    const parsed = await parseFile(text, file, baseIri);
    this.entries.set(key, parsed);
    return parsed;
  }

  /** Drops the entries of files the run that just ended did not read (a renamed or removed spec). */
  retain(): void {
    for (const key of [...this.entries.keys()]) if (!this.used.has(key)) this.entries.delete(key);
    this.used = new Set();
  }

  get size(): number {
    return this.entries.size;
  }
}
