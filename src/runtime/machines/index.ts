export * from './definition.js';
export { validateDefinition, definitionProblems, MachineDefinitionError } from './validate.js';
export { compileDefinition, isErrorResult, type InvokeFn, type MachineData, type EventParams } from './compile.js';
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
