/** Row conversion at its edges: an IRI whose local name follows a leading separator, and integers with surrounding whitespace (XSD collapses it). */
import { describe, expect, it } from 'vitest';
import { literalToJson, localName } from '../../src/pipeline/extract/bindings.js';

const XSD = 'http://www.w3.org/2001/XMLSchema#';

describe('bindings at their edges', () => {
  it('localName after a leading / or #', () => {
    expect(localName('/x')).toBe('x');
    expect(localName('#y')).toBe('y');
    expect(localName('z')).toBe('z');
  });

  it('an integer literal with surrounding whitespace is the number (XSD whiteSpace collapse)', () => {
    expect(literalToJson(' 42 ', `${XSD}integer`)).toBe(42);
    expect(literalToJson('4 2', `${XSD}integer`)).toBe('4 2');
  });
});
