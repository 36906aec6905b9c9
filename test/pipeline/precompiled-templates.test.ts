/**
 * The shipped pack's templates compiled at build time (emit/precompiled.ts): the code a template
 * gets from the table is exactly what compiling its text gives at run time, under whatever name
 * it is loaded; anything else (other text, another Nunjucks, other emit code, a damaged table)
 * compiles as before.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileEnvironment } from '../../src/pipeline/emit/index.js';
import { nameFreeCode, precompiledProps, writeCompiledTemplates } from '../../src/pipeline/emit/precompiled.js';
import { splitFrontmatter } from '../../src/pipeline/emit/templates.js';

const TEMPLATES = path.resolve('packs/otp/templates');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
const tmp = () => {
  const r = mkdtempSync(path.join(os.tmpdir(), 'ggen-precompiled-'));
  roots.push(r);
  return r;
};

function templateFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? templateFiles(path.join(dir, e.name)) : e.name.endsWith('.njk') ? [path.join(dir, e.name)] : [],
  );
}

describe('compiled templates', () => {
  it('are, for every template of the shipped pack under any name, the code compiling its text gives', () => {
    const { compile } = compileEnvironment();
    const files = templateFiles(TEMPLATES);
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const src = splitFrontmatter(text)?.body ?? text;
      const code = nameFreeCode(compile, src);
      expect(code, f).toBeDefined();
      for (const name of [path.relative(process.cwd(), f), '../node_modules/ggen-ts/packs/otp/x "quoted".njk']) {
        const swapped = code!.split(JSON.stringify('\u0000ggen:template-name\u0000')).join(JSON.stringify(name));
        expect(swapped, f).toBe(compile(src, name));
      }
    }
  });

  it('render and fail as a template compiled at run time does, under its own name', async () => {
    const dir = tmp();
    const file = path.join(dir, 'table.json');
    const templates = path.join(dir, 'templates');
    // A relative include is looked up from the including template's name, which the code embeds.
    const body = 'Hello {{ who | upper }}\n{% include "./b.njk" %}\n{{ missing.field }}\n';
    mkdirSync(path.join(templates, 'sub'), { recursive: true });
    writeFileSync(path.join(templates, 'sub/a.njk'), `---\nto: a.txt\n---\n${body}`);
    writeFileSync(path.join(templates, 'sub/b.njk'), '[b]');
    // Each file, and the body of the one with frontmatter.
    expect(await writeCompiledTemplates(templates, file)).toBe(3);
    compileEnvironment(); // the instrumented compiler and runtime, as a run loads them
    const nunjucks = createRequire(import.meta.url)('nunjucks') as typeof import('nunjucks');
    const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(templates), {
      autoescape: false,
      throwOnUndefined: true,
    });
    env.addFilter('upper', (s: string) => s.toUpperCase());
    const name = path.join(templates, 'sub/a.njk');
    const compileEnv = env as unknown as Parameters<typeof precompiledProps>[2];
    const props = precompiledProps(body, name, compileEnv, file);
    expect(props).toBeDefined();
    const fromTable = new nunjucks.Template({ type: 'code', obj: props } as never, env, name, true);
    const fromText = new nunjucks.Template(body, env, name, true);
    const message = (t: typeof fromText, ctx: object) => {
      try {
        return t.render(ctx);
      } catch (err) {
        return `error: ${(err as Error).message}`;
      }
    };
    expect(message(fromTable, { who: 'x', missing: { field: 1 } })).toBe('Hello X\n[b]\n1\n');
    expect(message(fromTable, { who: 'x' })).toBe(message(fromText, { who: 'x' }));
    expect(message(fromTable, { who: 'x' })).toContain(`error: (${name})`);
    // Other text, or a table made by other code, or a damaged one: compiled as before.
    expect(precompiledProps(`${body} `, name, compileEnv, file)).toBeUndefined();
    const table = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const variants: Array<[string, string]> = [
      ['other emit code', JSON.stringify({ ...table, emit: 'f'.repeat(64) })],
      ['another Nunjucks', JSON.stringify({ ...table, nunjucks: '0.0.0' })],
      ['another format', JSON.stringify({ ...table, format: 2 })],
      ['no entries', JSON.stringify({ ...table, entries: null })],
      ['not JSON', '{'],
    ];
    for (const [why, text] of variants) {
      const other = path.join(dir, `${why}.json`);
      writeFileSync(other, text);
      expect(precompiledProps(body, name, compileEnv, other), why).toBeUndefined();
    }
    expect(precompiledProps(body, name, compileEnv, path.join(dir, 'none.json'))).toBeUndefined();
  });
});
