import type { Sink } from './publisher.js';
import type { Receipt } from './types.js';

/**
 * A sink that keeps what it accepts, in delivery order, once per executionId (the publisher is
 * at-least-once, so a redelivered batch must not double-count). For tests, local runs and the
 * spec's `otp:sink "memory"`.
 */
export class MemorySink implements Sink {
  readonly received: Receipt[] = [];
  private readonly seen = new Set<string>();
  batches = 0;

  deliver(batch: readonly Receipt[]): Promise<void> {
    this.batches++;
    for (const r of batch) {
      if (this.seen.has(r.executionId)) continue;
      this.seen.add(r.executionId);
      this.received.push(r);
    }
    return Promise.resolve();
  }
}
