/**
 * The escaping filters for each context spec text reaches (issue #14): `json` (code), `comment`
 * (JS/TS block, JSDoc and line comments) and `markdown` (README text, tables and code spans).
 */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { FILTERS } from '../../src/pipeline/emit/filters.js';

const json = FILTERS.json as (v: unknown, indent?: number) => string;
const comment = FILTERS.comment as (v: unknown) => string;
const markdown = FILTERS.markdown as (v: unknown) => string;

const EVIL = [
  '*/ globalThis.pwned = 1; /*',
  'a\nglobalThis.pwned = 2; //',
  'a\rglobalThis.pwned = 3; //',
  'a\r\nglobalThis.pwned = 4; //',
  'a\u2028globalThis.pwned = 5; //',
  'a\u2029globalThis.pwned = 6; //',
  '</script><script>pwned=7</script>',
  '--> <!-- x',
  '\u0000\u0007\u001b[2J\u007f\u0085',
  '**/',
  '*\\/',
];

/** Every token of `code` that is not trivia (comments, whitespace): the code TypeScript would run. */
function codeTokens(code: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, /* skipTrivia */ true, ts.LanguageVariant.Standard, code);
  const out: string[] = [];
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) out.push(scanner.getTokenText());
  return out;
}

describe('json', () => {
  it('never ends a comment around it, and stays the same data', () => {
    for (const evil of EVIL) {
      const value = { s: evil, list: [evil], n: 1 };
      const text = json(value);
      expect(text).not.toContain('*/');
      expect(text).not.toMatch(/[\n\r\u2028\u2029<>]/);
      expect(JSON.parse(text)).toEqual(value);
      expect(new Function(`return ${text};`)()).toEqual(value);
      // Inside a block comment, the whole thing stays a comment.
      expect(codeTokens(`/* ${text} */ 1`)).toEqual(['1']);
    }
  });

  it('keeps indentation working', () => {
    expect(json({ a: '*/' }, 2)).toBe('{\n  "a": "*\\/"\n}');
  });
});

describe('comment', () => {
  it('keeps spec text inside block, JSDoc and line comments', () => {
    for (const evil of EVIL) {
      const c = comment(evil);
      expect(codeTokens(`/** ${c} */ 1`), evil).toEqual(['1']);
      expect(codeTokens(`/* ${c} */ 1`), evil).toEqual(['1']);
      expect(codeTokens(`// ${c}\n1`), evil).toEqual(['1']);
      expect(c).not.toMatch(/[\n\r\u2028\u2029\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }
  });

  it('leaves ordinary text alone and joins lines with a space', () => {
    expect(comment('Routes a call (see RFC 3261).')).toBe('Routes a call (see RFC 3261).');
    expect(comment('one\ntwo\r\nthree')).toBe('one two three');
    expect(comment(null)).toBe('');
    expect(comment(42)).toBe('42');
  });
});

describe('markdown', () => {
  it('cannot start a line, close a code span, split a table cell or open raw HTML', () => {
    for (const evil of [...EVIL, 'a | b', 'a\\|b', 'a\\\\|b', 'x`y', '[link](javascript:alert(1))', '# heading']) {
      const m = markdown(evil);
      expect(m).not.toMatch(/[\n\r\u2028\u2029<>`\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      // GFM splits a table row at a pipe that is not backslash-escaped (a backslash escapes the next character).
      expect(m.replace(/\\./g, ''), evil).not.toContain('|');
    }
    expect(markdown('1.0.0')).toBe('1.0.0');
    expect(markdown('a | b')).toBe('a \\| b');
  });
});

describe('regex', () => {
  const regex = FILTERS.regex as (v: unknown) => string;
  it('gives a string literal for new RegExp, and refuses what does not compile', () => {
    expect(regex('^[0-9]{6}$')).toBe('"^[0-9]{6}$"');
    expect(new RegExp(new Function(`return ${regex('a*/b\n')};`)()).source).toBe(new RegExp('a*/b\n').source);
    expect(() => regex('^[z-a]$ */')).toThrow(/regex: .* is not a valid regular expression/);
    expect(() => regex('((')).toThrow(/not a valid regular expression/);
  });
});
