/**
 * SHACL-SPARQL (sh:sparql constraints and SPARQL-based targets) for shacl-engine, run on the
 * run's one query engine. shacl-engine's own plugin builds a Comunica engine per query (~100 ms
 * each), which made validating one domain spec take ~10 s; sharing the engine takes well under 1 s.
 * Semantics follow shacl-engine/lib/validations/sparql.js: `$this` is pre-bound, each row is one
 * violation, and `{?var}` in sh:message is replaced by the row's binding.
 */
import { DataFactory } from 'n3';
import type { QueryEngine, RdfTerm } from '../engine/index.js';

const SH = 'http://www.w3.org/ns/shacl#';
const sh = (name: string) => DataFactory.namedNode(SH + name) as unknown as RdfTerm;

interface Ptr {
  terms: RdfTerm[];
  value?: string;
  out(predicates: RdfTerm[]): Ptr;
  node(terms: RdfTerm[]): Ptr;
}
interface Context {
  focusNode: Ptr & { dataset: unknown; term: RdfTerm };
  violation(component: RdfTerm, options: Record<string, unknown>): void;
  debug(component: RdfTerm, options: Record<string, unknown>): void;
}
interface Shape {
  sparql: Ptr;
}

/** The `validations` and `targetResolvers` options of shacl-engine's Validator. */
export function sparqlPlugins(engine: QueryEngine): { validations: Map<unknown, unknown>; targetResolvers: Map<unknown, unknown> } {
  const compileSparql = (shape: Shape) => {
    const query = shape.sparql.out([sh('select')]).value;
    const message = shape.sparql.out([sh('message')]).terms;
    const source = shape.sparql.terms;
    if (!query) return undefined;
    return {
      generic: async (context: Context) => {
        const rows = await engine.selectTerms(context.focusNode.dataset, query, { this: context.focusNode.term });
        for (const row of rows) {
          const args = Object.fromEntries(row);
          const value = context.focusNode.node([row.get('value') ?? context.focusNode.term]);
          context.violation(sh('SPARQLConstraintComponent'), { args, message, source, value });
        }
        if (rows.length === 0) context.debug(sh('SPARQLConstraintComponent'), { source });
      },
    };
  };
  const resolveSparqlTarget = async (targetPtr: Ptr, context: Context): Promise<RdfTerm[]> => {
    const query = targetPtr.out([sh('select')]).value;
    if (!query) return [];
    const rows = await engine.selectTerms(context.focusNode.dataset, query);
    return rows.map((row) => row.get('this')).filter((t): t is RdfTerm => t !== undefined);
  };
  return {
    validations: new Map<unknown, unknown>([[sh('sparql'), compileSparql]]),
    targetResolvers: new Map<unknown, unknown>([[sh('target'), resolveSparqlTarget]]),
  };
}
