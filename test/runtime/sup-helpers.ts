import {
  GenServer,
  Supervisor,
  Pid,
  processFlag,
  type ChildSpec,
  type ExitReason,
  type ServerRef,
  type StartResult,
} from '../../packages/runtime/src/index.js';

export interface WorkerOpts {
  trap?: boolean;
  /** runs in the worker's terminate; may return a promise to delay the exit */
  onTerminate?: (reason: ExitReason) => unknown;
  /** decides, per start attempt, whether init fails */
  failInit?: () => unknown;
}

/** A recorder of start/terminate events, shared by the workers of one test. */
export class Trace {
  readonly events: string[] = [];
  starts(id: string): number {
    return this.events.filter((e) => e === `start:${id}`).length;
  }

  startWorker(id: string, w: WorkerOpts = {}): Promise<StartResult> {
    return GenServer.startLink(
      {
        init: () => {
          const failure = w.failInit?.();
          if (failure !== undefined) return { stop: failure };
          if (w.trap) processFlag('trapExit', true);
          this.events.push(`start:${id}`);
          return { ok: id };
        },
        handleCall: (req: unknown, _f, s: string) =>
          typeof req === 'object' && req !== null && 'stopWith' in req
            ? { stop: (req as { stopWith: unknown }).stopWith, reply: 'stopping', state: s }
            : { reply: s, state: s },
        terminate: (reason) => {
          this.events.push(`terminate:${id}`);
          return w.onTerminate?.(reason);
        },
      },
      null,
    );
  }

  spec(id: string, extra: Partial<ChildSpec> = {}, w: WorkerOpts = {}): ChildSpec {
    return { id, start: () => this.startWorker(id, w), ...extra };
  }
}

export async function pidOf(sup: ServerRef, id: unknown): Promise<Pid | 'restarting' | undefined> {
  const c = (await Supervisor.whichChildren(sup)).find((x) => x.id === id);
  return c?.pid;
}

export async function runningPid(sup: ServerRef, id: unknown): Promise<Pid> {
  const p = await pidOf(sup, id);
  if (!(p instanceof Pid)) throw new Error(`child ${String(id)} is not running: ${String(p)}`);
  return p;
}

export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}
