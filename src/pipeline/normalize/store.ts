/**
 * The n3 stores normalize builds (the data graph, the shapes graph), with n3's numeric entity ids
 * starting above 1024 instead of at 2.
 *
 * n3's store indexes every quad three ways in nested plain objects keyed by those ids. V8 keeps an
 * object whose first integer key is below 1024 as a flat array as long as that key (plus half
 * again): an index leaf holding one predicate id of 300 is a 450-slot array. Nearly every leaf of
 * the object → subject → predicate index is such an array, as the vocabulary's ids come first, and
 * building this repo's graph allocated tens of megabytes that were garbage at once (the largest
 * share of a spec edit's GC and n3 add time). From 1025 on, a sparse key makes a small hash table.
 *
 * Only the ids move: n3 iterates integer keys in ascending order whatever the object's layout, and
 * every id is shifted alike, so every read sees the quads in the same order as before. Ids stay
 * far below 2^32 - 1 (where keys would stop being integer keys and iterate in insertion order).
 * An n3 whose entity index is not as expected gets a plain store.
 */
import type { Store } from 'n3';

/** The last id n3 has handed out before the store's first entity (n3 itself starts from 1). */
export const ENTITY_ID_BASE = 1024;

interface EntityIndexInternals {
  _id: unknown;
  _ids: unknown;
  _entities: unknown;
}

export function newStore(N3: typeof import('n3')): Store {
  const EntityIndex = (N3 as unknown as { EntityIndex?: new () => EntityIndexInternals }).EntityIndex;
  if (typeof EntityIndex === 'function') {
    const index = new EntityIndex();
    if (
      typeof index._id === 'number' &&
      index._id < ENTITY_ID_BASE &&
      typeof index._ids === 'object' &&
      typeof index._entities === 'object'
    ) {
      index._id = ENTITY_ID_BASE;
      return new N3.Store(undefined, { entityIndex: index } as never);
    }
  }
  return new N3.Store();
}
