/**
 * What both engines share: every query is parsed first (sparql-syntax.ts) so that errors name the
 * file and line and SELECTs are ordered; ORDER BY ties are broken the same way (rewrite.ts); rows
 * become plain JSON (extract/bindings.ts); CONSTRUCT results are sorted.
 */
import type { Quad, Store } from 'n3';
import { InputError } from '../errors.js';
import { setBinding } from '../extract/bindings.js';
import {
  checkQuery,
  fileDiagnostic,
  standaloneParser,
  withPrefixes,
  type SparqlParser,
} from '../extract/sparql-syntax.js';
import type { QueryText, Row } from '../types.js';
import { BUILTIN_PREFIXES } from './prefixes.js';
import { QueryFacts } from './query-facts.js';
import { applyTieBreakers, isTieBreakersFor, locatingContext, tieBreakers, withTieBreakers } from './rewrite.js';
import type { EngineName, QueryEngine, RdfTerm, SelectResult } from './types.js';

export type Form = 'select' | 'ask' | 'construct';

/** A result term as the engines hand it back (before conversion to n3 terms). */
export interface PlainTerm {
  termType: string;
  value: string;
  language?: string;
  datatype?: { value: string };
}

/** GGEN_TRACE_QUERIES=1 prints every query's wall time to stderr: where a slow sync spends it. */
export const TRACE = Boolean(process.env.GGEN_TRACE_QUERIES);
export function trace(started: number, what: string): void {
  process.stderr.write(`query ${(performance.now() - started).toFixed(1).padStart(8)} ms  ${what}\n`);
}

/** One query as the engine gets it: the checked AST and the text with the prefixes it uses. */
export interface Prepared {
  query: QueryText;
  form: Form;
  /**
   * The checked AST; undefined on an engine that does not need it (Oxigraph), which checks a
   * query through its facts (query-facts.ts) and parses it only when they are unknown.
   */
  ast: unknown;
  /** Text to run: the manifest and built-in prefixes prepended (first line), tie-breakers appended. */
  text: string;
  prefixes: Record<string, string>;
}

/** N-Triples-like sort key of a quad, for a stable CONSTRUCT order. */
export function quadKey(q: Quad): string {
  const t = (x: PlainTerm): string =>
    x.termType === 'Literal'
      ? `"${x.value}"@${x.language ?? ''}^^${x.datatype?.value ?? ''}`
      : `${x.termType[0]}${x.value}`;
  return `${t(q.subject)} ${t(q.predicate)} ${t(q.object)} ${t(q.graph)}`;
}

export abstract class BaseQueryEngine implements QueryEngine {
  abstract readonly name: EngineName;
  protected readonly checkPrefixes: Record<string, string>;
  /** Prepared queries by (form, text), with the key of the query fact they came from. */
  private readonly checked = new Map<string, { prepared: Prepared; factKey: string }>();
  /** The SPARQL parser: given (Comunica lends its own), or loaded at the first query facts miss. */
  private parserValue: SparqlParser | undefined;
  /** Facts derived from parsed queries, remembered across runs once useQueryFacts names a file. */
  protected facts = QueryFacts.inMemory();
  /** An engine that runs ASTs (Comunica) parses every query; others run the text alone. */
  protected readonly needsAst: boolean = false;

  constructor(
    protected readonly prefixes: Record<string, string>,
    parser: SparqlParser | undefined,
  ) {
    this.checkPrefixes = { ...BUILTIN_PREFIXES, ...prefixes };
    this.parserValue = parser;
  }

  useQueryFacts(facts: QueryFacts): void {
    facts.inherit(this.facts);
    this.facts = facts;
  }

  /** The parser, loading it (traqula, ~0.5 s) on first need. */
  protected async loadParser(): Promise<SparqlParser> {
    return (this.parserValue ??= await standaloneParser());
  }

  /** The parser once loadParser has run (synchronous callers). */
  protected get parser(): SparqlParser {
    if (!this.parserValue) throw new Error('internal: the SPARQL parser was used before it was loaded');
    return this.parserValue;
  }

  private readonly asts = new Map<string, unknown>();

  /** The checked AST of `query` (syntax, form, a SELECT's ORDER BY): parsed once per (form, text). */
  private async check(query: QueryText, form: Form): Promise<unknown> {
    const key = `${form}\n${query.text}`;
    if (this.asts.has(key)) return this.asts.get(key);
    const parser = await this.loadParser();
    const ast = await checkQuery(query, this.checkPrefixes, form, parser, locatingContext(parser));
    this.asts.set(key, ast);
    return ast;
  }

  /**
   * Checked and prepared once per (form, text): inference reruns its rules every round. The
   * tie-breakers come from the query facts when known there (no parse on Oxigraph).
   */
  protected async prepare(query: QueryText, form: Form): Promise<Prepared> {
    const key = `${form}\n${query.text}`;
    const hit = this.checked.get(key);
    if (hit) {
      // A later run of a watch session: its facts file must still keep what this query used.
      // (The fact's key is remembered: a hit hashes nothing.)
      if (!this.needsAst) this.facts.touch(hit.factKey);
      return hit.prepared;
    }
    const factKey = QueryFacts.key(
      form === 'select' ? 'tie-breakers/select' : `checked/${form}`,
      this.checkPrefixes,
      query.text,
    );
    let ast: unknown;
    let body: string;
    if (this.needsAst || form !== 'select') {
      // ASK and CONSTRUCT run as written; they are checked (parsed) unless their facts say so.
      if (this.needsAst) ast = await this.check(query, form);
      else
        await this.facts.get(
          factKey,
          (x): x is true => x === true,
          async () => (await this.check(query, form), true),
        );
      body = form === 'select' ? withTieBreakers(query.text, ast) : query.text;
    } else {
      const ties = await this.facts.get(factKey, isTieBreakersFor(query.text), async () =>
        tieBreakers(await this.check(query, form)),
      );
      body = applyTieBreakers(query.text, ties);
    }
    const prepared: Prepared = {
      query,
      form,
      ast,
      text: withPrefixes(body, this.checkPrefixes),
      prefixes: this.checkPrefixes,
    };
    this.checked.set(key, { prepared, factKey });
    return prepared;
  }

