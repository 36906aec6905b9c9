/**
 * The escaping filters' exact output, character by character (issue #16: tests that only checked
 * that a dangerous character was gone let a mutant that deletes it, instead of escaping it, survive):
 * markdown, comment and regex, control characters as upper-case \uXXXX (in Markdown with its backslash
 * escaped too), and null/undefined as the empty text.
 */
import { describe, expect, it } from 'vitest';
import { comment, markdown, regex } from '../../src/pipeline/emit/filters.js';

describe('markdown', () => {
  it('escapes every markdown-active character to exactly its replacement', () => {
    expect(markdown('a|b`c<d>e\\f\r\ng\u2028h\u001bi')).toBe("a\\|b'c&lt;d&gt;e\\\\f g h\\\\u001Bi");
  });

  it.each([null, undefined])('%s is the empty text', (v) => {
    expect(markdown(v)).toBe('');
  });
});

describe('comment', () => {
  it('keeps the text, ending no comment and no line', () => {
    expect(comment('a*/b\nc\rd\u2029e\u0000f\u009fg')).toBe('a*\\/b c d e\\u0000f\\u009Fg');
  });

  it.each([null, undefined])('%s is the empty text', (v) => {
    expect(comment(v)).toBe('');
  });
});

describe('regex', () => {
  it('a valid pattern becomes its string literal', () => {
    expect(regex('^[a-z]+</x>$')).toBe('"^[a-z]+\\u003C/x\\u003E$"');
  });

  it.each([null, undefined])('%s is the empty pattern', (v) => {
    expect(regex(v)).toBe('""');
  });

  it('a pattern that does not compile is refused with V8 reason, without its prefix', () => {
    expect(() => regex('a(b')).toThrow(
      new Error('regex: "a(b" is not a valid regular expression (Unterminated group)'),
    );
    expect(() => regex('[z-a]')).toThrow(
      new Error('regex: "[z-a]" is not a valid regular expression (Range out of order in character class)'),
    );
  });
});
