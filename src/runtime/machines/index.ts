export * from './definition.js';
export { validateDefinition, definitionProblems, MachineDefinitionError } from './validate.js';
export { compileDefinition, isErrorResult, type InvokeFn, type MachineData, type EventParams } from './compile.js';
