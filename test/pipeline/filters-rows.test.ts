/** Filter edge cases the mutation run found untested: word splitting, null inputs, identifiers, local names, row helpers' order and errors. */
import { describe, expect, it } from 'vitest';
import {
  camelCase,
  groupBy,
  kebabCase,
  localName,
  pascalCase,
  sortBy,
  tsIdent,
  tsString,
  where,
  words,
} from '../../src/pipeline/emit/filters.js';

describe('case filters', () => {
  it('split at acronym boundaries and every run of non-alphanumerics, dropping empties', () => {
    expect(words('XMLHttpRequest')).toEqual(['XML', 'Http', 'Request']);
    expect(words('ABCDef')).toEqual(['ABC', 'Def']);
    expect(words('--a__b  c--')).toEqual(['a', 'b', 'c']);
    expect(words(null)).toEqual([]);
    expect(words(undefined)).toEqual([]);
    expect(pascalCase('HTTPServer2go')).toBe('HttpServer2go');
    expect(camelCase('')).toBe('');
    expect(kebabCase('a  b')).toBe('a-b');
  });
});

describe('tsString and tsIdent', () => {
  it('null and undefined are the empty string literal', () => {
    expect(tsString(null)).toBe('""');
    expect(tsString(undefined)).toBe('""');
    expect(tsString(0)).toBe('"0"');
    expect(tsString('a>b')).toBe('"a\\u003Eb"');
  });
  it('keeps _ and $, replaces each run of other characters with one _', () => {
    expect(tsIdent('$el_1')).toBe('$el_1');
    expect(tsIdent('a -- b')).toBe('a_b');
    expect(tsIdent('x9')).toBe('x9');
    expect(tsIdent('1')).toBe('_1');
    expect(() => tsIdent('__')).toThrow('tsIdent: cannot make a TypeScript identifier from "__"');
    expect(() => tsIdent(null)).toThrow(/cannot make/);
  });
});

describe('localName filter', () => {
  it('takes what follows the last #, / or :', () => {
    expect(localName('https://e.org/a#b')).toBe('b');
    expect(localName('https://e.org/a/b')).toBe('b');
    expect(localName('urn:x:y')).toBe('y');
    expect(localName('plain')).toBe('plain');
    expect(localName(null)).toBe('');
  });
});

describe('row helpers', () => {
  const rows = [
    { k: 'b', n: 10 },
    { k: null, n: 2 },
    { k: 'a', n: 9 },
    { k: 'b', n: null },
  ];
  it('where with two arguments keeps truthy values; with three, equal ones', () => {
    expect(where(rows, 'n').map((r) => r.n)).toEqual([10, 2, 9]);
    expect(where(rows, 'k', null).map((r) => r.n)).toEqual([2]);
  });
  it('sortBy puts null first, orders numbers numerically and strings by code unit, stably', () => {
    expect(sortBy(rows, 'n').map((r) => r.n)).toEqual([null, 2, 9, 10]);
    expect(sortBy(rows, 'k').map((r) => r.k)).toEqual([null, 'a', 'b', 'b']);
    expect(
      sortBy(rows, 'k')
        .filter((r) => r.k === 'b')
        .map((r) => r.n),
    ).toEqual([10, null]);
    expect(sortBy([{ s: 'b' }, { s: 'B' }, { s: 'a' }], 's').map((r) => r.s)).toEqual(['B', 'a', 'b']);
    expect(sortBy([{ v: 'x' }, { v: 1 }], 'v').map((r) => r.v)).toEqual([1, 'x']);
  });
  it('groupBy keeps first-seen order and groups null keys', () => {
    expect(groupBy(rows, 'k').map((g) => [g.key, g.rows.length])).toEqual([
      ['b', 2],
      [null, 1],
      ['a', 1],
    ]);
  });
  it('refuse what is not a list, naming the filter', () => {
    expect(() => where('x', 'k')).toThrow('where: expected a list of rows, got string');
    expect(() => sortBy(undefined, 'k')).toThrow('sortBy: expected a list of rows, got undefined');
    expect(() => groupBy({}, 'k')).toThrow('groupBy: expected a list of rows, got object');
  });
});
