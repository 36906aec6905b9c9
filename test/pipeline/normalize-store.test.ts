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
import { ENTITY_ID_BASE, newStore } from '../../src/pipeline/normalize/store.js';

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
});
