/**
 * The SRMItemStore half of the storage backend contract: what every backend's
 * {@link SRMItemStore} must do, as vitest suites. A backend's test file calls
 * {@link srmStoreContract} with a {@link BackendFactory}; the glossary half
 * (`./glossary-store.ts`) takes the same factory. Run by `@srm/core`'s backend
 * tests; any other backend's tests can run it the same way.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClosedError,
  DimensionMismatchError,
  InvalidInputError,
  SRMError,
  matchesFilter,
  normalizeFilter,
  type FilterInput,
  type Payload,
  type StorageBackend,
} from '@srm/core';
import { NO_VECTOR_BUCKET, type SRMRecord, type SRMItemStore, type SRMItemStoreSpec } from '@srm/core/storage';

/**
 * How a contract suite gets backends.
 *
 * - `open()` is called at the start of every test. The stores the suite names in one test
 *   (unique per test) must not exist yet in what it returns.
 * - `reopen()`, when given, opens a new backend over the same data as the last `open()`. The
 *   suite calls it after closing that backend; it enables the persistence tests.
 * - `cleanup()` runs after every test, once the suite has closed the backends it opened.
 */
export interface BackendFactory {
  open(): Promise<StorageBackend>;
  reopen?(): Promise<StorageBackend>;
  cleanup(): Promise<void>;
}

const DIM = 8;

/** A deterministic, non-trivial vector for (seed, dim). */
function vectorOf(seed: number, dim = DIM): Float32Array {
  const v = new Float32Array(dim);
  let x = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < dim; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    v[i] = (x / 0xffffffff) * 2 - 1;
  }
  return v;
}

function record(n: number, over: Partial<SRMRecord> = {}): SRMRecord {
  return { id: `item-${n}`, slot: n, bucket: n % 5, vector: vectorOf(n), payload: { n, tag: n % 2 === 0 ? 'even' : 'odd' }, ...over };
}

function records(from: number, to: number): SRMRecord[] {
  const out: SRMRecord[] = [];
  for (let n = from; n < to; n++) out.push(record(n));
  return out;
}

async function collect(iter: AsyncIterable<{ slot: number }[]>): Promise<{ slot: number }[][]> {
  const pages: { slot: number }[][] = [];
  for await (const page of iter) pages.push(page);
  return pages;
}

/**
 * Declares the SRMItemStore contract suites for one backend.
 * @param label shown in the suite names, e.g. `"embedded"` or `"qdrant"`.
 */
