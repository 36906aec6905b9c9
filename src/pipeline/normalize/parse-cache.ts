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
 * nothing. The session's first run takes the files it has no entry of from the disk parse cache
 * one-shot runs keep (`seed`, parse-disk.ts), checked as they check it, and never writes it.
 */
import type { Quad, Store } from 'n3';
import { SourceIndex } from './positions.js';
import { WarmDigest } from './digest-warm.js';
import { HeldGraph } from './held-graph.js';
import { WarmShacl } from './shacl-warm.js';
import { parseTurtleInto } from './turtle.js';

export interface ParsedFile {
  readonly text: string;
  readonly baseIri: string | undefined;
  /** Quads in parse order. */
  readonly quads: readonly Quad[];
  /** Where each quad was written and the prefixes the file declared (this file only). */
  readonly index: SourceIndex;
  /** Anonymous blank nodes n3 made for the parse (`[]`, list cells), and the number of the first (`n3-<k>`). */
  readonly anon: number;
  readonly anonFirst: number | undefined;
}

/** Parses one file on its own: its quads and positions, ready to be replayed into a run's store. */
export async function parseFile(text: string, file: string, baseIri: string | undefined): Promise<ParsedFile> {
  const { DataFactory } = await import('n3');
  const quads: Quad[] = [];
  const index = new SourceIndex({ inOrder: true });
  const sink = { addQuad: (q: Quad) => void quads.push(q) } as unknown as Store;
  // n3's own factory, counting the anonymous blank nodes it draws from n3's process-wide counter
  // (what parse-disk.ts needs to replay this parse's labels).
  let anon = 0;
  let anonFirst: number | undefined;
  const factory = {
    ...DataFactory,
    blankNode: (name?: string) => {
      const node = DataFactory.blankNode(name);
      if (!name) {
        if (anon === 0) anonFirst = Number(/^n3-(\d+)$/.exec(node.value)?.[1]);
        anon++;
      }
      return node;
    },
  };
  await parseTurtleInto(sink, text, file, baseIri, undefined, index, factory);
  return { text, baseIri, quads, index, anon, anonFirst };
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

/** Blank node labels in the order a file's quads first name them (subject before object). */
function blankLabels(quads: readonly Quad[]): string[] {
  const seen = new Set<string>();
  for (const q of quads)
    for (const t of [q.subject, q.object]) if (t.termType === 'BlankNode' && !seen.has(t.value)) seen.add(t.value);
  return [...seen];
}

/**
 * `fresh` with its blank nodes renamed to the labels the file's previous parse gave them, matched
 * by order of first appearance: the k-th blank node of the new text takes the k-th label of the
 * old one, the extra ones keep their own. Any one-to-one renaming of blank nodes is the same graph
 * (digest.ts gives them canonical labels anyway), and the old labels are no other file's (n3 names
 * blank nodes per parse and counts anonymous ones process-wide). After an edit that moves no blank
 * node, the file's quads are the old ones but for the edit, so the warm Oxigraph copy
 * (engine/oxigraph.ts `update`) changes by just that.
 */
async function sameBlankNodes(fresh: ParsedFile, previous: ParsedFile): Promise<ParsedFile> {
  const { DataFactory } = await import('n3');
  const from = blankLabels(fresh.quads);
  const to = blankLabels(previous.quads);
  if (from.length === 0 || to.length === 0) return fresh;
  const names = new Map<string, string>();
  for (let k = 0; k < from.length && k < to.length; k++) names.set(from[k]!, to[k]!);
  const nodes = new Map<string, Quad['subject']>();
  const rename = <T>(t: T): T => {
    const term = t as unknown as Quad['subject'];
    if (term.termType !== 'BlankNode') return t;
    const label = names.get(term.value);
    if (label === undefined) return t;
    let node = nodes.get(label);
    if (!node) nodes.set(label, (node = DataFactory.blankNode(label)));
    return node as unknown as T;
  };
  return {
    text: fresh.text,
    baseIri: fresh.baseIri,
    quads: fresh.quads.map((q) => DataFactory.quad(rename(q.subject), q.predicate, rename(q.object), q.graph) as Quad),
    index: fresh.index.renamed(rename),
    anon: fresh.anon,
    anonFirst: fresh.anonFirst,
  };
}

/** Where a file's parse can come from when this process has none of it yet (the disk parse cache). */
export interface ParseSeed {
  get(role: string, file: string, text: string, baseIri: string | undefined): ParsedFile | undefined;
  /** The one-shot runs' graph digest (digest-disk.ts), for the first run's digest. */
  readonly digest?: Pick<import('./digest-disk.js').DiskDigest, 'digest'>;
}

export class ParseCache {
  private entries = new Map<string, ParsedFile>();
  /** Read for a file this cache has no entry of (set by `seed`; the session's first run). */
  private seeded: ParseSeed | undefined;
  /** The session's SHACL results, reused for shapes whose reads an edit left alone (shacl-warm.ts). */
  readonly shacl = new WarmShacl();
  /** The session's graph digest, reused while the quads naming blank nodes are unchanged (digest-warm.ts). */
  readonly digest = new WarmDigest();
  /** The session's last graph, brought in step with an edit that only changes plain triples (held-graph.ts). */
  readonly held = new HeldGraph();
  private used = new Set<string>();
  /** Files answered from the cache, and files parsed, since the cache was made. */
  hits = 0;
  misses = 0;
  /** Files answered from the seed (disk) instead of parsed. */
  seededHits = 0;

  /**
   * Parses one-shot runs kept on disk (parse-disk.ts), read for files this cache holds no parse
   * of: the watch session's first run replays the unchanged files instead of parsing every one.
   * The disk entries are checked as one-shot runs check them (a damaged entry is a miss, parsed
   * afresh); a replay draws n3's blank node labels as the parse would, so the run is the same.
   */
  seed(from: ParseSeed | undefined): void {
    this.seeded = from;
    this.digest.seed(from?.digest);
  }

  /** The parse of `text` as `file`, from the cache when this exact text was parsed before. */
  async parse(role: string, file: string, text: string, baseIri: string | undefined): Promise<ParsedFile> {
    const key = `${role}\u0000${file}`;
    this.used.add(key);
    const hit = this.entries.get(key);
    if (hit && hit.text === text && hit.baseIri === baseIri) {
      this.hits++;
      return hit;
    }
    if (!hit) {
      const stored = this.seeded?.get(role, file, text, baseIri);
      if (stored) {
        this.seededHits++;
        this.entries.set(key, stored);
        return stored;
      }
    }
    this.misses++;
    this.entries.delete(key);
    const fresh = await parseFile(text, file, baseIri);
    const parsed = hit ? await sameBlankNodes(fresh, hit) : fresh;
    this.entries.set(key, parsed);
    return parsed;
  }

  /** Drops the entries of files the run that just ended did not read (a renamed or removed spec). */
  retain(): void {
    for (const key of [...this.entries.keys()]) if (!this.used.has(key)) this.entries.delete(key);
    this.used = new Set();
    // The seed serves the first run; later runs hold every file they read.
    this.seeded = undefined;
  }

  get size(): number {
    return this.entries.size;
  }
}
