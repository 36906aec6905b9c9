/**
 * The input closure of a sync: every file whose bytes can change the outputs,
 * with its role. Computing the "discoverable" part (manifest, specs, shapes,
 * rule/gate files, templates, partials) needs no heavy module, which is what
 * lets an unchanged project skip the pipeline.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { discoverTemplateFiles } from '../emit/templates.js';
import { resolveSources } from '../manifest/index.js';
import type { InputRole } from '../receipt/statement.js';
import type { Manifest } from '../types.js';
import { sha256 } from '../write/hash.js';

export interface InputEntry {
  path: string;
  role: InputRole;
}

/** Roles whose file set is found from the manifest and the templates directory alone. */
export const DISCOVERABLE_ROLES: ReadonlySet<string> = new Set([
  'manifest',
  'pack',
  'spec',
  'shapes',
  'rule',
  'template',
  'partial',
]);

export async function discoverInputs(manifest: Manifest): Promise<InputEntry[]> {
  const list: InputEntry[] = [{ path: manifest.path, role: 'manifest' }];
  for (const p of manifest.packs ?? []) {
    list.push({ path: p.manifestFile, role: 'pack' });
    // The view model is code of the pack: its bytes change outputs as a template's do.
    for (const f of p.viewFiles ?? []) list.push({ path: f, role: 'pack' });
  }
  for (const s of await resolveSources(manifest)) list.push({ path: s, role: 'spec' });
  for (const s of manifest.validation.shacl) list.push({ path: s, role: 'shapes' });
  for (const r of manifest.inference.rules)
    if (r.construct.file !== manifest.path) list.push({ path: r.construct.file, role: 'rule' });
  for (const g of manifest.validation.ask)
    if (g.ask.file !== manifest.path) list.push({ path: g.ask.file, role: 'rule' });
  const t = await discoverTemplateFiles(manifest);
  for (const p of t.templates) list.push({ path: p, role: 'template' });
  for (const p of t.partials) list.push({ path: p, role: 'partial' });
  return dedupe(list);
}

export function dedupe(list: InputEntry[]): InputEntry[] {
  const seen = new Map<string, InputEntry>();
  for (const e of list) if (!seen.has(e.path)) seen.set(e.path, e);
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Read synchronously: for ~100 small files one blocking read each beats fs/promises' round trips (write/hash.ts). */
export async function hashInputs(root: string, list: InputEntry[]): Promise<Array<InputEntry & { sha256: string }>> {
  return list.map((e) => ({ ...e, sha256: sha256(readFileSync(path.join(root, e.path))) }));
}
