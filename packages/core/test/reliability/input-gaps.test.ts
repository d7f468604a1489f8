/**
 * Inputs that used to be accepted and then hurt (issue 23, part 7), each now
 * refused at the boundary with an SRMError subclass that names the problem,
 * changing nothing: options that contradict each other, null options, values
 * JSON would silently change, a second open of one store, and a progress
 * callback that throws after the write was committed (which must not fail it).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, InvalidInputError } from '../../src/errors.js';
import { SemanticMemory } from '../../src/glossary/semantic-memory.js';
import { SemanticRoutingMemory } from '../../src/srm/memory.js';
import { PROGRESS_WARNING_CODE } from '../../src/srm/validate.js';
import { EmbeddedStorage } from '../../src/storage/embedded/embedded-storage.js';
import { TempDirs } from '@srm/testkit/reliability/helpers';

const D = 4;
const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

/** `n` distinct unit-ish rows of dimension D, deterministic. */
function rows(n: number, offset = 0): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: D }, (_, j) => Math.sin(1 + (i + offset) * 7.3 + j * 1.7)));
}

describe('options checked together at open', () => {
  it('refuses autoFitAt below K at creation, before anything is created', async () => {
    const path = join(dirs.make(), 'memory');
    const open = SemanticRoutingMemory.open({ path, d: D, K: 16, autoFitAt: 10 });
    await expect(open).rejects.toThrow(InvalidConfigError);
    await expect(open).rejects.toMatchObject({ field: 'autoFitAt', message: expect.stringMatching(/must be 0 \(off\) or >= K \(16\).*got 10/) });
    expect(existsSync(path)).toBe(false);
    // 0 (off) and K itself are fine.
    for (const autoFitAt of [0, 16]) await (await SemanticRoutingMemory.open({ d: D, K: 16, autoFitAt })).close();
  });

  it('refuses at reopen an autoFitAt below the stored K, and the memory is unchanged', async () => {
    const path = dirs.make();
    const first = await SemanticRoutingMemory.open({ path, d: D, K: 8, autoFitAt: 0 });
    await first.add(rows(5), { ids: ['a', 'b', 'c', 'd', 'e'] });
    await first.close();
    await expect(SemanticRoutingMemory.open({ path, autoFitAt: 4 })).rejects.toMatchObject({ name: 'InvalidConfigError', field: 'autoFitAt' });
    const again = await SemanticRoutingMemory.open({ path });
    expect(again.size).toBe(5);
    expect(again.config.autoFitAt).toBe(0);
    await again.close();
  });
});

describe('null and other non-objects where options go', () => {
  it('refuses open(null) and open("path") with InvalidConfigError', async () => {
    await expect(SemanticRoutingMemory.open(null as never)).rejects.toThrow(InvalidConfigError);
    await expect(SemanticRoutingMemory.open('memory' as never)).rejects.toMatchObject({ field: 'options' });
  });

  it('refuses null options of query, add, get, delete, fit and refit with InvalidInputError, changing nothing', async () => {
    const memory = await SemanticRoutingMemory.open({ d: D, K: 2, autoFitAt: 0 });
    await memory.add(rows(3), { ids: ['a', 'b', 'c'] });
    const v = rows(1)[0]!;
    await expect(memory.query(v, null as never)).rejects.toThrow(InvalidInputError);
    await expect(memory.query(v, 'k=3' as never)).rejects.toThrow(/query: options must be an object or left out, got string/);
    await expect(memory.add([v], null as never)).rejects.toThrow(InvalidInputError);
    await expect(memory.get(['a'], null as never)).rejects.toThrow(InvalidInputError);
    await expect(memory.delete(['a'], null as never)).rejects.toThrow(InvalidInputError);
    await expect(memory.fit(rows(3), null as never)).rejects.toThrow(InvalidInputError);
    await expect(memory.refit(null as never)).rejects.toThrow(InvalidInputError);
    await expect(memory.add([v], { onProgress: 'loud' as never })).rejects.toThrow(/onProgress must be a function/);
    expect(memory.size).toBe(3);
    expect((await memory.get(['a', 'b', 'c'])).map((it) => it!.id)).toEqual(['a', 'b', 'c']);
    await memory.close();
  });
});

