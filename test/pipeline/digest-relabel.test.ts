/**
 * digest.ts relabelBlankNodes renames blank nodes in n3's entity index (each keeps its id): the
 * store must hold exactly the relabelled quads, answer lookups by the new labels and no longer by
 * the old, also when labels are swapped or a new label is already another node's.
 */
import { DataFactory, Parser, Store, type Quad } from 'n3';
import { describe, expect, it } from 'vitest';
import { canonicalDigest, relabelBlankNodes } from '../../src/pipeline/normalize/digest.js';

const TTL = `
@prefix ex: <https://example.org/> .
ex:a ex:has [ ex:name "first" ] , [ ex:name "second" ; ex:list ( 1 2 ) ] .
_:x ex:next _:y . _:y ex:next _:x .
`;

const nt = (qs: readonly Quad[]) => qs.map((q) => `${q.subject.id} ${q.predicate.id} ${q.object.id}`).sort();

function fixture(): { store: Store; quads: Quad[] } {
  const store = new Store();
  store.addQuads(new Parser().parse(TTL));
  return { store, quads: store.getQuads(null, null, null, null) };
}

/** What relabelling must produce: every quad with its blank nodes renamed. */
function expected(quads: readonly Quad[], labels: Map<string, string>): string[] {
  const map = <T extends Quad['subject'] | Quad['object']>(t: T) =>
    (t.termType === 'BlankNode' ? DataFactory.blankNode(labels.get(t.value) ?? t.value) : t) as T;
  return nt(quads.map((q) => DataFactory.quad(map(q.subject), q.predicate, map(q.object))));
}

describe('relabelBlankNodes', () => {
  it('gives the store the canonical labels and nothing else', async () => {
    const { store, quads } = fixture();
    const { blankNodeLabels } = await canonicalDigest(quads);
    expect(blankNodeLabels.size).toBe(6);
    await relabelBlankNodes(store, quads, blankNodeLabels);
    expect(store.size).toBe(quads.length);
    expect(nt(store.getQuads(null, null, null, null))).toEqual(expected(quads, blankNodeLabels));
    for (const [from, to] of blankNodeLabels) {
      expect(store.countQuads(DataFactory.blankNode(from), null, null, null)).toBe(0);
      expect(store.countQuads(null, null, DataFactory.blankNode(from), null)).toBe(0);
      const uses = quads.filter((q) => q.subject.value === from || q.object.value === from).length;
      expect(
        store.countQuads(DataFactory.blankNode(to), null, null, null) +
          store.countQuads(null, null, DataFactory.blankNode(to), null),
      ).toBe(uses);
    }
  });

  it('swaps labels', async () => {
    const { store, quads } = fixture();
    const [x, y] = [...new Set(quads.map((q) => q.subject.value).filter((v) => /_x$|_y$/.test(v)))].sort();
    const labels = new Map([
      [x!, y!],
      [y!, x!],
    ]);
    await relabelBlankNodes(store, quads, labels);
    expect(nt(store.getQuads(null, null, null, null))).toEqual(expected(quads, labels));
  });

  it('moves the quads when a new label is already another node, which keeps its own quads', async () => {
    const { store, quads } = fixture();
    const x = quads.find((q) => /_x$/.test(q.subject.value))!.subject.value;
    const other = quads.find((q) => q.subject.termType === 'BlankNode' && !/_x$|_y$/.test(q.subject.value))!;
    // x takes the label of a node that is not relabelled: the two become one node.
    const labels = new Map([[x, other.subject.value]]);
    await relabelBlankNodes(store, quads, labels);
    expect(nt(store.getQuads(null, null, null, null))).toEqual([...new Set(expected(quads, labels))].sort());
  });
});
