/**
 * Row conversion never changes a value silently: an empty or ill-typed numeric lexical form stays
 * the string it was, it is never turned into 0 or into another number.
 */
import { describe, expect, it } from 'vitest';
import { literalToJson, setBinding } from '../../src/pipeline/extract/bindings.js';
import type { Row } from '../../src/pipeline/types.js';

const XSD = 'http://www.w3.org/2001/XMLSchema#';

describe('empty lexical forms are kept, never turned into 0', () => {
  for (const t of ['decimal', 'double', 'float', 'integer', 'int', 'long', 'nonNegativeInteger', 'unsignedByte']) {
    it(`xsd:${t}`, () => {
      expect(literalToJson('', XSD + t)).toBe('');
      expect(literalToJson('   ', XSD + t)).toBe('   ');
      expect(literalToJson('\n', XSD + t)).toBe('\n');
    });
  }
  it('xsd:boolean', () => {
    expect(literalToJson('', XSD + 'boolean')).toBe('');
  });
});

describe('ill-typed numeric lexical forms stay strings', () => {
  it('hex, binary and octal prefixes are not XSD numbers', () => {
    for (const t of ['decimal', 'double', 'float']) {
      expect(literalToJson('0x10', XSD + t)).toBe('0x10');
      expect(literalToJson('0b1', XSD + t)).toBe('0b1');
      expect(literalToJson('0o7', XSD + t)).toBe('0o7');
    }
    expect(literalToJson('0x10', XSD + 'integer')).toBe('0x10');
  });
  it('Infinity spelled the JavaScript way, and fractions in integers', () => {
    expect(literalToJson('Infinity', XSD + 'double')).toBe('Infinity');
    expect(literalToJson('-INF', XSD + 'double')).toBe('-INF');
    expect(literalToJson('1.5', XSD + 'integer')).toBe('1.5');
    expect(literalToJson('1e3', XSD + 'integer')).toBe('1e3');
    expect(literalToJson('1 2', XSD + 'decimal')).toBe('1 2');
  });
  it('valid forms still convert, with the sign and surrounding whitespace XSD allows', () => {
    expect(literalToJson('+1.50', XSD + 'decimal')).toBe(1.5);
    expect(literalToJson('-.5', XSD + 'decimal')).toBe(-0.5);
    expect(literalToJson('7.', XSD + 'decimal')).toBe(7);
    expect(literalToJson(' 3 ', XSD + 'decimal')).toBe(3);
    expect(literalToJson('2.5E-1', XSD + 'double')).toBe(0.25);
    expect(literalToJson('-0', XSD + 'integer')).toBe(-0);
    expect(literalToJson('+12', XSD + 'unsignedShort')).toBe(12);
    expect(literalToJson('9007199254740991', XSD + 'long')).toBe(9007199254740991);
    expect(literalToJson('9007199254740992', XSD + 'long')).toBe('9007199254740992');
  });
  it('booleans accept exactly true, false, 1 and 0', () => {
    expect(literalToJson('1', XSD + 'boolean')).toBe(true);
    expect(literalToJson('false', XSD + 'boolean')).toBe(false);
    expect(literalToJson('TRUE', XSD + 'boolean')).toBe('TRUE');
    expect(literalToJson(' true', XSD + 'boolean')).toBe(' true');
  });
  it('other datatypes are kept as their lexical form', () => {
    expect(literalToJson('42', XSD + 'string')).toBe('42');
    expect(literalToJson('42', 'http://example.org/custom')).toBe('42');
    expect(literalToJson('true', XSD + 'token')).toBe('true');
  });
});

describe('setBinding', () => {
  it('an empty decimal literal in a row stays an empty string', () => {
    const row: Row = {};
    setBinding(row, 'v', { termType: 'Literal', value: '', datatype: { value: XSD + 'decimal' } });
    expect(row).toEqual({ v: '' });
  });
  it("IRIs get a local name, blank nodes lose Comunica's source scope, unbound is null", () => {
    const row: Row = {};
    setBinding(row, 'i', { termType: 'NamedNode', value: 'https://e.org/a/b#C' });
    setBinding(row, 'b', { termType: 'BlankNode', value: 'bc_12_c14n3' });
    setBinding(row, 'c', { termType: 'BlankNode', value: 'xbc_1_n' });
    setBinding(row, 'u', undefined);
    setBinding(row, 'l', { termType: 'Literal', value: '5' });
    setBinding(row, 'q', { termType: 'Quad', value: 'q' });
    expect(row).toEqual({
      i: 'https://e.org/a/b#C',
      i_local: 'C',
      b: '_:c14n3',
      c: '_:xbc_1_n',
      u: null,
      l: '5',
      q: 'q',
    });
  });
});
