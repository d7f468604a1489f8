/**
 * An async readers-writer lock with writer preference: queries share it,
 * writes are exclusive, and a waiting writer stops new readers so writes
 * cannot starve.
 *
 * After an operation it gives the event loop a turn, at most every 20 ms.
 * The embedded store is synchronous, so a caller that awaits one operation
 * after another never leaves the microtask queue; without these turns its loop
 * would hold back timers, I/O and a background refit until it ended. The turn
 * comes after the lock is released, so operations still take the lock in the
 * order they were called.
 */
export class RwLock {
  private readers = 0;
  private writing = false;
  private waiting: { write: boolean; wake: () => void }[] = [];
  private readonly yielder = new Yielder();

  /** Runs `fn` under a shared lock. */
  async read<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.writing || this.waiting.some((w) => w.write)) await new Promise<void>((wake) => this.waiting.push({ write: false, wake }));
    else this.readers++;
    let result: T;
    try {
      result = await fn();
    } finally {
      this.readers--;
      this.next();
    }
    await this.yielder.maybe();
    return result;
  }

  /** Runs `fn` under an exclusive lock. */
  async write<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.writing || this.readers > 0 || this.waiting.length > 0) await new Promise<void>((wake) => this.waiting.push({ write: true, wake }));
    else this.writing = true;
    let result: T;
    try {
      result = await fn();
    } finally {
      this.writing = false;
      this.next();
    }
    await this.yielder.maybe();
    return result;
  }

  private next(): void {
    if (this.writing || this.readers > 0) return;
    const head = this.waiting[0];
    if (!head) return;
    if (head.write) {
      this.waiting.shift();
      this.writing = true;
      head.wake();
      return;
    }
    // Wake every reader up to the next writer.
    while (this.waiting[0] && !this.waiting[0].write) {
      this.readers++;
      this.waiting.shift()!.wake();
    }
  }
}

/** Resolves on the next turn of the event loop, so long loops let queries in. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lets a long synchronous computation give the event loop a turn every
 * `sliceMs` milliseconds, so queries keep answering during a fit or refit.
 */
export class Yielder {
  private last = performance.now();
  constructor(private readonly sliceMs = 20) {}
  async maybe(): Promise<void> {
    const now = performance.now();
    if (now - this.last < this.sliceMs) return;
    await yieldToEventLoop();
    this.last = performance.now();
  }
}