export function srmStoreContract(label: string, factory: BackendFactory): void {
  describe(`SRMItemStore contract: ${label}`, () => {
    let backends: StorageBackend[] = [];
    let backend: StorageBackend;
    let testNo = 0;
    let spec: SRMItemStoreSpec;

    beforeEach(async () => {
      testNo++;
      spec = { name: `srm-contract-${testNo}`, dim: DIM, metric: 'cosine' };
      backend = await factory.open();
      backends = [backend];
    });

    afterEach(async () => {
      for (const b of backends) await b.close();
      await factory.cleanup();
    });

    const openStore = (s: SRMItemStoreSpec = spec): Promise<SRMItemStore> => backend.openSrmStore(s);

    /** Closes the backend and reopens the same data; undefined when the factory cannot. */
    async function reopenStore(): Promise<SRMItemStore> {
      await backend.close();
      backend = await factory.reopen!();
      backends.push(backend);
      return backend.openSrmStore(spec);
    }

    describe('openSrmStore', () => {
      it('creates an empty store with the given spec', async () => {
        const store = await openStore();
        expect(store.spec).toMatchObject({ name: spec.name, dim: DIM, metric: 'cosine' });
        expect(await store.count()).toBe(0);
        expect(await store.readState()).toBeNull();
      });

      it('lists the store among the backend stores', async () => {
        await openStore();
        expect((await backend.listStores()).srm).toContain(spec.name);
      });

      it('keeps stores of different names apart', async () => {
        const a = await openStore();
        const b = await openStore({ ...spec, name: `${spec.name}-other` });
        await a.write({ upserts: [record(1)] });
        expect(await a.count()).toBe(1);
        expect(await b.count()).toBe(0);
      });

      it('refuses to open an existing store with another dimension', async () => {
        await openStore();
        await expect(openStore({ ...spec, dim: DIM + 1 })).rejects.toThrow(DimensionMismatchError);
      });
    });

    describe('write', () => {
      it('stores upserted records so that they can be fetched by id and by slot', async () => {
        const store = await openStore();
        const recs = records(0, 10);
        await store.write({ upserts: recs });
        const all = { id: true, bucket: true, vector: true, payload: true };
        const byId = await store.fetchIds(['item-3', 'item-7'], all);
        const bySlot = await store.fetchSlots([3, 7], all);
        for (const views of [byId, bySlot]) {
          expect(views[0]).toEqual({ id: 'item-3', slot: 3, bucket: 3, vector: vectorOf(3), payload: { n: 3, tag: 'odd' } });
          expect(views[1]?.id).toBe('item-7');
          expect(views[1]?.vector).toBeInstanceOf(Float32Array);
        }
      });

      it('replaces a record when its id is upserted again', async () => {
        const store = await openStore();
        await store.write({ upserts: [record(1)] });
        await store.write({ upserts: [record(1, { bucket: 4, vector: vectorOf(99), payload: { replaced: true } })] });
        const [view] = await store.fetchIds(['item-1'], { bucket: true, vector: true, payload: true });
        expect(view).toEqual({ slot: 1, bucket: 4, vector: vectorOf(99), payload: { replaced: true } });
        expect(await store.count()).toBe(1);
      });

      it('stores a record without a vector (bucket NO_VECTOR_BUCKET, zeros) and reads it back as written', async () => {
        const store = await openStore();
        const bare = record(2, { bucket: NO_VECTOR_BUCKET, vector: new Float32Array(DIM) });
        await store.write({ upserts: [record(1), bare] });
        const all = { id: true, bucket: true, vector: true, payload: true };
        expect((await store.fetchIds(['item-2'], all))[0]).toEqual({ ...bare });
        expect((await store.fetchSlots([2], all))[0]).toEqual({ ...bare });
        expect(await store.count()).toBe(2);
        // It becomes an item with a vector by an upsert, as any record changes.
        await store.write({ upserts: [record(2)] });
        expect((await store.fetchIds(['item-2'], { bucket: true, vector: true }))[0]).toEqual({ slot: 2, bucket: 2, vector: vectorOf(2) });
      });

      it('moves a record to a new slot when its id is upserted with another slot', async () => {
        const store = await openStore();
        await store.write({ upserts: [record(1)] });
        await store.write({ upserts: [record(1, { slot: 50 })] });
        expect(await store.slotsOf(['item-1'])).toEqual(new Map([['item-1', 50]]));
        expect(await store.fetchSlots([1, 50], { id: true })).toEqual([undefined, { slot: 50, id: 'item-1' }]);
      });

      it('deletes records by id', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 5) });
        await store.write({ deleteIds: ['item-1', 'item-3'] });
        expect(await store.count()).toBe(3);
        expect(await store.fetchIds(['item-1', 'item-2', 'item-3'], {})).toEqual([undefined, { slot: 2 }, undefined]);
      });

      it('treats deleting an unknown id as a no-op', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 2) });
        await expect(store.write({ deleteIds: ['never-stored'] })).resolves.toBeUndefined();
        expect(await store.count()).toBe(2);
      });

      it('applies deletes before upserts, so a freed slot can be reused in the same batch', async () => {
        const store = await openStore();
        await store.write({ upserts: [record(1)] });
        await store.write({ deleteIds: ['item-1'], upserts: [record(2, { slot: 1 })] });
        expect(await store.fetchSlots([1], { id: true })).toEqual([{ slot: 1, id: 'item-2' }]);
        expect(await store.count()).toBe(1);
      });

      it('keeps an id that is both deleted and upserted in one batch', async () => {
        const store = await openStore();
        await store.write({ upserts: [record(1)] });
        await store.write({ deleteIds: ['item-1'], upserts: [record(1, { payload: { again: true } })] });
        expect(await store.fetchIds(['item-1'], { payload: true })).toEqual([{ slot: 1, payload: { again: true } }]);
      });

      it('accepts an empty batch', async () => {
        const store = await openStore();
        await expect(store.write({})).resolves.toBeUndefined();
        await expect(store.write({ upserts: [], deleteIds: [] })).resolves.toBeUndefined();
        expect(await store.count()).toBe(0);
      });

      it('round-trips awkward ids and payloads unchanged', async () => {
        const store = await openStore();
        const ids = ['a::b', 'x/../y', 'nul\u0000inside', 'émoji 🙂', ' ', '"quoted"'];
        const payload = JSON.parse(
          '{"__proto__": {"polluted": true}, "constructor": "c", "nested": {"list": [1, "two", null]}, "text": "line\\nbreak \\u0001"}',
        ) as Record<string, unknown>;
        await store.write({ upserts: ids.map((id, i) => record(i, { id, payload })) });
        const views = await store.fetchIds(ids, { id: true, payload: true });
        expect(views.map((v) => v?.id)).toEqual(ids);
        for (const v of views) expect(v?.payload).toEqual(payload);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getOwnPropertyNames(views[0]!.payload)).toContain('__proto__');
      });

      it('stores a copy: mutating the written vector afterwards changes nothing', async () => {
        const store = await openStore();
        const rec = record(1);
        await store.write({ upserts: [rec] });
        rec.vector.fill(0);
        const [view] = await store.fetchSlots([1], { vector: true });
        expect(view?.vector).toEqual(vectorOf(1));
      });
    });

    describe('write validation', () => {
      /** Writes `[valid record 100, bad]` and checks that it throws `cls` and writes nothing. */
      async function expectRejected(bad: SRMRecord, cls: new (...args: never[]) => SRMError): Promise<void> {
        const store = await openStore();
        await store.write({ upserts: [record(0)] });
        await expect(store.write({ upserts: [record(100), bad], deleteIds: ['item-0'] })).rejects.toThrow(cls);
        expect(await store.count()).toBe(1);
        expect(await store.fetchIds(['item-0', 'item-100'], {})).toEqual([{ slot: 0 }, undefined]);
      }

      it('rejects a vector of the wrong dimension with DimensionMismatchError and writes nothing', async () => {
        await expectRejected(record(1, { vector: new Float32Array(DIM + 1) }), DimensionMismatchError);
      });

      it('rejects NaN in a vector and writes nothing', async () => {
        const vector = vectorOf(1);
        vector[3] = NaN;
        await expectRejected(record(1, { vector }), InvalidInputError);
      });

      it('rejects Infinity in a vector and writes nothing', async () => {
        const vector = vectorOf(1);
        vector[0] = -Infinity;
        await expectRejected(record(1, { vector }), InvalidInputError);
      });

      it('rejects a bucket below NO_VECTOR_BUCKET, and a record without a vector whose vector is not zeros, and writes nothing', async () => {
        await expectRejected(record(1, { bucket: NO_VECTOR_BUCKET - 1 }), InvalidInputError);
        await expectRejected(record(2, { bucket: NO_VECTOR_BUCKET }), InvalidInputError);
      });

      it('rejects a payload that cannot be serialised to JSON and writes nothing', async () => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        await expectRejected(record(1, { payload: cyclic }), InvalidInputError);
        await expectRejected(record(2, { payload: { big: 1n } }), InvalidInputError);
      });

      it('rejects a payload that is not an object and writes nothing', async () => {
        await expectRejected(record(1, { payload: [1, 2] as unknown as Record<string, unknown> }), InvalidInputError);
      });

      it('rejects a slot that is not a uint32 and writes nothing', async () => {
        await expectRejected(record(1, { slot: -1 }), InvalidInputError);
        await expectRejected(record(2, { slot: 1.5 }), InvalidInputError);
        await expectRejected(record(3, { slot: 2 ** 32 }), InvalidInputError);
      });

      it('rejects an id that appears twice in one batch and writes nothing', async () => {
        await expectRejected(record(1, { id: 'item-100' }), InvalidInputError);
      });

      it('rejects a slot that appears twice in one batch and writes nothing', async () => {
        await expectRejected(record(1, { slot: 100 }), InvalidInputError);
      });

      it('rejects an empty id or one with a lone surrogate and writes nothing', async () => {
        await expectRejected(record(1, { id: '' }), InvalidInputError);
        await expectRejected(record(2, { id: 'bad\uD800' }), InvalidInputError);
      });

      it('rejects an upsert onto a slot held by an id outside the batch and writes nothing', async () => {
        const store = await openStore();
        await store.write({ upserts: [record(0), record(1)] });
        await expect(store.write({ upserts: [record(100), record(2, { slot: 1 })] })).rejects.toThrow(InvalidInputError);
        expect(await store.fetchSlots([1, 100], { id: true })).toEqual([{ slot: 1, id: 'item-1' }, undefined]);
        expect(await store.count()).toBe(2);
      });
    });

    describe('slotsOf', () => {
      it('maps stored ids to their slots and leaves unknown ids out', async () => {
        const store = await openStore();
        await store.write({ upserts: [record(4), record(9)] });
        expect(await store.slotsOf(['item-9', 'nope', 'item-4'])).toEqual(
          new Map([
            ['item-9', 9],
            ['item-4', 4],
          ]),
        );
      });

      it('returns an empty map for no ids', async () => {
        const store = await openStore();
        expect((await store.slotsOf([])).size).toBe(0);
      });
    });

    describe('fetchSlots', () => {
      it('returns records aligned with the input, undefined where a slot is empty', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 5) });
        const views = await store.fetchSlots([4, 42, 0, 4], { id: true });
        expect(views).toEqual([{ slot: 4, id: 'item-4' }, undefined, { slot: 0, id: 'item-0' }, { slot: 4, id: 'item-4' }]);
      });

      it('returns only the slot and the fields asked for', async () => {
        const store = await openStore();
        await store.write({ upserts: [record(2)] });
        expect(await store.fetchSlots([2], {})).toEqual([{ slot: 2 }]);
        expect(await store.fetchSlots([2], { bucket: true })).toEqual([{ slot: 2, bucket: 2 }]);
        expect(await store.fetchSlots([2], { payload: true })).toEqual([{ slot: 2, payload: { n: 2, tag: 'even' } }]);
      });

      it('accepts a Uint32Array and more slots than one round trip holds', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 700) });
        const slots = new Uint32Array(1000);
        for (let i = 0; i < slots.length; i++) slots[i] = (i * 7) % 1000;
        const views = await store.fetchSlots(slots, { id: true });
        for (let i = 0; i < slots.length; i++) {
          const s = slots[i]!;
          expect(views[i]).toEqual(s < 700 ? { slot: s, id: `item-${s}` } : undefined);
        }
      });

      it('returns vectors that the caller owns: mutating one does not change the store', async () => {
        const store = await openStore();
        await store.write({ upserts: [record(3)] });
        const [first] = await store.fetchSlots([3], { vector: true });
        first!.vector!.fill(7);
        const [second] = await store.fetchSlots([3], { vector: true });
        expect(second?.vector).toEqual(vectorOf(3));
      });

      it('returns an empty array for no slots', async () => {
        const store = await openStore();
        expect(await store.fetchSlots([], { id: true })).toEqual([]);
      });

      it('rejects a slot that is not a uint32', async () => {
        const store = await openStore();
        await expect(store.fetchSlots([1, -2], { id: true })).rejects.toThrow(InvalidInputError);
        await expect(store.fetchSlots([NaN], { id: true })).rejects.toThrow(InvalidInputError);
      });
    });

    describe('fetchIds', () => {
      it('returns records aligned with the input, undefined where an id is not stored', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 3) });
        const views = await store.fetchIds(['item-2', 'ghost', 'item-0'], { bucket: true, payload: true });
        expect(views).toEqual([{ slot: 2, bucket: 2, payload: { n: 2, tag: 'even' } }, undefined, { slot: 0, bucket: 0, payload: { n: 0, tag: 'even' } }]);
      });

      it('rejects ids that are not strings', async () => {
        const store = await openStore();
        await expect(store.fetchIds([42 as unknown as string], {})).rejects.toThrow(InvalidInputError);
      });
    });

    describe('setBuckets', () => {
      it('rewrites the routing code of each slot', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 4) });
        await store.setBuckets(new Uint32Array([0, 3]), new Int32Array([17, -1]));
        const views = await store.fetchSlots([0, 1, 2, 3], { bucket: true });
        expect(views.map((v) => v?.bucket)).toEqual([17, 1, 2, -1]);
      });

      it('skips slots that hold no item', async () => {
        const store = await openStore();
        await store.write({ upserts: [record(1)] });
        await expect(store.setBuckets(new Uint32Array([1, 999]), new Int32Array([3, 3]))).resolves.toBeUndefined();
        expect(await store.count()).toBe(1);
        expect(await store.fetchSlots([1, 999], { bucket: true })).toEqual([{ slot: 1, bucket: 3 }, undefined]);
      });

      it('rejects slots and buckets of different lengths and changes nothing', async () => {
        const store = await openStore();
        await store.write({ upserts: [record(1)] });
        await expect(store.setBuckets(new Uint32Array([1]), new Int32Array([2, 3]))).rejects.toThrow(InvalidInputError);
        expect(await store.fetchSlots([1], { bucket: true })).toEqual([{ slot: 1, bucket: 1 }]);
      });
    });

    describe('scan', () => {
      it('yields every record once, in ascending slot order, whatever the write order', async () => {
        const store = await openStore();
        const recs = records(0, 57);
        const shuffled = recs.map((r, i) => recs[(i * 23) % recs.length]!);
        await store.write({ upserts: shuffled.slice(0, 30) });
        await store.write({ upserts: shuffled.slice(30) });
        const slots = (await collect(store.scan({}, 10))).flat().map((v) => v.slot);
        expect(slots).toEqual(recs.map((r) => r.slot));
      });

      it('yields pages of at most pageSize records', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 25) });
        const sizes = (await collect(store.scan({}, 10))).map((p) => p.length);
        expect(sizes).toEqual([10, 10, 5]);
      });

      it('returns the fields asked for', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 3) });
        const views = (await collect(store.scan({ id: true, vector: true }, 2))).flat();
        expect(views).toEqual([0, 1, 2].map((n) => ({ slot: n, id: `item-${n}`, vector: vectorOf(n) })));
      });

      it('yields nothing for an empty store', async () => {
        const store = await openStore();
        expect(await collect(store.scan({ id: true }))).toEqual([]);
      });
    });

    describe('scan with a filter', () => {
      /** Payloads whose shapes tell the filter semantics apart: arrays, nested objects, null, empty arrays, 1 and true, non-ASCII text. */
      const shapes: Payload[] = [
        { tag: 'a', n: 1, flag: true, tags: ['x', 'y'], meta: { src: 'web', rank: 2.5 } },
        { tag: 'b', n: 2, flag: false, tags: [], meta: { src: 'pdf' } },
        { tag: 'A', n: 1.5, tags: ['y', 1], meta: null, title: 'Ärger im Büro' },
        { n: '1', flag: 1, tags: 'xyz', items: [{ k: 'v' }] },
        { tag: null, n: -3, meta: { src: ['web', 'pdf'] }, title: 'ärger' },
        { tag: 'a', n: 10, tags: [['x']], 'dotted.key': 'no' },
        {},
      ];
      const filters: unknown[] = [
        { tag: 'a' },
        { field: 'tag', op: 'ne', value: 'a' },
        { field: 'n', op: 'eq', value: 1 },
        { field: 'n', op: 'gt', value: 1 },
        { field: 'n', op: 'lte', value: 1.5 },
        { field: 'n', op: 'gte', value: '1' },
        { field: 'flag', op: 'eq', value: true },
        { field: 'flag', op: 'ne', value: true },
        { field: 'tags', op: 'contains', value: 'y' },
        { field: 'tags', op: 'contains', value: 'yz' },
        { field: 'tags', op: 'eq', value: 'x' },
        { field: 'tags', op: 'in', value: [1, 'z'] },
        { field: 'tags', op: 'nin', value: ['x'] },
        { field: 'tag', op: 'in', value: [] },
        { field: 'tag', op: 'nin', value: [] },
        { field: 'meta.src', op: 'eq', value: 'web' },
        { field: 'meta.rank', op: 'lt', value: 3 },
        { field: 'meta', op: 'exists', value: true },
        { field: 'meta', op: 'exists', value: false },
        { field: 'tags', op: 'exists', value: true },
        { field: 'items.k', op: 'eq', value: 'v' },
        { field: 'title', op: 'text', value: 'ÄRGER' },
        { field: 'title', op: 'contains', value: 'rger' },
        { field: 'tags.0', op: 'eq', value: 'x' },
        { not: { tag: 'a' } },
        { not: { field: 'title', op: 'text', value: 'büro' } },
        { or: [{ tag: 'b' }, { field: 'n', op: 'lt', value: 0 }] },
        { and: [{ field: 'tag', op: 'exists', value: true }, { not: { field: 'meta.src', op: 'eq', value: 'pdf' } }] },
        { or: [] },
        { and: [] },
      ];

      it('returns exactly the records that matchesFilter accepts, for every operator and shape', async () => {
        const store = await openStore();
        const recs = shapes.map((payload, n) => record(n, { payload }));
        await store.write({ upserts: recs });
        for (const f of filters) {
          const ast = normalizeFilter(f);
          const want = recs.filter((r) => matchesFilter(r.payload, ast)).map((r) => r.slot);
          const got = (await collect(store.scan({ id: true }, { filter: f as FilterInput }))).flat().map((v) => v.slot);
          expect({ filter: f, slots: got }).toEqual({ filter: f, slots: want });
        }
      });

      it('pages the matches in ascending slot order and returns only the fields asked for', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 45) });
        const pages = await collect(store.scan({ id: true, payload: true }, { filter: { tag: 'even' }, pageSize: 7 }));
        expect(pages.every((p) => p.length > 0 && p.length <= 7)).toBe(true);
        const views = pages.flat();
        expect(views.map((v) => v.slot)).toEqual(
          records(0, 45)
            .filter((r) => r.slot % 2 === 0)
            .map((r) => r.slot),
        );
        expect(views[1]).toEqual({ slot: 2, id: 'item-2', payload: { n: 2, tag: 'even' } });
        const bare = (await collect(store.scan({}, { filter: { tag: 'odd' } }))).flat();
        expect(bare[0]).toEqual({ slot: 1 });
      });

      it('refuses a bad filter or bad options with InvalidInputError', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 3) });
        await expect(collect(store.scan({}, { filter: { field: 'n', op: 'like', value: 1 } as never }))).rejects.toThrow(InvalidInputError);
        await expect(collect(store.scan({}, { filter: { n: [1] } as never }))).rejects.toThrow(InvalidInputError);
        await expect(collect(store.scan({}, { pageSize: 0 }))).rejects.toThrow(InvalidInputError);
        await expect(collect(store.scan({}, { size: 3 } as never))).rejects.toThrow(InvalidInputError);
        expect(await store.count()).toBe(3);
      });
    });

    describe('count', () => {
      it('counts distinct stored ids after upserts, replacements and deletes', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 10) });
        await store.write({ upserts: records(5, 15) });
        await store.write({ deleteIds: ['item-0', 'item-14', 'ghost'] });
        expect(await store.count()).toBe(13);
      });
    });

    describe('readState and writeState', () => {
      it('round-trips the state bytes', async () => {
        const store = await openStore();
        const state = new Uint8Array([0, 1, 2, 250, 255, 0]);
        await store.writeState(state);
        expect(await store.readState()).toEqual(state);
      });

      it('replaces the previous state', async () => {
        const store = await openStore();
        await store.writeState(new Uint8Array(1000).fill(9));
        await store.writeState(new Uint8Array([1, 2, 3]));
        expect(await store.readState()).toEqual(new Uint8Array([1, 2, 3]));
      });

      it('keeps a copy: mutating the written bytes afterwards changes nothing', async () => {
        const store = await openStore();
        const state = new Uint8Array([5, 6, 7]);
        await store.writeState(state);
        state.fill(0);
        expect(await store.readState()).toEqual(new Uint8Array([5, 6, 7]));
      });

      it('keeps the state of each store apart', async () => {
        const a = await openStore();
        const b = await openStore({ ...spec, name: `${spec.name}-b` });
        await a.writeState(new Uint8Array([1]));
        expect(await b.readState()).toBeNull();
      });
    });

    describe('clear', () => {
      it('deletes every record and the state', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 20) });
        await store.writeState(new Uint8Array([1]));
        await store.clear();
        expect(await store.count()).toBe(0);
        expect(await store.readState()).toBeNull();
        expect(await store.fetchSlots([0], {})).toEqual([undefined]);
      });

      it('leaves the store usable', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 2) });
        await store.clear();
        await store.write({ upserts: [record(0)] });
        expect(await store.count()).toBe(1);
      });
    });

    describe('close', () => {
      it('makes later calls on the store fail with ClosedError', async () => {
        const store = await openStore();
        await backend.close();
        await expect(store.count()).rejects.toThrow(ClosedError);
        await expect(store.write({ upserts: [record(1)] })).rejects.toThrow(ClosedError);
        await expect(backend.openSrmStore(spec)).rejects.toThrow(ClosedError);
      });

      it('is idempotent', async () => {
        await backend.close();
        await expect(backend.close()).resolves.toBeUndefined();
      });
    });

    describe.skipIf(!factory.reopen)('persistence across reopen', () => {
      it('keeps records, routing codes and state', async () => {
        const store = await openStore();
        await store.write({ upserts: records(0, 30) });
        await store.write({ deleteIds: ['item-7'], upserts: [record(3, { payload: { v: 2 } })] });
        await store.setBuckets(new Uint32Array([5]), new Int32Array([99]));
        await store.writeState(new Uint8Array([4, 2]));

        const again = await reopenStore();
        expect(await again.count()).toBe(29);
        expect(await again.readState()).toEqual(new Uint8Array([4, 2]));
        const views = await again.fetchIds(['item-3', 'item-5', 'item-7', 'item-29'], { bucket: true, vector: true, payload: true });
        expect(views).toEqual([
          { slot: 3, bucket: 3, vector: vectorOf(3), payload: { v: 2 } },
          { slot: 5, bucket: 99, vector: vectorOf(5), payload: { n: 5, tag: 'odd' } },
          undefined,
          { slot: 29, bucket: 4, vector: vectorOf(29), payload: { n: 29, tag: 'odd' } },
        ]);
        expect((await backend.listStores()).srm).toContain(spec.name);
      });

      it('refuses to reopen the store with another dimension', async () => {
        await openStore();
        await backend.close();
        backend = await factory.reopen!();
        backends.push(backend);
        await expect(backend.openSrmStore({ ...spec, dim: DIM * 2 })).rejects.toThrow(DimensionMismatchError);
      });
    });
  });
}
