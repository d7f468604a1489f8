/**
 * SemanticRoutingMemory.addAndDelete: upserts and deletes in one store write.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DimensionMismatchError, InvalidInputError } from '../errors.js';
import { EmbeddedStorage } from '../storage/embedded/embedded-storage.js';
import { EmbeddedItemStore } from '../storage/embedded/srm-store.js';
import { tempDirs } from '@srm/testkit/temp-dirs';
import { Rng } from '../util/rng.js';
import { SemanticRoutingMemory } from './memory.js';

const tempDir = tempDirs('srm-add-delete-');
const D = 8;

/** A seeded unit vector per (id, version), so a replaced item is found by its new vector only. */
function vectorOf(id: string, version = 0): Float32Array {
  let seed = version * 7919;
  for (const c of id) seed = (seed * 31 + c.charCodeAt(0)) >>> 0;
  const rng = new Rng(seed);
  const v = Float32Array.from({ length: D }, () => rng.next() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}
const vectorsOf = (ids: readonly string[], version = 0) => ids.map((id) => vectorOf(id, version));

afterEach(() => {
  vi.restoreAllMocks();
});

async function memoryWith(ids: readonly string[], opts: { path?: string; autoFitAt?: number } = {}) {
  const memory = await SemanticRoutingMemory.open({ d: D, K: 4, m: 4, autoFitAt: opts.autoFitAt ?? 0, ...(opts.path ? { path: opts.path } : {}) });
  if (ids.length > 0) await memory.add(vectorsOf(ids), { ids: [...ids], payloads: ids.map((id) => ({ id, version: 0 })) });
  return memory;
}

describe('addAndDelete', () => {
  it('replaces items and deletes others in one write of the store', async () => {
    const storage = EmbeddedStorage.inMemory();
    const memory = await SemanticRoutingMemory.open({ d: D, storage });
    await memory.add(vectorsOf(['a', 'b', 'c']), { ids: ['a', 'b', 'c'] });
    const write = vi.spyOn(EmbeddedItemStore.prototype, 'write');
    const result = await memory.addAndDelete(vectorsOf(['a', 'd'], 1), {
      ids: ['a', 'd'],
      payloads: [{ v: 1 }, { v: 1 }],
      deleteIds: ['b', 'c', 'never-stored'],
    });
    expect(result).toEqual({ ids: ['a', 'd'], deleted: 2 });
    expect(write).toHaveBeenCalledTimes(1);
    expect(write.mock.calls[0]![0]).toMatchObject({ deleteIds: ['b', 'c'], upserts: [{ id: 'a' }, { id: 'd' }] });
    expect(memory.size).toBe(2);
    expect((await memory.get(['a', 'b', 'c', 'd'], { ignoreMissing: true })).map((it) => it?.payload)).toEqual([{ v: 1 }, undefined, undefined, { v: 1 }]);
    const [top] = await memory.query(vectorOf('a', 1), { k: 1 });
    expect(top!.id).toBe('a');
    expect((await memory.verify()).ok).toBe(true);
    await memory.close();
    await storage.close();
  });

  it('only deletes when given no vectors', async () => {
    const memory = await memoryWith(['a', 'b']);
    expect(await memory.addAndDelete([], { deleteIds: ['a'] })).toEqual({ ids: [], deleted: 1 });
    expect(memory.size).toBe(1);
    expect(await memory.has('a')).toBe(false);
    expect((await memory.verify()).ok).toBe(true);
    await memory.close();
  });

  it('refuses an id that is both added and deleted, and bad vectors, changing nothing', async () => {
    const memory = await memoryWith(['a', 'b']);
    await expect(memory.addAndDelete(vectorsOf(['a'], 1), { ids: ['a'], deleteIds: ['a'] })).rejects.toThrow(InvalidInputError);
    await expect(memory.addAndDelete([new Float32Array(D + 1)], { ids: ['c'], deleteIds: ['b'] })).rejects.toThrow(DimensionMismatchError);
    await expect(memory.addAndDelete([new Float32Array(D).fill(Number.NaN)], { ids: ['c'], deleteIds: ['b'] })).rejects.toThrow(InvalidInputError);
    await expect(memory.addAndDelete([], { ids: ['c'], deleteIds: ['b'] })).rejects.toThrow(InvalidInputError);
    await expect(memory.addAndDelete(vectorsOf(['c']), { ids: ['c'], deleteIds: [42 as unknown as string] })).rejects.toThrow(InvalidInputError);
    expect(memory.size).toBe(2);
    expect((await memory.get(['a', 'b'])).map((it) => it!.payload)).toEqual([
      { id: 'a', version: 0 },
      { id: 'b', version: 0 },
    ]);
    await memory.close();
  });

  it('fits the codebook when the batch reaches autoFitAt, and keeps routing right', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `i${i}`);
    const memory = await memoryWith(ids.slice(0, 10), { autoFitAt: 20 });
    await memory.addAndDelete(vectorsOf(ids.slice(10)), { ids: ids.slice(10), deleteIds: ids.slice(0, 5) });
    expect(memory.isFitted).toBe(true);
    expect(memory.size).toBe(25);
    expect((await memory.verify()).ok).toBe(true);
    for (const id of ['i7', 'i29']) expect((await memory.query(vectorOf(id), { k: 1 }))[0]!.id).toBe(id);
    await memory.close();
  });

  it('matches a model over random calls, and across a reopen', async () => {
    const path = tempDir();
    const memory = await memoryWith([], { path, autoFitAt: 12 });
    const model = new Map<string, number>();
    const pool = Array.from({ length: 24 }, (_, i) => `k${i}`);
    const call = fc.record({
      add: fc.uniqueArray(fc.constantFrom(...pool), { maxLength: 6 }),
      del: fc.uniqueArray(fc.constantFrom(...pool), { maxLength: 6 }),
    });
    let version = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 8 }), async (calls) => {
        for (const { add, del } of calls) {
          const deleteIds = del.filter((id) => !add.includes(id));
          if (add.length === 0 && deleteIds.length === 0) continue;
          version++;
          await memory.addAndDelete(vectorsOf(add, version), { ids: add, payloads: add.map(() => ({ version })), deleteIds });
          for (const id of deleteIds) model.delete(id);
          for (const id of add) model.set(id, version);
        }
        expect(memory.size).toBe(model.size);
        const stored = await memory.get(pool, { ignoreMissing: true });
        expect(new Map(stored.flatMap((it) => (it ? [[it.id, it.payload.version as number]] : [])))).toEqual(model);
      }),
      { numRuns: 25, seed: 23 },
    );
    expect((await memory.verify()).ok).toBe(true);
    await memory.close();
    const reopened = await SemanticRoutingMemory.open({ path });
    expect(reopened.size).toBe(model.size);
    expect((await reopened.verify()).ok).toBe(true);
    await reopened.close();
  });
});
