/**
 * Loads ggen.toml: TOML syntax (smol-toml), shape (ajv against schema/ggen.schema.json),
 * defaults, paths that must stay inside the project, and the query files the manifest names.
 * smol-toml and ajv are imported lazily so that merely importing this module stays cheap, and the
 * schema validator is precompiled by the build (schema-validators.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { InputError, type Diagnostic } from '../errors.js';
import type { AskGate, InferenceRule, Manifest, QueryText } from '../types.js';
import { compareCodeUnits, expandGlob, hasGlobMagic } from '../fs/glob.js';
import { formatSchemaErrors } from './schema-errors.js';
import { locateInlineString } from './locate.js';
import { parseToml, type Toml } from './toml.js';

export const DEFAULTS = {
  maxRounds: 16,
  templates: 'templates',
  outputDir: 'generated',
  /** README has long promised hand-written domain code a home in src/domains/<app>/; this makes it true. */
  handwrittenDir: 'src/domains',
  receiptPath: 'receipts/latest.json',
  signingKeyEnv: 'GGEN_SIGNING_KEY',
} as const;

/** Finds schema/ggen.schema.json by walking up from this module (works from src/ and dist/src/). */
export function schemaPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'schema', 'ggen.schema.json');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('schema/ggen.schema.json not found next to the ggen-ts package');
    dir = parent;
  }
}

let validator: ValidateFunction | undefined;

export { createAjv } from './schema-validators.js';

async function manifestValidator(): Promise<ValidateFunction> {
  if (validator) return validator;
  const { schemaValidator } = await import('./schema-validators.js');
  validator = (await schemaValidator('ggen', schemaPath())).validate;
  return validator;
}

/** A relative path that stays inside the root, with POSIX separators; otherwise a reason. */
export function checkRelative(p: string): { ok: true; path: string } | { ok: false; reason: string } {
  const posix = p.replace(/\\/g, '/');
  if (path.posix.isAbsolute(posix) || path.win32.isAbsolute(p))
    return { ok: false, reason: `must be relative to the project root: ${p}` };
  const normalized = path.posix.normalize(posix);
  if (normalized === '..' || normalized.startsWith('../'))
    return { ok: false, reason: `escapes the project root: ${p}` };
  return { ok: true, path: normalized === '.' ? '.' : normalized.replace(/\/$/, '') };
}

