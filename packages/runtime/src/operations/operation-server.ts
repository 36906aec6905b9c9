/**
 * The gen_server every generated server is: its state is the instance, its requests run through
 * its OperationTable, and it lets go of its pattern instances once, whether it stops in order or
 * is killed. A generated server extends it with its fields, `open` (create the instances) and
 * `close` (release them); the table holds its operations.
 */
import { abortSignal, processFlag, self, type Pid } from '../process.js';
import type { From } from '../gen.js';
import type { GenServerBehaviour, InitResult, NoReplyResult } from '../gen-server.js';
import type { OperationTable } from './operation-table.js';

export abstract class OperationServer<S extends OperationServer<S, E>, E = unknown> implements GenServerBehaviour<
  S,
  E
> {
  /** The server's own pid, set by init. */
  protected pid!: Pid;
  /** The operations the server answers. */
  protected abstract readonly operations: OperationTable<S>;
  private released = false;

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

  /** Releases the pattern instances; runs once, from terminate or from a kill's abort signal. */
  protected close(): void | Promise<void> {}

  /** Runs a cast through the table: for servers whose spec declares casts (others have no handleCast). */
  protected castOperation(req: readonly unknown[]): NoReplyResult<S> {
    this.operations.cast(this.state, this.pid, req);
    return { noreply: this.state };
  }

  private get state(): S {
    return this as unknown as S;
  }

  private async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.close();
  }
}
