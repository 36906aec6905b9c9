/** The doc-test conventions themselves: what counts as a step, and when output matches. */
import { describe, expect, it } from 'vitest';
import { outputMatches, slug, steps } from './markdown.js';

const page = [
  '# T',
  '```sh',
  'echo one',
  '```',
  '<!-- doc-test: output -->',
  '```text',
  'one',
  '```',
  '<!-- doc-test: use-local-packages -->',
  '',
  '```ts',
  '// file: src/a.ts',
  'export const a = 1;',
  '```',
  '```turtle',
  '# append: specs/x.ttl',
  ':a :b :c .',
  '```',
  '```turtle',
  ':shown :only :c .',
  '```',
  '<!-- doc-test: skip -->',
  '```sh',
  'rm -rf /',
  '```',
].join('\n');

describe('doc-test steps', () => {
  it('shell, output, a standalone step, file and append blocks, in order; prose-only and skipped blocks are not run', () => {
    expect(steps(page).map((s) => (s.kind === 'directive' ? `directive:${s.name}` : s.kind))).toEqual([
      'shell',
      'output',
      'directive:use-local-packages',
      'file',
      'file',
    ]);
    const files = steps(page).filter((s) => s.kind === 'file');
    expect(files.map((f) => [f.path, f.append])).toEqual([
      ['src/a.ts', false],
      ['specs/x.ttl', true],
    ]);
  });

  it('a TypeScript block that says nowhere to go is an error, not silently skipped', () => {
    expect(() => steps('```ts\nconst x = 1;\n```')).toThrow(/must start with "\/\/ file: <path>"/);
  });

  it('any other directive is a step of its own (the runner refuses names it does not know); a skipped output block is not compared', () => {
    expect(steps('<!-- doc-test: bogus -->\n```sh\nls\n```').map((s) => s.kind)).toEqual(['directive', 'shell']);
    expect(steps('```sh\nls\n```\n<!-- doc-test: skip -->\n```text\nx\n```').map((s) => s.kind)).toEqual(['shell']);
  });

  it('an unclosed fence is an error', () => {
    expect(() => steps('```sh\nls\n')).toThrow(/never closes/);
  });
});

describe('output comparison', () => {
  it('equal text matches, trailing spaces aside; different text does not', () => {
    expect(outputMatches('a  \nb\n', 'a\nb')).toBe(true);
    expect(outputMatches('a\nb\n', 'a\nc')).toBe(false);
    expect(outputMatches('a\nb\nc\n', 'a\nb')).toBe(false);
    expect(outputMatches('a\n', 'a\nb')).toBe(false);
  });

  it('a line "..." matches any number of lines, "..." inside a line any text, and nothing else is a wildcard', () => {
    expect(outputMatches('x\ny\nz\nend', '...\nend')).toBe(true);
    expect(outputMatches('end', '...\nend')).toBe(true);
    expect(outputMatches('x\nend\nmore', '...\nend')).toBe(false);
    expect(outputMatches('done (12 ms); next', 'done (... ms); next')).toBe(true);
    expect(outputMatches('done (12 s); next', 'done (... ms); next')).toBe(false);
    expect(outputMatches('a.b', 'a.b')).toBe(true);
    expect(outputMatches('axb', 'a.b')).toBe(false);
  });

  it("GitHub's heading slugs", () => {
    expect(slug('4. Hand-written code: an operation')).toBe('4-hand-written-code-an-operation');
    expect(slug('Reference: generated from the code, kept current by CI')).toBe(
      'reference-generated-from-the-code-kept-current-by-ci',
    );
    expect(slug('pack.toml')).toBe('packtoml');
  });
});
