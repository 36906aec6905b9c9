/**
 * The watch session's stores number their entities from above FIRST_ID (normalize/store-ids.ts):
 * past V8's gap limit for fast elements, so n3's index objects stay small dictionaries. Only the
 * numbers may change: the same quads, iterated in the same order as a store numbered from 1.
 */
import * as N3 from 'n3';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../src/pipeline/normalize/parse-cache.js';
import { FIRST_ID, storeWithHighIds } from '../../src/pipeline/normalize/store-ids.js';

const TURTLE = `@prefix ex: <https://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:b a ex:Service ; rdfs:label "B" ; ex:steps ( ex:one ex:two "three" ) .
ex:a a ex:Service ; rdfs:label "A"@en ; ex:size 3 ; ex:note [ rdfs:comment "a \\"note\\"" ] .
ex:one rdfs:seeAlso ex:a , ex:b .
`;

const lines = (store: N3.Store) =>
  [...store.readQuads(null, null, null, null)].map((q) =>
    [q.subject, q.predicate, q.object].map((t) => N3.termToId(t as never)).join(' '),
  );

describe('storeWithHighIds', () => {
  it('numbers past the gap limit V8 keeps fast elements within (1024)', () => {
    expect(FIRST_ID).toBeGreaterThan(1024);
    const store = storeWithHighIds(N3);
    store.addQuad(
      N3.DataFactory.namedNode('https://example.org/a'),
      N3.DataFactory.namedNode('https://example.org/p'),
      N3.DataFactory.literal('x'),
    );
    const ids = Object.keys(
      (store as unknown as { _graphs: Record<string, { subjects: object }> })._graphs[1]!.subjects,
    );
    expect(ids.map(Number).every((id) => id > FIRST_ID)).toBe(true);
  });

  it('holds and iterates the quads as a store numbered from 1 does, and takes in new ones after', async () => {
    const parsed = await parseFile(TURTLE, 'specs/a.ttl', undefined);
    const plain = new N3.Store();
    const high = storeWithHighIds(N3);
    for (const q of parsed.quads) {
      plain.addQuad(q);
      high.addQuad(q);
    }
    expect(high.size).toBe(parsed.quads.length);
    expect(lines(high)).toEqual(lines(plain));
    // Pattern reads, removal and an added blank node answer alike.
    const type = N3.DataFactory.namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type');
    expect(high.getSubjects(type, null, null).map((t) => t.value)).toEqual(
      plain.getSubjects(type, null, null).map((t) => t.value),
    );
    for (const s of [plain, high]) {
      s.removeQuad(parsed.quads[0]!);
      s.addQuad(s.createBlankNode(), type, N3.DataFactory.namedNode('https://example.org/Extra'));
    }
    expect(lines(high)).toEqual(lines(plain));
  });
});
