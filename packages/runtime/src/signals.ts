/** Messages the runtime itself puts in mailboxes. */
import type { Pid } from './process.js';

/** A trapped exit signal: OTP's {'EXIT', From, Reason}. `from` is undefined when sent from outside any process. */
export class Exit {
  readonly tag = 'EXIT' as const;
  constructor(
    readonly from: Pid | undefined,
    readonly reason: unknown,
  ) {}
}

export class MonitorRef {
  private static next = 0;
  readonly id = ++MonitorRef.next;
  constructor(readonly target: Pid) {}
  toString(): string {
    return `#Ref<${this.id}>`;
  }
}

/** A monitor notification: OTP's {'DOWN', Ref, process, Pid, Reason}. */
export class Down {
  readonly tag = 'DOWN' as const;
  constructor(
    readonly ref: MonitorRef,
    readonly pid: Pid,
    readonly reason: unknown,
  ) {}
}

export function isExit(msg: unknown): msg is Exit {
  return msg instanceof Exit;
}

export function isDown(msg: unknown): msg is Down {
  return msg instanceof Down;
}
