/**
 * Packs: reusable generators named in ggen.toml `packs`. A pack is a directory with a
 * `pack.toml` (validated against schema/pack.schema.json) and the files it names: ontology,
 * shapes, inference rules (in order, with `list_index`), ASK gates, queries and templates.
 *
 * Resolution of a name: a pack that ships with ggen (packs/<name> in the ggen-ts package) wins,
 * as Node's core modules win over node_modules; otherwise `<dir>/node_modules/<name>/pack.toml`
 * from the project root upward, the way Node finds a package. A name starting with `./`, `../`
 * or `/` is a path from the project root.
 *
 * Every pack path is kept relative to the project root (POSIX, `../` when the pack lives
 * outside it), so the rest of the pipeline reads pack files like any other input.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { InputError, type Diagnostic } from '../errors.js';
import { compareCodeUnits, expandGlob, hasGlobMagic } from '../fs/glob.js';
import type { AskGate, InferenceRule, PackInfo, PackNpmPackage } from '../types.js';
import { ownPackage } from '../receipt/versions.js';
import { formatSchemaErrors } from './schema-errors.js';
import { parseToml, type Toml } from './toml.js';
import { locateInlineString } from './locate.js';

export const PACK_MANIFEST = 'pack.toml';

export interface LoadedPacks {
  packs: PackInfo[];
  prefixes: Record<string, string>;
  listIndex: boolean;
  rules: InferenceRule[];
  shacl: string[];
  ask: AskGate[];
}

const toPosix = (p: string): string => p.split(path.sep).join('/');

/** The directory that holds the packs shipped with ggen (packs/ next to schema/ in the ggen-ts package). */
export function builtinPacksDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'schema', 'pack.schema.json')) && existsSync(path.join(dir, 'packs')))
      return path.join(dir, 'packs');
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('packs/ not found next to the ggen-ts package');
    dir = parent;
  }
}

export const isPathSpec = (spec: string): boolean =>
  spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || spec === '.' || spec === '..';

/** Where a `packs` entry lives (absolute), or the places that were searched. */
export function resolvePackDir(spec: string, root: string): { dir: string } | { searched: string[] } {
  if (isPathSpec(spec)) {
    const dir = path.resolve(root, spec);
    return existsSync(path.join(dir, PACK_MANIFEST))
      ? { dir }
      : { searched: [toPosix(path.relative(root, dir)) || '.'] };
  }
  const searched: string[] = [];
  if (/^[a-z0-9][a-z0-9._-]*$/.test(spec)) {
    const builtin = path.join(builtinPacksDir(), spec);
    if (existsSync(path.join(builtin, PACK_MANIFEST))) return { dir: builtin };
    searched.push(`the packs that ship with ggen (${builtinNames().join(', ')})`);
  }
  for (let dir = root; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', ...spec.split('/'));
    if (existsSync(path.join(candidate, PACK_MANIFEST))) return { dir: candidate };
    if (path.dirname(dir) === dir) break;
  }
  searched.push(`node_modules/${spec}/${PACK_MANIFEST} from the project root upward`);
  return { searched };
}

export function builtinNames(): string[] {
  const dir = builtinPacksDir();
  return readdirSync(dir)
    .filter((n) => existsSync(path.join(dir, n, PACK_MANIFEST)))
    .sort(compareCodeUnits);
}

/** `<iri>` or `prefix:local` (with the pack's prefixes) as a full IRI; undefined if neither. */
function expandClass(name: string, prefixes: Record<string, string>): string | undefined {
  if (name.startsWith('<') && name.endsWith('>') && name.length > 2) return name.slice(1, -1);
  const colon = name.indexOf(':');
  if (colon < 0) return undefined;
  const ns = prefixes[name.slice(0, colon)];
  return ns === undefined ? undefined : ns + name.slice(colon + 1);
}

const PLAIN = /^(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})$/;

/**
 * `semver.satisfies(version, range)` for the plain case every pack so far writes (`>=0.1.0 <0.2.0`:
 * comparators `>=`, `>`, `<=`, `<`, `=` or none, each on a MAJOR.MINOR.PATCH without prerelease or
 * build, all of which must hold), and undefined for anything else, which semver then decides.
 * Loading semver costs every command ~20-60 ms, more than the no-op sync's own work;
 * test/pipeline/packs.test.ts checks this against semver.
 */
