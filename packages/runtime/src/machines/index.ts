export * from './definition.js';
export { validateDefinition, definitionProblems, MachineDefinitionError } from './validate.js';
export { transitionExample, refusalExample, type TransitionExample } from './examples.js';
export { isErrorResult, type InvokeFn, type MachineData, type EventParams } from './compile.js';
export {
  DeclaredMachine,
  sendEvent,
  castEvent,
  currentState,
  type DeclaredMachineOptions,
  type MachineStats,
  type MachineEvent,
  type MachineSnapshot,
  type MetricsSink,
  type Notifier,
  type NotifyPayload,
  type DroppedEvent,
} from './declared-machine.js';
export {
  applyEvent,
  applyTimeout,
  initialEntity,
  validateLifecycleDefinition,
  type LifecycleEntity,
  type Applied,
  type ApplyResult,
  type PendingTimeout,
} from './lifecycle.js';
export {
  LifecycleStore,
  type LifecycleStoreOptions,
  type StoredEntity,
  type StoreError,
  type StoreResult,
  type ListOptions,
  type ListPage,
} from './lifecycle-store.js';
export { EntityLifecycle, LifecycleError, type EntityLifecycleOptions, type EntityRecord } from './entity-lifecycle.js';
export { paramCheck, type ParamCheck } from './params.js';
export {
  MachineClient,
  EventRefusedError,
  invokeServer,
  metricsServer,
  type MachineClientOptions,
  type MachineEnv,
  type CallEventFn,
  type CastEventFn,
} from './client.js';
