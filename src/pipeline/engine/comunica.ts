/**
 * The Comunica engine (`--engine comunica`): Comunica over the n3 store itself. Comunica is
 * imported lazily: it costs a few hundred milliseconds to load.
 */
import type { Quad, Store } from 'n3';
import { standaloneParser, type SparqlParser } from '../extract/sparql-syntax.js';
import { BaseQueryEngine, TRACE, trace, type PlainTerm, type Prepared } from './base.js';
import { addTieBreakers, locatingContext, substitute, termToSparql } from './rewrite.js';
import { withPrefixes } from '../extract/sparql-syntax.js';
import type { RdfTerm } from './types.js';

interface ComunicaBindings {
  get(name: string): PlainTerm | undefined;
  [Symbol.iterator](): Iterator<[{ value: string }, unknown]>;
}
interface ComunicaEngine {
  query(
    query: string | object,
    context: object,
  ): Promise<{
    resultType: string;
    metadata(): Promise<{ variables: Array<{ value?: string; variable?: { value: string } }> }>;
    execute(): Promise<{ toArray(): Promise<ComunicaBindings[]> }>;
  }>;
  queryBoolean(query: string | object, context: object): Promise<boolean>;
  queryQuads(query: string | object, context: object): Promise<{ toArray(): Promise<Quad[]> }>;
}

interface ComunicaParseActor {
  parser?: SparqlParser;
}

/**
 * Comunica builds a traqula parser (with full position tracking) inside its SPARQL parse actor.
 * Building a second one costs ~250 ms of a cold start, so the checks borrow Comunica's. The path
 * is internal to Comunica 5 (pinned); if it moves, a parser of our own is built instead.
 */
function comunicaParseActor(engine: unknown): ComunicaParseActor | undefined {
  const e = engine as {
    actorInitQuery?: {
      mediatorQueryProcess?: { bus?: { actors?: Array<{ mediatorQueryParse?: { bus?: { actors?: unknown[] } } }> } };
    };
  };
  for (const processor of e.actorInitQuery?.mediatorQueryProcess?.bus?.actors ?? []) {
    for (const actor of processor.mediatorQueryParse?.bus?.actors ?? []) {
      const a = actor as ComunicaParseActor;
      if (typeof a.parser?.parse === 'function') return a;
    }
  }
  return undefined;
}

/** traqula's AST → SPARQL algebra, as Comunica's own parse actor does it (ActorQueryParseSparql). */
type ToAlgebra = (ast: unknown, options: object) => object;

/** How Comunica prefixes the label of a blank node that comes from a source. */
const SOURCE_SCOPE = /^bc_\d+_/;

class ComunicaQueryEngine extends BaseQueryEngine {
  readonly name = 'comunica' as const;
  /** Comunica is handed the algebra of the parsed query, not its text. */
  protected override readonly needsAst = true;

  constructor(
    private readonly engine: ComunicaEngine,
    prefixes: Record<string, string>,
    parser: SparqlParser,
    private readonly toAlgebra: { convert: ToAlgebra; dataFactory: object } | undefined,
  ) {
    super(prefixes, parser);
  }

  /**
   * Comunica is given the algebra of the checked AST instead of the text, which it would parse
   * again (~3 ms a query, far more while cold). Keyed by text: inference rules rerun every round
   * and SHACL constraints once per focus node.
   */
  private readonly operations = new Map<string, object | string>();

  private operation(key: string, text: string, ast: () => unknown, prefixes: Record<string, string>): object | string {
    let op = this.operations.get(key);
    if (op === undefined) {
      op = text;
      if (this.toAlgebra) {
        try {
          op = this.toAlgebra.convert(ast(), {
            quads: true,
            prefixes,
            blankToVariable: true,
            dataFactory: this.toAlgebra.dataFactory,
          });
        } catch {
          op = text; // Comunica parses it, and reports any problem, as before
        }
      }
      this.operations.set(key, op);
    }
    return op;
  }

  private op(p: Prepared): object | string {
    return this.operation(
      `${p.form}\n${p.query.text}`,
      p.text,
      () => (p.form === 'select' ? addTieBreakers(p.ast) : p.ast),
      p.prefixes,
    );
  }

  protected async selectRaw(store: Store, p: Prepared) {
    const result = await this.engine.query(this.op(p), { sources: [store] });
    const metadata = await result.metadata();
    const variables = metadata.variables.map((v) => v.variable?.value ?? v.value ?? '');
    const bindings = await (await result.execute()).toArray();
    return { variables, rows: bindings.map((b) => (name: string) => b.get(name)) };
  }

  protected askRaw(store: Store, p: Prepared): Promise<boolean> {
    return this.engine.queryBoolean(this.op(p), { sources: [store] });
  }

