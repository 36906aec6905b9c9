/**
 * A throwaway project for pipeline unit tests: its files written under a temp dir, and the
 * Manifest a minimal ggen.toml would load to (no packs, no specs, templates/ → generated/).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../src/pipeline/types.js';

export function tempProject(
  prefix: string,
  files: Record<string, string>,
  vars: Record<string, unknown> = {},
): Manifest {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return {
    root,
    path: 'ggen.toml',
    raw: {},
    packs: [],
    project: { name: 'demo' },
    ontology: { sources: [], prefixes: {} },
    inference: { maxRounds: 8, listIndex: false, rules: [] },
    validation: { shacl: [], ask: [] },
    generation: { templates: 'templates', outputDir: 'generated', handwrittenDir: 'src/domains', vars },
    receipt: { path: 'receipts/latest.json', signingKeyEnv: 'GGEN_SIGNING_KEY' },
  };
}
