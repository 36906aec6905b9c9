/**
 * The graph digest kept between the runs of one `sync --watch` process (the session's ParseCache
 * holds one): RDFC-1.0 (digest.ts) runs again only when a quad that names a blank node changed.
 *
 * RDFC-1.0 labels blank nodes from the quads that name them and nothing else: the first-degree
 * hash of a blank node reads its own quads, the n-degree hash walks to related blank nodes through
 * theirs. So when the quads naming a blank node are exactly those of the last run, under the same
 * input labels (the parse cache hands an unchanged file's quads to the next run with their labels,
 * parse-cache.ts), each blank node gets the label it got then, and the canonical N-Quads are the
 * last run's canonical lines for those quads plus the other quads as they serialize (a quad
 * without a blank node is its own canonical line), sorted and joined as rdf-canonize does. A
 * one-literal spec edit is such a change: the digest then costs one serialization of the graph
 * and a sort, not the canonicalization. Anything else (a blank node quad added, removed or
 * relabelled, inference that made new blank nodes) runs RDFC-1.0 afresh.
 *
 * test/pipeline/digest-warm.test.ts compares it with canonicalDigest edit after edit.
 */
import type { Quad } from 'n3';
import type { DiskDigest } from './digest-disk.js';
import { canonicalDigest, digestOfLines, namesBlank, nquadSerializer, type CanonicalGraph } from './digest.js';

export class WarmDigest {
  /**
   * The last run's quads that name a blank node, as N-Quads under their input labels → the same
   * quad's canonical line; and the labels RDFC-1.0 gave.
   */
  private last: { blank: Map<string, string>; labels: Map<string, string> } | undefined;
  /** Runs answered from the last run's labels, and runs that canonicalized. */
  hits = 0;
  misses = 0;
  /** The labels one-shot runs kept (digest-disk.ts), asked instead of RDFC-1.0 by the session's first run. */
  private seeded: Pick<DiskDigest, 'digest'> | undefined;

  /**
   * The session's first run asks the one-shot runs' digest cache (read only) instead of running
   * RDFC-1.0: it answers when that run's quads naming blank nodes are the ones it stored.
   */
  seed(from: Pick<DiskDigest, 'digest'> | undefined): void {
    this.seeded = from;
  }

  async digest(quads: readonly Quad[]): Promise<CanonicalGraph> {
    const serialize = await nquadSerializer();
    const last = this.last;
    if (last) {
      const lines: string[] = [];
      const seen = new Set<string>();
      let same = true;
      for (const q of quads) {
        const line = serialize(q.subject, q.predicate, q.object, q.graph);
        if (!namesBlank(q)) {
          lines.push(line);
          continue;
        }
        const canonical = last.blank.get(line);
        if (canonical === undefined) {
          same = false;
          break;
        }
        seen.add(line);
        lines.push(canonical);
      }
      // Every one of the last run's quads, each once (a repeated line counts once in `seen`).
      if (same && seen.size === last.blank.size) {
        this.hits++;
        return { digest: digestOfLines(lines), blankNodeLabels: new Map(last.labels) };
      }
    }
    this.misses++;
    this.last = undefined;
    const seeded = this.seeded;
    this.seeded = undefined;
    const result = seeded ? await seeded.digest(quads) : await canonicalDigest([...quads]);
    const labels = result.blankNodeLabels;
    const relabel = <T extends { termType: string; value: string }>(t: T): T | { termType: string; value: string } =>
      t.termType === 'BlankNode' ? { termType: 'BlankNode', value: labels.get(t.value) ?? t.value } : t;
    const blank = new Map<string, string>();
    for (const q of quads) {
      if (!namesBlank(q)) continue;
      blank.set(
        serialize(q.subject, q.predicate, q.object, q.graph),
        serialize(relabel(q.subject), q.predicate, relabel(q.object), relabel(q.graph)),
      );
    }
    this.last = { blank, labels: new Map(labels) };
    return result;
  }
}
