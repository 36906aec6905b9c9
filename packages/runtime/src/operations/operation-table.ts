/**
 * The request handling every generated gen_server shares, configured by a table of its operations
 * (the spec's otp:Operation): the module holds the data and the delegate calls, this holds the
 * behaviour. A request is a tuple [operation, ...arguments]. In order, an operation's load
 * shedders may refuse it, each argument must pass its parameter's guard, its circuit breakers may
 * refuse it, then its delegate runs. A delegate that returns a promise (a durable write) replies
 * when it settles while the server keeps taking requests. A thrown error carrying a declared code
 * is replied as that code's Failure; anything else crashes the server (let it crash): thrown again
 * when it was thrown synchronously, as the server's exit reason when a promise rejected.
 */
import { exit, type Pid } from '../process.js';
import { reply, type From } from '../gen.js';
import { declaredFailure, type Failure } from '../operation-errors.js';
import type { Param } from './param-guard.js';

/** A load shedder or circuit breaker guarding an operation. */
export interface Gate<S> {
  /** Whether the request may go on (e.g. `shedder.admit()`, `breaker.allow()`). */
  pass(server: S): boolean;
  /** Bookkeeping when it refuses (otp:incrementOnReject). */
  refused?(server: S): void;
  /** The code replied when it refuses (otp:rejectError); none: the caller gets no reply. */
  code?: string;
}

/** The names of T's members that are functions. */
type MethodOf<T> = { [M in keyof T]-?: T[M] extends (...args: never[]) => unknown ? M : never }[keyof T] & string;

/** `[field, method]`: a member of the server and a method of that member. */
export type Delegate<S> = { [F in keyof S & string]: readonly [field: F, method: MethodOf<S[F]>] }[keyof S & string];

/** One operation: its checks, its delegate and what it replies. */
export interface Operation<S> {
  /** A cast: it never replies. A call that names it is refused as badarg, and the other way round. */
  cast?: boolean;
  /** Load shedders, asked before the arguments are read. */
  shed?: readonly Gate<S>[];
  /** Each parameter's guard in declared order, with the code a bad value is refused with. */
  params?: readonly Param[];
  /** Bookkeeping when an argument is refused (otp:incrementOnError). */
  invalid?(server: S): void;
  /** Circuit breakers, asked after the arguments passed. */
  allow?: readonly Gate<S>[];
  /**
   * The delegate, called on the server with the checked arguments; it may return a promise. A
   * method, so a table may name the arguments as the tuple of their declared types. An operation
   * has this or `delegate`.
   */
  run?(this: S, args: readonly unknown[]): unknown;
  /**
   * A plain delegate as data: `[field, method]` calls `server[field][method](...args)` with the
   * checked arguments. Both names are checked against the server's type: the field must be one
   * of its members and the method a function of that member.
   */
  delegate?: Delegate<S>;
  /**
   * Codes a thrown error may carry to be replied rather than crash the server (otp:raises), beyond
   * the ones the runtime adds: each parameter's code (but badarg) and onMissing.
   */
  raises?: readonly string[];
  /** The code replied when the delegate's value is undefined or null (otp:onMissing). */
  onMissing?: string;
  /** What a success replies: the delegate's value (the default), 'ok', or (`'none'`) undefined. */
  reply?: 'ok' | 'value' | 'none';
  /** Bookkeeping on a declared failure or a missing value, and on success. */
  failed?(server: S): void;
  succeeded?(server: S): void;
}

interface Compiled<S> extends Operation<S> {
  name: string;
  /** The codes a thrown error may carry: raises, the parameters' codes but badarg, onMissing. */
  declaredSet: ReadonlySet<string>;
  invoke(s: S, args: readonly unknown[]): unknown;
}

/** The function that runs an operation's delegate on a server. */
function runnerOf<S>(name: string, op: Operation<S>): (s: S, args: readonly unknown[]) => unknown {
  if (op.run !== undefined && op.delegate !== undefined)
    throw new Error(`operation table: ${name} has both run and delegate`);
  if (op.run !== undefined) return (s, args) => op.run!.call(s, args);
  if (op.delegate === undefined) throw new Error(`operation table: ${name} has neither run nor delegate`);
  const [field, method] = op.delegate;
  return (s, args) => {
    const target = s[field] as Record<string, (...a: readonly unknown[]) => unknown>;
    return target[method]!(...args);
  };
}

