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

export const at = (p: Position): string => `${p.file}:${p.line}:${p.col}`;

interface Written {
  s: AnyTerm;
  p: AnyTerm;
  o: AnyTerm;
  pos: TriplePosition;
}

const same = (a: AnyTerm, b: AnyTerm): boolean =>
  a.termType === b.termType && a.value === b.value && termKey(a) === termKey(b);

export class SourceIndex {
  /** Triples as written, by subject (kept cheap: parsing records every triple, lookups happen only for diagnostics). */
  private readonly bySubject = new Map<string, Written[]>();
  /** Prefixes declared by each file, in declaration order (a redeclared prefix keeps its last IRI). */
  readonly prefixes = new Map<string, Record<string, string>>();
  /** Canonical blank node label → label as parsed (digest.ts relabels the store). */
  private readonly canonicalToParsed = new Map<string, string>();
  /** With `{ inOrder: true }`: every position in the order added (one file's parse, stored by parse-disk.ts). */
  readonly inOrder: TriplePosition[] | undefined;

  constructor(options: { inOrder?: boolean } = {}) {
    this.inOrder = options.inOrder ? [] : undefined;
  }

  /** `subjectKey`: termKey(q.subject), when the caller has it already (parse-disk.ts, once per term). */
  add(q: Quad, pos: TriplePosition, subjectKey?: string): void {
    const k = subjectKey ?? termKey(q.subject);
    const list = this.bySubject.get(k);
    const w = { s: q.subject, p: q.predicate, o: q.object, pos };
    if (list) list.push(w);
    else this.bySubject.set(k, [w]);
    this.inOrder?.push(pos);
  }

  /** Adds another index's triples (after this one's) and prefixes: a file parsed on its own (parse-cache.ts). */
  merge(other: SourceIndex): void {
    for (const [k, list] of other.bySubject) {
      const mine = this.bySubject.get(k);
      if (mine) mine.push(...list);
      else this.bySubject.set(k, [...list]);
    }
    for (const [file, map] of other.prefixes) this.prefixes.set(file, { ...this.prefixes.get(file), ...map });
  }

  /** This index with its blank nodes renamed (`rename` one-to-one): a re-parsed file given its last labels (parse-cache.ts). */
  renamed(rename: <T extends AnyTerm>(t: T) => T): SourceIndex {
    const out = new SourceIndex();
    for (const list of this.bySubject.values())
      for (const w of list) out.add({ subject: rename(w.s), predicate: w.p, object: rename(w.o) } as never, w.pos);
    for (const [file, map] of this.prefixes) out.prefixes.set(file, { ...map });
    return out;
  }

  /** Every triple as written, with its position. */
  *entries(): Iterable<Written> {
    for (const list of this.bySubject.values()) yield* list;
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

  private written(s: AnyTerm): Written[] {
    return this.bySubject.get(termKey(this.parsed(s))) ?? [];
  }

  /** Where the subject's first statement was written; for a term never used as subject, where it was first written as an object. */
  subject(t: AnyTerm): Position | undefined {
    const first = this.written(t)[0];
    if (first) return first.pos.subject;
    const term = this.parsed(t);
    for (const list of this.bySubject.values()) for (const w of list) if (same(w.o, term)) return w.pos.object;
    return undefined;
  }

  triple(s: AnyTerm, p: AnyTerm, o: AnyTerm): TriplePosition | undefined {
    const object = this.parsed(o);
    return this.written(s).find((w) => same(w.p, p) && same(w.o, object))?.pos;
  }

  /** Every triple position whose subject and predicate match (objects in the order written). */
  withPredicate(s: AnyTerm, p: AnyTerm): TriplePosition[] {
    return this.written(s)
      .filter((w) => same(w.p, p))
      .map((w) => w.pos);
  }

  /** The first triple written with this subject and object, whatever its predicate. */
  withObject(s: AnyTerm, o: AnyTerm): TriplePosition | undefined {
    const object = this.parsed(o);
    return this.written(s).find((w) => same(w.o, object))?.pos;
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
        if (/#(integer|decimal|boolean)$/.test(dt) && dt.startsWith('http://www.w3.org/2001/XMLSchema#'))
          return t.value;
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
  // The position a term object was first seen at. A WeakMap lookup per token was the largest cost
  // of parsing a big spec (with its GC work): a property under this parse's own symbol is cheap.
  // The shared constants are one object for every parse, so theirs stay in a map of this parse.
  const POS = Symbol('position');
  const sharedSeen = new Map<object, Position>();
  const seen = {
    get: (t: Term): Position | undefined =>
      t.termType === 'NamedNode' && isShared(t)
        ? sharedSeen.get(t)
        : (t as unknown as Record<symbol, Position | undefined>)[POS],
    has: (t: Term): boolean => seen.get(t) !== undefined,
    set: (t: Term, p: Position): void => {
      if (t.termType === 'NamedNode' && isShared(t)) sharedSeen.set(t, p);
      else (t as unknown as Record<symbol, Position>)[POS] = p;
    },
  };
  // Positions are made only when a term or quad needs one, not for every token.
  let token: Token = { type: '', line: 1 };
  let tokenPos: Position | undefined;
  let literal: Token = token;
  let literalPos: Position | undefined;
  let predicate: unknown;
  let predicatePos: Position | undefined;
  const current = (): Position => (tokenPos ??= { file, line: token.line, col: (token.start ?? 0) + 1 });
  const lastLiteral = (): Position => (literalPos ??= { file, line: literal.line, col: (literal.start ?? 0) + 1 });
  const remember = (t: Term | null | undefined): void => {
    if (t && seen.get(t) === undefined) seen.set(t, t.termType === 'Literal' ? lastLiteral() : current());
  };
  const where = (t: Term): Position => seen.get(t) ?? (t.termType === 'Literal' ? lastLiteral() : current());
  return {
    callbacks: {
      onToken(t: Token): void {
        token = t;
        tokenPos = undefined;
        if (t.type === 'literal') {
          literal = t;
          literalPos = undefined;
        }
      },
      onTokenEnd(): void {
        remember(fields._subject);
        remember(fields._object);
        const p = fields._predicate;
        if (p !== predicate) {
          predicate = p;
          predicatePos = p ? (seen.get(p) ?? current()) : undefined;
          if (p && p.termType === 'NamedNode' && !seen.has(p) && !isShared(p)) seen.set(p, predicatePos!);
        }
      },
      onPrefix(prefix: string, iri: { value: string }): void {
        let map = index.prefixes.get(file);
        if (!map) index.prefixes.set(file, (map = {}));
        map[prefix] = iri.value;
      },
    },
    quad(q: Quad): void {
      const p = q.predicate === predicate && predicatePos ? predicatePos : where(q.predicate);
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
