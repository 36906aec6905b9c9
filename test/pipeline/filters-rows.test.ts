/** Filter edge cases the mutation run found untested: word splitting, null inputs, identifiers, local names, row helpers' order and errors. */
import ts from 'typescript';
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
  tsTypeIdent,
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

describe('tsIdent keeps the names of the spec wherever TypeScript allows them', () => {
  const CONTEXTUAL = ['number', 'string', 'type', 'from', 'of', 'get', 'set', 'any', 'boolean', 'symbol', 'module'];
  const STRICT = ['class', 'let', 'static', 'yield', 'await', 'arguments', 'eval', 'undefined', 'constructor'];
  /** Syntax errors of a module (strict mode) that uses `name` as a parameter, a variable and a class field. */
  const errors = (name: string): string[] =>
    (
      ts.transpileModule(
        `export function f(${name}: unknown): unknown { const ${name}2 = ${name}; return ${name}2; }\n` +
          `export class C { ${name}: number = 1; }\nexport const g = (${name}: number) => ${name};\n`,
        { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, strict: true } },
      ).diagnostics ?? []
    ).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));

  it('contextual keywords are valid parameter names: kept as written', () => {
    for (const w of CONTEXTUAL) {
      expect(tsIdent(w)).toBe(w);
      expect(errors(tsIdent(w))).toEqual([]);
    }
  });

  it('reserved and strict-mode names are renamed, and the renamed ones compile', () => {
    for (const w of STRICT) {
      expect(tsIdent(w)).toBe(`${w}_`);
      expect(errors(tsIdent(w))).toEqual([]);
    }
    // The check itself catches a bad name (so the loops above could fail).
    expect(errors('let').length + errors('class').length).toBeGreaterThan(0);
  });

  it('tsTypeIdent also renames built-in type names, which no interface or alias may take', () => {
    for (const w of ['number', 'string', 'any', 'never', 'unknown', 'object', 'type'])
      expect(tsTypeIdent(w)).toBe(`${w}_`);
    expect(tsTypeIdent('Number')).toBe('Number');
    expect(tsTypeIdent('CallKind')).toBe('CallKind');
    expect(tsTypeIdent('class')).toBe('class_');
    expect(() => tsTypeIdent('--')).toThrow('tsTypeIdent: cannot make');
    // a missing name is refused, never replaced by a made-up one
    expect(() => tsTypeIdent(null)).toThrow('tsTypeIdent: cannot make');
    expect(() => tsTypeIdent(undefined)).toThrow('tsTypeIdent: cannot make');
  });
});
