/**
 * A watch session's warm-up: what `sync --watch` does once its first run found everything up to
 * date (the fast path, sync/fast-path.ts), which leaves the session with nothing warm. Without it,
 * the first edit after the watch starts pays for all of it at once: modules loaded, every input
 * parsed (or replayed from the disk parse cache), RDFC-1.0 over the whole graph, the engine loaded
 * and its copy of the graph made.
 *
 * It builds the graph of the inputs as they are, as a run would (the session's parses, warm SHACL
 * and graph digest; the cache files read, the graph cache passed over so that the graph is built),
 * and has the engine load it (QueryEngine.warm), while the session's formatting worker starts and
 * loads Prettier on the other core. It writes nothing, takes no lock and saves no cache: whatever
 * it leaves in the session is what a run of the same inputs leaves there, checked by the next run
 * as that run's would be. A failure (bad input) is the next run's to report.
 */
import type { SyncSession } from './session.js';

export async function warmUp(manifestPath: string, session: SyncSession): Promise<void> {
  const [{ loadManifest }, { createQueryEngine }, { QueryFacts }, { normalizeCached }] = await Promise.all([
    import('../manifest/index.js'),
    import('../engine/index.js'),
    import('../engine/query-facts.js'),
    import('../normalize/cache.js'),
  ]);
  // The session's formatting worker, loading Prettier on the other core meanwhile (as sync starts it under --watch).
  const { FormatPool, workerCount } = await import('../canonicalize/pool.js');
  if (workerCount(Number.MAX_SAFE_INTEGER, true) > 0) session.pool ??= FormatPool.start(1);
  const manifest = await loadManifest(manifestPath);
  const { prefixes, engine: name } = manifest.ontology;
  const facts = QueryFacts.open(manifest.root, { memory: session.caches });
  const engine = async () => {
    const e = await session.engine(name, prefixes, () => createQueryEngine(prefixes, name));
    e.useQueryFacts(facts);
    return e;
  };
  const { graph } = await normalizeCached(manifest, engine, {
    graphCache: false,
    parses: session.parses,
    memory: session.caches,
  });
  await (await engine()).warm(graph.store);
}
