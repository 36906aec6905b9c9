/**
 * The client side of a declared machine, which every generated machine module configures: one
 * MachineClient per definition starts its instances (one DeclaredMachine per hook set) and sends
 * its declared events, as OTP's gen_statem API modules do. The generated module keeps the data
 * (its definition) and exports what this class makes of it: one typed function per event
 * (`callEvent`, `castEvent`), the start function (`starter`), `forHooks` and `state`.
 *
 * A call resolves with the machine's reply. A refusal (the state does not accept the event, a
 * parameter breaks its declared constraints, an invoke failed) rejects with EventRefusedError, an
 * OperationError carrying the code's message from the application's error table; a machine that
 * cannot answer (not running, died, too slow) rejects with UnavailableError.
 */
import { ExitError } from '../exit-reason.js';
import { call, cast, type StartResult } from '../gen.js';
import { Failure, OperationError, UnavailableError } from '../operation-errors.js';
import type { ServerRef } from '../process.js';
import type { EventParams, InvokeFn, MachineData } from './compile.js';
import {
  DeclaredMachine,
  castEvent as castTo,
  currentState,
  sendEvent,
  type DeclaredMachineOptions,
  type MachineSnapshot,
  type MetricsSink,
} from './declared-machine.js';
import type { MachineDefinition } from './definition.js';
import { paramCheck, type ParamCheck } from './params.js';

/** An event a state machine refused (or whose invoke failed): the declared code, and the state that refused it. The machine keeps running. */
export class EventRefusedError<C extends string = string> extends OperationError<C> {
  constructor(
    machine: string,
    event: string,
    code: C,
    /** The state that refused it (unknown when the client refused it before sending). */
    readonly state: string | undefined,
    /** The code's message (the spec's otp:errorMessage). */
    message: string,
    /** What went wrong in particular, when there is more to say than the code's message. */
    detail?: string,
  ) {
    super(machine, event, code, message);
    this.name = 'EventRefusedError';
    this.message = `${machine}.${event}: ${code}: ${detail ?? message}${state === undefined ? '' : ` (state ${state})`}`;
  }
}

/**
 * The default invoke of a generated machine: calls the target server's operation with the
 * declared arguments in order, as its client would. A declared error it replies (a Failure)
 * becomes {error: code}, which aborts the transition (the caller gets that code); a server that
 * is down rejects, which crashes the machine.
 */
export const invokeServer: InvokeFn = async (target, op, args) => {
  const r = await call(target, [op, ...Object.values(args)]);
  return r instanceof Failure ? { error: r.code } : r;
};

/** A MetricsSink that counts into a server's MetricsRegistry operation: cast(server, [op, name, labels, 1]). */
export function metricsServer(server: string, op: string): MetricsSink {
  return { inc: (name, labels) => cast(server, [op, name, labels ?? {}, 1]) };
}

/** How a generated module configures its MachineClient: its application's error table and default hooks. */
export interface MachineClientOptions {
  /** The application's error table (code -> the spec's message): what a refusal's code says. */
  readonly errors: Readonly<Record<string, string>>;
  /** What every DeclaredMachine of this client starts with (hand-written hooks, invoke, metrics); the env's hooks win. */
  readonly defaults?: DeclaredMachineOptions;
}

/** A refused event (or a failed invoke) as the machine replies it. */
interface Refusal {
  error: string;
  message?: unknown;
  state?: unknown;
}

/** Positional arguments as the event's named parameters (missing ones undefined, which their check refuses). */
const paramsOf = (names: readonly string[], args: readonly unknown[]): EventParams =>
  Object.fromEntries(names.map((n, i) => [n, args[i]]));

const isRefusal = (r: unknown): r is Refusal =>
  typeof r === 'object' && r !== null && typeof (r as Refusal).error === 'string';

const NO_HOOKS: DeclaredMachineOptions = Object.freeze({});

/** What a generated module's functions take from an application's env: its machine hooks. */
export interface MachineEnv {
  readonly machineHooks?: DeclaredMachineOptions;
}

/**
 * A call event's function: the machine's ref, the declared parameters in declared order, then an
 * optional timeout (ms, default 5000). Resolves with the reply; rejects as MachineClient.call does.
 */
export type CallEventFn<A extends readonly unknown[], R> = (
  ref: ServerRef,
  ...args: readonly [...A] | readonly [...A, timeoutMs: number]
) => Promise<R>;

/** A cast event's function: the machine's ref, then the declared parameters in declared order (as MachineClient.cast). */
export type CastEventFn<A extends readonly unknown[]> = (ref: ServerRef, ...args: A) => boolean;

/** One declared machine's client: starts its instances (one DeclaredMachine per hook set) and sends its declared events. */
export class MachineClient<D = MachineData> {
  /** Machines per hook set: every instance started with the same hooks shares one DeclaredMachine. */
  private readonly machines = new WeakMap<object, DeclaredMachine>();
  /** Per event: its declared params with their compiled checks, in declared order. */
  private readonly checks = new Map<string, readonly (readonly [name: string, code: string, ok: ParamCheck])[]>();

  constructor(
    readonly definition: MachineDefinition,
    private readonly options: MachineClientOptions,
  ) {
    for (const e of definition.events)
      this.checks.set(
        e.name,
        (e.params ?? []).map((p) => [p.name, p.error ?? definition.unhandledError.code, paramCheck(p)] as const),
      );
  }

  get name(): string {
    return this.definition.name;
  }