export function plainSatisfies(version: string, range: string): boolean | undefined {
  const v = PLAIN.exec(version);
  const comparators = range.trim().split(/\s+/);
  if (!v || comparators.length === 0 || comparators.length > 2) return undefined;
  const want = v.slice(1, 4).map(Number);
  let all = true;
  for (const c of comparators) {
    const m = /^(>=|<=|>|<|=)?(.*)$/.exec(c)!;
    const r = PLAIN.exec(m[2]!);
    if (!r) return undefined;
    const bound = r.slice(1, 4).map(Number);
    const i = want.findIndex((x, k) => x !== bound[k]);
    const cmp = i < 0 ? 0 : want[i]! < bound[i]! ? -1 : 1;
    const op = m[1] ?? '=';
    const holds =
      op === '>=' ? cmp >= 0 : op === '<=' ? cmp <= 0 : op === '>' ? cmp > 0 : op === '<' ? cmp < 0 : cmp === 0;
    all &&= holds;
  }
  return all;
}

let packValidator: ValidateFunction | undefined;

async function validator(): Promise<ValidateFunction> {
  if (packValidator) return packValidator;
  const { schemaValidator } = await import('./schema-validators.js');
  const schemaFile = path.join(path.dirname(builtinPacksDir()), 'schema', 'pack.schema.json');
  packValidator = (await schemaValidator('pack', schemaFile)).validate;
  return packValidator;
}

