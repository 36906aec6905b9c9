export * from './circuit-breaker.js';
export * from './load-shedder.js';
export * from './routing-table.js';
export * from './sqlite.js';
export * from './connection-pool.js';
export * from './group-commit.js';
export * from './ledger.js';
