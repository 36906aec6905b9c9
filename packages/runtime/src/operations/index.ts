export {
  param,
  paramGuard,
  type Param,
  type ParamGuard,
  type ParamType,
  type ParamConstraints,
} from './param-guard.js';
export { OperationTable, type Operation, type Gate, type Delegate } from './operation-table.js';
export { OperationServer, dataFile, type Releasable } from './operation-server.js';
export { ServerClient, type CallOperationFn, type CastOperationFn } from './server-client.js';
