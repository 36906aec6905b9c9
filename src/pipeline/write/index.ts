export { planWrites, applyPlan, type Plan, type PlanEntry, type Action } from './plan.js';
export { writeAtomic, removeFile } from './atomic.js';
export { acquireLock, LockBusy } from './lock.js';
export { OutputRoot, PathEscape } from './paths.js';
export { unifiedDiff } from './diff.js';
export { sha256, hashFile, readIfExists } from './hash.js';
