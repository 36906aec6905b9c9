export interface LoadShedderOptions {
  /** Work is shed while queueLength() is strictly greater than this. */
  maxQueueLength: number;
  /** Current backlog, e.g. the owning server's mailbox length. */
  queueLength: () => number;
}

/** Rejects new work while a backlog is over its limit, so a saturated server degrades instead of collapsing. */
export class LoadShedder {
  readonly maxQueueLength: number;
  private readonly queueLength: () => number;
  private droppedCount = 0;
  private admittedCount = 0;

  constructor(options: LoadShedderOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('LoadShedder: options object required');
    const { maxQueueLength, queueLength } = options;
    if (typeof maxQueueLength !== 'number' || !Number.isInteger(maxQueueLength) || maxQueueLength < 0) {
      throw new RangeError(`LoadShedder: maxQueueLength must be an integer >= 0, got ${String(maxQueueLength)}`);
    }
    if (typeof queueLength !== 'function') throw new TypeError('LoadShedder: queueLength must be a function');
    this.maxQueueLength = maxQueueLength;
    this.queueLength = queueLength;
  }

  /** True if the work may proceed; false (and counted in `dropped`) if it must be rejected. */
  admit(): boolean {
    const length = this.queueLength();
    if (typeof length !== 'number' || Number.isNaN(length)) {
      throw new TypeError(`LoadShedder: queueLength() returned ${String(length)}, expected a number`);
    }
    if (length > this.maxQueueLength) {
      this.droppedCount++;
      return false;
    }
    this.admittedCount++;
    return true;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get admitted(): number {
    return this.admittedCount;
  }
}
