/**
 * Stage 2: SPARQL SELECT over the normalized graph → plain JSON rows.
 * Importing this module is cheap: Comunica, traqula and ajv load on first use.
 */
export { createQueryEngine, type QueryEngine, type SelectResult } from '../engine/index.js';
export { localName, literalToJson } from './bindings.js';
export { validateRows } from './rows-schema.js';
export { formatTable, runQuery, resolveQueryArgument, type RunQueryOptions } from './query.js';
export { checkQuery, withPrefixes, type QueryForm } from './sparql-syntax.js';
