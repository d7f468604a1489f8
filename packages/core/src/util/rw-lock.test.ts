import { describe, expect, it } from 'vitest';
import { RwLock } from './rw-lock.js';

describe('RwLock', () => {
  it('gives the event loop a turn during a loop of operations that never wait for I/O', async () => {
    const lock = new RwLock();
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    const started = performance.now();
    let operations = 0;
    // Each operation resolves through microtasks only, like a write to the synchronous embedded store.
    while (!turned && performance.now() - started < 2000) {
      await lock.write(() => operations++);
      await lock.read(() => operations);
    }
    expect(turned).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(operations).toBeGreaterThan(1);
  });

  it('takes the lock in call order, whatever the turns given in between', async () => {
    const lock = new RwLock();
    const order: number[] = [];
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      calls.push(
        lock.write(async () => {
          order.push(i);
          // Spend a little time so that some operations end on a turn of the event loop.
          const until = performance.now() + 0.5;
          while (performance.now() < until);
        }),
      );
    }
    await Promise.all(calls);
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('rejects with the operation’s error and stays usable', async () => {
    const lock = new RwLock();
    await expect(
      lock.write(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(lock.read(() => 7)).resolves.toBe(7);
  });
});
