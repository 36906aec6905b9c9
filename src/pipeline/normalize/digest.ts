/**
 * The graph digest: sha256 over the RDFC-1.0 canonical N-Quads (rdf-canonize), so that blank node
 * labels, prefixes, whitespace and statement order in the sources never change it.
 */
import { createHash } from 'node:crypto';
import type { Quad, Store } from 'n3';
import { InputError } from '../errors.js';

/**
 * rdf-canonize bounds the work spent telling look-alike blank nodes apart. Its default (1, linear)
 * already fails on ordinary RDF lists whose cells share a shape; quadratic still bounds a hostile graph.
 */
const MAX_WORK_FACTOR = 2;

export interface CanonicalGraph {
  /** sha256 hex of the canonical N-Quads. */
  digest: string;
  /** Input blank node label → canonical label (`c14n0`, ...); empty when the graph has none. */
  blankNodeLabels: Map<string, string>;
}

export async function canonicalDigest(quads: Quad[]): Promise<CanonicalGraph> {
  const canonize = await import('rdf-canonize');
  const canonicalIdMap = new Map<string, string>();
  let nquads: string;
  try {
    nquads = await canonize.canonize(quads, { algorithm: 'RDFC-1.0', canonicalIdMap, maxWorkFactor: MAX_WORK_FACTOR });
  } catch (err) {
    if (err instanceof Error && /Maximum deep iterations exceeded/.test(err.message)) {
      throw new InputError({
        message:
          'the graph has too many blank nodes that look alike for RDFC-1.0 to label them within its work bound ' +
          `(${err.message}); give some of them IRIs or distinguishing properties`,
      });
    }
    throw err;
  }
  return { digest: createHash('sha256').update(nquads, 'utf8').digest('hex'), blankNodeLabels: canonicalIdMap };
}

/**
 * Renames blank nodes in `store` (whose quads are `quads`) to their canonical labels, so that
 * everything downstream (rows, templates) sees the same labels whatever the parse order or the
 * number of earlier parses in the process.
 */
export async function relabelBlankNodes(store: Store, quads: Quad[], labels: Map<string, string>): Promise<void> {
  if (labels.size === 0) return;
  const { DataFactory } = await import('n3');
  const map = <T extends Quad['subject'] | Quad['object'] | Quad['graph']>(t: T): T =>
    (t.termType === 'BlankNode' ? DataFactory.blankNode(labels.get(t.value) ?? t.value) : t) as T;
  const withBlanks = quads.filter(
    (q) => q.subject.termType === 'BlankNode' || q.object.termType === 'BlankNode' || q.graph.termType === 'BlankNode',
  );
  // Remove all first, then add: an old label may equal another node's new one.
  store.removeQuads(withBlanks);
  store.addQuads(withBlanks.map((q) => DataFactory.quad(map(q.subject), q.predicate, map(q.object), map(q.graph))));
}
