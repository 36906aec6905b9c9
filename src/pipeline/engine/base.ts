/**
 * What both engines share: every query is parsed first (sparql-syntax.ts) so that errors name the
 * file and line and SELECTs are ordered; ORDER BY ties are broken the same way (rewrite.ts); rows
 * become plain JSON (extract/bindings.ts); CONSTRUCT results are sorted.
 */
import type { Quad, Store } from 'n3';
import { InputError } from '../errors.js';
import { setBinding } from '../extract/bindings.js';
import { checkQuery, fileDiagnostic, withPrefixes, type SparqlParser } from '../extract/sparql-syntax.js';
import type { QueryText, Row } from '../types.js';
import { BUILTIN_PREFIXES } from './prefixes.js';
import { locatingContext, withTieBreakers } from './rewrite.js';
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
  private readonly checked = new Map<string, Prepared>();

  constructor(
    protected readonly prefixes: Record<string, string>,
    protected readonly parser: SparqlParser,
  ) {
    this.checkPrefixes = { ...BUILTIN_PREFIXES, ...prefixes };
  }

  /** Checked and prepared once per (form, text): inference reruns its rules every round. */
  protected async prepare(query: QueryText, form: Form): Promise<Prepared> {
    const key = `${form}\n${query.text}`;
    const hit = this.checked.get(key);
    if (hit) return hit;
    const ast = await checkQuery(query, this.checkPrefixes, form, this.parser, locatingContext(this.parser));
    const body = form === 'select' ? withTieBreakers(query.text, ast) : query.text;
    const prepared: Prepared = {
      query,
      form,
      ast,
      text: withPrefixes(body, this.checkPrefixes),
      prefixes: this.checkPrefixes,
    };
    this.checked.set(key, prepared);
    return prepared;
  }

  async parse(query: QueryText, form: Form): Promise<{ ast: unknown; prefixes: Record<string, string> }> {
    const p = await this.prepare(query, form);
    return { ast: p.ast, prefixes: p.prefixes };
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
      ast = await checkQuery(query, this.checkPrefixes, 'select', this.parser, locatingContext(this.parser), false);
      this.shaclTrees.set(query.text, ast);
    }
    return ast;
  }

  /** The AST of a SHACL query as parseShacl gives it, for the rewrites (located at the query's start). */
  protected shaclAst(query: string): unknown {
    let ast = this.shaclTrees.get(query);
    if (ast === undefined) {
      ast = this.parser.parse(query, { ...locatingContext(this.parser), prefixes: { ...this.checkPrefixes } });
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
  abstract changed(store: Store, added?: Quad[]): void;

  relabelled(store: Store, _labels: ReadonlyMap<string, string>): void {
    this.changed(store);
  }

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
