/** `ggen query`: one SELECT against the normalized graph, and a plain-text table of its rows. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { JsonValue, Manifest, NormalizedGraph, QueryText, Row } from '../types.js';
import type { QueryEngine, SelectResult } from '../engine/index.js';

/** A `.rq`/`.sparql` argument without whitespace is a file (relative to the working directory, then the project root); anything else is SPARQL text. */
export async function resolveQueryArgument(manifest: Manifest, arg: string): Promise<QueryText> {
  const trimmed = arg.trim();
  if (!/\.(rq|sparql)$/i.test(trimmed) || /\s/.test(trimmed)) return { text: arg, file: '<query>', line: 1, column: 1 };
  const candidates = [path.resolve(trimmed), path.resolve(manifest.root, trimmed)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new InputError({ message: `query file not found: ${trimmed}` });
  const rel = path.relative(manifest.root, found).split(path.sep).join('/');
  return { text: await readFile(found, 'utf8'), file: rel.startsWith('..') ? found : rel, line: 1, column: 1 };
}

export interface RunQueryOptions {
  /** Reuse this run's engine (one engine per run). */
  engine?: QueryEngine;
  /** Reuse an already normalized graph. */
  graph?: NormalizedGraph;
}

export async function runQuery(
  manifest: Manifest,
  queryTextOrFile: string,
  options: RunQueryOptions = {},
): Promise<SelectResult> {
  const query = await resolveQueryArgument(manifest, queryTextOrFile);
  const { createQueryEngine } = await import('../engine/index.js');
  const engine = options.engine ?? (await createQueryEngine(manifest.ontology.prefixes, manifest.ontology.engine));
  let graph = options.graph;
  if (!graph) {
    const { normalize } = await import('../normalize/index.js');
    graph = await normalize(manifest, engine);
  }
  return engine.select(graph.store, query);
}

function cell(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  // One row per line: keep multi-line literals on their line.
  return s.replace(/\r?\n/g, '\\n').replace(/\t/g, '\\t');
}

/** Aligned text table of the projected variables, then a row count. */
export function formatTable(variables: string[], rows: Row[]): string {
  const table = [variables, ...rows.map((r) => variables.map((v) => cell(r[v])))];
  const widths = variables.map((_, i) => Math.max(...table.map((line) => [...(line[i] ?? '')].length)));
  const render = (line: string[]) =>
    line
      .map((c, i) => c + ' '.repeat((widths[i] ?? 0) - [...c].length))
      .join(' | ')
      .trimEnd();
  const out = [render(variables), widths.map((w) => '-'.repeat(w)).join('-+-'), ...table.slice(1).map(render)];
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}
