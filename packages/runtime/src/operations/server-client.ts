/**
 * What a generated client does for each operation: send [operation, ...arguments] to the
 * registered server and resolve with its reply. A declared error's Failure rejects with
 * OperationError (its `code` and the spec's message); a server that is down, dies mid-call or
 * times out rejects with UnavailableError. The generated module exports one typed function per
 * operation that this makes (`callOperation`, `castOperation`), as MachineClient does for events.
 */
import { call, cast } from '../gen.js';
import { settle, unavailable } from '../operation-errors.js';

/** A call operation's function: its arguments, then optionally the timeout in milliseconds. */
export type CallOperationFn<A extends readonly unknown[], R> = (
  ...args: readonly [...A] | readonly [...A, timeoutMs?: number]
) => Promise<R>;

/** A cast operation's function: its arguments; it returns at once. */
export type CastOperationFn<A extends readonly unknown[]> = (...args: A) => void;

type Handlers = readonly [settle: (reply: unknown) => unknown, unavailable: (err: unknown) => never];

export class ServerClient {
  /** Each operation's reply and rejection handlers, made on its first call. */
  private readonly handlers = new Map<string, Handlers>();

  constructor(
    /** The name the server registers under. */
    readonly server: string,
    /** The application's error table (code -> message), for OperationError's message. */
    private readonly errors: Readonly<Record<string, string>> = {},
  ) {}

  /** Calls `operation` with `args`; resolves its reply, rejects as the module comment says. */
  call<T>(operation: string, args: readonly unknown[], timeoutMs: number): Promise<T> {
    let h = this.handlers.get(operation);
    if (h === undefined) {
      h = [settle(this.server, operation, this.errors), unavailable(this.server, operation)];
      this.handlers.set(operation, h);
    }
    return call(this.server, [operation, ...args], timeoutMs).then(h[0], h[1]) as Promise<T>;
  }

  /**
   * The function of a call operation with `arity` parameters (`A`'s length, checked by the type):
   * it sends its first `arity` arguments; one more is the timeout, `timeoutMs` when absent.
   */
  callOperation<R, A extends readonly unknown[] = []>(
    operation: string,
    arity: A['length'],
    timeoutMs = 5000,
  ): CallOperationFn<A, R> {
    return (...args) => this.call<R>(operation, args.slice(0, arity), (args[arity] as number | undefined) ?? timeoutMs);
  }

  /** The function of a cast operation: it casts its arguments, fire-and-forget. */
  castOperation<A extends readonly unknown[] = []>(operation: string): CastOperationFn<A> {
    return (...args) => this.cast(operation, args);
  }

  /** Casts `operation` with `args`: fire-and-forget, no reply and no error. */
  cast(operation: string, args: readonly unknown[]): void {
    cast(this.server, [operation, ...args]);
  }

  /** Resolves 'pong' once the server answers calls (health checks, chaos recovery). */
  ping(timeoutMs = 5000): Promise<'pong'> {
    return this.call<'pong'>('$ping', [], timeoutMs);
  }
}