  async parse(query: QueryText, form: Form): Promise<{ ast: unknown; prefixes: Record<string, string> }> {
    return { ast: await this.check(query, form), prefixes: this.checkPrefixes };
  }

  /**
   * A fact derived from `query`'s checked AST (`form` 'shacl': a SHACL-SPARQL SELECT, no ORDER BY
   * needed) by `compute`, which must depend on nothing else; remembered across runs (query-facts.ts),
   * read back only if `valid` accepts it. `kind` names the fact (and its arguments).
   */
  async derive<T>(
    query: QueryText,
    form: Form | 'shacl',
    kind: string,
    compute: (ast: unknown, prefixes: Record<string, string>) => T,
    valid: (x: unknown) => x is T,
  ): Promise<T> {
    return this.facts.get(QueryFacts.key(`${form}/${kind}`, this.checkPrefixes, query.text), valid, async () =>
      compute(
        form === 'shacl' ? await this.parseShacl(query) : (await this.parse(query, form)).ast,
        this.checkPrefixes,
      ),
    );
  }

  /**
   * SHACL queries' ASTs by text (with source offsets into that text): the shapes check, every
   * shape compilation, every target resolution and the run itself would otherwise parse each
   * query again (~10 ms a parse).
   */
  private readonly shaclTrees = new Map<string, unknown>();

  async parseShacl(query: QueryText): Promise<unknown> {
    let ast = this.shaclTrees.get(query.text);
    if (ast === undefined) {
      const parser = await this.loadParser();
      ast = await checkQuery(query, this.checkPrefixes, 'select', parser, locatingContext(parser), false);
      this.shaclTrees.set(query.text, ast);
    }
    return ast;
  }

  /** The AST of a SHACL query as parseShacl gives it, for the rewrites (located at the query's start). */
  protected async shaclAst(query: string): Promise<unknown> {
    let ast = this.shaclTrees.get(query);
    if (ast === undefined) {
      const parser = await this.loadParser();
      ast = parser.parse(query, { ...locatingContext(parser), prefixes: { ...this.checkPrefixes } });
      this.shaclTrees.set(query, ast);
    }
    return ast;
  }

  /** Runs `work`, blaming evaluation errors on the query's file. */
  protected async run<T>(query: QueryText, work: () => Promise<T>): Promise<T> {
    const started = TRACE ? performance.now() : 0;
    try {
      return await work();
    } catch (err) {
      if (err instanceof InputError) throw err;
      // Evaluation errors (unknown functions, bad casts...) belong to the query, not to ggen.
      throw new InputError(
        fileDiagnostic(query, 1, 1, `SPARQL evaluation failed: ${(err as Error).message.split('\n')[0]}`),
      );
    } finally {
      if (TRACE) trace(started, `${this.name} ${query.file}:${query.line}`);
    }
  }

  protected abstract selectRaw(
    store: Store,
    p: Prepared,
  ): Promise<{ variables: string[]; rows: Array<(name: string) => PlainTerm | undefined> }>;
  protected abstract askRaw(store: Store, p: Prepared): Promise<boolean>;
  protected abstract constructRaw(store: Store, p: Prepared): Promise<Quad[]>;
  abstract selectTerms(
    dataset: unknown,
    query: string,
    preBound?: Record<string, RdfTerm>,
  ): Promise<Array<Map<string, RdfTerm>>>;
  abstract changed(store: Store, added?: Quad[], removed?: Quad[]): void;

  relabelled(store: Store, _labels: ReadonlyMap<string, string>): void {
    this.changed(store);
  }

  /** Nothing to load ahead for an engine that reads the store itself (Comunica). */
  async warm(_store: Store): Promise<void> {}

  heldBySession(): void {}

  async select(store: Store, query: QueryText): Promise<SelectResult> {
    const p = await this.prepare(query, 'select');
    return this.run(query, async () => {
      const { variables, rows: raw } = await this.selectRaw(store, p);
      const projected = new Set(variables);
      for (const name of variables) {
        if (projected.has(`${name}_local`)) {
          throw new InputError(
            fileDiagnostic(
              query,
              1,
              1,
              `?${name}_local clashes with the local name ggen adds for the IRI in ?${name}; rename the variable`,
            ),
          );
        }
      }
      const rows = raw.map((get) => {
        const row: Row = {};
        for (const name of variables) setBinding(row, name, get(name));
        return row;
      });
      return { variables, rows };
    });
  }

  async ask(store: Store, query: QueryText): Promise<boolean> {
    const p = await this.prepare(query, 'ask');
    return this.run(query, () => this.askRaw(store, p));
  }

  async construct(store: Store, query: QueryText): Promise<Quad[]> {
    const p = await this.prepare(query, 'construct');
    return this.run(query, async () => {
      const quads = await this.constructRaw(store, p);
      const keyed = quads.map((q) => [quadKey(q), q] as const);
      keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return keyed.map(([, q]) => q);
    });
  }
}
