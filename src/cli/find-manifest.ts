/**
 * Which ggen.toml a command uses: `--manifest` when given, else the nearest ggen.toml in the
 * working directory or a parent, as git and npm find their roots. Without one, `ggen.toml` in
 * the working directory (the command then reports that it cannot read it).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

export const MANIFEST_NAME = 'ggen.toml';

export function findManifest(given: string | undefined, cwd = process.cwd()): string {
  if (given !== undefined) return given;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, MANIFEST_NAME);
    if (existsSync(candidate) && statSync(candidate).isFile()) return path.relative(cwd, candidate) || MANIFEST_NAME;
    if (path.dirname(dir) === dir) return MANIFEST_NAME;
  }
}
