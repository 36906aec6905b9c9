/**
 * The W3C SHACL test suite kept under test/fixtures/w3c-shacl (core and sparql): where it is, and
 * its test graphs (every .ttl file but the manifests), for the tests that run shapes over it.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const W3C_SHACL_SUITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/w3c-shacl');

/** Every test graph under `dir`, recursively, in directory order (sort for a stable order). */
export function ttlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? ttlFiles(path.join(dir, e.name))
      : e.name.endsWith('.ttl') && e.name !== 'manifest.ttl'
        ? [path.join(dir, e.name)]
        : [],
  );
}
