/**
 * Loads specs and shapes, validates with shacl-engine (core + SPARQL-based constraints) and
 * runs the queries through the pipeline's extract engine.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataFactory, Parser, Store } from 'n3';
import { Validator } from 'shacl-engine';
import { sparqlPlugins } from '../../src/pipeline/normalize/shacl-sparql.js';
import { createQueryEngine, type QueryEngine } from '../../src/pipeline/extract/index.js';
import { runInference } from '../../src/pipeline/normalize/inference.js';
import { indexLists } from '../../src/pipeline/normalize/lists.js';
import type { Row } from '../../src/pipeline/types.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ONTOLOGY = 'packs/otp/ontology/otp.ttl';
export const SHAPES = 'packs/otp/shapes/otp.shapes.ttl';
export const DOMAIN_SPECS = ['specs/telecom.ttl', 'specs/autonomics.ttl', 'specs/chat.ttl'];
export const OTP = 'https://ggen.dev/otp#';

export function read(rel: string): string {
  return readFileSync(path.join(ROOT, rel), 'utf8');
}

export function parseInto(store: Store, text: string, baseIRI = 'https://ggen.dev/'): Store {
  store.addQuads(new Parser({ baseIRI }).parse(text));
  return store;
}

/** The ontology plus the given Turtle texts, as the pipeline would merge them, lists indexed (ggen.toml's list_index). */
export function graphOf(...texts: string[]): Store {
  const store = parseInto(new Store(), read(ONTOLOGY));
  for (const text of texts) parseInto(store, text);
  indexLists(store);
  return store;
}

export function specGraph(...rels: string[]): Store {
  return graphOf(...rels.map(read));
}

export interface Violation {
  focus: string;
  message: string;
}

let shapesStore: Store | undefined;
let sharedEngine: Promise<QueryEngine> | undefined;

/** Every violation as `focus: message`, focus being the node's local name (or `_:` for blank nodes). */
export async function validate(data: Store): Promise<Violation[]> {
  shapesStore ??= parseInto(new Store(), read(SHAPES));
  const factory = { ...DataFactory, dataset: (quads?: Iterable<unknown>) => new Store(quads ? ([...quads] as never) : undefined) };
  sharedEngine ??= createQueryEngine();
  const validator = new Validator(shapesStore, { factory, ...sparqlPlugins(await sharedEngine) } as never);
  const report = await validator.validate({ dataset: data });
  const out: Violation[] = [];
  for (const r of report.results as Array<{ focusNode?: { term?: { termType: string; value: string } }; message?: Array<{ value: string }> }>) {
    const term = r.focusNode?.term;
    const focus = !term ? '' : term.termType === 'BlankNode' ? '_:' : term.value.slice(Math.max(term.value.lastIndexOf('#'), term.value.lastIndexOf('/')) + 1);
    out.push({ focus, message: (r.message ?? []).map((m) => m.value).join('; ') });
  }
  return out.sort((a, b) => (a.focus + a.message < b.focus + b.message ? -1 : 1));
}

export function queryFiles(): string[] {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.rq')) files.push(child);
    }
  };
  walk('packs/otp/queries');
  return files.sort();
}

let engine: QueryEngine | undefined;

async function queryEngine(): Promise<QueryEngine> {
  engine ??= await createQueryEngine({});
  return engine;
}

export const INFERENCE_RULES = () => queryFiles().filter((f) => f.startsWith('packs/otp/queries/inference/'));

/** The spec graph after the inference rules (in file order), as normalize leaves it for the queries. */
export async function inferredGraph(...rels: string[]): Promise<Store> {
  const store = specGraph(...rels);
  const rules = INFERENCE_RULES().map((file) => ({ name: file, construct: { text: read(file), file, line: 1 } }));
  await runInference(store, rules, 8, await queryEngine(), 'ggen.toml');
  return store;
}

export async function select(store: Store, queryFile: string): Promise<Row[]> {
  const result = await (await queryEngine()).select(store, { text: read(queryFile), file: queryFile, line: 1 });
  return result.rows;
}