  /** The DeclaredMachine for `hooks` (an env's machineHooks: notify, metrics, invoke...). */
  machine(hooks: DeclaredMachineOptions = NO_HOOKS): DeclaredMachine {
    let machine = this.machines.get(hooks);
    if (machine === undefined) {
      machine = new DeclaredMachine(this.definition, { ...this.options.defaults, ...hooks });
      this.machines.set(hooks, machine);
    }
    return machine;
  }

  /** The DeclaredMachine for an env's hooks (bound: a module exports it as is). */
  readonly forHooks = (env: MachineEnv = {}): DeclaredMachine => this.machine(env.machineHooks);

  /**
   * The start function of a module: with `key` (the instance key), `(env, id)` starts the instance
   * for `id` as startLink does; without, `(env?)` starts the registered one.
   */
  starter(key: string): (env: MachineEnv, id: string) => Promise<StartResult>;
  starter(): (env?: MachineEnv) => Promise<StartResult>;
  starter(key?: string): (env?: MachineEnv, id?: string) => Promise<StartResult> {
    return (env = {}, id) => this.startLink(env.machineHooks, key, id);
  }

  /**
   * The function of a declared call event: it maps its positional arguments onto the event's
   * declared parameters (one more argument is the timeout) and sends it with `call`. Throws a
   * TypeError when the definition declares no such call event.
   */
  callEvent<R, A extends readonly unknown[] = []>(event: string): CallEventFn<A, R> {
    const names = this.paramNames(event, 'call');
    return (ref, ...args) => {
      const timeoutMs = args.length > names.length ? (args[names.length] as number) : undefined;
      return this.call<R>(ref, event, paramsOf(names, args), timeoutMs);
    };
  }

  /**
   * The function of a declared cast (or info) event: it maps its positional arguments onto the
   * event's declared parameters and sends it with `cast`. Throws a TypeError when the definition
   * declares no such event, or declares it a call.
   */
  castEvent<A extends readonly unknown[] = []>(event: string): CastEventFn<A> {
    const names = this.paramNames(event, 'cast');
    return (ref, ...args) => this.cast(ref, event, paramsOf(names, args));
  }

  /**
   * Starts an instance linked to the caller. With `key` (the machine's instance key), the one for
   * `id` (a non-empty string, else {error: {badarg: key}}); without, the one registered under the
   * machine's name.
   */
  startLink(hooks: DeclaredMachineOptions | undefined, key?: string, id?: unknown): Promise<StartResult> {
    if (key === undefined) return this.machine(hooks).startLink(undefined, { name: this.definition.name });
    if (typeof id !== 'string' || id.length === 0) return Promise.resolve({ error: { badarg: key } });
    return this.machine(hooks).startLink({ [key]: id });
  }

  /**
   * Sends a call event. Resolves with the reply (the new state's name unless a reply action says
   * otherwise); rejects with EventRefusedError when a parameter breaks its declared constraints
   * (nothing is sent) or the machine refuses, with UnavailableError when it cannot answer.
   */
  call<R>(ref: ServerRef, event: string, params: EventParams = {}, timeoutMs = 5000): Promise<R> {
    const bad = this.broken(event, params);
    if (bad !== undefined) return Promise.reject(bad);
    return sendEvent(ref, event, params, timeoutMs).then(
      (r) => this.settle<R>(event, r),
      (err: unknown) => this.unavailable(event, err),
    );
  }

  /**
   * Sends a cast (fire and forget). Returns false, sending nothing, when a parameter breaks its
   * declared constraints; an event the state does not accept is dropped and counted.
   */
  cast(ref: ServerRef, event: string, params: EventParams = {}): boolean {
    if (this.broken(event, params) !== undefined) return false;
    castTo(ref, event, params);
    return true;
  }

  /** The machine's current state and data (bound: a module exports it as is). */
  readonly state = (ref: ServerRef, timeoutMs = 5000): Promise<MachineSnapshot<D>> =>
    currentState<D>(ref, timeoutMs).catch((err: unknown) => this.unavailable('$state', err));

  /** The declared parameter names of `event`, which must be declared a call (`call`) or not (`cast`). */
  private paramNames(event: string, kind: 'call' | 'cast'): readonly string[] {
    const e = this.definition.events.find((x) => x.name === event);
    if (e === undefined || (e.kind === 'call') !== (kind === 'call'))
      throw new TypeError(
        `${this.definition.name}: no declared ${kind === 'call' ? 'call' : 'cast or info'} event ${event}`,
      );
    return (e.params ?? []).map((p) => p.name);
  }

  /** The refusal of the first parameter that breaks its declared constraints, if one does. */
  private broken(event: string, params: EventParams): EventRefusedError | undefined {
    for (const [name, code, ok] of this.checks.get(event) ?? []) {
      if (!ok(params[name])) return this.refusal(event, code, undefined, `${name} breaks its declared constraints`);
    }
    return undefined;
  }

  private settle<R>(event: string, r: unknown): R {
    if (isRefusal(r)) {
      const code = Object.hasOwn(this.options.errors, r.error) ? r.error : 'badarg';
      const state = typeof r.state === 'string' ? r.state : undefined;
      throw this.refusal(event, code, state, typeof r.message === 'string' ? r.message : undefined);
    }
    return r as R;
  }

  private refusal(event: string, code: string, state: string | undefined, detail: string | undefined) {
    const message = Object.hasOwn(this.options.errors, code) ? this.options.errors[code]! : code;
    return new EventRefusedError(this.definition.name, event, code, state, message, detail);
  }

  private unavailable(event: string, err: unknown): never {
    throw err instanceof ExitError ? new UnavailableError(this.definition.name, event, err.reason) : err;
  }
}
