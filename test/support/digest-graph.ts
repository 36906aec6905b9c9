/**
 * The small graph the graph digest tests (test/pipeline/digest-*.test.ts) edit and compare with
 * RDFC-1.0 run afresh: named nodes, a blank node with a quoted multi-line literal, two look-alike
 * list cells and, with `namedGraph`, a blank node as a quad's graph.
 */
import { DataFactory, type Quad } from 'n3';

const { namedNode, blankNode, literal, quad } = DataFactory;
export const ex = (s: string) => namedNode(`https://example.org/${s}`);
export const label = namedNode('http://www.w3.org/2000/01/rdf-schema#label');
export const first = namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#first');
export const rest = namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#rest');
const nil = namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#nil');

export function graph(comment: string, namedGraph = false): Quad[] {
  return [
    quad(ex('a'), ex('comment'), literal(comment)),
    quad(ex('a'), ex('size'), literal('3', namedNode('http://www.w3.org/2001/XMLSchema#integer'))),
    quad(ex('a'), ex('note'), blankNode('n1')),
    quad(blankNode('n1'), label, literal('a "quoted"\nnote', 'en')),
    quad(ex('a'), ex('items'), blankNode('l1')),
    quad(blankNode('l1'), first, literal('x')),
    quad(blankNode('l1'), rest, blankNode('l2')),
    quad(blankNode('l2'), first, literal('x')),
    quad(blankNode('l2'), rest, nil),
    ...(namedGraph ? [quad(ex('b'), ex('sees'), ex('a'), blankNode('g1'))] : []),
    quad(ex('b'), ex('sees'), ex('a')),
  ];
}

/**
 * Edits of `base` (a `graph`) that change its quads naming blank nodes: a blank node's literal
 * changed, a quad naming one removed, one added, and the same graph under other input labels.
 */
export function blankNodeEdits(base: Quad[]): Quad[][] {
  const relabel = <T extends Quad['subject'] | Quad['object'] | Quad['graph']>(t: T): T =>
    (t.termType === 'BlankNode' ? blankNode(`r${t.value}`) : t) as T;
  return [
    base.map((q) => (q.object.value === 'a "quoted"\nnote' ? quad(q.subject, q.predicate, literal('other')) : q)),
    base.filter((q) => !(q.subject.value === 'l2' && q.predicate.equals(first))),
    [...base, quad(blankNode('n1'), ex('seeAlso'), ex('b'))],
    base.map((q) => quad(relabel(q.subject), q.predicate, relabel(q.object), relabel(q.graph))),
  ];
}
