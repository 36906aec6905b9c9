/**
 * The one SPARQL engine of a run: Comunica over the n3 store. Every query is parsed first
 * (sparql-syntax.ts) so that errors name the file and line, and SELECTs are ordered.
 * Comunica is imported lazily: it costs a few hundred milliseconds to load.
 */
import type { Quad, Store } from 'n3';
import { InputError } from '../errors.js';
import type { QueryText, Row } from '../types.js';
import { setBinding } from './bindings.js';
import { checkQuery, fileDiagnostic, standaloneParser, withPrefixes, type SparqlParser } from './sparql-syntax.js';

export interface SelectResult {
  variables: string[];
  rows: Row[];
}

export interface QueryEngine {
  /** Runs a SELECT; it must have a top-level ORDER BY. Rows come in that order. */
  select(store: Store, query: QueryText): Promise<SelectResult>;
  ask(store: Store, query: QueryText): Promise<boolean>;
  construct(store: Store, query: QueryText): Promise<Quad[]>;
  /** The checked AST of `query` (traqula's) and the prefixes it was parsed with. */
  parse(query: QueryText, form: 'select' | 'ask' | 'construct'): Promise<{ ast: unknown; prefixes: Record<string, string> }>;
  /**
   * For SHACL-SPARQL constraints and targets: a SELECT over any RDF/JS dataset with variables
   * pre-bound (SHACL's `$this`), rows as raw terms. Not for extraction: no ORDER BY is required,
   * so callers must not let row order reach an output.
   */
  selectTerms(dataset: unknown, query: string, preBound?: Record<string, RdfTerm>): Promise<Array<Map<string, RdfTerm>>>;
}

/** The RDF/JS term shape shared by n3, Comunica and shacl-engine. */
export interface RdfTerm {
  termType: string;
  value: string;
  equals(other: RdfTerm | null | undefined): boolean;
}

interface ComunicaTerm {
  termType: string;
  value: string;
  datatype?: { value: string };
}
interface ComunicaBindings {
  get(name: string): ComunicaTerm | undefined;
  [Symbol.iterator](): Iterator<[{ value: string }, unknown]>;
}
interface ComunicaEngine {
  query(query: string | object, context: object): Promise<{
    resultType: string;
    metadata(): Promise<{ variables: Array<{ value?: string; variable?: { value: string } }> }>;
    execute(): Promise<{ toArray(): Promise<ComunicaBindings[]> }>;
  }>;
  queryBoolean(query: string | object, context: object): Promise<boolean>;
  queryQuads(query: string | object, context: object): Promise<{ toArray(): Promise<Quad[]> }>;
}

interface ComunicaParseActor {
  parser?: SparqlParser;
  prefixes?: Record<string, string>;
}

/**
 * Comunica builds a traqula parser (with full position tracking) inside its SPARQL parse actor.
 * Building a second one costs ~250 ms of a cold start, so the checks borrow Comunica's. The path
 * is internal to Comunica 5 (pinned); if it moves, a parser of our own is built instead.
 */
function comunicaParseActor(engine: unknown): ComunicaParseActor | undefined {
  const e = engine as {
    actorInitQuery?: { mediatorQueryProcess?: { bus?: { actors?: Array<{ mediatorQueryParse?: { bus?: { actors?: unknown[] } } }> } } };
  };
  for (const processor of e.actorInitQuery?.mediatorQueryProcess?.bus?.actors ?? []) {
    for (const actor of processor.mediatorQueryParse?.bus?.actors ?? []) {
      const a = actor as ComunicaParseActor;
      if (typeof a.parser?.parse === 'function') return a;
    }
  }
  return undefined;
}

/** GGEN_TRACE_QUERIES=1 prints every query's wall time to stderr: where a slow sync spends it. */
const TRACE = Boolean(process.env.GGEN_TRACE_QUERIES);
function trace(started: number, what: string): void {
  process.stderr.write(`query ${(performance.now() - started).toFixed(1).padStart(8)} ms  ${what}\n`);
}

/** traqula's AST → SPARQL algebra, as Comunica's own parse actor does it (ActorQueryParseSparql). */
type ToAlgebra = (ast: unknown, options: object) => object;

class ComunicaQueryEngine implements QueryEngine {
  private readonly checkPrefixes: Record<string, string>;

  constructor(
    private readonly engine: ComunicaEngine,
    private readonly prefixes: Record<string, string>,
    private readonly parser: SparqlParser,
    /** Prefixes Comunica itself predeclares (rdf, rdfs, xsd, owl, ...): the checks must accept them too. */
    private readonly builtinPrefixes: Record<string, string>,
    private readonly toAlgebra: { convert: ToAlgebra; dataFactory: object } | undefined,
  ) {
    this.checkPrefixes = { ...builtinPrefixes, ...prefixes };
  }

  /**
   * Every query is parsed once, for the checks; Comunica is then given the algebra instead of the
   * text, which it would parse again (~3 ms a query, far more while cold). Keyed by text: inference
   * rules rerun every round and SHACL constraints once per focus node.
   */
  private readonly operations = new Map<string, object | string>();

  private operation(key: string, text: string, ast: () => unknown, prefixes: Record<string, string>): object | string {
    let op = this.operations.get(key);
    if (op === undefined) {
      op = text;
      if (this.toAlgebra) {
        try {
          op = this.toAlgebra.convert(ast(), { quads: true, prefixes, blankToVariable: true, dataFactory: this.toAlgebra.dataFactory });
        } catch {
          op = text; // Comunica parses it, and reports any problem, as before
        }
      }
      this.operations.set(key, op);
    }
    return op;
  }

