/**
 * The gen_server every generated server is: its state is the instance, its requests run through
 * its OperationTable, and it lets go of its pattern instances once, whether it stops in order or
 * is killed. A generated server extends it with its fields and `open`, which creates the
 * instances and hands the ones to release to `own`; the table holds its operations.
 */
import { join } from 'node:path';
import { abortSignal, processFlag, self, type Pid } from '../process.js';
import type { From, StartResult } from '../gen.js';
import { GenServer, type GenServerBehaviour, type InitResult, type NoReplyResult } from '../gen-server.js';
import type { OperationTable } from './operation-table.js';

/** An instance a server releases when it stops: a store or pool closes, a process-owning pattern stops. */
export type Releasable = { close(): unknown } | { stop(): unknown };

/**
 * The path of a store's file in the application's data directory. Without one, throws an error
 * naming the server, the application's start function and the store (a store needs a directory).
 */
export function dataFile(
  dataDir: string | undefined,
  file: string,
  server: string,
  store: string,
  start: string,
): string {
  if (dataDir === undefined)
    throw new Error(`${server}: ${start}({dataDir}) is required: the store "${store}" is a file in it`);
  return join(dataDir, file);
}

/** The start argument (env) of a server class: what its init takes. */
type EnvOf<T> = T extends { init(env: infer E): unknown } ? E : never;

export abstract class OperationServer<S extends OperationServer<S, E>, E = unknown> implements GenServerBehaviour<
  S,
  E
> {
  /** The server's own pid, set by init. */
  protected pid!: Pid;
  /** The operations the server answers. */
  protected abstract readonly operations: OperationTable<S>;
  /**
   * The start function of a generated server: `(env?)` starts this class linked to the caller (its
   * supervisor), registered as `name`; env defaults to {}.
   */
  static starter<T extends OperationServer<T, EnvOf<T>>>(
    this: new () => T,
    name: string,
  ): (env?: EnvOf<T>) => Promise<StartResult> {
    return (env = {} as EnvOf<T>) => GenServer.startLink(this, env, { name });
  }

  private released = false;
  /** What open() handed to own(), in order. */
  private readonly owned: Releasable[] = [];

  /**
   * Traps exits, so a supervisor's 'shutdown' runs terminate (flush, close) within the child's
   * shutdown time, while a 'kill' still releases through the abort signal; then opens.
   */
  async init(env: E): Promise<InitResult<S>> {
    this.pid = self();
    processFlag('trapExit', true);
    abortSignal().addEventListener('abort', () => void this.release(), { once: true });
    await this.open(env);
    return { ok: this.state };
  }

  handleCall(req: readonly unknown[], from: From): NoReplyResult<S> {
    this.operations.call(this.state, this.pid, from, req);
    return { noreply: this.state };
  }

  /** Exit signals from processes other than the parent (handled by GenServer) are not ours to act on. */
  handleInfo(): NoReplyResult<S> {
    return { noreply: this.state };
  }

  async terminate(): Promise<void> {
    await this.release();
  }

  /** Creates the pattern instances the operations delegate to; init's env is the start argument. */
  protected open(_env: E): void | Promise<void> {}

  /**
   * Releases the pattern instances; runs once, from terminate or from a kill's abort signal. By
   * default, what open() handed to own(), the last first, each once it has released the one before.
   */
  protected close(): void | Promise<void> {
    return this.releaseOwned();
  }

  /** Hands an instance open() created to close(), which releases it when the server stops. */
  protected own<T extends Releasable>(instance: T): T {
    this.owned.push(instance);
    return instance;
  }

  /** Runs a cast through the table: for servers whose spec declares casts (others have no handleCast). */
  protected castOperation(req: readonly unknown[]): NoReplyResult<S> {
    this.operations.cast(this.state, this.pid, req);
    return { noreply: this.state };
  }

  private get state(): S {
    return this as unknown as S;
  }

  private async releaseOwned(): Promise<void> {
    for (const x of [...this.owned].reverse()) await ('close' in x ? x.close() : x.stop());
  }

  private async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.close();
  }
}
