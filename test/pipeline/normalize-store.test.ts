/**
 * normalize/store.ts: normalize's n3 stores number their entities from above 1024 (so n3's index
 * objects stay small hash tables instead of mostly-empty arrays). Only the ids may differ from a
 * plain store: every read must see the same quads in the same order, since extraction, the digest's
 * input and the graph cache all iterate the store.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as N3 from 'n3';
import type { Quad, Store } from 'n3';
import { describe, expect, it } from 'vitest';
import { allQuads, ENTITY_ID_BASE, newStore } from '../../src/pipeline/normalize/store.js';

const repo = path.resolve(import.meta.dirname, '../..');
const parse = (file: string) =>
  new N3.Parser({ baseIRI: 'https://ggen.dev/' }).parse(readFileSync(path.join(repo, file), 'utf8')) as Quad[];
const show = (qs: Iterable<unknown>) =>
  [...qs].map((x) => {
    const q = x as Quad;
    return `${N3.termToId(q.subject)} ${N3.termToId(q.predicate)} ${N3.termToId(q.object)}`;
  });
const ids = (s: Store) =>
  (s as unknown as { _entityIndex: { _ids: Record<string, number>; _id: number } })._entityIndex;

describe('normalize stores', () => {
  const quads = [...parse('packs/otp/ontology/otp.ttl'), ...parse('specs/telecom.ttl'), ...parse('specs/chat.ttl')];

  it('number entities from above 1024, and read every pattern in the order a plain store does', () => {
    const plain = new N3.Store();
    const ours = newStore(N3);
    for (const q of quads) {
      plain.addQuad(q);
      ours.addQuad(q);
    }
    expect(ours.size).toBe(plain.size);
    const numbers = Object.entries(ids(ours)._ids).filter(([k]) => k !== '');
    expect(numbers.length).toBeGreaterThan(2000);
    expect(Math.min(...numbers.map(([, n]) => n))).toBe(ENTITY_ID_BASE + 1);
    expect(show(ours.readQuads(null, null, null, null))).toEqual(show(plain.readQuads(null, null, null, null)));
    const type = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
    const some = quads.filter((_, i) => i % 97 === 0);
    for (const q of some) {
      for (const [s, p, o] of [
        [q.subject, null, null],
        [null, q.predicate, null],
        [null, null, q.object],
        [null, q.predicate, q.object],
        [q.subject, null, q.object],
      ] as const)
        expect(show(ours.readQuads(s, p, o, null))).toEqual(show(plain.readQuads(s, p, o, null)));
    }
    expect(ours.getSubjects(type, null, null).map((t) => t.value)).toEqual(
      plain.getSubjects(type, null, null).map((t) => t.value),
    );
    expect(ours.getPredicates(null, null, null).map((t) => t.value)).toEqual(
      plain.getPredicates(null, null, null).map((t) => t.value),
    );
    // Removing and adding again keeps them alike.
    for (const q of some) {
      plain.removeQuad(q);
      ours.removeQuad(q);
    }
    for (const q of some.reverse()) {
      plain.addQuad(q);
      ours.addQuad(q);
    }
    expect(show(ours.readQuads(null, null, null, null))).toEqual(show(plain.readQuads(null, null, null, null)));
  });

  it('is a plain store when n3 has no entity index as expected', () => {
    const odd = { ...N3, EntityIndex: class {} } as unknown as typeof N3;
    const s = newStore(odd);
    s.addQuad(quads[0]!);
    expect(Math.max(...Object.values(ids(s)._ids))).toBeLessThan(ENTITY_ID_BASE);
    const none = { ...N3, EntityIndex: undefined } as unknown as typeof N3;
    expect(newStore(none).size).toBe(0);
  });
  it('allQuads gives the quads readQuads gives, in its order, each term as readQuads makes it', () => {
    const full = (qs: Iterable<unknown>) =>
      [...qs].map((x) => {
        const q = x as Quad;
        return [q.subject, q.predicate, q.object, q.graph].map((t) => `${t.termType} ${N3.termToId(t)}`).join(' | ');
      });
    const named = N3.DataFactory.namedNode('https://example.org/g');
    for (const store of [newStore(N3), new N3.Store()]) {
      for (const q of quads) store.addQuad(q);
      // A named graph, a language tag, a datatype, an IRI n3 keeps in <> (it starts with a marker).
      const { quad, namedNode, literal } = N3.DataFactory;
      store.addQuad(
        quad(namedNode('https://example.org/s'), namedNode('https://example.org/p'), literal('x', 'en'), named),
      );
      store.addQuad(
        quad(
          namedNode('_:not-blank'),
          namedNode('https://example.org/p'),
          literal('1', namedNode('https://example.org/t')),
        ),
      );
      expect(full(allQuads(store))).toEqual(full(store.readQuads(null, null, null, null)));
      expect(allQuads(store).length).toBe(store.size);
      expect((allQuads(store)[0] as Quad).equals([...store.readQuads(null, null, null, null)][0] as never)).toBe(true);
    }
    // A store read another way (no index within reach): its quads, through readQuads.
    const store = newStore(N3);
    for (const q of quads) store.addQuad(q);
    const view = { size: store.size, readQuads: store.readQuads.bind(store) } as unknown as Store;
    expect(full(allQuads(view))).toEqual(full(store.readQuads(null, null, null, null)));
    // An index naming an entity the store lacks: the walk stops and readQuads reads it (and fails as it always has), never a quad with a hole.
    const internals = store as unknown as { _entities: Record<string, string | undefined> };
    const [first] = Object.keys(internals._entities).filter((k) => Number(k) > ENTITY_ID_BASE);
    const kept = internals._entities[first!];
    try {
      internals._entities[first!] = undefined;
      expect(() => [...store.readQuads(null, null, null, null)]).toThrow(TypeError);
      expect(() => allQuads(store)).toThrow(TypeError);
    } finally {
      internals._entities[first!] = kept;
    }
  });
});
