import { describe, expect, it } from 'vitest';
import { MemoryLock } from './memory-lock.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('MemoryLock', () => {
  it('lets reads through a write pause and holds writes until its commit is done', async () => {
    const lock = new MemoryLock();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pause = lock.pausingWrites(
      async () => {
        log.push('prepare');
        await gate;
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
    release();
    await Promise.all([pause, write]);
    expect(log).toEqual(['prepare', 'read', 'commit prepared', 'write']);
  });

  it('waits for the write that runs, and stops new writes while it waits', async () => {
    const lock = new MemoryLock();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = lock.write(async () => {
      await gate;
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
    release();
    await Promise.all([first, pause, second]);
    expect(log).toEqual(['first write', 'prepare', 'commit', 'second write']);
  });

  it('makes the commit wait for the reads that run', async () => {
    const lock = new MemoryLock();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const read = lock.read(async () => {
      await gate;
      log.push('read');
    });
    const pause = lock.pausingWrites(
      async () => log.push('prepare'),
      async () => log.push('commit'),
    );
    await turn();
    expect(log).toEqual(['prepare']);
    release();
    await Promise.all([read, pause]);
    expect(log).toEqual(['prepare', 'read', 'commit']);
  });
});
