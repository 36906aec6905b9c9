/**
 * Which spec file mentions what, for the banner's list of spec files (see canonicalize/banner.ts
 * for the rule): the subjects each file states something about, and the string literals that
 * exactly one file uses. Collected while normalize parses the specs; stored with the graph.
 */
import type { Quad } from 'n3';
import type { SpecMentions } from '../types.js';

export class MentionCollector {
  /** Subject key → the files that state something about it, ascending, each once. */
  private readonly subjects = new Map<string, number[]>();
  /** String literal → the one file that uses it, or MANY. */
  private readonly literals = new Map<string, number>();

  constructor(private readonly files: string[]) {}

  /** The onQuad callback for one spec file. */
  file(file: string): (q: Quad) => void {
    const i = this.files.indexOf(file);
    return (q) => {
      if (i < 0) return;
      addFile(this.subjects, q.subject.termType === 'BlankNode' ? `_:${q.subject.value}` : q.subject.value, i);
      if (q.object.termType === 'Literal') {
        const seen = this.literals.get(q.object.value);
        if (seen === undefined) this.literals.set(q.object.value, i);
        else if (seen !== i) this.literals.set(q.object.value, MANY);
      }
    };
  }

  /** Blank node labels as normalize renamed them (original → canonical). */
  relabel(labels: Map<string, string>): void {
    const renamed = new Map<string, number[]>();
    for (const [key, files] of this.subjects) {
      const to = key.startsWith('_:') ? labels.get(key.slice(2)) : undefined;
      const k = to === undefined ? key : `_:${to}`;
      const there = renamed.get(k);
      if (there === undefined) renamed.set(k, files);
      else for (const i of files) addFile(renamed, k, i);
    }
    this.subjects.clear();
    for (const [k, v] of renamed) this.subjects.set(k, v);
  }

  result(): SpecMentions {
    const sorted = <T>(m: Map<string, T>): Array<[string, T]> =>
      [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      subjects: Object.fromEntries(sorted(this.subjects).map(([k, v]) => [k, [...v]])),
      literals: Object.fromEntries(sorted(this.literals).filter(([, i]) => i !== MANY)),
    };
  }
}

/** A literal more than one file uses. */
const MANY = -1;

/**
 * Adds file `i` to `key`'s files, kept ascending without repeats: files are replayed in order, so
 * `i` is nearly always the last one or a new last one (no Set per key: thousands a run).
 */
function addFile(m: Map<string, number[]>, key: string, i: number): void {
  const files = m.get(key);
  if (files === undefined) {
    m.set(key, [i]);
    return;
  }
  const last = files[files.length - 1]!;
  if (last === i) return;
  if (last < i) {
    files.push(i);
    return;
  }
  const at = files.findIndex((f) => f >= i);
  if (files[at] !== i) files.splice(at, 0, i);
}
