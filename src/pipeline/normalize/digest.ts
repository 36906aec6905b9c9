/**
 * The graph digest: sha256 over the RDFC-1.0 canonical N-Quads (rdf-canonize), so that blank node
 * labels, prefixes, whitespace and statement order in the sources never change it.
 */
import { createHash } from 'node:crypto';
import type { Quad, Store } from 'n3';

export interface CanonicalGraph {
  /** sha256 hex of the canonical N-Quads. */
  digest: string;
  /** Input blank node label → canonical label (`c14n0`, ...); empty when the graph has none. */
  blankNodeLabels: Map<string, string>;
}

export async function canonicalDigest(quads: Quad[]): Promise<CanonicalGraph> {
  const canonize = await import('rdf-canonize');
  const canonicalIdMap = new Map<string, string>();
  const nquads = await canonize.canonize(quads, { algorithm: 'RDFC-1.0', canonicalIdMap });
  return { digest: createHash('sha256').update(nquads, 'utf8').digest('hex'), blankNodeLabels: canonicalIdMap };
}

/**
 * Renames blank nodes in `store` to their canonical labels, so that everything downstream (rows,
 * templates) sees the same labels whatever the parse order or the number of earlier parses.
 */
export async function relabelBlankNodes(store: Store, labels: Map<string, string>): Promise<void> {
  if (labels.size === 0) return;
  const { DataFactory } = await import('n3');
  const map = (t: Quad['subject'] | Quad['object'] | Quad['graph']) =>
    t.termType === 'BlankNode' ? DataFactory.blankNode(labels.get(t.value) ?? t.value) : t;
  const withBlanks: Quad[] = [];
  for (const q of store.match(null, null, null, null) as Iterable<Quad>) {
    if (q.subject.termType === 'BlankNode' || q.object.termType === 'BlankNode' || q.graph.termType === 'BlankNode') withBlanks.push(q);
  }
  // Remove first, then add: an old label may equal another node's new one.
  for (const q of withBlanks) store.removeQuad(q);
  for (const q of withBlanks) {
    store.addQuad(
      DataFactory.quad(map(q.subject) as Quad['subject'], q.predicate, map(q.object) as Quad['object'], map(q.graph) as Quad['graph']),
    );
  }
}
