/**
 * Items stored without a vector (`null` rows of `add`): they take a slot and keep their payload,
 * but are in no bucket, so no query returns them, through a fit, a refit, a delete and a reopen.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { EmbeddedStorage } from '../storage/embedded/embedded-storage.js';
import { tempDirs } from '@srm/testkit/temp-dirs';
import { Rng } from '../util/rng.js';
import { SemanticRoutingMemory } from './memory.js';

const tempDir = tempDirs('srm-without-vector-');
const D = 8;
const rng = new Rng(11);
const unit = (): Float32Array => {
  const v = Float32Array.from({ length: D }, () => rng.next() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

/** Ids whose number says whether the item has a vector: `v-*` have one, `p-*` (payload only) do not. */
function batch(from: number, to: number): { rows: (Float32Array | null)[]; ids: string[]; payloads: { n: number; bare: boolean }[] } {
  const rows: (Float32Array | null)[] = [];
  const ids: string[] = [];
  const payloads: { n: number; bare: boolean }[] = [];
  for (let n = from; n < to; n++) {
    const bare = n % 3 === 0;
    rows.push(bare ? null : unit());
    ids.push(`${bare ? 'p' : 'v'}-${n}`);
    payloads.push({ n, bare });
  }
  return { rows, ids, payloads };
}

async function filled(memory: SemanticRoutingMemory, from: number, to: number): Promise<string[]> {
  const b = batch(from, to);
  await memory.add(b.rows, { ids: b.ids, payloads: b.payloads });
  return b.ids;
}

/** Every id any query returns, asked with k = size over every bucket. */
async function queryable(memory: SemanticRoutingMemory): Promise<Set<string>> {
  const out = new Set<string>();
  const m = memory.isFitted ? memory.stats().buckets.count : undefined;
  for (let i = 0; i < 5; i++) for (const h of await memory.query(unit(), { k: Math.min(memory.size, 1000), ...(m ? { m } : {}) })) out.add(h.id);
  return out;
}

/** Checks `memory` holds `ids`, the `bare` ones (default: the `p-*` ids) without a vector. */
async function expectConsistent(memory: SemanticRoutingMemory, ids: readonly string[], bare = ids.filter((id) => id.startsWith('p-'))): Promise<void> {
  const verdict = await memory.verify();
  expect(verdict.problems).toEqual([]);
  expect(memory.stats().withoutVector).toBe(bare.length);
  expect(memory.size).toBe(ids.length);
  const hits = await queryable(memory);
  expect(bare.filter((id) => hits.has(id))).toEqual([]);
  expect(hits.size).toBe(ids.length - bare.length);
  const items = await memory.get(bare);
  expect(items.every((it) => it!.vector === null && it!.payload.bare === true)).toBe(true);
}