  protected async constructRaw(store: Store, p: Prepared): Promise<Quad[]> {
    const quads = await (await this.engine.queryQuads(this.op(p), { sources: [store] })).toArray();
    // A blank node from the data comes back scoped to its source as bc_<n>_<label>: give it its
    // store label back, as Oxigraph does. Template blank nodes (g_0...) are fresh per query.
    const { DataFactory } = await import('n3');
    const unscope = <T extends Quad['subject'] | Quad['object']>(t: T): T =>
      (t.termType === 'BlankNode' && SOURCE_SCOPE.test(t.value)
        ? DataFactory.blankNode(t.value.replace(SOURCE_SCOPE, ''))
        : t) as T;
    return quads.map((q) =>
      q.subject.termType === 'BlankNode' || q.object.termType === 'BlankNode'
        ? (DataFactory.quad(unscope(q.subject), q.predicate, unscope(q.object), q.graph) as Quad)
        : q,
    );
  }

  private bindingsFactory?: { bindings(entries: Array<[unknown, unknown]>): unknown };

  private readonly shaclAsts = new Map<string, unknown>();

  async selectTerms(
    dataset: unknown,
    query: string,
    preBound: Record<string, RdfTerm> = {},
  ): Promise<Array<Map<string, RdfTerm>>> {
    const context: Record<string, unknown> = { sources: [dataset] };
    const entries = Object.entries(preBound);
    const { DataFactory } = await import('n3');
    let text = query;
    // Pre-binding by substitution, as on Oxigraph (rewrite.ts), so both engines agree; a blank
    // node cannot be written in SPARQL, so it goes in as an initial binding instead.
    const values = Object.fromEntries(entries.map(([name, term]) => [name, termToSparql(term as never)]));
    const substituted =
      entries.length > 0 && Object.values(values).every((v) => v !== undefined)
        ? (() => {
            const full = withPrefixes(query, this.checkPrefixes);
            let ast = this.shaclAsts.get(full);
            if (ast === undefined)
              this.shaclAsts.set(full, (ast = this.parser.parse(full, { ...locatingContext(this.parser) })));
            return substitute(full, ast, values as Record<string, string>);
          })()
        : undefined;
    if (substituted !== undefined) text = substituted;
    else if (entries.length > 0) {
      if (!this.bindingsFactory) {
        const { BindingsFactory } = await import('@comunica/utils-bindings-factory');
        this.bindingsFactory = new BindingsFactory(DataFactory as never) as never;
      }
      context.initialBindings = this.bindingsFactory!.bindings(
        entries.map(([name, term]) => [DataFactory.variable(name), term]),
      );
    }
    const started = TRACE ? performance.now() : 0;
    const op = this.operation(
      `shacl\n${text}`,
      text,
      () => this.parser.parse(text, { prefixes: { ...this.checkPrefixes } }),
      this.checkPrefixes,
    );
    const result = await this.engine.query(op, context);
    const bindings = await (await result.execute()).toArray();
    if (TRACE)
      trace(
        started,
        `comunica shacl ${entries.length > 0 ? '(per focus node) ' : ''}${query.replace(/\s+/g, ' ').trim().slice(0, 100)}`,
      );
    const unscope = (t: RdfTerm): RdfTerm =>
      t.termType === 'BlankNode' && SOURCE_SCOPE.test(t.value)
        ? (DataFactory.blankNode(t.value.replace(SOURCE_SCOPE, '')) as unknown as RdfTerm)
        : t;
    return bindings.map((b) => new Map([...b].map(([k, v]) => [k.value, unscope(v as RdfTerm)])));
  }

  changed(): void {
    // Comunica reads the n3 store itself: nothing to refresh.
  }
}

export async function createComunicaEngine(prefixes: Record<string, string>): Promise<ComunicaQueryEngine> {
  const { QueryEngine: Comunica } = await import('@comunica/query-sparql-rdfjs-lite');
  const comunica = new Comunica();
  const actor = comunicaParseActor(comunica);
  const parser = actor?.parser ?? (await standaloneParser());
  let toAlgebra: { convert: ToAlgebra; dataFactory: object } | undefined;
  try {
    const [{ toAlgebra: convert }, { DataFactory }] = await Promise.all([
      import('@traqula/algebra-sparql-1-2'),
      import('rdf-data-factory'),
    ]);
    toAlgebra = { convert: convert as unknown as ToAlgebra, dataFactory: new DataFactory() };
  } catch {
    toAlgebra = undefined; // Comunica parses the text itself
  }
  return new ComunicaQueryEngine(comunica as unknown as ComunicaEngine, { ...prefixes }, parser, toAlgebra);
}
