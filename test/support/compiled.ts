/**
 * Tests that run compiled code in a child process (crash durability, several nodes) need dist/
 * to exist and to be at least as new as the sources it was built from; npm test builds first.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Why `compiled` (relative to the repo) cannot be trusted, or undefined when it can. */
export function staleCompiled(compiled: string, sourceDirs: string[]): string | undefined {
  let built: number;
  try {
    built = statSync(join(repoRoot, compiled)).mtimeMs;
  } catch {
    return `${compiled} is missing; run \`npm run build\` (npm test does)`;
  }
  const src = Math.max(...sourceDirs.map((d) => newestSource(join(repoRoot, d))));
  return built < src ? `dist/ is older than ${sourceDirs.join(' or ')}; run \`npm run build\` (npm test does)` : undefined;
}
