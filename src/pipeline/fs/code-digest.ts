/**
 * A digest of ggen's own compiled modules in some folders, for caches keyed by "the code that made
 * this entry": a rebuilt ggen (any changed .js/.ts file in those folders) misses instead of reusing
 * what older code computed.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compareCodeUnits } from './glob.js';

/** sha256 over the name and bytes of every .js/.ts file directly in each folder, folder by folder. */
export function digestModules(dirs: readonly string[]): string {
  const h = createHash('sha256');
  for (const [i, dir] of dirs.entries()) {
    h.update(`folder ${i}\0`);
    for (const f of readdirSync(dir).sort(compareCodeUnits)) {
      if (f.endsWith('.js') || f.endsWith('.ts'))
        h.update(f)
          .update('\0')
          .update(readFileSync(path.join(dir, f)))
          .update('\0');
    }
  }
  return h.digest('hex');
}
