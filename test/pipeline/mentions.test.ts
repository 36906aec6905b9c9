/**
 * normalize/mentions.ts: which spec files mention each subject and each literal used by one file
 * only, as the banners read them. Compared with the collector written plainly (a Set of files per
 * key), over quads fed file by file in order, out of order and again, with blank nodes renamed.
 */
import { DataFactory, type Quad } from 'n3';
import { describe, expect, it } from 'vitest';
import { MentionCollector } from '../../src/pipeline/normalize/mentions.js';
import type { SpecMentions } from '../../src/pipeline/types.js';

const { namedNode, blankNode, literal, quad } = DataFactory;

/** The reference: every file of every key in a Set, sorted at the end. */
function reference(files: string[], feed: Array<[string, Quad]>, labels?: Map<string, string>): SpecMentions {
  const subjects = new Map<string, Set<number>>();
  const literals = new Map<string, Set<number>>();
  const add = (m: Map<string, Set<number>>, k: string, i: number) => {
    if (!m.has(k)) m.set(k, new Set());
    m.get(k)!.add(i);
  };
  for (const [file, q] of feed) {
    const i = files.indexOf(file);
    if (i < 0) continue;
    let s = q.subject.termType === 'BlankNode' ? `_:${q.subject.value}` : q.subject.value;
    if (labels && q.subject.termType === 'BlankNode' && labels.has(q.subject.value))
      s = `_:${labels.get(q.subject.value)}`;
    add(subjects, s, i);
    if (q.object.termType === 'Literal') add(literals, q.object.value, i);
  }
  const sorted = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    subjects: Object.fromEntries(sorted(subjects).map(([k, v]) => [k, [...v].sort((a, b) => a - b)])),
    literals: Object.fromEntries(
      sorted(literals)
        .filter(([, v]) => v.size === 1)
        .map(([k, v]) => [k, [...v][0]!]),
    ),
  };
}

function collect(files: string[], feed: Array<[string, Quad]>, labels?: Map<string, string>): SpecMentions {
  const c = new MentionCollector(files);
  for (const [file, q] of feed) c.file(file)(q);
  if (labels) c.relabel(labels);
  return c.result();
}

const ex = (x: string) => namedNode(`https://ex.org/${x}`);
const p = ex('p');

/** Quads naming subjects s0..s5, blank nodes b0..b2 and literals shared between some files. */
function quadsOf(k: number): Quad[] {
  return [
    quad(ex(`s${k % 6}`), p, literal(`only-${k}`)),
    quad(ex(`s${(k * 5) % 6}`), p, literal(`shared-${k % 3}`)),
    quad(blankNode(`b${k % 3}`), p, ex('o')),
    quad(ex('common'), p, literal('10')),
    quad(ex(`s${k % 2}`), p, literal(String(k % 4))),
  ];
}

describe('MentionCollector', () => {
  const files = ['a.ttl', 'b.ttl', 'c.ttl', 'd.ttl'];
  const feedOf = (order: number[]): Array<[string, Quad]> =>
    order.flatMap((i, step) => quadsOf(i * 7 + step).map((q): [string, Quad] => [files[i]!, q]));

  it('gives the plain collector’s subjects and single-file literals, files fed in order', () => {
    const feed = feedOf([0, 1, 2, 3]);
    expect(collect(files, feed)).toEqual(reference(files, feed));
  });

  it('whatever order the files come in, again and again (each file counted once per key, ascending)', () => {
    for (const order of [
      [3, 2, 1, 0],
      [1, 3, 0, 2, 1, 0],
      [2, 2, 0, 3, 0],
    ]) {
      const feed = feedOf(order);
      const got = collect(files, feed);
      expect(got).toEqual(reference(files, feed));
      expect(JSON.stringify(got)).toBe(JSON.stringify(reference(files, feed)));
    }
  });

  it('renames blank nodes, merging a renamed one into a key that already exists', () => {
    const feed = feedOf([2, 0, 1, 3]);
    // b0 → c14n0; b1 → the label b2 leaves (both end up one key); b2 → c14n1.
    const labels = new Map([
      ['b0', 'c14n0'],
      ['b1', 'c14n1'],
      ['b2', 'c14n1'],
    ]);
    expect(collect(files, feed, labels)).toEqual(reference(files, feed, labels));
  });

  it('ignores quads of a file it was not given', () => {
    const feed: Array<[string, Quad]> = [...feedOf([0]), ['other.ttl', quad(ex('x'), p, literal('only-0'))]];
    expect(collect(files, feed)).toEqual(reference(files, feed));
    expect(collect(files, feed).subjects[ex('x').value]).toBeUndefined();
  });
});
