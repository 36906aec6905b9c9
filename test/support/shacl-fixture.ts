/**
 * The SHACL fixture shared by the warm-SHACL tests (under --watch, shacl-warm.test.ts) and the
 * on-disk SHACL cache tests (one-shot runs, shacl-disk.test.ts): three shape groups, one read by
 * labels, one by a SPARQL constraint on comments, one by a path through rdfs:seeAlso.
 */
import { InputError } from '../../src/pipeline/errors.js';
import type { sync } from '../../src/pipeline/sync.js';

export const SHAPES = `@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/ns#> .

ex:ServiceShape a sh:NodeShape ;
  sh:targetClass ex:Service ;
  sh:property [ sh:path rdfs:label ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ] .

ex:CommentShape a sh:NodeShape ;
  sh:targetClass ex:Service ;
  sh:sparql [
    sh:message "comment is too long" ;
    sh:select """SELECT $this ?value WHERE { $this <http://www.w3.org/2000/01/rdf-schema#comment> ?value FILTER(STRLEN(?value) > 40) }"""
  ] .

ex:SeeAlsoShape a sh:NodeShape ;
  sh:targetSubjectsOf rdfs:seeAlso ;
  sh:property [ sh:path ( rdfs:seeAlso rdfs:label ) ; sh:minCount 1 ; sh:severity sh:Warning ; sh:message "a note without a label" ] .
`;

/** A sync's outcome as a user sees it: the warnings, or the error's diagnostics. */
export async function outcome(run: () => ReturnType<typeof sync>): Promise<string> {
  try {
    const r = await run();
    return JSON.stringify({ ok: true, warnings: r.warnings });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return JSON.stringify({ ok: false, diagnostics: err.diagnostics });
  }
}
