/**
 * SHACL-SPARQL plugin for shacl-engine (sh:sparql constraints and SPARQL targets) that reuses one
 * Comunica engine. shacl-engine's own plugin builds a new engine per query (~100 ms each), which
 * makes validating a spec take seconds; with a shared engine a query takes a few ms.
 * Semantics follow shacl-engine/lib/validations/sparql.js: $this pre-bound, one violation per row,
 * {?var} in sh:message replaced by the row's binding.
 */
import { QueryEngine } from '@comunica/query-sparql-rdfjs-lite';
import { BindingsFactory } from '@comunica/utils-bindings-factory';
import { DataFactory } from 'n3';

const SH = 'http://www.w3.org/ns/shacl#';

interface Term {
  termType: string;
  value: string;
  equals(other: Term | null | undefined): boolean;
}
interface Ptr {
  terms: Term[];
  value?: string;
  out(predicates: Term[]): Ptr;
  node(terms: Term[]): Ptr;
}
interface Context {
  focusNode: Ptr & { dataset: unknown; term: Term };
  factory: unknown;
  violation(component: Term, options: Record<string, unknown>): void;
  debug(component: Term, options: Record<string, unknown>): void;
}
interface Shape {
  sparql: Ptr;
}

const sh = (name: string) => DataFactory.namedNode(SH + name) as unknown as Term;
const engine = new QueryEngine();
const bindingsFactory = new BindingsFactory(DataFactory as never);
const thisVar = DataFactory.variable('this');

async function select(dataset: unknown, query: string, focus?: Term): Promise<Array<Map<string, Term>>> {
  const context: Record<string, unknown> = { sources: [dataset] };
  if (focus) context.initialBindings = bindingsFactory.bindings([[thisVar, focus as never]]);
  const stream = await engine.queryBindings(query, context as never);
  const rows = await stream.toArray();
  return rows.map((row) => new Map([...row].map(([k, v]) => [k.value, v as unknown as Term])));
}

function compileSparql(shape: Shape) {
  const query = shape.sparql.out([sh('select')]).value;
  const message = shape.sparql.out([sh('message')]).terms;
  const source = shape.sparql.terms;
  if (!query) return undefined;
  return {
    generic: async (context: Context) => {
      const rows = await select(context.focusNode.dataset, query, context.focusNode.term);
      for (const row of rows) {
        const args = Object.fromEntries(row);
        const value = context.focusNode.node([row.get('value') ?? context.focusNode.term]);
        context.violation(sh('SPARQLConstraintComponent'), { args, message, source, value });
      }
      if (rows.length === 0) context.debug(sh('SPARQLConstraintComponent'), { source });
    },
  };
}

async function resolveSparqlTarget(targetPtr: Ptr, context: Context): Promise<Term[]> {
  const query = targetPtr.out([sh('select')]).value;
  if (!query) return [];
  const rows = await select(context.focusNode.dataset, query);
  return rows.map((row) => row.get('this')).filter((t): t is Term => t !== undefined);
}

export const validations = new Map<unknown, unknown>([[sh('sparql'), compileSparql]]);
export const targetResolvers = new Map<unknown, unknown>([[sh('target'), resolveSparqlTarget]]);
