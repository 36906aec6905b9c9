export {
  specOutcome,
  specCases,
  specExample,
  specRefusal,
  type SpecMachine,
  type SpecTransition,
  type SpecGuard,
  type SpecCase,
} from './spec-oracle.js';
