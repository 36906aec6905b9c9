/**
 * Warm SHACL for one-shot runs (`ggen sync`, `ggen validate`): the results of each group of
 * shapes (shacl-warm.ts) kept in `.ggen/cache/shacl.json`, so that after a spec edit only the
 * groups whose read triples changed validate again, as under --watch.
 *
 * The file is a CacheFile (fs/cache-file.ts) salted with ggen's own code (cache.ts codeDigest)
 * and the pipeline library versions (shacl-engine's and n3's among them); an entry is keyed by
 * the engine, the manifest's prefixes, the shapes graph's digest and the group's shapes, and holds
 * the digest of the triples the group reads. Everything read from it is checked against this run
 * (shacl-warm.ts checkEntry); anything off is a miss. sync saves it once the whole run succeeded
 * (with the graph cache); validate only reads it; `--full` starts it empty.
 */
import { CacheFile, type CacheOptions } from '../fs/cache-file.js';
import { cacheSalt } from './cache.js';
import { WarmShacl } from './shacl-warm.js';

const FORMAT = 1;
export const SHACL_CACHE_FILE = '.ggen/cache/shacl.json';

/** A WarmShacl over the project's SHACL cache file, and how to write what this run kept. */
export function openShaclCache(root: string, options: CacheOptions = {}): { warm: WarmShacl; save: () => void } {
  const file = openShaclFile(root, options);
  return { warm: new WarmShacl(file), save: () => file.save() };
}

/** The project's SHACL cache file (a watch session reads it to seed its first run: WarmShacl.seed). */
export function openShaclFile(root: string, options: CacheOptions = {}): CacheFile<unknown> {
  return CacheFile.open<unknown>(root, SHACL_CACHE_FILE, cacheSalt('shacl', FORMAT), options);
}
