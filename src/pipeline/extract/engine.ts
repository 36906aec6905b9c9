/** Moved to src/pipeline/engine/: kept so that existing imports still resolve. */
export { createQueryEngine, type QueryEngine, type RdfTerm, type SelectResult } from '../engine/index.js';
