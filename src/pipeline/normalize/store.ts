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
import type { Quad, Store } from 'n3';

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

interface StoreInternals {
  _graphs?: Record<string, { subjects?: Record<string, Record<string, Record<string, unknown>>> } | undefined>;
  _entities?: Record<string, string | undefined>;
  _termFromId?: (id: string) => unknown;
  _factory?: { quad?: (...terms: unknown[]) => Quad };
}

/**
 * Calls `each` with the entity ids (index keys) of every quad of `store`, in the order
 * `readQuads(null, null, null, null)` gives them: n3's graph → subject → predicate → object index,
 * the walk readQuads itself makes. `each` returns false to stop; so does a layer of the index that
 * is not an object. True when every quad was seen (the count is the store's size).
 */
export function walkQuadIds(store: Store, each: (g: string, s: string, p: string, o: string) => boolean): boolean {
  const graphs = (store as unknown as StoreInternals)._graphs;
  if (typeof graphs !== 'object' || graphs === null) return false;
  let seen = 0;
  for (const g in graphs) {
    const subjects = graphs[g]?.subjects;
    if (typeof subjects !== 'object' || subjects === null) return false;
    for (const s in subjects) {
      const predicates = subjects[s]!;
      for (const p in predicates)
        for (const o in predicates[p]) {
          if (!each(g, s, p, o)) return false;
          seen++;
        }
    }
  }
  return seen === store.size;
}

/**
 * Every quad of `store`, in the order `readQuads(null, null, null, null)` gives them (walkQuadIds),
 * with one term object per entity instead of a new one per place it appears. n3's terms are
 * immutable values, so a shared one reads as a fresh one would. A store whose index is not as
 * expected is read through readQuads.
 */
export function allQuads(store: Store): Quad[] {
  const { _entities: entities, _termFromId: termFromId, _factory: factory } = store as unknown as StoreInternals;
  const quad = factory?.quad;
  const quads: Quad[] = [];
  if (
    typeof entities === 'object' &&
    entities !== null &&
    typeof termFromId === 'function' &&
    typeof quad === 'function'
  ) {
    const terms = new Map<string, unknown>();
    const term = (k: string): unknown => {
      let t = terms.get(k);
      if (t === undefined) {
        const id = entities[k];
        if (typeof id !== 'string') return undefined;
        terms.set(k, (t = termFromId.call(store, id)));
      }
      return t;
    };
    const whole = walkQuadIds(store, (g, s, p, o) => {
      const graph = term(g);
      const subject = term(s);
      const predicate = term(p);
      const object = term(o);
      if (graph === undefined || subject === undefined || predicate === undefined || object === undefined) return false;
      quads.push(quad(subject, predicate, object, graph));
      return true;
    });
    if (whole) return quads;
  }
  quads.length = 0;
  for (const q of store.readQuads(null, null, null, null)) quads.push(q as Quad);
  return quads;
}