/** The codes a thrown error of `op` may carry: its raises, its parameters' codes but badarg, onMissing. */
function declaredOf<S>(op: Operation<S>): Set<string> {
  const codes = new Set(op.raises);
  for (const [, code] of op.params ?? []) if (code !== 'badarg') codes.add(code);
  if (op.onMissing !== undefined) codes.add(op.onMissing);
  return codes;
}

/**
 * A server's operations by name, with its application's Failure per code (which has badarg) and
 * the instances it lends; the table comes last, so a module reads as its settings, then its rows.
 */
export class OperationTable<S extends object> {
  private readonly ops = new Map<string, Compiled<S>>();

  constructor(
    private readonly fail: Readonly<Record<string, Failure>>,
    /** Pattern instances other processes may borrow with a ['$handle', name] call. */
    private readonly lendable: readonly (keyof S & string)[],
    operations: Readonly<Record<string, Operation<S>>>,
  ) {
    const codes = new Set(['badarg']);
    for (const [name, op] of Object.entries(operations)) {
      const declaredSet = declaredOf(op);
      this.ops.set(name, { ...op, name, declaredSet, invoke: runnerOf(name, op) });
      for (const g of [...(op.shed ?? []), ...(op.allow ?? [])]) if (g.code !== undefined) codes.add(g.code);
      for (const code of declaredSet) codes.add(code);
    }
    for (const code of codes)
      if (!Object.hasOwn(fail, code)) throw new Error(`operation table: no Failure for code ${code}`);
  }

  /**
   * A call: runs the operation it names, or answers '$ping' with 'pong' and ['$handle', name] with
   * a lendable instance; anything else is replied badarg.
   */
  call(server: S, pid: Pid, from: From, req: readonly unknown[]): void {
    const op = typeof req[0] === 'string' ? this.ops.get(req[0]) : undefined;
    if (op !== undefined && !op.cast) this.run(op, server, pid, from, req);
    else if (req[0] === '$ping') reply(from, 'pong');
    else if (req[0] === '$handle' && this.lendable.includes(req[1] as keyof S & string))
      reply(from, server[req[1] as keyof S]);
    else reply(from, this.fail.badarg);
  }

  /** A cast: runs the cast operation it names; anything else is dropped, as a cast has no reply. */
  cast(server: S, pid: Pid, req: readonly unknown[]): void {
    const op = typeof req[0] === 'string' ? this.ops.get(req[0]) : undefined;
    if (op?.cast) this.run(op, server, pid, undefined, req);
  }

  private run(op: Compiled<S>, s: S, pid: Pid, from: From | undefined, req: readonly unknown[]): void {
    for (const g of op.shed ?? []) if (!g.pass(s)) return this.refuse(g, s, from);
    const params = op.params ?? [];
    const args = req.slice(1, 1 + params.length);
    for (let i = 0; i < params.length; i++) {
      const [guard, code] = params[i]!;
      if (!guard(args[i])) {
        op.invalid?.(s);
        if (from) reply(from, this.fail[code]);
        return;
      }
    }
    for (const g of op.allow ?? []) if (!g.pass(s)) return this.refuse(g, s, from);
    let r: unknown;
    try {
      r = op.invoke(s, args);
    } catch (err) {
      this.failed(op, s, pid, from, err, false);
      return;
    }
    if (r instanceof Promise)
      r.then(
        (value: unknown) => this.done(op, s, from, value),
        (err: unknown) => this.failed(op, s, pid, from, err, true),
      );
    else this.done(op, s, from, r);
  }

  private refuse(g: Gate<S>, s: S, from: From | undefined): void {
    g.refused?.(s);
    if (from && g.code !== undefined) reply(from, this.fail[g.code]);
  }

  private done(op: Compiled<S>, s: S, from: From | undefined, value: unknown): void {
    if (op.onMissing !== undefined && (value === undefined || value === null)) {
      op.failed?.(s);
      if (from) reply(from, this.fail[op.onMissing]);
      return;
    }
    op.succeeded?.(s);
    if (from) reply(from, op.reply === 'ok' ? 'ok' : op.reply === 'none' ? undefined : value);
  }

  private failed(op: Compiled<S>, s: S, pid: Pid, from: From | undefined, err: unknown, async: boolean): void {
    const failure = declaredFailure(err, op.declaredSet, this.fail);
    if (failure === undefined) {
      // Not an error the spec declares: a bug or a broken store. Crash and let the supervisor restart us.
      if (async) exit(pid, err);
      else throw err;
      return;
    }
    op.failed?.(s);
    if (from) reply(from, failure);
  }
}
