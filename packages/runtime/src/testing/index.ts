// @ggen-ts/runtime/testing: what the tests ggen generates from a spec share. Each helper reads the
// spec's declarations (rendered into the test as data) and shares no code with what it tests.
export {
  specOutcome,
  specCases,
  specExample,
  specRefusal,
  specTransitions,
  type SpecMachine,
  type SpecTransitionRow,
  type SpecTransition,
  type SpecGuard,
  type SpecCase,
} from './spec-oracle.js';
export { refusalCode, type CodedErrorClass } from './refusal.js';
export { sampleMatching, validSample, badValues, refusalCases, type SpecParam, type RefusalCase } from './params.js';
export { appFixture, TEST_ONLY_SECRET, type AppFixture, type Stoppable } from './app-fixture.js';
export {
  childPids,
  waitForRestart,
  waitForRemoval,
  restartedBy,
  startedChildren,
  restartsAfterKill,
  type RestartStrategy,
  type DeclaredChild,
} from './supervision.js';
export { supervisorCases, type DeclaredTree, type DynamicStart, type SupervisorCase } from './supervisor-cases.js';
export {
  supervisionSuite,
  declaredFromRows,
  type SpecFlagsRow,
  type SpecChildRow,
  type SpecSupervisionRows,
  type SupervisionSuiteApi,
  type DeclaredSupervisor,
  type SpecSupervision,
  type TreeUnderTest,
} from './supervision-suite.js';
export { serverSuite, type SpecServerSuite, type SpecRoutes, type SpecBalances } from './server-suite.js';
export { machineStarter, type StartIn } from './machine.js';
export {
  wireSample,
  wireMismatch,
  validFrame,
  directionsOf,
  type WireType,
  type SpecField,
  type SpecMessageType,
} from './protocol.js';
export {
  protocolSuite,
  specMessageTypes,
  type ProtocolSuiteApi,
  type ProtocolUnderTest,
  type SpecProtocol,
  type SpecFieldRow,
  type SpecInboundRow,
  type SpecOutboundRow,
} from './protocol-suite.js';
export { machineSuite, type SpecMachineSuite, type SuiteApi, type SuiteAssertion } from './machine-suite.js';
