/**
 * The one SPARQL engine of a run: Comunica over the n3 store. Every query is parsed first
 * (sparql-syntax.ts) so that errors name the file and line, and SELECTs are ordered.
 * Comunica is imported lazily: it costs a few hundred milliseconds to load.
 */
import type { Quad, Store } from 'n3';
import { InputError } from '../errors.js';
import type { QueryText, Row } from '../types.js';
import { setBinding } from './bindings.js';
import { checkQuery, fileDiagnostic, withPrefixes } from './sparql-syntax.js';

export interface SelectResult {
  variables: string[];
  rows: Row[];
}

export interface QueryEngine {
  /** Runs a SELECT; it must have a top-level ORDER BY. Rows come in that order. */
  select(store: Store, query: QueryText): Promise<SelectResult>;
  ask(store: Store, query: QueryText): Promise<boolean>;
  construct(store: Store, query: QueryText): Promise<Quad[]>;
}

interface ComunicaTerm {
  termType: string;
  value: string;
  datatype?: { value: string };
}
interface ComunicaBindings {
  get(name: string): ComunicaTerm | undefined;
}
interface ComunicaEngine {
  query(query: string, context: object): Promise<{
    resultType: string;
    metadata(): Promise<{ variables: Array<{ value?: string; variable?: { value: string } }> }>;
    execute(): Promise<{ toArray(): Promise<ComunicaBindings[]> }>;
  }>;
  queryBoolean(query: string, context: object): Promise<boolean>;
  queryQuads(query: string, context: object): Promise<{ toArray(): Promise<Quad[]> }>;
}

class ComunicaQueryEngine implements QueryEngine {
  constructor(
    private readonly engine: ComunicaEngine,
    private readonly prefixes: Record<string, string>,
  ) {}

  private async run<T>(query: QueryText, work: (text: string) => Promise<T>): Promise<T> {
    try {
      return await work(withPrefixes(query.text, this.prefixes));
    } catch (err) {
      if (err instanceof InputError) throw err;
      // Evaluation errors (unknown functions, bad casts...) belong to the query, not to ggen.
      throw new InputError(fileDiagnostic(query, 1, 1, `SPARQL evaluation failed: ${(err as Error).message.split('\n')[0]}`));
    }
  }

  async select(store: Store, query: QueryText): Promise<SelectResult> {
    await checkQuery(query, this.prefixes, 'select');
    return this.run(query, async (text) => {
      const result = await this.engine.query(text, { sources: [store] });
      const metadata = await result.metadata();
      const variables = metadata.variables.map((v) => v.variable?.value ?? v.value ?? '');
      const bindings = await (await result.execute()).toArray();
      const rows = bindings.map((b) => {
        const row: Row = {};
        for (const name of variables) setBinding(row, name, b.get(name));
        return row;
      });
      return { variables, rows };
    });
  }

  async ask(store: Store, query: QueryText): Promise<boolean> {
    await checkQuery(query, this.prefixes, 'ask');
    return this.run(query, (text) => this.engine.queryBoolean(text, { sources: [store] }));
  }

  async construct(store: Store, query: QueryText): Promise<Quad[]> {
    await checkQuery(query, this.prefixes, 'construct');
    return this.run(query, async (text) => (await this.engine.queryQuads(text, { sources: [store] })).toArray());
  }
}

/** Creates the engine for one run; `prefixes` are available to every query that does not declare them. */
export async function createQueryEngine(prefixes: Record<string, string> = {}): Promise<QueryEngine> {
  const { QueryEngine: Comunica } = await import('@comunica/query-sparql-rdfjs-lite');
  return new ComunicaQueryEngine(new Comunica() as unknown as ComunicaEngine, { ...prefixes });
}
