/**
 * Where every parsed triple was written: file, line and column of its subject, predicate and
 * object, and the prefixes each file declared. Diagnostics about spec content use it to point at
 * `file:line:col` and to print terms in the user's own prefixes; a blank node reads as the place it
 * was written (`[] at specs/x.ttl:12:5`), never as a generated label.
 *
 * Positions come from n3's public `onToken`/`onTokenEnd` parse callbacks: the token being
 * processed when the parser picks up a term is where that term was written (see `tracker`).
 */
import type { Quad, Term } from 'n3';
import { compactIri } from './terms.js';

export interface Position {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

export interface TriplePosition {
  subject: Position;
  predicate: Position;
  object: Position;
}

interface AnyTerm {
  termType: string;
  value: string;
  language?: string;
  datatype?: { value: string };
}

export function termKey(t: AnyTerm): string {
  if (t.termType === 'Literal') return `L|${t.value}|${t.language ?? ''}|${t.datatype?.value ?? ''}`;
  return `${t.termType === 'BlankNode' ? 'B' : t.termType === 'NamedNode' ? 'N' : t.termType}|${t.value}`;
}
const tripleKey = (s: AnyTerm, p: AnyTerm, o: AnyTerm) => `${termKey(s)}\u0000${termKey(p)}\u0000${termKey(o)}`;

export const at = (p: Position): string => `${p.file}:${p.line}:${p.col}`;

export class SourceIndex {
  /** Statement position of each subject's first triple. */
  private readonly subjects = new Map<string, Position>();
  /** First place each term was written, in any role (blank nodes: where `[`, `(` or `_:x` stood). */
  private readonly terms = new Map<string, Position>();
  private readonly triples = new Map<string, TriplePosition>();
  /** Prefixes declared by each file, in declaration order (a redeclared prefix keeps its last IRI). */
  readonly prefixes = new Map<string, Record<string, string>>();
  /** Canonical blank node label → label as parsed (digest.ts relabels the store). */
  private readonly canonicalToParsed = new Map<string, string>();

  add(q: Quad, pos: TriplePosition): void {
    const key = tripleKey(q.subject, q.predicate, q.object);
    if (!this.triples.has(key)) this.triples.set(key, pos);
    const s = termKey(q.subject);
    if (!this.subjects.has(s)) this.subjects.set(s, pos.subject);
    if (!this.terms.has(s)) this.terms.set(s, pos.subject);
    const o = termKey(q.object);
    if (q.object.termType !== 'Literal' && !this.terms.has(o)) this.terms.set(o, pos.object);
  }

  /** Records digest.ts's relabelling (parsed label → canonical label), so canonical labels resolve. */
  relabelled(labels: Map<string, string>): void {
    for (const [from, to] of labels) this.canonicalToParsed.set(to, from);
  }

  private parsed<T extends AnyTerm>(t: T): AnyTerm {
    if (t.termType !== 'BlankNode') return t;
    const from = this.canonicalToParsed.get(t.value);
    return from === undefined ? t : { termType: 'BlankNode', value: from };
  }

  /** Where the subject's first statement was written; for a term never used as subject, where it was first written. */
  subject(t: AnyTerm): Position | undefined {
    const k = termKey(this.parsed(t));
    return this.subjects.get(k) ?? this.terms.get(k);
  }

  triple(s: AnyTerm, p: AnyTerm, o: AnyTerm): TriplePosition | undefined {
    return this.triples.get(tripleKey(this.parsed(s), p, this.parsed(o)));
  }

  /** Every triple position whose subject and predicate match (objects in the order written). */
  *withPredicate(s: AnyTerm, p: AnyTerm): Iterable<TriplePosition> {
    const prefix = `${termKey(this.parsed(s))}\u0000${termKey(p)}\u0000`;
    for (const [k, v] of this.triples) if (k.startsWith(prefix)) yield v;
  }

