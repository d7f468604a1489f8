/**
 * SemanticRoutingMemory's reads and deletes by selection: items({ filter }), deleteWhere,
 * query({ ids }) and query({ withVectors }), on a fresh and on a fitted memory, embedded and on
 * the Qdrant emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { matchesFilter, normalizeFilter, type PayloadFilter } from '../filter.js';
import { QdrantStorage } from '../storage/qdrant/qdrant-storage.js';
import { startValidatingEmulator } from '@srm/testkit/qdrant/fixtures';
import type { QdrantEmulator } from '@srm/testkit/qdrant/emulator';
import type { StorageBackend } from '../storage/types.js';
import { tempDirs } from '@srm/testkit/temp-dirs';
import { Rng } from '../util/rng.js';
import { SemanticRoutingMemory } from './memory.js';
import type { SRMOptions } from './types.js';

const tempDir = tempDirs('srm-selection-');
const D = 8;
const N = 300;

function vectors(n: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: D }, () => rng.next() * 2 - 1));
}
const ids = Array.from({ length: N }, (_, i) => `item-${i}`);
const payloads = ids.map((_, i) => ({ doc: `doc-${i % 7}`, n: i, tags: i % 3 === 0 ? ['red'] : ['blue', 'green'] }));
const data = vectors(N, 1);

let emu: QdrantEmulator;
beforeAll(async () => {
  emu = await startValidatingEmulator();
});
afterAll(async () => {
  await emu.close();
});

let prefixNo = 0;
const setups: { label: string; options: Partial<SRMOptions>; storage?: () => Promise<StorageBackend> }[] = [
  { label: 'embedded, exact scan before the fit', options: { autoFitAt: 0 } },
  { label: 'embedded, fitted, pq4 rerank', options: { K: 8, m: 2, autoFitAt: 100, rerank: 'pq4' } },
  {
    label: 'qdrant emulator, fitted, no rerank codes',
    options: { K: 8, m: 2, autoFitAt: 100, rerank: 'none' },
    storage: () => QdrantStorage.connect({ url: emu.url, collectionPrefix: `sel${++prefixNo}`, retries: 0 }),
  },
];

/** Exact cosine of `q` and `v`. */
function cosine(q: Float32Array, v: Float32Array): number {
  let dot = 0;
  let qq = 0;
  let vv = 0;
  for (let j = 0; j < D; j++) {
    dot += q[j]! * v[j]!;
    qq += q[j]! * q[j]!;
    vv += v[j]! * v[j]!;
  }
  return dot / Math.sqrt(qq * vv);
}

