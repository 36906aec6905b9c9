/** The query engine of a run: Oxigraph by default, Comunica with `--engine comunica` or `[ontology] engine`. */
import { DEFAULT_ENGINE, ENGINE_NAMES, type EngineName, type QueryEngine } from './types.js';

export {
  DEFAULT_ENGINE,
  ENGINE_NAMES,
  type EngineName,
  type QueryEngine,
  type RdfTerm,
  type SelectResult,
} from './types.js';

export function isEngineName(x: unknown): x is EngineName {
  return typeof x === 'string' && (ENGINE_NAMES as readonly string[]).includes(x);
}

/** Creates the engine for one run; `prefixes` are available to every query that does not declare them. */
export async function createQueryEngine(
  prefixes: Record<string, string> = {},
  name: EngineName = DEFAULT_ENGINE,
): Promise<QueryEngine> {
  if (name === 'comunica') return (await import('./comunica.js')).createComunicaEngine(prefixes);
  return (await import('./oxigraph.js')).createOxigraphEngine(prefixes);
}
