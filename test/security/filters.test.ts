/**
 * The escaping filters for each context spec text reaches (issue #14): `json` (code).
 */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { FILTERS } from '../../src/pipeline/emit/filters.js';

const json = FILTERS.json as (v: unknown, indent?: number) => string;

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
