/**
 * Parse-ahead: the queries a run will check, parsed in a worker thread while this thread
 * normalizes. A run whose queries' facts are all known (query-facts.ts: a later run, or the
 * shipped packs' queries, seeded at build) never loads the SPARQL parser; a first run of a project
 * with its own queries must, and traqula costs ~0.25 s to import and build its grammar before its
 * first parse. Started before normalize with the queries the facts lack, that cost is spent on the
 * other core, and base.ts's check takes the worker's AST (or its parse error) where it would have
 * parsed.
 *
 * Only an optimisation: a text it was not given, a different prefix map, or a worker that failed
 * or was closed, and check parses here as before. The AST is what the same parser makes of the
 * same text with the same context, so every fact and check derived from it is the same.
 */
import { Worker } from 'node:worker_threads';
import { BUILTIN_PREFIXES } from './prefixes.js';
import { checkedKind, QueryFacts, sortedPrefixes } from './query-facts.js';

/** Main → worker: the texts to parse, all with `prefixes` (the engine's: built-in and manifest prefixes). */
export interface ParseRequest {
  texts: string[];
  prefixes: Record<string, string>;
}
/** Worker → main: the `i`th text's AST, or the message of the error its parse threw. */
export type ParseReply = { i: number; ast: unknown } | { i: number; error: string };
/** A query as base.ts's check takes it: its text and the form it must have. */
export interface CheckedQuery {
  form: 'select' | 'ask' | 'construct';
  text: string;
}
/** What check makes of a text: its AST, or the parse error to report. */
export type ParseOutcome = { ast: unknown } | { error: string };

/** Workers only run compiled: the worker is a .js file next to this one. */
const workerUrl = new URL('./parser-worker.js', import.meta.url);
const workersAvailable = (): boolean => import.meta.url.endsWith('.js');

const prefixesKey = (prefixes: Record<string, string>): string => JSON.stringify(sortedPrefixes(prefixes));

export class ParseAhead {
  /** Outcomes by text, each resolved undefined if the worker cannot give it. */
  private readonly pending = new Map<string, Promise<ParseOutcome | undefined>>();
  private readonly resolvers: Array<(o: ParseOutcome | undefined) => void> = [];
  private readonly prefixes: string;
  private worker: Worker | undefined;

  private constructor(texts: string[], prefixes: Record<string, string>) {
    this.prefixes = prefixesKey(prefixes);
    for (const text of texts)
      this.pending.set(text, new Promise<ParseOutcome | undefined>((resolve) => this.resolvers.push(resolve)));
    const worker = new Worker(workerUrl);
    // A run that ends (or fails) before the worker answers must not be kept alive by it.
    worker.unref();
    worker.on('message', (msg: ParseReply) =>
      this.resolvers[msg.i]?.('ast' in msg ? { ast: msg.ast } : { error: msg.error }),
    );
    worker.on('error', () => this.giveUp());
    worker.on('exit', () => this.giveUp());
    worker.postMessage({ texts, prefixes } satisfies ParseRequest);
    this.worker = worker;
  }

  /**
   * Parses ahead those of `later` (the templates' queries) whose check `facts` cannot answer, with
   * the engine's prefixes; undefined when all are known. Also undefined when one of `sooner` (the
   * queries normalize checks: inference rules, ASK gates) is unknown: this thread then loads the
   * parser before the worker could have answered, and parses the rest faster than it could.
   */
  static start(
    facts: QueryFacts,
    manifestPrefixes: Record<string, string>,
    later: readonly CheckedQuery[],
    sooner: readonly CheckedQuery[] = [],
  ): ParseAhead | undefined {
    if (!workersAvailable()) return undefined;
    const prefixes = { ...BUILTIN_PREFIXES, ...manifestPrefixes };
    const unknown = (q: CheckedQuery): boolean => !facts.knows(QueryFacts.key(checkedKind(q.form), prefixes, q.text));
    if (sooner.some(unknown)) return undefined;
    const texts = [...new Set(later.filter(unknown).map((q) => q.text))];
    return texts.length > 0 ? new ParseAhead(texts, prefixes) : undefined;
  }

  /**
   * The worker's outcome for `text` parsed with `prefixes` (once: a second check of the same text
   * parses it itself), or undefined if it was not sent with those prefixes. The promise resolves
   * undefined if the worker failed or was closed first.
   */
  take(text: string, prefixes: Record<string, string>): Promise<ParseOutcome | undefined> | undefined {
    const outcome = this.pending.get(text);
    if (outcome === undefined || prefixesKey(prefixes) !== this.prefixes) return undefined;
    this.pending.delete(text);
    return outcome;
  }

  private giveUp(): void {
    for (const resolve of this.resolvers) resolve(undefined);
  }

  /** Stops the worker; outcomes not yet received resolve undefined. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.giveUp();
    await worker?.terminate();
  }
}