for (const setup of setups) {
  describe(`selection: ${setup.label}`, () => {
    async function filled(): Promise<{ memory: SemanticRoutingMemory; storage?: StorageBackend }> {
      const storage = setup.storage ? await setup.storage() : undefined;
      const memory = await SemanticRoutingMemory.open({ d: D, ...setup.options, ...(storage ? { storage } : { path: tempDir() }) });
      await memory.add(data, { ids, payloads });
      return { memory, ...(storage ? { storage } : {}) };
    }
    async function done(s: { memory: SemanticRoutingMemory; storage?: StorageBackend }): Promise<void> {
      await s.memory.close();
      await s.storage?.close();
    }

    it('items({ filter }) yields exactly the matching items, in pages, with or without vectors', async () => {
      const s = await filled();
      const filter: PayloadFilter = {
        or: [
          { field: 'doc', op: 'eq', value: 'doc-3' },
          { field: 'tags', op: 'contains', value: 'red' },
        ],
      };
      const want = ids.filter((_, i) => matchesFilter(payloads[i]!, normalizeFilter(filter)));
      const pages = [];
      for await (const page of s.memory.items({ filter, pageSize: 16 })) pages.push(page);
      expect(pages.every((p) => p.length <= 16)).toBe(true);
      const got = pages.flat();
      expect(got.map((it) => it.id).sort()).toEqual([...want].sort());
      const [first] = await s.memory.get([got[0]!.id]);
      expect(got[0]!.vector).toEqual(first!.vector);
      const bare = [];
      for await (const page of s.memory.items({ filter: { doc: 'doc-3' }, withVectors: false })) bare.push(...page);
      expect(bare.length).toBe(ids.filter((_, i) => i % 7 === 3).length);
      expect(bare.every((it) => !('vector' in it) && it.payload.doc === 'doc-3')).toBe(true);
      await done(s);
    });

    it('deleteWhere deletes the matching items from the store and the routing layer', async () => {
      const s = await filled();
      const deleted = await s.memory.deleteWhere({ doc: 'doc-2' });
      const doomed = ids.filter((_, i) => i % 7 === 2);
      expect(deleted).toBe(doomed.length);
      expect(s.memory.size).toBe(N - doomed.length);
      expect(await s.memory.get(doomed, { ignoreMissing: true })).toEqual(doomed.map(() => undefined));
      const hits = await s.memory.query(data[2]!, { k: 20 });
      expect(hits.some((h) => h.payload.doc === 'doc-2')).toBe(false);
      const check = await s.memory.verify();
      expect(check.problems).toEqual([]);
      expect(await s.memory.deleteWhere({ doc: 'doc-2' })).toBe(0);
      await done(s);
    });

    it('query({ withVectors }) returns the stored vectors with the same hits', async () => {
      const s = await filled();
      for (const filter of [undefined, { doc: 'doc-1' }]) {
        const plain = await s.memory.query(data[5]!, { k: 10, ...(filter ? { filter } : {}) });
        const withVectors = await s.memory.query(data[5]!, { k: 10, withVectors: true, ...(filter ? { filter } : {}) });
        expect(withVectors.map(({ vector: _, ...h }) => h)).toEqual(plain);
        const stored = await s.memory.get(withVectors.map((h) => h.id));
        expect(withVectors.map((h) => h.vector)).toEqual(stored.map((it) => it!.vector));
        expect(plain.every((h) => h.vector === undefined)).toBe(true);
      }
      await done(s);
    });

    it('query({ ids }) scores exactly within the ids, with the filter, leaving out unknown ids', async () => {
      const s = await filled();
      const within = ['item-4', 'item-250', 'item-17', 'item-99', 'ghost', 'item-4'];
      const q = data[17]!;
      const hits = await s.memory.query(q, { ids: within, k: 3 });
      const expected = ['item-4', 'item-250', 'item-17', 'item-99']
        .map((id) => ({ id, score: cosine(q, data[Number(id.slice(5))]!) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 3);
      expect(hits.map((h) => h.id)).toEqual(expected.map((e) => e.id));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 5));
      const filtered = await s.memory.query(q, { ids: within, k: 10, filter: { field: 'n', op: 'gte', value: 50 }, withVectors: true });
      expect(filtered.map((h) => h.id).sort()).toEqual(['item-250', 'item-99']);
      expect(filtered[0]!.vector).toEqual((await s.memory.get([filtered[0]!.id]))[0]!.vector);
      expect(await s.memory.query(q, { ids: [] })).toEqual([]);
      await done(s);
    });

    it('refuses bad ids, filters and options with InvalidInputError and changes nothing', async () => {
      const s = await filled();
      await expect(s.memory.query(data[0]!, { ids: 'item-1' as never })).rejects.toThrow(InvalidInputError);
      await expect(s.memory.query(data[0]!, { ids: [''] })).rejects.toThrow(InvalidInputError);
      await expect(s.memory.query(data[0]!, { withVectors: 'yes' as never })).rejects.toThrow(InvalidInputError);
      await expect(s.memory.deleteWhere({ field: 'doc', op: 'like', value: 'x' } as never)).rejects.toThrow(InvalidInputError);
      await expect(s.memory.deleteWhere(null as never)).rejects.toThrow(InvalidInputError);
      const drain = async (opts: unknown) => {
        for await (const _ of s.memory.items(opts as never)) void _;
      };
      await expect(drain({ pageSize: 0 })).rejects.toThrow(InvalidInputError);
      await expect(drain({ filter: { n: [1] } })).rejects.toThrow(InvalidInputError);
      await expect(drain({ withVectors: 1 })).rejects.toThrow(InvalidInputError);
      await expect(drain({ page: 3 })).rejects.toThrow(InvalidInputError);
      expect(s.memory.size).toBe(N);
      await done(s);
    });
  });
}

describe('selection in the docs (docs/getting-started.md)', () => {
  it('runs the snippet: vectors with the hits, a query within ids, items and deletes by filter', async () => {
    const memory = await SemanticRoutingMemory.open({ d: 3 });
    const rows = [
      [1, 0, 0],
      [0, 1, 0],
      [0.9, 0.1, 0],
    ];
    await memory.add(rows, { ids: ['a#0', 'a#1', 'b#0'], payloads: [{ doc: 'a' }, { doc: 'a' }, { doc: 'b' }] });
    const hits = await memory.query([1, 0, 0], { k: 2, withVectors: true }); // each hit also has .vector
    const within = await memory.query([1, 0, 0], { ids: ['a#1', 'b#0'] }); // scored only among these ids
    const ofA: string[] = [];
    for await (const page of memory.items({ filter: { doc: 'a' }, withVectors: false })) ofA.push(...page.map((item) => item.id));
    const removed = await memory.deleteWhere({ doc: 'a' }); // 2: a#0 and a#1
    expect(hits.map((h) => [h.id, h.vector?.length])).toEqual([
      ['a#0', 3],
      ['b#0', 3],
    ]);
    expect(within.map((h) => h.id)).toEqual(['b#0', 'a#1']);
    expect(ofA).toEqual(['a#0', 'a#1']);
    expect(removed).toBe(2);
    expect(memory.size).toBe(1);
    await memory.close();
  });
});