describe('payload values JSON would change', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['NaN', { score: NaN }, /payloads\[1\]\.score is NaN \(JSON would store null\)/],
    ['Infinity', { nested: { deep: [1, -Infinity] } }, /payloads\[1\]\.nested\.deep\[1\] is -Infinity/],
    ['a Date', { when: new Date(0) }, /payloads\[1\]\.when is a Date/],
    ['a Map', { tags: new Map([['a', 1]]) }, /payloads\[1\]\.tags is a Map/],
    ['a Set', { tags: new Set(['a']) }, /payloads\[1\]\.tags is a Set/],
    ['undefined', { note: undefined }, /payloads\[1\]\.note is undefined/],
    ['undefined in an array', { list: [1, undefined] }, /payloads\[1\]\.list\[1\] is undefined/],
    ['a sparse array', { list: [1, , 3] }, /payloads\[1\]\.list\[1\] is a hole/], // eslint-disable-line no-sparse-arrays
    [
      'a class instance',
      {
        at: new (class Point {
          x = 1;
        })(),
      },
      /payloads\[1\]\.at is a Point/,
    ],
    ['a function', { fn: () => 1 }, /payloads\[1\]\.fn is a function/],
    ['toJSON', { v: { toJSON: () => 'x' } }, /payloads\[1\]\.v is an object with toJSON/],
    ['an odd key', { 'a b': { c: NaN } }, /payloads\[1\]\["a b"\]\.c is NaN/],
  ];
  for (const [what, payload, message] of cases) {
    it(`refuses ${what}, naming its path, and stores none of the batch`, async () => {
      const memory = await SemanticRoutingMemory.open({ d: D, K: 2, autoFitAt: 0 });
      await memory.add(rows(1), { ids: ['kept'], payloads: [{ ok: true }] });
      const add = memory.add(rows(2, 5), { ids: ['x', 'y'], payloads: [{ fine: 1 }, payload] });
      await expect(add).rejects.toThrow(InvalidInputError);
      await expect(add).rejects.toThrow(message);
      expect(memory.size).toBe(1);
      expect(await memory.get(['x', 'y'], { ignoreMissing: true })).toEqual([undefined, undefined]);
      await memory.close();
    });
  }

  it('stores plain JSON as given: null, nested arrays, finite numbers, objects without a prototype', async () => {
    const memory = await SemanticRoutingMemory.open({ d: D, K: 2, autoFitAt: 0 });
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const payload = { n: null, list: [[1, 2], { b: 'c' }], x: -0.5, bare };
    await memory.add(rows(1), { ids: ['p'], payloads: [payload] });
    expect((await memory.get(['p']))[0]!.payload).toEqual({ n: null, list: [[1, 2], { b: 'c' }], x: -0.5, bare: { a: 1 } });
    await memory.close();
  });

  it('refuses the same values in glossary entries, naming the field, and writes nothing', async () => {
    const glossary = await SemanticMemory.open();
    const base = { key: 'JWT', value: 'JSON Web Token', agentId: 'bot' };
    await expect(glossary.memorize({ ...base, value: NaN as never })).rejects.toThrow(/entry\.value must be a string/);
    await expect(glossary.memorize({ ...base, description: new Date(0) as never })).rejects.toThrow(/entry\.description must be a string/);
    await expect(glossary.memorize({ ...base, aliases: new Map() as never })).rejects.toThrow(/entry\.aliases must be an array/);
    await expect(glossary.memorize({ ...base, aliases: ['jwt', undefined] as never })).rejects.toThrow(/entry\.aliases\[1\]/);
    await expect(glossary.memorize({ ...base, category: NaN as never })).rejects.toThrow(InvalidInputError);
    expect(await glossary.entryCount('bot')).toBe(0);
    await glossary.close();
  });
});

describe('an onProgress callback that throws', () => {
  it('does not fail an add (nor the auto-fit inside it): the write is committed and reported as done, with one process warning', async () => {
    const path = dirs.make();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const memory = await SemanticRoutingMemory.open({ path, d: D, K: 2, autoFitAt: 4 });
      const ids = await memory.add(rows(6), {
        ids: ['a', 'b', 'c', 'd', 'e', 'f'],
        onProgress: () => {
          throw new Error('the UI went away');
        },
      });
      expect(ids).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(memory.stats().fitted).toBe(true);
      await memory.close();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    const ours = warnings.filter((w) => (w as Error & { code?: string }).code === PROGRESS_WARNING_CODE);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.message).toMatch(/add: the onProgress callback threw \(the UI went away\); the operation went on/);
    const reopened = await SemanticRoutingMemory.open({ path });
    expect(reopened.size).toBe(6);
    await reopened.close();
  });
});

describe('one store open twice in one process', () => {
  it('refuses the second memory on the same store of one storage until the first is closed', async () => {
    const storage = await EmbeddedStorage.open(dirs.make());
    const first = await SemanticRoutingMemory.open({ storage, d: D, K: 2, autoFitAt: 0 });
    await first.add(rows(2), { ids: ['a', 'b'] });
    const second = SemanticRoutingMemory.open({ storage, d: D });
    await expect(second).rejects.toThrow(InvalidConfigError);
    await expect(second).rejects.toMatchObject({
      field: 'name',
      message: expect.stringMatching(/"default" of this embedded storage is already open as a memory in this process/),
    });
    // Another store of the same storage is fine, and the first memory still works.
    const other = await SemanticRoutingMemory.open({ storage, name: 'other', d: D, K: 2, autoFitAt: 0 });
    await other.close();
    await first.add(rows(1, 9), { ids: ['c'] });
    expect(first.size).toBe(3);
    await first.close();
    const reopened = await SemanticRoutingMemory.open({ storage });
    expect(reopened.size).toBe(3);
    expect((await reopened.query(rows(1, 9)[0]!, { k: 1 }))[0]!.id).toBe('c');
    await reopened.close();
    await storage.close();
  });

  it('frees the store when an open fails, so a correct open can follow', async () => {
    const storage = await EmbeddedStorage.open(dirs.make());
    await (await SemanticRoutingMemory.open({ storage, d: D, K: 2 })).close();
    await expect(SemanticRoutingMemory.open({ storage, d: D, K: 3 })).rejects.toThrow(InvalidConfigError);
    const ok = await SemanticRoutingMemory.open({ storage });
    expect(ok.config.K).toBe(2);
    await ok.close();
    await storage.close();
  });

  it('keeps the store claimed by a later memory when an earlier, failed one is closed', async () => {
    const storage = await EmbeddedStorage.open(dirs.make());
    await (await SemanticRoutingMemory.open({ storage, d: D, K: 2 })).close();
    // Constructed directly, a memory with a conflicting K fails in its setup, which frees the store.
    const failed = new SemanticRoutingMemory({ d: D, K: 3 }, storage);
    await expect(failed.add(rows(1))).rejects.toThrow(InvalidConfigError);
    const holder = await SemanticRoutingMemory.open({ storage });
    await failed.close();
    await expect(SemanticRoutingMemory.open({ storage })).rejects.toMatchObject({ name: 'InvalidConfigError', field: 'name' });
    await holder.close();
    await storage.close();
  });
});
