import { describe, expect, it } from 'vitest';
import { MemoryLock } from './memory-lock.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A promise that stays pending until `open()`. */
function gate(): { closed: Promise<void>; open: () => void } {
  let open!: () => void;
  const closed = new Promise<void>((resolve) => (open = resolve));
  return { closed, open };
}

describe('MemoryLock', () => {
  it('lets reads through a write pause and holds writes until its commit is done', async () => {
    const lock = new MemoryLock();
    const log: string[] = [];
    const held = gate();
    const pause = lock.pausingWrites(
      async () => {
        log.push('prepare');
        await held.closed;
        return 'prepared';
      },
      async (p) => {
        log.push(`commit ${p}`);
      },
    );
    await turn();
    const write = lock.write(() => log.push('write'));
    const read = lock.read(() => log.push('read'));
    await read;
    await turn();
    expect(log).toEqual(['prepare', 'read']);
    held.open();
    await Promise.all([pause, write]);
    expect(log).toEqual(['prepare', 'read', 'commit prepared', 'write']);
  });

  it('waits for the write that runs, and stops new writes while it waits', async () => {
    const lock = new MemoryLock();
    const log: string[] = [];
    const held = gate();
    const first = lock.write(async () => {
      await held.closed;
      log.push('first write');
    });
    await turn();
    const pause = lock.pausingWrites(
      async () => log.push('prepare'),
      async () => log.push('commit'),
    );
    const second = lock.write(() => log.push('second write'));
    await turn();
    expect(log).toEqual([]);
    held.open();
    await Promise.all([first, pause, second]);
    expect(log).toEqual(['first write', 'prepare', 'commit', 'second write']);
  });

  it('makes the commit wait for the reads that run', async () => {
    const lock = new MemoryLock();
    const log: string[] = [];
    const held = gate();
    const read = lock.read(async () => {
      await held.closed;
      log.push('read');
    });
    const pause = lock.pausingWrites(
      async () => log.push('prepare'),
      async () => log.push('commit'),
    );
    await turn();
    expect(log).toEqual(['prepare']);
    held.open();
    await Promise.all([read, pause]);
    expect(log).toEqual(['prepare', 'read', 'commit']);
  });
});
