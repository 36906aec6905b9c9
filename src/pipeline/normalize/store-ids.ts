/**
 * An n3 Store whose entity ids start above FIRST_ID, for the stores a `sync --watch` run builds
 * (normalize/index.ts, when the session's ParseCache is given).
 *
 * n3 keys its three-level indexes by entity id, in plain objects, and numbers its entities from 1.
 * A small integer key makes V8 give a fresh index object a fast (array) elements store as long as
 * the key, and every Object.keys over such an object writes each index out as a new string: on this
 * repo's ~10K-triple graph, building the store from parsed quads allocated ~120 MB and one full
 * scan (readQuads) ~40 MB, and a watch run's garbage collection cost more than any stage. Ids
 * above V8's gap limit for fast elements (1024) make every such object a small dictionary from its
 * first key: measured on the repo's parsed specs, building the store 60-140 ms -> 12-30 ms, a full
 * scan ~20 ms -> 3-6 ms, and ~130 scavenges -> ~20 over twelve builds. Only the numbers change:
 * every id is shifted by the same amount, so a store iterates in the same order as one numbered
 * from 1 (Object.keys lists integer keys in ascending order either way), and what it holds is the same.
 */
import type { Store } from 'n3';

export const FIRST_ID = 4096;

export function storeWithHighIds(N3: typeof import('n3')): Store {
  const index = new (N3 as unknown as { EntityIndex: new () => { _id: number } }).EntityIndex();
  // A fresh index holds the default graph alone, as id 1; the entities added next count on from _id.
  if (index._id === 1) index._id = FIRST_ID;
  return new N3.Store(undefined, { entityIndex: index } as never);
}
