/**
 * The one query-engine interface of the pipeline. Inference rules, ASK gates, SHACL-SPARQL
 * constraints and extraction all go through it, so the engine a run chose answers all of them.
 * Two implementations: Oxigraph (default, oxigraph.ts) and Comunica (comunica.ts).
 */
import type { Quad, Store } from 'n3';
import type { QueryText, Row } from '../types.js';

export const ENGINE_NAMES = ['oxigraph', 'comunica'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
export const DEFAULT_ENGINE: EngineName = 'oxigraph';

export interface SelectResult {
  variables: string[];
  rows: Row[];
}

/** The RDF/JS term shape shared by n3, Comunica and shacl-engine. */
export interface RdfTerm {
  termType: string;
  value: string;
  equals(other: RdfTerm | null | undefined): boolean;
}

export interface QueryEngine {
  readonly name: EngineName;
  /**
   * Runs a SELECT; it must have a top-level ORDER BY. Rows come in that order, ties broken by
   * every projected variable (rewrite.ts), so both engines give the same rows in the same order.
   */
  select(store: Store, query: QueryText): Promise<SelectResult>;
  ask(store: Store, query: QueryText): Promise<boolean>;
  /** CONSTRUCT results sorted by their N-Triples form (engines return them in no stable order). */
  construct(store: Store, query: QueryText): Promise<Quad[]>;
  /** The checked AST of `query` (traqula's) and the prefixes it was parsed with. */
  parse(
    query: QueryText,
    form: 'select' | 'ask' | 'construct',
  ): Promise<{ ast: unknown; prefixes: Record<string, string> }>;
  /** Checks a SHACL-SPARQL SELECT (no ORDER BY needed); syntax errors are InputErrors at its file:line. */
  parseShacl(query: QueryText): Promise<unknown>;
  /**
   * A fact `compute` derives from `query`'s checked AST alone (`form` 'shacl': as parseShacl checks
   * it), remembered across runs in the query facts file (query-facts.ts) once useQueryFacts named
   * one; a stored fact is used only if `valid` accepts it (the file is untrusted).
   */
  derive<T>(
    query: QueryText,
    form: 'select' | 'ask' | 'construct' | 'shacl',
    kind: string,
    compute: (ast: unknown, prefixes: Record<string, string>) => T,
    valid: (x: unknown) => x is T,
  ): Promise<T>;
  /** Reads and keeps query facts in this run's file (`.ggen/cache/queries.json`). */
  useQueryFacts(facts: import('./query-facts.js').QueryFacts): void;
  /**
   * For SHACL-SPARQL constraints and targets: a SELECT over a dataset (an n3 Store) with variables
   * pre-bound (SHACL's `$this`), rows as raw n3 terms. Not for extraction: no ORDER BY is
   * required, so callers must not let row order reach an output. `query` is checked first
   * (checkShaclQuery) by the caller.
   */
  selectTerms(
    dataset: unknown,
    query: string,
    preBound?: Record<string, RdfTerm>,
  ): Promise<Array<Map<string, RdfTerm>>>;
  /**
   * `store` was changed in place without going through the engine (blank nodes relabelled, quads
   * added by list indexing or inference): an engine that mirrors it must refresh its copy.
   * `added`, when given, are the only change (with `removed`, the quads taken out): the mirror may
   * just add (and delete) them.
   */
  changed(store: Store, added?: Quad[], removed?: Quad[]): void;
  /**
   * `store`'s blank nodes were renamed in place (old label → new label) and nothing else changed:
   * an engine that mirrors it may rename its copy's labels instead of reloading it.
   */
  relabelled(store: Store, labels: ReadonlyMap<string, string>): void;
  /**
   * Makes the engine ready to query `store` now rather than at its first query: an engine that
   * mirrors stores loads its copy (a watch session's warm-up, sync/warm-up.ts, so that its first
   * edit's queries update that copy instead of loading the graph).
   */
  warm(store: Store): Promise<void>;
  /**
   * The engine will answer about one store after another in one process (a watch session holds
   * it): an engine that mirrors stores keeps, from the first store on, what bringing its copy in
   * step with the next store needs, instead of only from the second.
   */
  heldBySession(): void;
}
