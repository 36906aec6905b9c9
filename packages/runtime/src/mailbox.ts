/** FIFO queue with an advancing head; amortised O(1) shift without Array.prototype.shift's copying. */
export class Mailbox<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Caller checks `size` first: items may themselves be undefined. */
  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns the first item matching `pred`, or `notFound`. */
  take<U>(pred: (item: T) => boolean, notFound: U): T | U {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i] as T;
      if (pred(item)) {
        if (i === this.head) return this.shift();
        this.items.splice(i, 1);
        return item;
      }
    }
    return notFound;
  }

  /** Drops the storage of items already taken (hibernate). */
  compact(): void {
    if (this.head > 0) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    } else if (this.items.length === 0) {
      this.items = [];
    }
  }

  clear(): T[] {
    const rest = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return rest;
  }
}