describe('items without a vector', () => {
  it('are stored, read and listed with a null vector, and never returned by a query, even one within their ids', async () => {
    const memory = new SemanticRoutingMemory({ d: D, autoFitAt: 0 });
    const v = unit();
    await memory.add([v, null, unit()], { ids: ['a', 'b', 'c'], payloads: [{ t: 1 }, { t: 2 }, { t: 3 }] });
    expect(memory.size).toBe(3);
    expect(await memory.has('b')).toBe(true);
    expect((await memory.get(['b']))[0]).toEqual({ id: 'b', vector: null, payload: { t: 2 } });
    expect((await memory.query(v, { k: 3 })).map((h) => h.id).sort()).toEqual(['a', 'c']);
    expect((await memory.query(v, { k: 3, filter: { t: 2 } })).map((h) => h.id)).toEqual([]);
    expect((await memory.query(v, { ids: ['a', 'b'] })).map((h) => h.id)).toEqual(['a']);
    const listed = [];
    for await (const page of memory.items()) listed.push(...page);
    expect(listed.find((it) => it.id === 'b')).toEqual({ id: 'b', vector: null, payload: { t: 2 } });
    expect(memory.stats()).toMatchObject({ items: 3, withoutVector: 1, denseFloat32Bytes: 2 * D * 4 });
    await memory.close();
  });

  it('gain and lose a vector by an upsert, and are deleted by id and by filter', async () => {
    const memory = new SemanticRoutingMemory({ d: D, K: 4, m: 4, autoFitAt: 40 });
    const ids = await filled(memory, 0, 90);
    expect(memory.isFitted).toBe(true);
    await expectConsistent(memory, ids);
    // p-0 gains a vector, v-1 loses its own.
    const q = unit();
    await memory.add([q, null], {
      ids: ['p-0', 'v-1'],
      payloads: [
        { n: 0, bare: false },
        { n: 1, bare: true },
      ],
    });
    expect((await memory.query(q, { k: 1 }))[0]!.id).toBe('p-0');
    expect((await memory.get(['v-1']))[0]!.vector).toBeNull();
    expect(await queryable(memory)).not.toContain('v-1');
    expect((await memory.verify()).problems).toEqual([]);
    expect(memory.stats().withoutVector).toBe(ids.filter((id) => id.startsWith('p-')).length);
    // Deleted by id, and by filter in one write; their slots are free for new items.
    expect(await memory.delete(['v-1', 'p-3'])).toBe(2);
    expect(await memory.deleteWhere({ bare: true })).toBe(ids.filter((id) => id.startsWith('p-')).length - 2);
    expect(memory.stats().withoutVector).toBe(0);
    const rest = ids.filter((id) => id.startsWith('v-') && id !== 'v-1').concat('p-0');
    expect(memory.size).toBe(rest.length);
    const more = await filled(memory, 90, 120);
    const all = [...rest, ...more];
    await expectConsistent(
      memory,
      all,
      all.filter((id) => id.startsWith('p-') && id !== 'p-0'),
    );
    await memory.close();
  });

  it('stay out of the buckets through an automatic fit, a refit and writes made during it', async () => {
    const memory = new SemanticRoutingMemory({ d: D, K: 4, m: 4, autoFitAt: 60, growthRefitRatio: 0, driftRefitRatio: 0 });
    // The fit counts only items with a vector: 60 rows with a third bare do not reach autoFitAt.
    const ids = await filled(memory, 0, 60);
    expect(memory.isFitted).toBe(false);
    ids.push(...(await filled(memory, 60, 100)));
    expect(memory.isFitted).toBe(true);
    await expectConsistent(memory, ids);
    const refit = memory.refit({ worker: false });
    ids.push(...(await filled(memory, 100, 130)));
    await refit;
    await memory.idle();
    await expectConsistent(memory, ids);
    const bucketed = memory.stats().buckets.mean * memory.stats().buckets.count;
    expect(bucketed).toBeCloseTo(ids.filter((id) => id.startsWith('v-')).length);
    await memory.close();
  });

  it('reopen from the routing checkpoint and from a scan, and their slots are never handed out again', async () => {
    const path = tempDir();
    const first = await SemanticRoutingMemory.open({ path, d: D, K: 4, m: 4, autoFitAt: 40 });
    const ids = await filled(first, 0, 90);
    await first.close();
    for (const rebuild of [false, true]) {
      const memory = await SemanticRoutingMemory.open({ path, rebuild });
      expect(memory.stats().openedFrom.source).toBe(rebuild ? 'scan' : 'checkpoint');
      await expectConsistent(memory, ids);
      // A new item takes a free slot: had a bare item's slot been taken as free, the store would refuse the write.
      ids.push(...(await filled(memory, ids.length * 10, ids.length * 10 + 9)));
      await expectConsistent(memory, ids);
      await memory.close();
    }
  });

  it('reopen from a scan on a backend without checkpoints (an in-memory database)', async () => {
    const storage = EmbeddedStorage.inMemory();
    const first = await SemanticRoutingMemory.open({ storage, d: D, K: 4, m: 4, autoFitAt: 40 });
    const ids = await filled(first, 0, 70);
    await first.close();
    const memory = await SemanticRoutingMemory.open({ storage });
    expect(memory.stats().openedFrom.source).toBe('scan');
    await expectConsistent(memory, ids);
    await memory.close();
    await storage.close();
  });

  it('match a model over random upserts and deletes that give and take vectors, through fits, refits and a reopen', async () => {
    const path = tempDir();
    const memory = await SemanticRoutingMemory.open({ path, d: D, K: 4, m: 4, autoFitAt: 16, growthRefitRatio: 1.5 });
    /** Whether each stored id has a vector. */
    const model = new Map<string, boolean>();
    const pool = Array.from({ length: 60 }, (_, i) => `k${i}`);
    const call = fc.record({
      add: fc.uniqueArray(fc.tuple(fc.constantFrom(...pool), fc.boolean()), { maxLength: 10, selector: ([id]) => id }),
      del: fc.uniqueArray(fc.constantFrom(...pool), { maxLength: 4 }),
    });
    const check = async (m: SemanticRoutingMemory) => {
      expect((await m.verify()).problems).toEqual([]);
      expect(m.size).toBe(model.size);
      const withVector = [...model].filter(([, v]) => v).map(([id]) => id);
      expect(m.stats().withoutVector).toBe(model.size - withVector.length);
      const stored = await m.get(pool, { ignoreMissing: true });
      expect(new Map(stored.flatMap((it) => (it ? [[it.id, it.vector !== null]] : [])))).toEqual(model);
      const hits = await m.query(unit(), { k: pool.length, m: m.isFitted ? 4 : undefined });
      expect(hits.map((h) => h.id).sort()).toEqual(withVector.sort());
    };
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 6 }), async (calls) => {
        for (const { add, del } of calls) {
          const deleteIds = del.filter((id) => !add.some(([a]) => a === id));
          if (add.length === 0 && deleteIds.length === 0) continue;
          await memory.addAndDelete(
            add.map(([, v]) => (v ? unit() : null)),
            { ids: add.map(([id]) => id), deleteIds },
          );
          for (const id of deleteIds) model.delete(id);
          for (const [id, v] of add) model.set(id, v);
        }
        await memory.idle();
        await check(memory);
      }),
      { numRuns: 30, seed: 2021 },
    );
    expect(memory.isFitted).toBe(true);
    await memory.close();
    const reopened = await SemanticRoutingMemory.open({ path });
    expect(reopened.stats().openedFrom.source).toBe('checkpoint');
    await check(reopened);
    await reopened.close();
  });

  it('a batch that fails its checks changes nothing, and fit() takes no null row', async () => {
    const memory = new SemanticRoutingMemory({ d: D, autoFitAt: 0 });
    await memory.add([unit()], { ids: ['a'] });
    await expect(memory.add([null, [1, 2]], { ids: ['b', 'c'] })).rejects.toThrow(/vectors\[1\]/);
    await expect(memory.add([null, 'x' as unknown as number[]], { ids: ['b', 'c'] })).rejects.toThrow(InvalidInputError);
    await expect(memory.fit([unit(), null] as unknown as Float32Array[])).rejects.toThrow(/vectors\[1\].*got null/);
    expect(memory.size).toBe(1);
    expect(await memory.has('b')).toBe(false);
    await memory.close();
  });
});
