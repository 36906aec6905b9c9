/**
 * Exact versions of ggen-ts and its pipeline libraries, read from each
 * package.json at run time (the receipt must say what actually ran).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PIPELINE_PACKAGES = [
  '@comunica/query-sparql-rdfjs-lite',
  '@prettier/plugin-oxc',
  'ajv',
  'n3',
  'nunjucks',
  'oxigraph',
  'prettier',
  'rdf-canonize',
  'shacl-engine',
  'smol-toml',
  'yaml',
] as const;

const here = path.dirname(fileURLToPath(import.meta.url));

function findUp(start: string, test: (dir: string) => string | undefined): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const hit = test(dir);
    if (hit) return hit;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function readJson(file: string): { name?: string; version?: string } {
  return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
}

/** The ggen-ts package.json (works from src/ under vitest and from dist/). */
export function ownPackage(): { name: string; version: string; dir: string } {
  const file = findUp(here, (d) => {
    const f = path.join(d, 'package.json');
    return existsSync(f) && readJson(f).name === 'ggen-ts' ? f : undefined;
  });
  if (!file) throw new Error('cannot find the ggen-ts package.json');
  return { name: 'ggen-ts', version: readJson(file).version ?? '0.0.0', dir: path.dirname(file) };
}

let cached: Array<{ name: string; version: string }> | undefined;

export function packageVersions(): Array<{ name: string; version: string }> {
  if (cached) return cached;
  const own = ownPackage();
  const list = [{ name: own.name, version: own.version }];
  for (const name of PIPELINE_PACKAGES) {
    const file = findUp(own.dir, (d) => {
      const f = path.join(d, 'node_modules', name, 'package.json');
      return existsSync(f) ? f : undefined;
    });
    if (!file) throw new Error(`pipeline library ${name} is not installed`);
    list.push({ name, version: readJson(file).version ?? 'unknown' });
  }
  cached = list;
  return list;
}
