/**
 * How a declared error travels from a server to its caller, as OTP's `{error, Reason}` replies
 * do: the server replies a Failure (one frozen instance per code, so a refused request allocates
 * nothing), and the client turns it into an OperationError carrying the spec's message. A server
 * that cannot answer at all (not running, died before replying, too slow) is an UnavailableError.
 * Generated code configures these with its application's error table (types.ts `ERRORS`).
 */
import { ExitError } from './exit-reason.js';

/** An error reply travelling from a server to its client. */
export class Failure<C extends string = string> {
  constructor(readonly code: C) {
    Object.freeze(this);
  }
}

/** One frozen Failure per code of an error table (code -> message). */
export function failures<C extends string>(errors: Readonly<Record<C, string>>): { readonly [K in C]: Failure<K> } {
  const out = {} as { [K in C]: Failure<K> };
  for (const code of Object.keys(errors) as C[]) out[code] = new Failure(code);
  return Object.freeze(out);
}

/** The message of badarg, the error code every application has: a request that does not match its operation's parameters. */
export const BADARG_MESSAGE = "the request does not match the operation's declared parameters";

/** An application's error table (code -> the spec's message, badarg included) and its frozen Failures. */
export interface ErrorTable<C extends string> {
  readonly ERRORS: { readonly [K in C | 'badarg']: string };
  readonly FAIL: { readonly [K in C | 'badarg']: Failure<K> };
}

/**
 * An application's error table from the codes its spec declares (code -> message): the built-in
 * badarg is added after them (a declared badarg keeps its own message), and failures() makes one
 * frozen Failure per code.
 */
export function errorTable<C extends string>(declared: Readonly<Record<C, string>>): ErrorTable<C> {
  const errors = Object.freeze('badarg' in declared ? { ...declared } : { ...declared, badarg: BADARG_MESSAGE });
  return { ERRORS: errors as ErrorTable<C>['ERRORS'], FAIL: failures(errors as ErrorTable<C>['ERRORS']) };
}

/** A declared error of an operation (bad input, no route, insufficient funds...). The server keeps running. */
export class OperationError<C extends string = string> extends Error {
  constructor(
    readonly server: string,
    readonly operation: string,
    readonly code: C,
    /** The spec's message for the code (otp:errorMessage). */
    message: string,
  ) {
    super(`${server}.${operation}: ${code}: ${message}`);
    this.name = 'OperationError';
  }
}

/**
 * The server could not answer: it was not running (noproc), died before replying (its exit
 * reason), or did not answer in time (timeout). The request may or may not have taken effect;
 * operations that are idempotent by a key can be retried with the same key.
 */
export class UnavailableError extends Error {
  constructor(
    readonly server: string,
    readonly operation: string,
    readonly reason: unknown,
  ) {
    super(`${server}.${operation}: server unavailable (${describeReason(reason)})`);
    this.name = 'UnavailableError';
  }
}

/** An exit reason as text: a string as it is, an Error's message, anything else as JSON. */
export function describeReason(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return reason.message;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}

/**
 * Maps an error thrown by a pattern (e.g. LedgerError, PoolError) to the Failure of a code the
 * operation declares, if it carries one; undefined for anything else (a bug: let it crash).
 */
export function declaredFailure<C extends string>(
  err: unknown,
  declared: ReadonlySet<string>,
  fail: { readonly [K in C]: Failure<K> },
): Failure<C> | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && declared.has(code) && Object.hasOwn(fail, code) ? fail[code as C] : undefined;
}

/**
 * A client's reply handler for one operation: a Failure rejects with OperationError (with the
 * message of its code in `errors`); any other reply resolves as the operation's reply type.
 */
export function settle<T>(
  server: string,
  operation: string,
  errors: Readonly<Record<string, string>>,
): (reply: unknown) => T {
  return (r) => {
    if (r instanceof Failure) throw new OperationError(server, operation, r.code, errors[r.code] ?? r.code);
    return r as T;
  };
}

/** A client's rejection handler for one operation: a call that exited becomes UnavailableError; anything else passes. */
export function unavailable(server: string, operation: string): (err: unknown) => never {
  return (err) => {
    throw err instanceof ExitError ? new UnavailableError(server, operation, err.reason) : err;
  };
}
