/**
 * List positions, materialised once (`[inference] list_index = true`). Reading an RDF list in
 * order in SPARQL takes `rdf:rest*` paths and a quadratic COUNT per query; Comunica spends
 * 100–500 ms on each such query. Walking every list once here lets queries and shapes join on
 * three plain triples per cell instead:
 *
 *   ?cell ggen:listIndex 1, 2, ...   (1-based position)
 *   ?cell ggen:inList ?head          (the head cell, which is what `?owner otp:params ?head` binds)
 *   ?head ggen:member ?item          (membership, like `?head rdf:rest* / rdf:first ?item`)
 *
 * Only well-formed lists are indexed: every cell has exactly one rdf:first and one rdf:rest, the
 * chain ends in rdf:nil, has no cycle and shares no cell with another list. A malformed list gets no index triples at all, so a
 * query never sees half a list; shapes that check list structure still see the raw cells.
 */
import { DataFactory, type Quad, type Store } from 'n3';

export const GGEN = 'https://ggen.dev/ggen#';
const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const XSD_INTEGER = 'http://www.w3.org/2001/XMLSchema#integer';

type Node = Quad['subject'];

/** Adds the index triples for every well-formed list in `store`; returns how many were added. */
export function indexLists(store: Store): number {
  const first = DataFactory.namedNode(`${RDF}first`);
  const rest = DataFactory.namedNode(`${RDF}rest`);
  const nil = `${RDF}nil`;
  const listIndex = DataFactory.namedNode(`${GGEN}listIndex`);
  const inList = DataFactory.namedNode(`${GGEN}inList`);
  const member = DataFactory.namedNode(`${GGEN}member`);

  // Heads: cells (subjects of rdf:first) that are no cell's rdf:rest.
  const heads = new Map<string, Node>();
  for (const q of store.readQuads(null, first, null, null)) {
    const cell = q.subject as Node;
    if (store.countQuads(null, rest, cell, null) === 0) heads.set(`${cell.termType}|${cell.value}`, cell);
  }
  const lists: Array<{ cells: string[]; triples: Quad[] }> = [];
  const useCount = new Map<string, number>();
  // Sorted so that insertion order (and anything that iterates the store) is the same every run.
  for (const key of [...heads.keys()].sort()) {
    const head = heads.get(key)!;
    const triples: Quad[] = [];
    const seen = new Set<string>();
    let cell: Node = head;
    let ok = true;
    for (let i = 1; ; i++) {
      const id = `${cell.termType}|${cell.value}`;
      const firsts = store.getObjects(cell, first, null);
      const rests = store.getObjects(cell, rest, null);
      if (seen.has(id) || firsts.length !== 1 || rests.length !== 1) {
        ok = false;
        break;
      }
      seen.add(id);
      triples.push(
        DataFactory.quad(cell, listIndex, DataFactory.literal(String(i), DataFactory.namedNode(XSD_INTEGER))),
        DataFactory.quad(cell, inList, head),
        DataFactory.quad(head, member, firsts[0] as Quad['object']),
      );
      const next = rests[0]!;
      if (next.termType === 'NamedNode' && next.value === nil) break;
      if (next.termType !== 'BlankNode' && next.termType !== 'NamedNode') {
        ok = false;
        break;
      }
      cell = next as Node;
    }
    for (const id of seen) useCount.set(id, (useCount.get(id) ?? 0) + 1);
    if (ok) lists.push({ cells: [...seen], triples });
  }
  const added = lists.filter((l) => l.cells.every((id) => useCount.get(id) === 1)).flatMap((l) => l.triples);
  let count = 0;
  // n3's addQuad answers whether the quad was new: one index walk instead of has() then add.
  for (const q of added) if (store.addQuad(q)) count++;
  return count;
}
