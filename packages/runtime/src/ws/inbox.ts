/**
 * One connection's inbound frames on their way to its session: delivered one at a time, in
 * arrival order (the next only after the previous handler's promise settles), with a bound on
 * the frames in flight (queued + the one running).
 *
 * At `pauseAt` frames the inbox asks its owner to stop reading the socket (TCP back-pressure
 * then slows the peer without losing a frame) and to resume once it has drained to half of
 * that. Frames that still arrive beyond `max` (already read from the socket when it paused)
 * make `push` return 'overflow': the owner closes the connection, since nothing bounds such a
 * peer otherwise.
 */
export interface InboxHooks<T> {
  /** Handles one item; a returned promise holds the next item back until it settles. */
  deliver(item: T): unknown;
  /** A throw or rejection of deliver; the inbox stops delivering. */
  failed(error: unknown): void;
  pause(): void;
  resume(): void;
}

export type PushResult = 'queued' | 'overflow';

export class ConnectionInbox<T> {
  private readonly queue: T[] = [];
  private head = 0;
  private running = false;
  private paused = false;
  private stopped = false;
  readonly pauseAt: number;

  constructor(
    readonly max: number,
    private readonly hooks: InboxHooks<T>,
  ) {
    if (!Number.isSafeInteger(max) || max < 1)
      throw new Error(`ConnectionInbox: max must be an integer >= 1, got ${max}`);
    this.pauseAt = Math.max(1, Math.floor(max / 2));
  }

  /** Frames accepted and not yet handled, the running one included. */
  get inFlight(): number {
    return this.queue.length - this.head + (this.running ? 1 : 0);
  }

  push(item: T): PushResult {
    if (this.stopped) return 'queued';
    if (this.inFlight >= this.max) return 'overflow';
    this.queue.push(item);
    if (!this.paused && this.inFlight >= this.pauseAt) {
      this.paused = true;
      this.hooks.pause();
    }
    this.pump();
    return 'queued';
  }

  /** Drops what is queued and delivers nothing more (the connection is gone). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.head = 0;
  }

  private pump(): void {
    while (!this.running && !this.stopped && this.head < this.queue.length) {
      const item = this.queue[this.head++] as T;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.running = true;
      let r: unknown;
      try {
        r = this.hooks.deliver(item);
      } catch (e) {
        this.running = false;
        this.fail(e);
        return;
      }
      if (typeof r === 'object' && r !== null && typeof (r as { then?: unknown }).then === 'function') {
        (r as Promise<unknown>).then(
          () => this.settled(),
          (e: unknown) => {
            this.running = false;
            this.fail(e);
          },
        );
        return;
      }
      this.running = false;
      this.maybeResume();
    }
  }

  private settled(): void {
    this.running = false;
    this.maybeResume();
    this.pump();
  }

  private maybeResume(): void {
    if (this.paused && !this.stopped && this.inFlight <= Math.floor(this.pauseAt / 2)) {
      this.paused = false;
      this.hooks.resume();
    }
  }

  private fail(e: unknown): void {
    this.stop();
    this.hooks.failed(e);
  }
}
