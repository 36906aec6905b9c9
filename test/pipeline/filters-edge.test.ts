/**
 * Template filters at their edges: tsString escapes both line separators, localName of a name
 * starting with its separator, and sortBy's order (missing values first, numbers by value, mixed
 * types by text, equal keys kept in their order).
 */
import { describe, expect, it } from 'vitest';
import { localName, sortBy, tsString } from '../../src/pipeline/emit/filters.js';

describe('filters at their edges', () => {
  it('tsString escapes U+2028 and U+2029', () => {
    expect(tsString('a\u2028b\u2029c')).toBe('"a\\u2028b\\u2029c"');
  });

  it('localName of a name that starts with its separator is the rest; without one, the whole', () => {
    expect(localName(':start')).toBe('start');
    expect(localName('#frag')).toBe('frag');
    expect(localName('plain')).toBe('plain');
  });

  it('sortBy puts missing keys first, in their order', () => {
    const rows = [
      { k: 'a', i: 1 },
      { k: null, i: 2 },
      { k: 'b', i: 3 },
      { k: null, i: 4 },
    ];
    expect(sortBy(rows, 'k').map((r) => r.i)).toEqual([2, 4, 1, 3]);
    const undef = [{ i: 1, k: 'a' }, { i: 2 }, { i: 3 }];
    expect(sortBy(undef, 'k').map((r) => r.i)).toEqual([2, 3, 1]);
    // a missing key after a present one sorts first too (not as the text 'undefined', which 'a' precedes)
    expect(sortBy([{ i: 1 }, { i: 2, k: 'a' }], 'k').map((r) => r.i)).toEqual([1, 2]);
    expect(
      sortBy(
        [
          { i: 1, k: undefined },
          { i: 2, k: 'a' },
        ],
        'k',
      ).map((r) => r.i),
    ).toEqual([1, 2]);
  });

  it('sortBy orders numbers by value, a number and a text by text, and keeps equal keys in order', () => {
    expect(sortBy([{ k: 10 }, { k: 9 }, { k: 100 }], 'k').map((r) => r.k)).toEqual([9, 10, 100]);
    expect(sortBy([{ k: '10' }, { k: 2 }], 'k').map((r) => r.k)).toEqual(['10', 2]);
    // whichever comes first: a text against a number is compared as text ('10' - 2 would put 2 first)
    expect(sortBy([{ k: 2 }, { k: '10' }], 'k').map((r) => r.k)).toEqual(['10', 2]);
    // a number and a text that read the same are equal keys: they keep their order
    expect(
      sortBy(
        [
          { k: '1', i: 1 },
          { k: 1, i: 2 },
        ],
        'k',
      ).map((r) => r.i),
    ).toEqual([1, 2]);
    expect(
      sortBy(
        [
          { k: 1, i: 1 },
          { k: '1', i: 2 },
        ],
        'k',
      ).map((r) => r.i),
    ).toEqual([1, 2]);
    const same = [
      { k: 'x', i: 1 },
      { k: 'x', i: 2 },
      { k: 'x', i: 3 },
    ];
    expect(sortBy(same, 'k').map((r) => r.i)).toEqual([1, 2, 3]);
  });
});
