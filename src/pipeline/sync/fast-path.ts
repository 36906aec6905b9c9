/**
 * No-op detection. If the previous receipt's input closure (every file digest,
 * the expanded source and template lists, tool versions) is unchanged and every
 * recorded output is still on disk as recorded, the pipeline would reproduce the
 * same bytes, so it can be skipped. This module must not import n3, Comunica,
 * nunjucks or prettier.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { ReceiptView } from '../receipt/statement.js';
import { packageVersions } from '../receipt/versions.js';
import type { Manifest } from '../types.js';
import { hashFileSync } from '../write/hash.js';
import { DISCOVERABLE_ROLES, discoverInputs } from './inputs.js';

export type FastPathVerdict = { upToDate: true } | { upToDate: false; reason: string };

export async function checkUpToDate(manifest: Manifest, previous: ReceiptView): Promise<FastPathVerdict> {
  const no = (reason: string): FastPathVerdict => ({ upToDate: false, reason });
  // The receipt is untrusted: a subject outside the output directory is not one of ours, and is not read.
  const out = path.posix.normalize(manifest.generation.outputDir.split(path.sep).join('/')).replace(/\/+$/, '');
  const stray = [...previous.subjects.keys()].find((p) => out !== '.' && !p.startsWith(`${out}/`));
  if (stray) return no(`${stray} is not in ${manifest.generation.outputDir}`);
  for (const p of packageVersions()) {
    if (previous.packages.get(p.name) !== p.version) return no(`${p.name} is now ${p.version}`);
  }
  let current;
  try {
    current = await discoverInputs(manifest);
  } catch {
    return no('inputs could not be listed');
  }
  const now = new Set(current.map((c) => c.path));
  for (const c of current) if (!previous.inputs.has(c.path)) return no(`new input ${c.path}`);
  for (const [p, rec] of previous.inputs) {
    if (DISCOVERABLE_ROLES.has(rec.role) && !now.has(p)) return no(`input ${p} is gone`);
  }
  // Read one file at a time and stop at the first difference: cheaper than parallel async reads here.
  for (const [p, rec] of previous.inputs)
    if (hashFileSync(path.join(manifest.root, p)) !== rec.sha256) return no(`${p} changed`);
  for (const [p, d] of previous.subjects)
    if (hashFileSync(path.join(manifest.root, p)) !== d) return no(`${p} differs from the receipt`);
  for (const p of previous.createOnce) if (!existsSync(path.join(manifest.root, p))) return no(`${p} is missing`);
  return { upToDate: true };
}
