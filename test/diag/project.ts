/**
 * A throwaway project around test/fixtures/diag/payments.ttl with this repo's ontology, shapes and
 * inference rules, run through the real `sync` in process: what a user with their own spec gets.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { InputError, type Diagnostic } from '../../src/pipeline/errors.js';
import { sync, type SyncResult } from '../../src/pipeline/sync.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BASE = readFileSync(path.join(ROOT, 'test/fixtures/diag/payments.ttl'), 'utf8');
export const SPEC = 'specs/payments.ttl';

const RULES = readdirSync(path.join(ROOT, 'packs/otp/queries/inference'))
  .filter((f) => f.endsWith('.rq'))
  .sort();

export const MANIFEST = [
  '[project]',
  'name = "payments"',
  '[ontology]',
  'sources = ["ontology/otp.ttl", "specs/*.ttl"]',
  'base_iri = "https://example.org/"',
  '[ontology.prefixes]',
  'otp = "https://ggen.dev/otp#"',
  'ggen = "https://ggen.dev/ggen#"',
  '[inference]',
  'list_index = true',
  ...RULES.flatMap((f) => ['[[inference.rules]]', `name = "${f.replace(/\.rq$/, '')}"`, `construct = "rules/${f}"`]),
  '[validation]',
  'shacl = ["shapes/otp.shapes.ttl"]',
  '[[validation.ask]]',
  'name = "has-an-application"',
  'query = "ASK { ?app a otp:Application }"',
  'message = "the specs declare no otp:Application"',
  '[generation]',
  'templates = "templates"',
  'output_dir = "generated"',
  '',
].join('\n');

export const APP_TEMPLATE = `---
to: "{{ row.name }}/app.ts"
query: |
  SELECT ?name WHERE { ?app a otp:Application ; otp:name ?name } ORDER BY ?name
for_each: true
---
export const app = {{ row.name | tsString }};
`;

const made: string[] = [];

/** A project whose spec is `spec` (plus extra files, relative path → text). */
export function makeProject(spec: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ggen-diag-'));
  made.push(dir);
  mkdirSync(path.join(dir, 'ontology'));
  cpSync(path.join(ROOT, 'packs/otp/ontology/otp.ttl'), path.join(dir, 'ontology/otp.ttl'));
  mkdirSync(path.join(dir, 'shapes'));
  cpSync(path.join(ROOT, 'packs/otp/shapes/otp.shapes.ttl'), path.join(dir, 'shapes/otp.shapes.ttl'));
  cpSync(path.join(ROOT, 'packs/otp/queries/inference'), path.join(dir, 'rules'), { recursive: true });
  const files: Record<string, string> = {
    'ggen.toml': MANIFEST,
    [SPEC]: spec,
    'templates/app.ts.njk': APP_TEMPLATE,
    ...extra,
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

export function removeProjects(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Files under generated/, receipts/ and .ggen/ (what a run may write). */
export function written(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) for (const e of readdirSync(abs).sort()) walk(path.join(rel, e));
    else out.push(rel);
  };
  for (const d of ['generated', 'receipts', '.ggen']) walk(d);
  return out;
}

export interface Outcome {
  errors: Diagnostic[];
  result?: SyncResult;
  written: string[];
}

export async function run(dir: string): Promise<Outcome> {
  try {
    const result = await sync({ manifestPath: path.join(dir, 'ggen.toml'), noFastPath: true });
    return { errors: [], result, written: written(dir) };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { errors: err.diagnostics, written: written(dir) };
  }
}

/** 1-based line and column of the `nth` (0-based) occurrence of `needle` in `text`. */
export function locate(text: string, needle: string, nth = 0): { line: number; col: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    expect(at, `"${needle}" (occurrence ${nth}) is not in the spec`).toBeGreaterThanOrEqual(0);
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, col: at - before.lastIndexOf('\n') };
}

/** `text` with `find` replaced by `replace`; fails if `find` is absent, so a case cannot silently stop breaking anything. */
export function edit(text: string, find: string, replace: string): string {
  expect(text.includes(find), `fixture text not found: ${find}`).toBe(true);
  return text.replace(find, replace);
}
