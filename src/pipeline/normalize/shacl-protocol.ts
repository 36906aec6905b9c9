/** Messages between the main thread and the SHACL worker, and how terms and graphs cross over. */
import { DataFactory, Parser, Writer, type Quad } from 'n3';
import type { RdfTerm } from '../extract/engine.js';
import type { ShaclResult } from './shacl.js';

export interface PlainTerm {
  termType: string;
  value: string;
  language?: string;
  datatype?: string;
}

/** Main → worker. */
export type ShaclRequest =
  | { kind: 'validate'; data: string; shapes: string }
  | { kind: 'rows'; id: number; rows?: Array<Array<[string, PlainTerm]>>; error?: string };

/** Worker → main. */
export type ShaclReply =
  | { kind: 'query'; id: number; query: string; preBound: Record<string, PlainTerm> }
  | { kind: 'done'; results: ShaclResult[] }
  | { kind: 'failed'; message: string };

export function toPlainTerm(t: RdfTerm): PlainTerm {
  const lit = t as RdfTerm & { language?: string; datatype?: { value: string } };
  return {
    termType: t.termType,
    value: t.value,
    ...(lit.language ? { language: lit.language } : {}),
    ...(t.termType === 'Literal' && lit.datatype ? { datatype: lit.datatype.value } : {}),
  };
}

export function fromPlainTerm(t: PlainTerm): RdfTerm {
  switch (t.termType) {
    case 'NamedNode':
      return DataFactory.namedNode(t.value) as unknown as RdfTerm;
    case 'BlankNode':
      return DataFactory.blankNode(t.value) as unknown as RdfTerm;
    case 'Literal':
      return DataFactory.literal(t.value, t.language || (t.datatype ? DataFactory.namedNode(t.datatype) : undefined)) as unknown as RdfTerm;
    case 'DefaultGraph':
      return DataFactory.defaultGraph() as unknown as RdfTerm;
    default:
      return DataFactory.variable(t.value) as unknown as RdfTerm;
  }
}

/** N-Quads keep blank node labels, so the worker's copy names every node as the main thread does. */
export function toNQuads(quads: Iterable<Quad>): string {
  const writer = new Writer({ format: 'N-Quads' });
  let text = '';
  for (const q of quads) text += writer.quadToString(q.subject, q.predicate, q.object, q.graph);
  return text;
}

export function parseNQuads(text: string): Quad[] {
  return new Parser({ format: 'N-Quads', blankNodePrefix: '' }).parse(text);
}
