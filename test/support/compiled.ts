/**
 * Tests that run compiled code in a child process (crash durability, several nodes, the format
 * worker) use dist/. The globalSetup (test/support/build.ts) rebuilds it whenever a source is
 * newer, so these tests never skip: a missing build is a failure, not a reason to pass.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a compiled file (relative to the repo); throws when the build did not produce it. */
export function compiled(rel: string): string {
  const abs = join(repoRoot, rel);
  if (!existsSync(abs))
    throw new Error(`${rel} is missing although the test setup builds dist/ first (test/support/build.ts)`);
  return abs;
}
