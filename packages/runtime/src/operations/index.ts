export { paramGuard, type ParamGuard, type ParamType, type ParamConstraints } from './param-guard.js';
export { OperationTable, type Operation, type Gate } from './operation-table.js';
export { OperationServer } from './operation-server.js';
export { ServerClient } from './server-client.js';
