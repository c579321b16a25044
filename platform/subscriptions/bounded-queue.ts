/**
 * An async iterator fed by push(), holding at most `limit` undelivered items. When a consumer falls
 * further behind, `onOverflow` decides (close its connection) and the iterator ends. `end()` ends it
 * from the producing side: what is buffered is still read, then the iterator is done.
 */
export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  /** Takes no more items (ended, returned or overflowed); `onClose` has run. */
  private closed = false;

  constructor(
    private readonly limit: number,
    private readonly onOverflow: () => void,
    private readonly onClose: () => void,
  ) {}

  push(item: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.limit) {
      this.onOverflow();
      void this.return();
      return;
    }
    this.items.push(item);
  }

  /** Takes nothing more: the reader gets the items already pushed, then the end. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    // Only a reader with nothing left to read waits.
    this.waiting?.({ value: undefined, done: true });
    this.waiting = null;
    this.onClose();
  }

  get size(): number {
    return this.items.length;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** The reader is done: what is buffered is dropped. */
  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