  /** The first triple written with this subject and object, whatever its predicate. */
  withObject(s: AnyTerm, o: AnyTerm): TriplePosition | undefined {
    const prefix = `${termKey(this.parsed(s))}\u0000`;
    const suffix = `\u0000${termKey(this.parsed(o))}`;
    for (const [k, v] of this.triples) if (k.startsWith(prefix) && k.endsWith(suffix)) return v;
    return undefined;
  }

  /** `term` as its file wrote it: `prefix:local` with that file's prefixes (then `fallback`), `[] at file:l:c` for a blank node. */
  show(t: AnyTerm, file: string | undefined, fallback: Record<string, string> = {}): string {
    if (t.termType === 'BlankNode') {
      const p = this.subject(t);
      return p ? `[] at ${at(p)}` : '[]';
    }
    const prefixes = { ...fallback, ...(file ? this.prefixes.get(file) : undefined) };
    if (t.termType === 'NamedNode') return compactIri(t.value, prefixes);
    if (t.termType === 'Literal') {
      if (t.language) return `${JSON.stringify(t.value)}@${t.language}`;
      const dt = t.datatype?.value;
      if (dt && dt !== 'http://www.w3.org/2001/XMLSchema#string') {
        if (/#(integer|decimal|boolean)$/.test(dt) && dt.startsWith('http://www.w3.org/2001/XMLSchema#')) return t.value;
        return `${JSON.stringify(t.value)}^^${compactIri(dt, prefixes)}`;
      }
      return JSON.stringify(t.value);
    }
    return t.value;
  }
}

interface Token {
  type: string;
  line: number;
  start?: number;
}

interface ParserFields {
  _subject?: Term | null;
  _predicate?: Term | null;
  _object?: Term | null;
}

/**
 * Hooks for one n3 parse of `file`: pass `callbacks` to `parser.parse`, call `quad(q)` for each quad.
 * A term picked up while a token is processed was written at that token, with two exceptions n3
 * imposes: a literal is built when the token after it arrives (so it takes the last literal
 * token's place), and shared constants (`a`, list `rdf:first`/`rdf:rest`) are one object for the
 * whole parse (so the predicate takes the place of the token that set it, not a per-object memo).
 */
export function tracker(parser: object, file: string, index: SourceIndex) {
  const fields = parser as ParserFields;
  const seen = new WeakMap<object, Position>();
  let current: Position = { file, line: 1, col: 1 };
  let lastLiteral: Position = current;
  let predicate: unknown;
  let predicatePos: Position = current;
  const posOf = (token: Token): Position => ({ file, line: token.line, col: (token.start ?? 0) + 1 });
  const remember = (t: Term | null | undefined): void => {
    if (t && !seen.has(t)) seen.set(t, t.termType === 'Literal' ? lastLiteral : current);
  };
  const where = (t: Term): Position => seen.get(t) ?? (t.termType === 'Literal' ? lastLiteral : current);
  return {
    callbacks: {
      onToken(token: Token): void {
        current = posOf(token);
        if (token.type === 'literal') lastLiteral = current;
      },
      onTokenEnd(): void {
        remember(fields._subject);
        remember(fields._object);
        const p = fields._predicate;
        if (p !== predicate) {
          predicate = p;
          if (p) predicatePos = seen.get(p) ?? current;
          if (p && p.termType === 'NamedNode' && !seen.has(p) && !isShared(p)) seen.set(p, current);
        }
      },
      onPrefix(prefix: string, iri: { value: string }): void {
        let map = index.prefixes.get(file);
        if (!map) index.prefixes.set(file, (map = {}));
        map[prefix] = iri.value;
      },
    },
    quad(q: Quad): void {
      const p = q.predicate === predicate ? predicatePos : where(q.predicate);
      index.add(q, { subject: where(q.subject), predicate: p, object: where(q.object) });
    },
  };
}

const SHARED = new Set([
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#type',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#first',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#rest',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#nil',
]);
const isShared = (t: Term): boolean => SHARED.has(t.value);
