import { describe, expect, it } from 'vitest';
import { Parser, Store } from 'n3';
import { DOMAIN_SPECS, ONTOLOGY, OTP, queryFiles, read, SHAPES } from './helpers.js';

const RDFS = 'http://www.w3.org/2000/01/rdf-schema#';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const ontology = new Store(new Parser().parse(read(ONTOLOGY)));

function declaredTerms(): string[] {
  return ontology
    .getSubjects(null, null, null)
    .map((s) => s.value)
    .filter((iri) => iri.startsWith(OTP))
    .sort();
}

function otpTermsIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\botp:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => OTP + m[1]));
}

/** Pattern classes whose runtime mechanism is a class of src/runtime (the chat patterns are bridged by generated bindings). */
const RUNTIME_CLASS: Record<string, string> = {
  RoutingTable: 'RoutingTable',
  CircuitBreaker: 'CircuitBreaker',
  LoadShedder: 'LoadShedder',
  ConnectionPool: 'ConnectionPool',
  Ledger: 'Ledger',
  ReceiptLedger: 'ReceiptStore',
  Batcher: 'ReceiptPublisher',
  ClusterMembership: 'ClusterManager',
  HealthMonitor: 'NodeMonitor',
  MetricsRegistry: 'MetricsCollector',
  Tracer: 'TraceHandler',
  AlertEvaluator: 'AlertManager',
};

describe('pattern contracts', () => {
  it('declare only methods the runtime class has (the domain specs conforming proves they declare the ones used)', async () => {
    const runtime = (await import('../../packages/runtime/src/index.js')) as unknown as Record<string, { prototype: Record<string, unknown> }>;
    const wrong: string[] = [];
    for (const [pattern, cls] of Object.entries(RUNTIME_CLASS)) {
      const methods = ontology.getObjects(OTP + pattern, OTP + 'method', null).map((m) => m.value);
      expect(methods.length, `${pattern} declares no otp:method`).toBeGreaterThan(0);
      for (const m of methods) if (typeof runtime[cls]?.prototype[m] !== 'function') wrong.push(`${pattern}.${m} (${cls})`);
    }
    expect(wrong).toEqual([]);
  });

  it('make a ledger require its pool', () => {
    expect(ontology.getObjects(OTP + 'Ledger', OTP + 'requiresProperty', null).map((t) => t.value)).toEqual([OTP + 'pool']);
  });
});

describe('ontology', () => {
  it('gives every class, property and individual exactly one rdfs:label and one rdfs:comment', () => {
    const missing = declaredTerms().filter(
      (iri) => ontology.getObjects(iri, RDFS + 'label', null).length !== 1 || ontology.getObjects(iri, RDFS + 'comment', null).length !== 1,
    );
    expect(missing).toEqual([]);
  });

  it('types every term it declares', () => {
    expect(declaredTerms().filter((iri) => ontology.getObjects(iri, RDF_TYPE, null).length === 0)).toEqual([]);
  });

  it('declares every otp: term the specs, shapes and queries use', () => {
    const declared = new Set(declaredTerms());
    const files = [SHAPES, 'test/fixtures/specs/machine.ttl', ...DOMAIN_SPECS, ...queryFiles()];
    const undeclared = files.flatMap((f) => [...otpTermsIn(read(f))].filter((t) => !declared.has(t)).map((t) => `${f}: ${t}`));
    expect(undeclared).toEqual([]);
  });

  it('is repeated exactly in the shapes graph where shacl-engine needs the class hierarchy', () => {
    const shapes = new Store(new Parser().parse(read(SHAPES)));
    const pairs = (s: Store) =>
      s
        .getQuads(null, RDFS + 'subClassOf', null, null)
        .map((q) => `${q.subject.value} < ${q.object.value}`)
        .sort();
    expect(pairs(shapes)).toEqual(pairs(ontology));
  });
});
