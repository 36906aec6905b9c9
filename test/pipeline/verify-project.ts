import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildStatement, serializeStatement } from '../../src/pipeline/receipt/index.js';
import type { Manifest } from '../../src/pipeline/types.js';
import { sha256 } from '../../src/pipeline/write/hash.js';

export const manifest = {
  root: '/p',
  path: 'ggen.toml',
  raw: {},
  generation: { templates: 'templates', outputDir: 'gen', vars: {} },
} as unknown as Manifest;

export function put(root: string, rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
}

/** A project with two outputs, one create_once file, two inputs, and its receipt. */
export function project(receiptRel = 'receipts/latest.json'): { root: string; receipt: Buffer } {
  const root = mkdtempSync(path.join(tmpdir(), 'ggen-verify-'));
  const files = {
    'gen/a.ts': 'a\n',
    'gen/sub/b.ts': 'b\n',
    'gen/mine.ts': 'user\n',
    'specs/x.ttl': 'spec\n',
    'ggen.toml': 'toml\n',
  };
  for (const [p, t] of Object.entries(files)) put(root, p, t);
  const statement = buildStatement({
    manifest,
    outputs: [
      { path: 'gen/a.ts', sha256: sha256('a\n'), mode: 'overwrite' },
      { path: 'gen/sub/b.ts', sha256: sha256('b\n'), mode: 'overwrite' },
      { path: 'gen/mine.ts', sha256: sha256('user\n'), mode: 'create_once' },
    ],
    inputs: [
      { path: 'specs/x.ttl', sha256: sha256('spec\n'), role: 'spec' },
      { path: 'ggen.toml', sha256: sha256('toml\n'), role: 'manifest' },
    ],
    packages: [{ name: 'ggen-ts', version: '0.1.0' }],
    graph: { digest: sha256('g'), tripleCount: 1, inferredTriples: 0, rounds: 1 },
  });
  const receipt = Buffer.from(serializeStatement(statement));
  put(root, receiptRel, receipt.toString());
  return { root, receipt };
}
