/** Limits shared by network-facing mechanisms: rate limiters with bounded memory. */
export { TokenBucket, FixedWindowCounter } from './rate-limit.js';
