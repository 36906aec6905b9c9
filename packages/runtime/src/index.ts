/**
 * ggen-ts runtime: OTP's process model, gen_server, gen_statem and supervisor
 * for Node. Names mirror OTP in camelCase.
 *
 * Exit reasons and other OTP terms (see exit-reason.ts):
 *  - an atom is a string spelled as in OTP: 'normal', 'shutdown', 'killed',
 *    'noproc', 'timeout', 'one_for_one', 'brutal_kill', 'not_found', ...
 *  - a tagged tuple is an object with a camelCase tag key: {shutdown: term},
 *    {alreadyStarted: pid}, {failedToStartChild: id, reason}, {invalidShutdown: x}
 *  - a crash's reason is the thrown value itself (usually an Error).
 * Calls, stops and receives reject with ExitError, whose `reason` is the term.
 * Start functions resolve with StartResult: {ok: pid} | 'ignore' | {error: reason}.
 */
export * from './exit-reason.js';
export * from './signals.js';
export * from './logger.js';
export { TimerHeap, type DeadlineEntry, type Timeout } from './timers.js';
export {
  Pid,
  Runtime,
  getRuntime,
  resetRuntime,
  self,
  selfOrUndefined,
  abortSignal,
  spawn,
  spawnLink,
  exit,
  link,
  unlink,
  monitor,
  demonitor,
  exited,
  processFlag,
  send,
  isProcessAlive,
  messageQueueLen,
  register,
  unregister,
  whereis,
  registered,
  type ServerRef,
  type ProcessContext,
  type SpawnOptions,
  type RuntimeOptions,
} from './process.js';
export {
  call,
  cast,
  reply,
  stop,
  unwrapStart,
  isStartOk,
  type From,
  type StartResult,
  type StartOptions,
} from './gen.js';
export * from './gen-server.js';
export * from './operation-errors.js';
export type { JsonValue } from './json-value.js';
export { Sys, type SysStatus } from './sys.js';
export {
  LoopMonitor,
  monitorLoop,
  type LoopBlock,
  type LoopMonitorOptions,
  type LoopDelayStats,
} from './loop-monitor.js';
export { RequestId, sendRequest, receiveResponse, waitResponse, checkResponse, type Response } from './request.js';
export * from './child-spec.js';
export { Supervisor, type ChildInfo, type ChildCounts, type StartChildResult, type AdminResult } from './supervisor.js';
export {
  StateMachine,
  isCallEvent,
  genericTimeoutName,
  type StateMachineBehaviour,
  type EventType,
  type EventResult,
  type StateInitResult,
  type Action,
  type ReplyAction,
  type CallbackMode,
  type Time,
} from './gen-statem.js';

// Reusable mechanisms that generated servers configure from spec data.
export * from './patterns/index.js';
export * from './receipts/index.js';
export * from './cluster/index.js';
export * from './observability/index.js';
export * from './auth/index.js';
export * from './ws/index.js';
export * from './messaging/index.js';
export * from './chaos.js';
export * from './machines/index.js';
export * from './operations/index.js';
export * from './declared-supervisor.js';
export * from './application.js';
export { operationInvoker, type InvokableOperation, type InvokeOperation } from './invoke-operation.js';
// The spec oracle stays here for tests written before @ggen-ts/runtime/testing; the other test
// helpers are only there, so that production code never pulls them in.
export * from './testing/spec-oracle.js';
export { MissingPackageError, type OptionalPackage } from './optional-package.js';
