/**
 * Which spec file mentions what, for the banner's list of spec files (see canonicalize/banner.ts
 * for the rule): the subjects each file states something about, and the string literals that
 * exactly one file uses. Collected while normalize parses the specs; stored with the graph.
 */
import type { Quad } from 'n3';
import type { SpecMentions } from '../types.js';

export class MentionCollector {
  private readonly subjects = new Map<string, Set<number>>();
  private readonly literals = new Map<string, Set<number>>();

  constructor(private readonly files: string[]) {}

  /** The onQuad callback for one spec file. */
  file(file: string): (q: Quad) => void {
    const i = this.files.indexOf(file);
    return (q) => {
      if (i < 0) return;
      const s = q.subject.termType === 'BlankNode' ? `_:${q.subject.value}` : q.subject.value;
      add(this.subjects, s, i);
      if (q.object.termType === 'Literal') add(this.literals, q.object.value, i);
    };
  }

  /** Blank node labels as normalize renamed them (original → canonical). */
  relabel(labels: Map<string, string>): void {
    const renamed = new Map<string, Set<number>>();
    for (const [key, files] of this.subjects) {
      const to = key.startsWith('_:') ? labels.get(key.slice(2)) : undefined;
      for (const i of files) add(renamed, to === undefined ? key : `_:${to}`, i);
    }
    this.subjects.clear();
    for (const [k, v] of renamed) this.subjects.set(k, v);
  }

  result(): SpecMentions {
    const sorted = <T>(m: Map<string, T>): Array<[string, T]> =>
      [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      subjects: Object.fromEntries(sorted(this.subjects).map(([k, v]) => [k, [...v].sort((a, b) => a - b)])),
      literals: Object.fromEntries(
        sorted(this.literals)
          .filter(([, v]) => v.size === 1)
          .map(([k, v]) => [k, [...v][0]!]),
      ),
    };
  }
}

function add(m: Map<string, Set<number>>, key: string, i: number): void {
  let s = m.get(key);
  if (!s) m.set(key, (s = new Set()));
  s.add(i);
}
