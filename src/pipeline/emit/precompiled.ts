/**
 * The shipped `otp` pack's templates compiled at build time. Compiling a template with Nunjucks
 * (lex, parse, transform, generate code; ggen's instrumented compiler, index.ts) costs ~100 ms for
 * a server module and its partials, every run whose render cache misses it (a spec edit that
 * changes one server's rows). `npm run build` runs this module, which compiles every template
 * and partial of packs/otp/templates into `compiled-templates.json` beside its compiled file in
 * dist/ (trusted code, like the rest of dist/; never under .ggen, which is untrusted). At run
 * time a template uses that code only when its text, Nunjucks' version, the environment's
 * options and ggen's emit code are those it was compiled with; otherwise, and when running from
 * the TypeScript sources, it is compiled as before. The code is what the compiler gives the same
 * text: the template's name, which the code embeds, stands as a placeholder that is swapped in.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { emitCodeDigest } from './render-cache.js';
import { splitFrontmatter } from './templates.js';

const FORMAT = 1;
const here = path.dirname(fileURLToPath(import.meta.url));
/** Where the build writes the compiled templates (beside this module's compiled file, in dist/ only). */
export const COMPILED_TEMPLATES = path.join(here, 'compiled-templates.json');

/** The name a template is compiled under, swapped for its real name at run time; another to check that. */
const NAME = '\u0000ggen:template-name\u0000';
const OTHER = '\u0000ggen:other-name\u0000';

/** What of a Nunjucks environment the compiler reads. */
export interface CompileEnv {
  asyncFilters: readonly string[];
  extensionsList: readonly unknown[];
  opts: object;
}

interface Table {
  format: number;
  /** ggen's emit code (instrumentation, fast transform) and Nunjucks' version the code was made by. */
  emit: string;
  nunjucks: string;
  /** templateKey → code, with NAME for the template's name. */
  entries: Record<string, string>;
}

function nunjucksVersion(): string {
  return String((createRequire(import.meta.url)('nunjucks/package.json') as { version?: unknown }).version);
}

/** The key of a template's code: its text and what of the environment the compiler reads. */
export function templateKey(src: string, env: CompileEnv): string {
  return createHash('sha256')
    .update(JSON.stringify([src, env.asyncFilters, env.extensionsList.length, env.opts]))
    .digest('hex');
}

const tables = new Map<string, Table | null>();

/** The table in `file` if it was made by this code and Nunjucks, else null (missing or damaged: compile as before). */
function readTable(file: string): Table | null {
  let t = tables.get(file);
  if (t === undefined) {
    t = null;
    try {
      const x = JSON.parse(readFileSync(file, 'utf8')) as Partial<Table>;
      if (
        x.format === FORMAT &&
        x.emit === emitCodeDigest() &&
        x.nunjucks === nunjucksVersion() &&
        typeof x.entries === 'object' &&
        x.entries !== null
      )
        t = x as Table;
    } catch {
      /* none: compile */
    }
    tables.set(file, t);
  }
  return t;
}

/**
 * The compiled properties (Nunjucks' `{type: 'code', obj}`) of `src` under `name`, when the build
 * compiled that text with this environment's options; else undefined.
 */
export function precompiledProps(
  src: string,
  name: string,
  env: CompileEnv,
  file = COMPILED_TEMPLATES,
): Record<string, unknown> | undefined {
  const code = readTable(file)?.entries[templateKey(src, env)];
  if (typeof code !== 'string') return undefined;
  return new Function(code.split(JSON.stringify(NAME)).join(JSON.stringify(name)))() as Record<string, unknown>;
}

/**
 * The code `compile` gives `src` with NAME as the template's name, or undefined when the name
 * shows in it other than where a name compiled in is (then it cannot be swapped in).
 */
export function nameFreeCode(compile: (src: string, name: string) => string, src: string): string | undefined {
  const a = compile(src, NAME);
  const b = compile(src, OTHER);
  return a.split(JSON.stringify(NAME)).join('\0') === b.split(JSON.stringify(OTHER)).join('\0') ? a : undefined;
}

/** Every `.njk` file under `dir`, recursively. */
function templateFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? templateFiles(path.join(dir, e.name)) : e.name.endsWith('.njk') ? [path.join(dir, e.name)] : [],
  );
}

/** The build step: compiles the templates under `dir` (a template's body, and a partial's text) into `file`. */
export async function writeCompiledTemplates(dir: string, file = COMPILED_TEMPLATES): Promise<number> {
  const { compileEnvironment } = await import('./index.js');
  const { compile, env } = compileEnvironment();
  const entries: Record<string, string> = {};
  for (const f of templateFiles(dir).sort()) {
    const text = readFileSync(f, 'utf8');
    for (const src of new Set([text, splitFrontmatter(text)?.body ?? text])) {
      let code: string | undefined;
      try {
        code = nameFreeCode(compile, src);
      } catch {
        continue; // a template that does not compile is compiled (and reported) at run time
      }
      if (code !== undefined) entries[templateKey(src, env)] = code;
    }
  }
  const table: Table = { format: FORMAT, emit: emitCodeDigest(), nunjucks: nunjucksVersion(), entries };
  writeFileSync(file, JSON.stringify(table));
  tables.delete(file);
  return Object.keys(entries).length;
}

// Not awaited at the top level: the build step imports index.ts, which imports this module.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href)
  // dist/src/pipeline/emit → the package root's shipped pack.
  writeCompiledTemplates(path.resolve(here, '../../../../packs/otp/templates')).catch((err: unknown) => {
    process.stderr.write(`compiling the otp pack's templates failed: ${String(err)}\n`);
    process.exitCode = 1;
  });
