import { ReceiptError } from './errors.js';

export interface BackoffOptions {
  /** Delay after the first failure. */
  baseMs: number;
  /** Upper bound on any delay. */
  maxMs: number;
  /** Fraction in [0, 1] of the delay that is randomised away; 0 gives exact doubling. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 30_000, jitter: 0.2 };

export function validateBackoff(b: BackoffOptions): BackoffOptions {
  const { baseMs, maxMs, jitter } = b;
  if (!Number.isFinite(baseMs) || baseMs <= 0) throw new ReceiptError(`backoff.baseMs must be > 0, got ${String(baseMs)}`);
  if (!Number.isFinite(maxMs) || maxMs < baseMs) throw new ReceiptError(`backoff.maxMs must be >= baseMs, got ${String(maxMs)}`);
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) throw new ReceiptError(`backoff.jitter must be in [0, 1], got ${String(jitter)}`);
  return { baseMs, maxMs, jitter };
}

/**
 * Exponential back-off: base · 2^(attempt-1), capped at max, then reduced by up to `jitter` of
 * itself so that many publishers recovering from the same outage do not retry in lock-step.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, b: BackoffOptions, random: () => number): number {
  const exp = Math.min(b.maxMs, b.baseMs * 2 ** Math.min(attempt - 1, 52));
  return Math.round(exp * (1 - b.jitter * random()));
}
