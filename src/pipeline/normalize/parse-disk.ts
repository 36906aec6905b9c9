/**
 * Parses kept on disk between runs (`.ggen/cache/parse/`): one entry per source file holding what
 * parsing its exact bytes produced — the quads in parse order, where each term was written and the
 * prefixes the file declared — in a form read faster than Turtle is parsed (a term table of n3 ids
 * and integer arrays). On a spec edit, the unchanged files (the other specs, the pack's shapes)
 * skip n3's lexer and parser.
 *
 * An entry answers only for the same role (spec, shapes), file, base IRI and exact text (its
 * sha256), the same ggen code (cache.ts codeDigest) and the same pipeline library versions (n3's
 * among them). Replaying it yields what a fresh parse at this point of the run would: the same
 * quads in the same order, with the same blank node labels. n3 labels a parse's `_:name` as
 * `b<k>_name` (k counts parses process-wide) and an anonymous node as `n3-<k>` (a process-wide
 * counter); an entry keeps names and offsets, and a replay draws k from n3 exactly as the parse
 * would have, so the process's counters, the store's entity ids and everything after are unchanged.
 *
 * Entries are untrusted input: every field is checked (shape, term kinds per position, indexes,
 * counts, every position inside the file's text) and anything off is a miss, parsed afresh. Entries
 * are written only by a run that succeeded (`save`), atomically, and only for parses whose every
 * term survives the round trip through the entry.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Quad } from 'n3';
import { packageVersions } from '../receipt/versions.js';
import { writeAtomic } from '../write/atomic.js';
import { codeDigest } from './cache.js';
import { DiskDigest } from './digest-disk.js';
import type { ParsedFile } from './parse-cache.js';
import type { WarmShacl } from './shacl-warm.js';
import { SourceIndex, termKey, type Position } from './positions.js';

const FORMAT = 1;
export const PARSE_CACHE_DIR = '.ggen/cache/parse';
/**
 * Files with more quads are not stored: writing an entry costs about half a parse, and pays off
 * only on a later run that leaves the file unchanged; a large synthetic spec, cold, would pay for
 * an entry it never reads (and hold it in memory).
 */
export const MAX_QUADS = 50_000;

interface Entry {
  format: number;
  key: string;
  /** n3 ids of the file's IRIs and literals. */
  terms: string[];
  /** Blank nodes: a name (`_:name` in the text) or the offset of an anonymous one among the parse's. */
  blanks: Array<string | number>;
  /** Anonymous blank nodes n3 made while parsing (list cells, `[]`). */
  anon: number;
  /** Three per quad: index into `terms`, or -1-index into `blanks`. */
  quads: number[];
  /** Six per quad: line and column of its subject, predicate and object. */
  pos: number[];
  /** The prefixes the file declared, in order; null when it declared none. */
  prefixes: Array<[string, string]> | null;
}

type N3 = typeof import('n3');

