/**
 * The lock of one memory: queries share it, writes are exclusive, and a background refit can
 * hold writes off without stopping queries. A refit routes the writes made while it ran that way,
 * then swaps its layer in under the write lock, which queries wait for only a moment.
 */
import { RwLock } from '../util/rw-lock.js';

export class MemoryLock {
  private readonly access = new RwLock();
  /** Every write holds it shared for its whole run; {@link pausingWrites} holds it exclusively. */
  private readonly writers = new RwLock();

  /** Runs `fn` under the shared lock (queries, reads). */
  read<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.access.read(fn);
  }

  /** Runs `fn` under the exclusive lock (writes, fits, close). */
  write<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.writers.read(() => this.access.write(fn));
  }

  /**
   * Runs `prepare` once no write runs, while none may start and queries go on, then `commit`
   * with its result under the exclusive lock. A waiting pause stops new writes, so writes cannot
   * starve it; queries wait only for `commit`.
   */
  pausingWrites<P, T>(prepare: () => Promise<P>, commit: (prepared: P) => Promise<T>): Promise<T> {
    return this.writers.write(async () => {
      const prepared = await prepare();
      return this.access.write(() => commit(prepared));
    });
  }
}
