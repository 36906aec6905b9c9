/**
 * The graph digest for one-shot runs (`ggen sync`, `ggen validate`): the blank node labels RDFC-1.0
 * gave the last run, kept in `.ggen/cache/digest.json`, reused when this run's quads naming a
 * blank node are exactly the last run's, in the same order, under the same input labels.
 *
 * RDFC-1.0 (rdf-canonize's RDFC10.js `main`) reads the input quads once, noting for each blank node
 * the quads that name it; every hash and label after that comes from those lists alone. So the
 * same sequence of blank-node quads gives the same labels, whatever the other quads are, and the
 * canonical N-Quads are then each quad serialized under those labels (a quad without a blank node
 * is its own canonical line), sorted and joined as rdf-canonize does. One-shot runs draw the same
 * input labels for the same parse (parse-disk.ts replays n3's labels exactly), so a spec edit that
 * touches no blank node (a literal changed, a triple added) costs one serialization of the graph
 * and a sort instead of the canonicalization. Anything else runs RDFC-1.0 afresh and stores its
 * labels.
 *
 * The entry is keyed by the sha256 of the blank-node quads' terms in order, and the file is
 * a CacheFile (fs/cache-file.ts) salted with ggen's code and the library versions (rdf-canonize's
 * among them). It is untrusted input: a hit needs the labels to map exactly the blank nodes of this
 * run's quads, one to one, onto `c14n0` … `c14n<n-1>`; anything else is a miss. sync saves it with
 * the parse cache once the run succeeded; validate and a watch session's first run (digest-warm.ts
 * `seed`) only read it; `--full` starts it empty.
 *
 * test/pipeline/digest-disk.test.ts compares it with canonicalDigest run afresh.
 */
import { createHash } from 'node:crypto';
import type { Quad } from 'n3';
import { CacheFile, type CacheOptions } from '../fs/cache-file.js';
import { cacheSalt } from './cache.js';
import { canonicalDigest, canonicalLineMaker, digestOfLines, namesBlank, type CanonicalGraph } from './digest.js';

const FORMAT = 1;
export const DIGEST_CACHE_FILE = '.ggen/cache/digest.json';

/** What an entry holds: input label, canonical label, … in the order rdf-canonize issued them. */
interface Entry {
  labels: string[];
}

type Term = Quad['subject'] | Quad['predicate'] | Quad['object'] | Quad['graph'];

/**
 * A term as one string, unique per term (a literal with its language or datatype, a blank node
 * apart from an IRI), as n3 writes its ids (`termToId`), without loading n3 here.
 */
function termId(t: Term): string {
  switch (t.termType) {
    case 'NamedNode':
      return `<${t.value}`;
    case 'BlankNode':
      return `_:${t.value}`;
    case 'DefaultGraph':
      return '';
    case 'Literal':
      return `"${t.value}"${t.language ? `@${t.language}` : `^^${t.datatype.value}`}`;
    default:
      return `?${t.termType}:${t.value}`;
  }
}

export class DiskDigest {
  /** Runs answered from the stored labels, and runs that canonicalized. */
  hits = 0;
  misses = 0;

  private constructor(private readonly file: CacheFile<unknown>) {}

  static open(root: string, options: CacheOptions = {}): DiskDigest {
    return new DiskDigest(CacheFile.open<unknown>(root, DIGEST_CACHE_FILE, cacheSalt('digest', FORMAT), options));
  }

  async digest(quads: readonly Quad[]): Promise<CanonicalGraph> {
    // The key: the blank-node quads in order, each term by its n3 id (one per term), length-prefixed.
    // Each term's part is written once per term object (allQuads gives one per entity).
    const parts: string[] = [`ggen-digest/${FORMAT}`];
    const plain: Quad[] = [];
    const blank: Quad[] = [];
    const inputLabels = new Set<string>();
    const written = new Map<Term, string>();
    const part = (t: Term): string => {
      let out = written.get(t);
      if (out === undefined) {
        const id = termId(t);
        written.set(t, (out = `${id.length}:${id}`));
        if (t.termType === 'BlankNode') inputLabels.add(t.value);
      }
      return out;
    };
    for (const q of quads) {
      if (!namesBlank(q)) {
        plain.push(q);
        continue;
      }
      blank.push(q);
      parts.push(part(q.subject), part(q.predicate), part(q.object), part(q.graph));
    }
    const id = createHash('sha256').update(parts.join('\n')).digest('hex');
    const stored = this.file.lookup(id);
    const labels = stored === undefined ? undefined : checkEntry(stored, inputLabels);
    if (labels) {
      this.hits++;
      this.file.keep(id, stored);
      const line = await canonicalLineMaker();
      // One term per canonical label, so that each is written once (canonicalLineMaker).
      const renamed = new Map<string, Term>();
      const relabel = <T extends Term>(t: T): T | Term => {
        if (t.termType !== 'BlankNode') return t;
        let to = renamed.get(t.value);
        if (!to) renamed.set(t.value, (to = { termType: 'BlankNode', value: labels.get(t.value)! } as Term));
        return to;
      };
      const lines: string[] = [];
      for (const q of plain) lines.push(line(q.subject, q.predicate, q.object, q.graph));
      for (const q of blank) lines.push(line(relabel(q.subject), q.predicate, relabel(q.object), relabel(q.graph)));
      return { digest: digestOfLines(lines), blankNodeLabels: labels };
    }
    this.misses++;
    const result = await canonicalDigest([...quads]);
    const entry: Entry = { labels: [...result.blankNodeLabels].flat() };
    this.file.keep(id, entry);
    return result;
  }

  /** Writes the entry this run used (sync, once the run succeeded); a failed write only costs a later run its hit. */
  save(): void {
    this.file.save();
  }
}

/**
 * The stored labels as a map, when they label exactly `inputLabels`, one to one, with the
 * canonical labels `c14n0` … `c14n<n-1>`; undefined otherwise.
 */
function checkEntry(stored: unknown, inputLabels: ReadonlySet<string>): Map<string, string> | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const flat = (stored as { labels?: unknown }).labels;
  if (!Array.isArray(flat) || flat.length !== 2 * inputLabels.size) return undefined;
  const labels = new Map<string, string>();
  const issued = new Set<string>();
  for (let i = 0; i < flat.length; i += 2) {
    const from: unknown = flat[i];
    const to: unknown = flat[i + 1];
    if (typeof from !== 'string' || typeof to !== 'string' || !inputLabels.has(from) || labels.has(from))
      return undefined;
    const n = /^c14n(0|[1-9]\d*)$/.exec(to);
    if (!n || Number(n[1]) >= inputLabels.size || issued.has(to)) return undefined;
    labels.set(from, to);
    issued.add(to);
  }
  return labels;
}