/** The modules of a view model: every script under the directory of its entry (pack-relative, sorted). */
function viewFiles(packDir: string, view: string): string[] {
  const dir = path.posix.dirname(view);
  let names: string[];
  try {
    names = readdirSync(path.join(packDir, dir), { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
  return names
    .map((n) => toPosix(path.join(dir, n)))
    .filter((n) => /\.(ts|js|mjs|cjs)$/.test(n) && !n.endsWith('.d.ts'))
    .sort(compareCodeUnits);
}

/** Loads every pack named in `specs` (ggen.toml `packs`), in order, and merges what they bring. */
export async function loadPacks(
  specs: string[],
  root: string,
  manifestFile: string,
  ggenVersion = ownPackage().version,
): Promise<LoadedPacks> {
  const out: LoadedPacks = { packs: [], prefixes: {}, listIndex: false, rules: [], shacl: [], ask: [] };
  const problems: Diagnostic[] = [];
  const seen = new Map<string, string>();
  for (const [i, spec] of specs.entries()) {
    const key = `packs[${i}]`;
    const found = resolvePackDir(spec, root);
    if (!('dir' in found)) {
      problems.push({
        file: manifestFile,
        message: `${key}: unknown pack "${spec}": not found in ${found.searched.join(', nor ')}`,
      });
      continue;
    }
    const dirRel = toPosix(path.relative(root, found.dir)) || '.';
    const rel = (p: string): string => toPosix(path.normalize(path.join(dirRel, p)));
    const file = rel(PACK_MANIFEST);
    const text = await readFile(path.join(found.dir, PACK_MANIFEST), 'utf8');
    const parsed = await parseToml(text, file);
    if ('problem' in parsed) {
      problems.push(parsed.problem);
      continue;
    }
    const raw = parsed.raw;
    const validate = await validator();
    if (!validate(raw)) {
      for (const message of formatSchemaErrors(validate.errors ?? []))
        problems.push({ file, message: `invalid pack manifest: ${message}` });
      continue;
    }
    let supported = plainSatisfies(ggenVersion, raw.ggen as string);
    if (supported === undefined) {
      // The two functions only, not semver's index (which loads all ~40 of its modules).
      const [{ default: satisfies }, { default: validRange }] = await Promise.all([
        import('semver/functions/satisfies.js'),
        import('semver/ranges/valid.js'),
      ]);
      if (!validRange(raw.ggen as string)) {
        problems.push({ file, message: `invalid pack manifest: ggen: not a semver range: ${raw.ggen as string}` });
        continue;
      }
      supported = satisfies(ggenVersion, raw.ggen as string, { includePrerelease: true });
    }
    if (!supported) {
      problems.push({
        file: manifestFile,
        message: `${key}: pack ${raw.name as string} ${raw.version as string} supports ggen ${raw.ggen as string}, but this is ggen ${ggenVersion}`,
      });
      continue;
    }
    if (seen.has(raw.name as string)) {
      problems.push({
        file: manifestFile,
        message: `${key}: pack ${raw.name as string} is named twice (also at ${seen.get(raw.name as string)})`,
      });
      continue;
    }
    seen.set(raw.name as string, key);

    const inside = (p: string, what: string): string | undefined => {
      const posix = p.replace(/\\/g, '/');
      const n = path.posix.normalize(posix);
      if (path.posix.isAbsolute(posix) || n === '..' || n.startsWith('../')) {
        problems.push({ file, message: `${what}: must stay inside the pack: ${p}` });
        return undefined;
      }
      return n;
    };
    const ontology = (raw.ontology ?? {}) as Toml;
    const sources: string[] = [];
    for (const [j, s] of ((ontology.sources ?? []) as string[]).entries()) {
      const p = inside(s, `ontology.sources[${j}]`);
      if (!p) continue;
      const matches = hasGlobMagic(p) ? await expandGlob(found.dir, p) : existsSync(path.join(found.dir, p)) ? [p] : [];
      if (matches.length === 0)
        problems.push({
          file,
          message: `ontology.sources[${j}]: ${hasGlobMagic(p) ? 'glob matched no file' : 'file not found'}: ${s}`,
        });
      for (const m of matches) sources.push(rel(m));
    }
    for (const [prefix, iri] of Object.entries((ontology.prefixes ?? {}) as Record<string, string>)) {
      if (out.prefixes[prefix] !== undefined && out.prefixes[prefix] !== iri) {
        problems.push({
          file,
          message: `ontology.prefixes.${prefix}: ${iri} clashes with ${out.prefixes[prefix]} from an earlier pack`,
        });
      }
      out.prefixes[prefix] ??= iri;
    }
    const inference = (raw.inference ?? {}) as Toml;
    if (inference.list_index === true) out.listIndex = true;
    for (const [j, r] of ((inference.rules ?? []) as Toml[]).entries()) {
      const p = inside(r.construct as string, `inference.rules[${j}].construct`);
      if (!p) continue;
      try {
        const body = await readFile(path.join(found.dir, p), 'utf8');
        out.rules.push({
          name: `${raw.name as string}:${r.name as string}`,
          construct: { text: body, file: rel(p), line: 1, column: 1 },
        });
      } catch {
        problems.push({ file, message: `inference.rules[${j}].construct: file not found: ${r.construct as string}` });
      }
    }
    const validation = (raw.validation ?? {}) as Toml;
    for (const [j, s] of ((validation.shacl ?? []) as string[]).entries()) {
      const p = inside(s, `validation.shacl[${j}]`);
      if (!p) continue;
      if (!existsSync(path.join(found.dir, p)))
        problems.push({ file, message: `validation.shacl[${j}]: file not found: ${s}` });
      else out.shacl.push(rel(p));
    }
    for (const [j, g] of ((validation.ask ?? []) as Toml[]).entries()) {
      const at = locateInlineString(text, 'validation.ask', j, 'query', g.query as string);
      out.ask.push({
        name: `${raw.name as string}:${g.name as string}`,
        ask: { text: g.query as string, file, line: at.line, column: at.column },
        expect: (g.expect as boolean | undefined) ?? true,
        message: (g.message as string | undefined) ?? '',
      });
    }
    const templates = inside((raw.templates as string | undefined) ?? 'templates', 'templates');
    const view = raw.view === undefined ? undefined : inside(raw.view as string, 'view');
    if (view !== undefined && !existsSync(path.join(found.dir, view)))
      problems.push({ file, message: `view: file not found: ${raw.view as string}` });
    const npmPackages: PackNpmPackage[] = [];
    const packPrefixes = (ontology.prefixes ?? {}) as Record<string, string>;
    for (const [j, n] of ((raw.npm_packages ?? []) as Toml[]).entries()) {
      const classes: string[] = [];
      for (const c of n.classes as string[]) {
        const iri = expandClass(c, packPrefixes);
        if (iri === undefined)
          problems.push({
            file,
            message: `npm_packages[${j}].classes: ${c} is neither <iri> nor a prefixed name with a prefix of the pack's ontology.prefixes`,
          });
        else classes.push(iri);
      }
      npmPackages.push({
        name: n.name as string,
        ...(n.version !== undefined ? { version: n.version as string } : {}),
        ...(n.types !== undefined ? { types: n.types as string } : {}),
        ...(n.types_version !== undefined ? { typesVersion: n.types_version as string } : {}),
        classes,
      });
    }
    out.packs.push({
      name: raw.name as string,
      version: raw.version as string,
      ...(raw.description !== undefined ? { description: raw.description as string } : {}),
      ggen: raw.ggen as string,
      dir: dirRel,
      manifestFile: file,
      templates: templates ? rel(templates) : rel('templates'),
      sources: sources.sort(compareCodeUnits),
      ...(view !== undefined ? { view: rel(view), viewFiles: viewFiles(found.dir, view).map(rel) } : {}),
      ...(npmPackages.length > 0 ? { npmPackages } : {}),
    });
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}