const LITERAL_ID = /^"[\s\S]*"(?:@[a-zA-Z0-9-]+|\^\^[^"\s<>]+)?$/;

/** The cache key of one file's parse. */
function entryKey(role: string, file: string, text: string, baseIri: string | undefined): string {
  const h = createHash('sha256');
  const part = (s: string) => h.update(`${Buffer.byteLength(s)}:`).update(s);
  part(`ggen-parse-cache/${FORMAT}`);
  part(codeDigest());
  part(JSON.stringify(packageVersions()));
  part(role);
  part(file);
  part(baseIri ?? '\u0000none');
  part(createHash('sha256').update(text, 'utf8').digest('hex'));
  return h.digest('hex');
}

const slot = (role: string, file: string) =>
  `${createHash('sha256').update(`${role}\u0000${file}`).digest('hex').slice(0, 32)}.json`;

/** Lengths of the text's lines (as n3 counts them: split at \n), for checking positions. */
function lineLengths(text: string): number[] {
  const out: number[] = [];
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    if (nl < 0) {
      out.push(text.length - from);
      return out;
    }
    out.push(nl - from);
    from = nl + 1;
  }
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);

/**
 * The entry for a fresh parse, or undefined when the parse cannot be stored exactly (a term kind
 * an entry does not hold, labels not in n3's usual form, or a term that reads back differently).
 */
export function toEntry(key: string, parsed: ParsedFile, N3: N3): Entry | undefined {
  const terms: string[] = [];
  const blanks: Array<string | number> = [];
  const termIds = new Map<string, number>();
  const blankIds = new Map<string, number>();
  const anonFirst = parsed.anonFirst;
  let prefix: string | undefined;
  const code = (t: Quad['subject'] | Quad['object']): number | undefined => {
    if (t.termType === 'BlankNode') {
      let i = blankIds.get(t.value);
      if (i !== undefined) return -1 - i;
      let stored: string | number;
      const anon = /^n3-(\d+)$/.exec(t.value);
      const named = /^(b\d+_)([\s\S]+)$/.exec(t.value);
      if (anon && anonFirst !== undefined) {
        stored = Number(anon[1]) - anonFirst;
        if (stored < 0 || stored >= parsed.anon) return undefined;
      } else if (named) {
        if ((prefix ??= named[1]) !== named[1]) return undefined;
        stored = named[2]!;
      } else return undefined;
      blankIds.set(t.value, (i = blanks.length));
      blanks.push(stored);
      return -1 - i;
    }
    if (t.termType !== 'NamedNode' && t.termType !== 'Literal') return undefined;
    const id = N3.termToId(t as never) as string;
    let i = termIds.get(id);
    if (i !== undefined) return i;
    const back = N3.termFromId(id);
    if (back.termType !== t.termType || !back.equals(t as never)) return undefined;
    if (t.termType === 'NamedNode' ? /^["_?[]/.test(id) || id === '' : !LITERAL_ID.test(id)) return undefined;
    termIds.set(id, (i = terms.length));
    terms.push(id);
    return i;
  };
  const quads: number[] = [];
  for (const q of parsed.quads) {
    if (q.graph.termType !== 'DefaultGraph') return undefined;
    const s = code(q.subject);
    const p = code(q.predicate);
    const o = code(q.object);
    if (s === undefined || p === undefined || o === undefined) return undefined;
    quads.push(s, p, o);
  }
  const pos: number[] = [];
  const ordered = parsed.index.inOrder;
  if (ordered && ordered.length === parsed.quads.length) {
    for (const { subject: s, predicate: p, object: o } of ordered)
      pos.push(s.line, s.col, p.line, p.col, o.line, o.col);
  } else if (!positionsByQuad(parsed, pos)) return undefined;
  const declared = [...parsed.index.prefixes.values()];
  if (declared.length > 1) return undefined;
  return {
    format: FORMAT,
    key,
    terms,
    blanks,
    anon: parsed.anon,
    quads,
    pos,
    prefixes: declared[0] ? Object.entries(declared[0]) : null,
  };
}

/**
 * Positions in quad order from an index that did not keep its own (a --watch re-parse given its
 * last labels): the index holds the file's triples in the order parsed, grouped by subject.
 */
function positionsByQuad(parsed: ParsedFile, pos: number[]): boolean {
  const bySubject = new Map<string, Position[][]>();
  for (const w of parsed.index.entries()) {
    const k = `${w.s.termType}|${w.s.value}`;
    let list = bySubject.get(k);
    if (!list) bySubject.set(k, (list = []));
    list.push([w.pos.subject, w.pos.predicate, w.pos.object]);
  }
  const taken = new Map<string, number>();
  for (const q of parsed.quads) {
    const k = `${q.subject.termType}|${q.subject.value}`;
    const n = taken.get(k) ?? 0;
    taken.set(k, n + 1);
    const at = bySubject.get(k)?.[n];
    if (!at) return false;
    for (const p of at) pos.push(p.line, p.col);
  }
  return [...bySubject].every(([k, list]) => list.length === taken.get(k));
}

/**
 * The parse an entry holds, replayed at this point of the run (n3's blank node counters advance as
 * a parse's would), or undefined when the entry does not check out.
 */
export function fromEntry(
  raw: unknown,
  key: string,
  file: string,
  text: string,
  baseIri: string | undefined,
  N3: N3,
): ParsedFile | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const e = raw as Partial<Entry>;
  if (e.format !== FORMAT || e.key !== key) return undefined;
  const { terms, blanks, anon, quads, pos, prefixes } = e;
  if (!Array.isArray(terms) || !Array.isArray(blanks) || !Array.isArray(quads) || !Array.isArray(pos)) return undefined;
  if (!isInt(anon) || anon < 0 || quads.length % 3 !== 0 || pos.length !== quads.length * 2) return undefined;
  if (prefixes !== null && !Array.isArray(prefixes)) return undefined;
  const prefixMap: Record<string, string> = {};
  for (const p of prefixes ?? []) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') return undefined;
    prefixMap[p[0]] = p[1];
  }
  // Kinds: 0 IRI, 1 literal, 2 blank node.
  const kinds: number[] = [];
  const made: Array<Quad['subject'] | Quad['object']> = [];
  for (const id of terms) {
    if (typeof id !== 'string') return undefined;
    if (id.startsWith('"')) {
      if (!LITERAL_ID.test(id)) return undefined;
      kinds.push(1);
    } else {
      if (id === '' || /^[_?[]/.test(id)) return undefined;
      kinds.push(0);
    }
    made.push(N3.termFromId(id) as Quad['object']);
  }
  const seenAnon = new Set<number>();
  for (const b of blanks) {
    if (typeof b === 'string') {
      if (b === '') return undefined;
    } else if (!isInt(b) || b < 0 || b >= anon || seenAnon.has(b)) return undefined;
    else seenAnon.add(b);
  }
  for (let i = 0; i < quads.length; i++) {
    const c = quads[i];
    if (!isInt(c) || c >= terms.length || c < -blanks.length) return undefined;
    const kind = c < 0 ? 2 : kinds[c]!;
    const role = i % 3;
    if ((role === 0 && kind === 1) || (role === 1 && kind !== 0)) return undefined;
  }
  const lines = lineLengths(text);
  for (let i = 0; i < pos.length; i += 2) {
    const line = pos[i];
    const col = pos[i + 1];
    if (!isInt(line) || !isInt(col) || line < 1 || line > lines.length || col < 1 || col > lines[line - 1]! + 1)
      return undefined;
  }

  // Checked: now draw the labels n3 would give this parse, exactly as a parse draws them.
  const probe = new N3.Parser({ format: 'text/turtle' }).parse('_:x <urn:x:p> <urn:x:o> .');
  const named = /^(b\d+_)x$/.exec(probe[0]?.subject.value ?? '');
  if (!named) return undefined;
  let anonFirst: number | undefined;
  for (let k = 0; k < anon; k++) {
    const label = N3.DataFactory.blankNode().value;
    if (k === 0) anonFirst = Number(/^n3-(\d+)$/.exec(label)?.[1]);
  }
  for (const b of blanks) {
    made.push(
      N3.DataFactory.blankNode(typeof b === 'string' ? `${named[1]}${b}` : `n3-${anonFirst! + b}`) as Quad['object'],
    );
  }
  const term = (c: number) => made[c < 0 ? terms.length + (-1 - c) : c]!;
  const out: Quad[] = [];
  const index = new SourceIndex();
  // Each subject's index key once per term, and one Position per place: a subject or predicate
  // written once stands for every triple of its `;` / `,` run (nothing changes a Position).
  const subjectKeys = new Map<number, string>();
  const last: Array<Position | undefined> = [undefined, undefined, undefined];
  const positionOf = (i: number, role: 0 | 1 | 2): Position => {
    const line = pos[i]!;
    const col = pos[i + 1]!;
    const prev = last[role];
    if (prev !== undefined && prev.line === line && prev.col === col) return prev;
    return (last[role] = { file, line, col });
  };
  for (let i = 0, j = 0; i < quads.length; i += 3, j += 6) {
    const s = quads[i]!;
    const q = N3.DataFactory.quad(
      term(s) as Quad['subject'],
      term(quads[i + 1]!) as Quad['predicate'],
      term(quads[i + 2]!),
    ) as Quad;
    out.push(q);
    let key = subjectKeys.get(s);
    if (key === undefined) subjectKeys.set(s, (key = termKey(q.subject)));
    index.add(q, { subject: positionOf(j, 0), predicate: positionOf(j + 2, 1), object: positionOf(j + 4, 2) }, key);
  }
  if (prefixes !== null && prefixes !== undefined) index.prefixes.set(file, prefixMap);
  return { text, baseIri, quads: out, index, anon, anonFirst };
}

/**
 * One run's view of the disk parse cache: `get` answers from it, `parsed` notes a fresh parse, and
 * `save` (once the run succeeded) writes the entries of the files parsed afresh.
 */
export class DiskParseCache {
  private readonly pending = new Map<string, { key: string; parsed: ParsedFile }>();
  hits = 0;
  misses = 0;

  private constructor(
    private readonly root: string,
    private readonly N3: N3,
    private readonly read: boolean,
    /** The one-shot runs' SHACL results (shacl-disk.ts), read and saved along with the parses. */
    readonly shacl: WarmShacl,
    private readonly saveShacl: () => void,
    /** The one-shot runs' graph digest (digest-disk.ts), read and saved along with the parses. */
    readonly digest: DiskDigest,
  ) {}

  /** `shacl: false`: the parses alone (a watch session seeds its parses from them, its SHACL results elsewhere). */
  static async open(root: string, options: { read?: boolean; shacl?: boolean } = {}): Promise<DiskParseCache> {
    const [N3, { openShaclCache }, { WarmShacl: Warm }] = await Promise.all([
      import('n3'),
      import('./shacl-disk.js'),
      import('./shacl-warm.js'),
    ]);
    const shacl =
      options.shacl === false
        ? { warm: new Warm(), save: () => {} }
        : openShaclCache(root, { read: options.read !== false });
    const digest = DiskDigest.open(root, { read: options.read !== false });
    return new DiskParseCache(root, N3, options.read !== false, shacl.warm, shacl.save, digest);
  }

  private file(role: string, file: string): string {
    return path.join(this.root, PARSE_CACHE_DIR, slot(role, file));
  }

  /** The parse of `text` as `file` from disk, or undefined (then parse it and call `parsed`). */
  get(role: string, file: string, text: string, baseIri: string | undefined): ParsedFile | undefined {
    if (!this.read) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file(role, file), 'utf8'));
    } catch {
      this.misses++;
      return undefined;
    }
    const hit = fromEntry(raw, entryKey(role, file, text, baseIri), file, text, baseIri, this.N3);
    if (hit) this.hits++;
    else this.misses++;
    return hit;
  }

  /** Records a fresh parse, to be written by `save` (unless too large to be worth storing). */
  parsed(role: string, file: string, parsed: ParsedFile): void {
    if (parsed.quads.length > MAX_QUADS) return;
    this.pending.set(this.file(role, file), { key: entryKey(role, file, parsed.text, parsed.baseIri), parsed });
  }

  /** Writes the entries of this run's fresh parses, its SHACL results and graph digest; a failed write only costs a later run its hit. */
  save(): void {
    this.saveShacl();
    this.digest.save();
    for (const [target, { key, parsed }] of this.pending) {
      try {
        const entry = toEntry(key, parsed, this.N3);
        if (entry) writeAtomic(target, JSON.stringify(entry), this.root, { durable: false });
      } catch {
        /* a cache is optional */
      }
    }
    this.pending.clear();
  }
}