  private checkedOperation(query: QueryText, form: 'select' | 'ask' | 'construct', ast: unknown): object | string {
    return this.operation(`${form}\n${query.text}`, withPrefixes(query.text, this.prefixes), () => ast, this.checkPrefixes);
  }

  /** Checked ASTs by form and text: inference reruns its rules every round. */
  private readonly checked = new Map<string, unknown>();

  private async check(query: QueryText, form: 'select' | 'ask' | 'construct'): Promise<unknown> {
    const key = `${form}\n${query.text}`;
    if (this.checked.has(key)) return this.checked.get(key);
    const ast = await checkQuery(query, this.checkPrefixes, form, this.parser);
    this.checked.set(key, ast);
    return ast;
  }

  async parse(query: QueryText, form: 'select' | 'ask' | 'construct'): Promise<{ ast: unknown; prefixes: Record<string, string> }> {
    return { ast: await this.check(query, form), prefixes: this.checkPrefixes };
  }

  /** Runs `work` (a query already prepared), blaming evaluation errors on the query's file. */
  private async run<T>(query: QueryText, work: () => Promise<T>): Promise<T> {
    const started = TRACE ? performance.now() : 0;
    try {
      return await work();
    } catch (err) {
      if (err instanceof InputError) throw err;
      // Evaluation errors (unknown functions, bad casts...) belong to the query, not to ggen.
      throw new InputError(fileDiagnostic(query, 1, 1, `SPARQL evaluation failed: ${(err as Error).message.split('\n')[0]}`));
    } finally {
      if (TRACE) trace(started, `${query.file}:${query.line}`);
    }
  }

  async select(store: Store, query: QueryText): Promise<SelectResult> {
    const op = this.checkedOperation(query, 'select', await this.check(query, 'select'));
    return this.run(query, async () => {
      const result = await this.engine.query(op, { sources: [store] });
      const metadata = await result.metadata();
      const variables = metadata.variables.map((v) => v.variable?.value ?? v.value ?? '');
      const projected = new Set(variables);
      for (const name of variables) {
        if (projected.has(`${name}_local`)) {
          throw new InputError(
            fileDiagnostic(query, 1, 1, `?${name}_local clashes with the local name ggen adds for the IRI in ?${name}; rename the variable`),
          );
        }
      }
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
    const op = this.checkedOperation(query, 'ask', await this.check(query, 'ask'));
    return this.run(query, () => this.engine.queryBoolean(op, { sources: [store] }));
  }

  private bindingsFactory?: { bindings(entries: Array<[unknown, unknown]>): unknown };

  async selectTerms(dataset: unknown, query: string, preBound: Record<string, RdfTerm> = {}): Promise<Array<Map<string, RdfTerm>>> {
    const context: Record<string, unknown> = { sources: [dataset] };
    const entries = Object.entries(preBound);
    if (entries.length > 0) {
      if (!this.bindingsFactory) {
        const [{ BindingsFactory }, { DataFactory }] = await Promise.all([import('@comunica/utils-bindings-factory'), import('n3')]);
        this.bindingsFactory = new BindingsFactory(DataFactory as never) as never;
      }
      const { DataFactory } = await import('n3');
      context.initialBindings = this.bindingsFactory!.bindings(entries.map(([name, term]) => [DataFactory.variable(name), term]));
    }
    const started = TRACE ? performance.now() : 0;
    const op = this.operation(`shacl\n${query}`, query, () => this.parser.parse(query, { prefixes: { ...this.builtinPrefixes } }), this.builtinPrefixes);
    const result = await this.engine.query(op, context);
    const bindings = await (await result.execute()).toArray();
    if (TRACE) trace(started, `shacl ${entries.length > 0 ? '(per focus node) ' : ''}${query.replace(/\s+/g, ' ').trim().slice(0, 100)}`);
    return bindings.map((b) => new Map([...b].map(([k, v]) => [k.value, v as RdfTerm])));
  }

  async construct(store: Store, query: QueryText): Promise<Quad[]> {
    const op = this.checkedOperation(query, 'construct', await this.check(query, 'construct'));
    return this.run(query, async () => (await this.engine.queryQuads(op, { sources: [store] })).toArray());
  }
}

/** Creates the engine for one run; `prefixes` are available to every query that does not declare them. */
export async function createQueryEngine(prefixes: Record<string, string> = {}): Promise<QueryEngine> {
  const { QueryEngine: Comunica } = await import('@comunica/query-sparql-rdfjs-lite');
  const comunica = new Comunica();
  const actor = comunicaParseActor(comunica);
  const parser = actor?.parser ?? (await standaloneParser());
  let toAlgebra: { convert: ToAlgebra; dataFactory: object } | undefined;
  try {
    const [{ toAlgebra: convert }, { DataFactory }] = await Promise.all([import('@traqula/algebra-sparql-1-2'), import('rdf-data-factory')]);
    toAlgebra = { convert: convert as unknown as ToAlgebra, dataFactory: new DataFactory() };
  } catch {
    toAlgebra = undefined; // Comunica parses the text itself
  }
  return new ComunicaQueryEngine(comunica as unknown as ComunicaEngine, { ...prefixes }, parser, { ...(actor?.prefixes ?? {}) }, toAlgebra);
}
