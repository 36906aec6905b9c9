/**
 * The runtime's single deadline structure: a binary min-heap ordered by
 * (deadline, sequence), driven by ONE setTimeout re-armed to the earliest live
 * deadline. Cancellation is lazy (an entry is flagged and skipped when it
 * reaches the top); the heap is compacted when dead entries outnumber live
 * ones, so a stream of calls that are answered in time keeps it small.
 *
 * Entries are single-use: schedule an entry once, then let it fire or cancel it.
 */
import { performance } from 'node:perf_hooks';

export interface DeadlineEntry {
  deadline: number;
  seq: number;
  /** true while scheduled and neither fired nor cancelled */
  armed: boolean;
  onDeadline(): void;
}

export type Timeout = number | 'infinity';

const COMPACT_MIN = 256;
/**
 * setTimeout holds a signed 32-bit delay; a longer one fires after 1 ms (with a warning) and would
 * spin the loop. Deadlines further out (state timeouts of days) wake the heap early and re-arm.
 */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

export class TimerHeap {
  private heap: DeadlineEntry[] = [];
  private live = 0;
  private seq = 0;
  private handle: NodeJS.Timeout | undefined;
  private handleAt = Infinity;
  private readonly fire = (): void => this.onTimer();

  now(): number {
    return performance.now();
  }

  get liveCount(): number {
    return this.live;
  }

  schedule(entry: DeadlineEntry, delayMs: number): void {
    entry.deadline = this.now() + (delayMs > 0 ? delayMs : 0);
    entry.seq = ++this.seq;
    entry.armed = true;
    if (this.live++ === 0 && this.handle !== undefined) this.handle.ref();
    this.push(entry);
    if (entry.deadline < this.handleAt) this.arm(entry.deadline);
  }

  cancel(entry: DeadlineEntry): void {
    if (!entry.armed) return;
    entry.armed = false;
    if (--this.live === 0) {
      // Keep the armed setTimeout (re-arming it per call would cost a timer per call) but
      // stop it from holding the event loop open; it fires once, finds nothing, and lapses.
      this.heap.length = 0;
      this.handle?.unref();
    } else if (this.heap.length >= COMPACT_MIN && this.heap.length > 2 * this.live) {
      this.compact();
    }
  }

  /** Convenience timer for non-hot paths. */
  after(delayMs: number, fn: () => void): DeadlineEntry {
    const entry: DeadlineEntry = { deadline: 0, seq: 0, armed: false, onDeadline: fn };
    this.schedule(entry, delayMs);
    return entry;
  }

  /** Drops every entry and the underlying setTimeout (runtime reset). */
  clear(): void {
    for (const e of this.heap) e.armed = false;
    this.heap.length = 0;
    this.live = 0;
    this.disarm();
  }

  private onTimer(): void {
    this.handle = undefined;
    this.handleAt = Infinity;
    const now = this.now();
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      if (top.armed && top.deadline > now) break;
      this.pop();
      if (!top.armed) continue;
      top.armed = false;
      this.live--;
      try {
        top.onDeadline();
      } catch {
        // A deadline callback must never take the timer loop down with it.
      }
    }
    while (heap.length > 0 && !heap[0]!.armed) this.pop();
    if (heap.length > 0) this.arm(heap[0]!.deadline);
  }

  private arm(deadline: number): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handleAt = deadline;
    this.handle = setTimeout(this.fire, Math.min(MAX_TIMER_DELAY, Math.max(0, Math.ceil(deadline - this.now()))));
    if (this.live === 0) this.handle.unref();
  }

  private disarm(): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
    this.handleAt = Infinity;
  }

  private compact(): void {
    const kept = this.heap.filter((e) => e.armed);
    this.heap = kept;
    for (let i = (kept.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private less(a: DeadlineEntry, b: DeadlineEntry): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private push(entry: DeadlineEntry): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!this.less(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.down(0);
    }
  }

  private down(start: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[start]!;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(heap[r]!, heap[l]!) ? r : l;
      if (!this.less(heap[c]!, item)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = item;
  }
}