export async function loadManifest(manifestPath: string): Promise<Manifest> {
  const abs = path.resolve(manifestPath);
  const root = path.dirname(abs);
  const rel = path.basename(abs);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new InputError({
      file: manifestPath,
      message: `cannot read manifest: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    });
  }

  const parsed = await parseToml(text, rel);
  if ('problem' in parsed) throw new InputError(parsed.problem);
  const raw = parsed.raw;

  const validate = await manifestValidator();
  if (!validate(raw)) {
    throw new InputError(formatSchemaErrors(validate.errors ?? []).map((message) => ({ file: rel, message })));
  }

  const problems: Diagnostic[] = [];
  const inside = (p: string, key: string): string => {
    const r = checkRelative(p);
    if (r.ok) return r.path;
    problems.push({ file: rel, message: `${key}: ${r.reason}` });
    return p;
  };

  const readQuery = async (file: string, key: string): Promise<QueryText> => {
    const relPath = inside(file, key);
    try {
      const body = await readFile(path.join(root, relPath), 'utf8');
      return { text: body, file: relPath, line: 1, column: 1 };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({
        file: rel,
        message: `${key}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code})`}: ${file}`,
      });
      return { text: '', file: relPath, line: 1, column: 1 };
    }
  };
  const inlineQuery = (table: string, index: number, key: string, value: string): QueryText => {
    const at = locateInlineString(text, table, index, key, value);
    return { text: value, file: rel, line: at.line, column: at.column };
  };

  const { loadPacks } = await import('./packs.js');
  const packed = await loadPacks((raw.packs ?? []) as string[], root, rel);

  const ontology = raw.ontology as Toml;
  const sources = (ontology.sources as string[]).map((s, i) => inside(s, `ontology.sources[${i}]`));

  const inference = (raw.inference ?? {}) as Toml;
  const rules: InferenceRule[] = [...packed.rules];
  for (const [i, r] of ((inference.rules ?? []) as Toml[]).entries()) {
    const construct =
      r.construct !== undefined
        ? await readQuery(r.construct as string, `inference.rules[${i}].construct`)
        : inlineQuery('inference.rules', i, 'query', r.query as string);
    rules.push({ name: r.name as string, construct });
  }

  const validation = (raw.validation ?? {}) as Toml;
  const shacl = [
    ...packed.shacl,
    ...((validation.shacl ?? []) as string[]).map((s, i) => inside(s, `validation.shacl[${i}]`)),
  ];
  const ask: AskGate[] = [...packed.ask];
  for (const [i, g] of ((validation.ask ?? []) as Toml[]).entries()) {
    const query =
      g.file !== undefined
        ? await readQuery(g.file as string, `validation.ask[${i}].file`)
        : inlineQuery('validation.ask', i, 'query', g.query as string);
    const expect = (g.expect as boolean | undefined) ?? true;
    ask.push({
      name: g.name as string,
      ask: query,
      expect,
      message: (g.message as string | undefined) ?? '',
    });
  }

  const generation = (raw.generation ?? {}) as Toml;
  const receipt = (raw.receipt ?? {}) as Toml;
  const manifest: Manifest = {
    root,
    path: rel,
    raw,
    project: {
      name: raw.project.name as string,
      ...(raw.project.version !== undefined ? { version: raw.project.version as string } : {}),
      ...(raw.project.description !== undefined ? { description: raw.project.description as string } : {}),
    },
    packs: packed.packs,
    ontology: {
      sources,
      prefixes: { ...packed.prefixes, ...((ontology.prefixes ?? {}) as Record<string, string>) },
      ...(ontology.base_iri !== undefined ? { baseIri: ontology.base_iri as string } : {}),
      ...(ontology.engine !== undefined ? { engine: ontology.engine as 'oxigraph' | 'comunica' } : {}),
    },
    inference: {
      maxRounds: (inference.max_rounds as number | undefined) ?? DEFAULTS.maxRounds,
      listIndex: ((inference.list_index as boolean | undefined) ?? false) || packed.listIndex,
      rules,
    },
    validation: { shacl, ask },
    generation: {
      templates: inside((generation.templates as string | undefined) ?? DEFAULTS.templates, 'generation.templates'),
      outputDir: inside((generation.output_dir as string | undefined) ?? DEFAULTS.outputDir, 'generation.output_dir'),
      handwrittenDir: inside(
        (generation.handwritten_dir as string | undefined) ?? DEFAULTS.handwrittenDir,
        'generation.handwritten_dir',
      ),
      vars: { ...((generation.vars ?? {}) as Record<string, unknown>) },
      ...(generation.exclude !== undefined ? { exclude: [...(generation.exclude as string[])] } : {}),
    },
    receipt: {
      path: inside((receipt.path as string | undefined) ?? DEFAULTS.receiptPath, 'receipt.path'),
      signingKeyEnv: (receipt.signing_key_env as string | undefined) ?? DEFAULTS.signingKeyEnv,
    },
  };
  for (const [prefix, iri] of Object.entries((ontology.prefixes ?? {}) as Record<string, string>)) {
    if (packed.prefixes[prefix] !== undefined && packed.prefixes[prefix] !== iri) {
      problems.push({
        file: rel,
        message: `ontology.prefixes.${prefix}: ${iri} rebinds a prefix a pack uses (${packed.prefixes[prefix]})`,
      });
    }
  }
  if (manifest.generation.outputDir === '.') {
    problems.push({ file: rel, message: 'generation.output_dir: must be a subdirectory, not the project root' });
  }
  const { outputDir, handwrittenDir } = manifest.generation;
  const within = (dir: string, p: string): boolean => p === dir || p.startsWith(`${dir}/`);
  if (handwrittenDir === '.') {
    problems.push({
      file: rel,
      message: 'generation.handwritten_dir: must be a subdirectory, not the project root',
    });
  } else if (within(outputDir, handwrittenDir) || within(handwrittenDir, outputDir)) {
    problems.push({
      file: rel,
      message: `generation.handwritten_dir: ${handwrittenDir} overlaps generation.output_dir (${outputDir}); hand-written code lives outside what ggen generates`,
    });
  }
  if (problems.length > 0) throw new InputError(problems);
  return manifest;
}

/** Expands `ontology.sources` to the spec files they name: relative POSIX paths, deduplicated, sorted. */
export async function resolveSources(manifest: Manifest): Promise<string[]> {
  const found = new Set<string>((manifest.packs ?? []).flatMap((p) => p.sources));
  const problems: Diagnostic[] = [];
  for (const [i, source] of manifest.ontology.sources.entries()) {
    const key = `ontology.sources[${i}]`;
    const checked = checkRelative(source);
    if (!checked.ok) {
      problems.push({ file: manifest.path, message: `${key}: ${checked.reason}` });
      continue;
    }
    if (hasGlobMagic(checked.path)) {
      const matches = await expandGlob(manifest.root, checked.path);
      if (matches.length === 0)
        problems.push({ file: manifest.path, message: `${key}: glob matched no file: ${source}` });
      for (const m of matches) found.add(m);
      continue;
    }
    try {
      const s = await stat(path.join(manifest.root, checked.path));
      if (!s.isFile()) problems.push({ file: manifest.path, message: `${key}: not a file: ${source}` });
      else found.add(checked.path);
    } catch {
      problems.push({ file: manifest.path, message: `${key}: file not found: ${source}` });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return [...found].sort(compareCodeUnits);
}
