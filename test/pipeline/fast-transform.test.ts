/**
 * emit/fast-transform.ts skips Nunjucks' transform for trees it would return unchanged. The code
 * Nunjucks generates must be the same either way, for every template and partial of the packs and
 * of the test fixtures, and a tree the transform does rewrite (a block with super(), an async
 * filter, ifAsync / asyncEach / asyncAll) must still go through it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installFastTransform, transformChanges, type Nodes } from '../../src/pipeline/emit/fast-transform.js';
import { splitFrontmatter } from '../../src/pipeline/emit/templates.js';
import { repoRoot } from '../cli/helpers.js';

const require = createRequire(import.meta.url);
type Ast = object;
const nunjucks = require('nunjucks') as {
  parser: { parse(src: string, extensions?: unknown[], opts?: unknown): Ast };
  compiler: {
    Compiler: new (name: string, throwOnUndefined?: boolean) => { compile(ast: Ast): void; getCode(): string };
  };
  nodes: Nodes;
};
const transformer = require('nunjucks/src/transformer') as {
  transform: ((ast: unknown, asyncFilters?: string[], name?: string) => unknown) & { ggenFast?: boolean };
};
const original = transformer.transform;

function njkFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.njk')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Code generated for `src`, with the transform given; hole_N symbols (a global counter) renumbered. */
function codeOf(src: string, name: string, transform: (ast: Ast) => unknown): string {
  const c = new nunjucks.compiler.Compiler(name, true);
  c.compile(transform(nunjucks.parser.parse(src, [], {})) as Ast);
  const holes = new Map<string, string>();
  return c.getCode().replace(/hole_\d+/g, (h) => {
    if (!holes.has(h)) holes.set(h, `hole_#${holes.size}`);
    return holes.get(h)!;
  });
}

describe('the fast Nunjucks transform', () => {
  it('is the original transform in this process (nothing installed it yet)', () => {
    expect(original.ggenFast).toBeUndefined();
  });

  const files = [...njkFiles(path.join(repoRoot, 'packs')), ...njkFiles(path.join(repoRoot, 'test/fixtures'))];
  it('generates the same code as the original for every template and partial of the packs and fixtures', () => {
    expect(files.length).toBeGreaterThan(30);
    let skipped = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const src = splitFrontmatter(text)?.body ?? text;
      let parsed: Ast;
      try {
        parsed = nunjucks.parser.parse(src, [], {});
      } catch {
        continue; // a fixture that is meant not to parse
      }
      if (!transformChanges(parsed, [], nunjucks.nodes)) {
        skipped++;
        // Skipped means: the original returns the very tree it was given.
        expect(original(parsed, [])).toBe(parsed);
      }
      const name = path.relative(repoRoot, file);
      const fast = codeOf(src, name, (ast) => (transformChanges(ast, [], nunjucks.nodes) ? original(ast, []) : ast));
      expect(fast, name).toBe(codeOf(src, name, (ast) => original(ast, [])));
    }
    // The pack's templates have no block and no async tag: all of them skip it.
    expect(skipped).toBeGreaterThan(30);
  });

  it('sends a tree the transform rewrites through it', () => {
    // [source, async filters, whether skipping the transform would generate other code]
    const rewrites: Array<[string, string[], boolean]> = [
      ['{% block a %}x{{ super() }}{% endblock %}', [], true],
      ['{% if x %}{{ y | later }}{% endif %}', ['later'], true],
      ['{% ifAsync x %}y{% endif %}', [], false],
      ['{% asyncEach i in xs %}{{ i }}{% endeach %}', [], false],
      ['{% asyncAll i in xs %}{{ i }}{% endall %}', [], false],
      ['{% for i in xs %}{% if i %}{% asyncEach j in i %}{{ j }}{% endeach %}{% endif %}{% endfor %}', [], true],
    ];
    for (const [src, asyncFilters, matters] of rewrites) {
      const ast = nunjucks.parser.parse(src, [], {});
      expect(transformChanges(ast, asyncFilters, nunjucks.nodes), src).toBe(true);
      const skipped = codeOf(src, 't', (a) => a);
      expect(skipped === codeOf(src, 't', (a) => original(a, asyncFilters)), src).toBe(!matters);
    }
    const plain =
      '{% for i in xs %}{% if i.ok %}{{ i.name | upper }}{% else %}{% set z = i | join(",") %}{{ z }}{% endif %}{% endfor %}';
    expect(transformChanges(nunjucks.parser.parse(plain, [], {}), [], nunjucks.nodes)).toBe(false);
  });

  it('is installed once, and then answers for the original', () => {
    const mod = { transform: original };
    installFastTransform(mod, nunjucks.nodes);
    const fast = mod.transform;
    installFastTransform(mod, nunjucks.nodes);
    expect(mod.transform).toBe(fast);
    const plain = nunjucks.parser.parse('{% for i in xs %}{{ i }}{% endfor %}', [], {});
    expect(fast(plain, [])).toBe(plain);
    const block = '{% block a %}x{{ super() }}{% endblock %}';
    expect(codeOf(block, 'b', (a) => fast(a, []))).toBe(codeOf(block, 'b', (a) => original(a, [])));
  });
});
