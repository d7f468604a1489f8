/**
 * Behaviour of EmbeddedItemStore beyond the backend contract (which
 * embedded.contract.test.ts runs): SQLite-specific edges, limits, and a
 * model-based property test of write sequences.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptDataError, InvalidInputError, LimitExceededError } from '../../errors.js';
import { Limits } from '../../limits.js';
import type { SRMRecord, SRMItemStore, SRMItemStoreSpec } from '../types.js';
import { EmbeddedStorage } from './embedded-storage.js';
import { CommitLog } from './moment.js';
import { EmbeddedItemStore } from './srm-store.js';

const spec: SRMItemStoreSpec = { name: 'unit', dim: 3, metric: 'cosine' };
let storage: EmbeddedStorage;
let store: EmbeddedItemStore;

beforeEach(async () => {
  storage = EmbeddedStorage.inMemory();
  store = await storage.openSrmStore(spec);
});

afterEach(async () => {
  await storage.close();
});

const rec = (id: string, slot: number, over: Partial<SRMRecord> = {}): SRMRecord => ({
  id,
  slot,
  bucket: 0,
  vector: new Float32Array([slot, 1, -1]),
  payload: { id },
  ...over,
});

describe('EmbeddedItemStore.write', () => {
  it('lets ids swap places within one batch, whatever their order', async () => {
    await store.write({ upserts: [rec('x', 1), rec('y', 2)] });
    await store.write({ upserts: [rec('y', 1), rec('x', 2)] });
    expect(await store.fetchSlots([1, 2], { id: true })).toEqual([
      { slot: 1, id: 'y' },
      { slot: 2, id: 'x' },
    ]);
  });

  it('names the id that holds a contested slot', async () => {
    await store.write({ upserts: [rec('owner', 5)] });
    await expect(store.write({ upserts: [rec('intruder', 5)] })).rejects.toThrow(/slot 5 of id "intruder" is already held by id "owner"/);
  });

  it('rejects a vector that is not a Float32Array', async () => {
    await expect(store.write({ upserts: [rec('a', 0, { vector: [1, 2, 3] as unknown as Float32Array })] })).rejects.toThrow(InvalidInputError);
  });

  it('rejects a bucket outside [-1, 2^31-1]', async () => {
    await expect(store.write({ upserts: [rec('a', 0, { bucket: -2 })] })).rejects.toThrow(InvalidInputError);
    await expect(store.write({ upserts: [rec('a', 0, { bucket: 2 ** 31 })] })).rejects.toThrow(InvalidInputError);
  });

  it('enforces the id length and payload size limits', async () => {
    await expect(store.write({ upserts: [rec('i'.repeat(Limits.maxIdLength + 1), 0)] })).rejects.toThrow(LimitExceededError);
    await expect(store.write({ upserts: [rec('a', 0, { payload: { text: 'x'.repeat(Limits.maxPayloadBytes) } })] })).rejects.toThrow(LimitExceededError);
    expect(await store.count()).toBe(0);
  });

  it('rejects a batch that is not an object or has a non-array field', async () => {
    await expect(store.write(null as unknown as object)).rejects.toThrow(InvalidInputError);
    await expect(store.write({ upserts: 'nope' as unknown as SRMRecord[] })).rejects.toThrow(InvalidInputError);
    await expect(store.write({ deleteIds: [1] as unknown as string[] })).rejects.toThrow(InvalidInputError);
  });
});

describe('ids that SQLite cannot store faithfully', () => {
  // SQLite stores UTF-8: a lone surrogate would be stored as U+FFFD and collide with it.
  it('never match the id their lone surrogate would be mangled into', async () => {
    await store.write({ upserts: [rec('a\uFFFD', 0)] });
    expect(await store.fetchIds(['a\uD800'], {})).toEqual([undefined]);
    expect((await store.slotsOf(['a\uD800'])).size).toBe(0);
    await store.write({ deleteIds: ['a\uD800'] });
    expect(await store.count()).toBe(1);
  });
});

describe('EmbeddedItemStore.fetchSlots', () => {
  it('gives independent objects for a slot asked twice', async () => {
    await store.write({ upserts: [rec('a', 0)] });
    const [first, second] = await store.fetchSlots([0, 0], { vector: true, payload: true });
    first!.vector![0] = 42;
    (first!.payload as Record<string, unknown>).id = 'changed';
    expect(second).toEqual({ slot: 0, vector: new Float32Array([0, 1, -1]), payload: { id: 'a' } });
  });

  it('rejects a want that is not an object', async () => {
    await expect(store.fetchSlots([0], null as unknown as object)).rejects.toThrow(InvalidInputError);
  });
});

describe('EmbeddedItemStore.readVectors', () => {
  /** What fetchSlots gives, in readVectors' shape. */
  async function viaFetch(s: SRMItemStore, slots: Uint32Array, dim: number): Promise<{ out: number[]; found: number[] }> {
    const out = new Float32Array(slots.length * dim).fill(7);
    const recs = await s.fetchSlots(slots, { vector: true });
    recs.forEach((r, i) => r?.vector && out.set(r.vector, i * dim));
    return { out: [...out], found: recs.map((r) => (r ? 1 : 0)) };
  }
  async function viaRead(s: SRMItemStore, slots: Uint32Array, dim: number): Promise<{ out: number[]; found: number[] }> {
    const out = new Float32Array(slots.length * dim).fill(7);
    const found = await s.readVectors!(slots, out);
    return { out: [...out], found: [...found] };
  }
  // Vectors full of zero bytes (0, -0, small integers), which a text round trip would cut short.
  const vectorOf = (i: number) => new Float32Array([0, i % 2 === 0 ? -0 : i, 1 / (i + 1)]);

  it('reads what fetchSlots reads: missing slots, repeats, and more slots than one statement takes', async () => {
    const upserts = Array.from({ length: 600 }, (_, i) => rec(`v${i}`, i * 2, { vector: vectorOf(i) }));
    await store.write({ upserts });
    const slots = Uint32Array.from({ length: 700 }, (_, i) => (i * 37) % 1300); // odd slots hold nothing
    slots[5] = slots[4]!;
    slots[600] = slots[4]!;
    expect(await viaRead(store, slots, 3)).toEqual(await viaFetch(store, slots, 3));
    expect(await viaRead(store, new Uint32Array(0), 3)).toEqual({ out: [], found: [] });
  });

  it('places rows right for the largest slots, repeated and interleaved with missing ones', async () => {
    const top = 2 ** 32 - 1;
    await store.write({ upserts: [rec('high', top - 1, { vector: vectorOf(3) }), rec('low', 0, { vector: vectorOf(4) })] });
    const slots = Uint32Array.of(top, top - 1, 0, top - 1, top - 2, 0);
    const read = await viaRead(store, slots, 3);
    expect(read).toEqual(await viaFetch(store, slots, 3));
    expect(read.found).toEqual([0, 1, 1, 1, 0, 1]);
  });

  it('rejects slots that are not a Uint32Array, and an output of the wrong size', async () => {
    await expect(store.readVectors([0] as unknown as Uint32Array, new Float32Array(3))).rejects.toThrow(InvalidInputError);
    await expect(store.readVectors(new Uint32Array([0]), new Float32Array(4))).rejects.toThrow(/1 x 3 values/);
  });

  it('reads row by row in a UTF-16 database, where blobs would not concatenate byte for byte', async () => {
    const db = new Database(':memory:');
    db.pragma("encoding = 'UTF-16le'");
    db.exec('CREATE TABLE srm_checkpoint_head (store_id INTEGER PRIMARY KEY, header BLOB NOT NULL)');
    db.exec('CREATE TABLE srm_vector_files (store_id INTEGER PRIMARY KEY, generation BLOB NOT NULL)');
    EmbeddedItemStore.createTable(db, 1);
    const utf16 = new EmbeddedItemStore(db, 1, spec, ':memory:', () => true, CommitLog.inMemory(db));
    await utf16.write({ upserts: Array.from({ length: 20 }, (_, i) => rec(`v${i}`, i, { vector: vectorOf(i) })) });
    const slots = Uint32Array.from([3, 19, 25, 3, 0]);
    expect(await viaRead(utf16, slots, 3)).toEqual(await viaFetch(utf16, slots, 3));
    db.close();
  });
});

describe('EmbeddedItemStore.scan', () => {
  it('rejects a page size that is not a positive integer', async () => {
    const first = (size: number) => store.scan({}, size)[Symbol.asyncIterator]().next();
    await expect(first(0)).rejects.toThrow(InvalidInputError);
    await expect(first(2.5)).rejects.toThrow(InvalidInputError);
  });
});

describe('EmbeddedItemStore.setBuckets', () => {
  it('rejects a bucket below -1 and changes nothing', async () => {
    await store.write({ upserts: [rec('a', 0), rec('b', 1)] });
    await expect(store.setBuckets(new Uint32Array([0, 1]), new Int32Array([4, -7]))).rejects.toThrow(InvalidInputError);
    expect((await store.fetchSlots([0, 1], { bucket: true })).map((v) => v?.bucket)).toEqual([0, 0]);
  });
});

describe('EmbeddedItemStore.writeState', () => {
  it('round-trips an empty state', async () => {
    await store.writeState(new Uint8Array(0));
    expect(await store.readState()).toEqual(new Uint8Array(0));
  });

  it('stores the bytes of a view, not its whole buffer', async () => {
    const whole = new Uint8Array([9, 9, 1, 2, 3, 9]);
    await store.writeState(whole.subarray(2, 5));
    expect(await store.readState()).toEqual(new Uint8Array([1, 2, 3]));
  });
});

describe('EmbeddedItemStore.searchBuckets', () => {
  it('is not provided: the memory scores candidates itself', () => {
    expect((store as SRMItemStore).searchBuckets).toBeUndefined();
  });
});

describe('damaged rows', () => {
  it('reports a vector blob of the wrong size as CorruptDataError naming the file, from fetchSlots and readVectors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srm-rows-'));
    try {
      const disk = await EmbeddedStorage.open(dir);
      await (await disk.openSrmStore(spec)).write({ upserts: [rec('a', 0), rec('b', 1)] });
      await disk.close();
      const raw = new Database(join(dir, 'memory.sqlite'));
      raw.prepare('UPDATE srm_items_1 SET vector = ? WHERE slot = 1').run(Buffer.alloc(5));
      raw.close();
      const again = await EmbeddedStorage.open(dir);
      const s = await again.openSrmStore(spec);
      await expect(s.fetchSlots([0], { vector: true })).resolves.toHaveLength(1);
      await expect(s.fetchSlots([1], { vector: true })).rejects.toThrow(CorruptDataError);
      await expect(s.fetchSlots([1], { vector: true })).rejects.toMatchObject({ file: join(dir, 'memory.sqlite') });
      await expect(s.readVectors!(new Uint32Array([0]), new Float32Array(3))).resolves.toEqual(new Uint8Array([1]));
      await expect(s.readVectors!(new Uint32Array([0, 1]), new Float32Array(6))).rejects.toThrow(CorruptDataError);
      await expect(s.readVectors!(new Uint32Array([0, 1]), new Float32Array(6))).rejects.toMatchObject({ file: join(dir, 'memory.sqlite') });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('routing checkpoints', () => {
  const lists = () => [
    { list: 0, slots: new Uint8Array(new Uint32Array([0, 1]).buffer), rows: new Uint8Array([1, 2, 3]) },
    { list: 1, slots: new Uint8Array(0), rows: new Uint8Array(0) },
  ];
  const plain = (ls: { slots: Uint8Array; rows: Uint8Array }[]) => ls.map((l) => [[...l.slots], [...l.rows]]);
  let dir: string;
  let disk: EmbeddedStorage;
  let onDisk: EmbeddedItemStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'srm-checkpoint-'));
    disk = await EmbeddedStorage.open(dir);
    onDisk = await disk.openSrmStore(spec);
    await onDisk.write({ upserts: [rec('a', 0), rec('b', 1)] });
    await onDisk.writeState(new Uint8Array([7]));
  });
  afterEach(async () => {
    await disk.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are not offered by an in-memory database', () => {
    expect(store.checkpoints).toBeUndefined();
  });

  it('read back what was written, in list order, across a reopen', async () => {
    expect(await onDisk.checkpoints!.read()).toBeNull();
    await onDisk.checkpoints!.write(new Uint8Array([9, 9]), 2, lists());
    expect(await onDisk.checkpoints!.isCurrent()).toBe(true);
    await disk.close();
    disk = await EmbeddedStorage.open(dir);
    onDisk = await disk.openSrmStore(spec);
    const back = await onDisk.checkpoints!.read();
    expect(back && [...back.header]).toEqual([9, 9]);
    expect(plain(back!.lists)).toEqual(plain(lists()));
  });

  it('rewrite only the lists given, keep the others, and drop lists past the count', async () => {
    await onDisk.checkpoints!.write(new Uint8Array([1]), 3, [...lists(), { list: 2, slots: new Uint8Array(4), rows: new Uint8Array([5]) }]);
    const changed = { list: 1, slots: new Uint8Array(new Uint32Array([7]).buffer), rows: new Uint8Array([9]) };
    await onDisk.checkpoints!.write(new Uint8Array([2]), 2, [changed]);
    const back = await onDisk.checkpoints!.read();
    expect([...back!.header]).toEqual([2]);
    expect(plain(back!.lists)).toEqual(plain([lists()[0]!, changed]));
  });

  it('reject a list index outside [0, count) and write nothing', async () => {
    await onDisk.checkpoints!.write(new Uint8Array([1]), 2, lists());
    await expect(onDisk.checkpoints!.write(new Uint8Array([2]), 2, [{ ...lists()[0]!, list: 2 }])).rejects.toThrow(/list index/);
    await expect(onDisk.checkpoints!.write(new Uint8Array([2]), 2, [{ ...lists()[0]!, list: -1 }])).rejects.toThrow(InvalidInputError);
    expect([...(await onDisk.checkpoints!.read())!.header]).toEqual([1]);
  });

  // Every kind of write makes the checkpoint stale, in its own transaction.
  const writes: [string, (s: EmbeddedItemStore) => Promise<unknown>][] = [
    ['an upsert', (s) => s.write({ upserts: [rec('c', 2)] })],
    ['a delete', (s) => s.write({ deleteIds: ['a'] })],
    ['a bucket rewrite', (s) => s.setBuckets(new Uint32Array([0]), new Int32Array([3]))],
    ['a state write', (s) => s.writeState(new Uint8Array([8]))],
    ['a clear', (s) => s.clear()],
  ];
  for (const [what, write] of writes) {
    it(`become stale after ${what}`, async () => {
      await onDisk.checkpoints!.write(new Uint8Array([1]), 2, lists());
      await write(onDisk);
      expect(await onDisk.checkpoints!.isCurrent()).toBe(false);
      expect(await onDisk.checkpoints!.read()).toBeNull();
    });
  }

  it('stay current through reads and a failed write', async () => {
    await onDisk.checkpoints!.write(new Uint8Array([1]), 2, lists());
    await onDisk.fetchSlots([0, 1], { vector: true, payload: true });
    await expect(onDisk.write({ upserts: [rec('c', 0)] })).rejects.toThrow(InvalidInputError); // slot 0 is held by "a"
    expect(await onDisk.checkpoints!.isCurrent()).toBe(true);
  });

  it('are made stale by a writer that knows nothing of them (the triggers live in the file)', async () => {
    await onDisk.checkpoints!.write(new Uint8Array([1]), 2, lists());
    await disk.close();
    const raw = new Database(join(dir, 'memory.sqlite'));
    raw.prepare('UPDATE srm_items_1 SET payload = ? WHERE slot = 0').run('{}');
    raw.close();
    disk = await EmbeddedStorage.open(dir);
    onDisk = await disk.openSrmStore(spec);
    expect(await onDisk.checkpoints!.read()).toBeNull();
  });

  it('report a missing list as CorruptDataError instead of shifting the others', async () => {
    await onDisk.checkpoints!.write(new Uint8Array([1]), 4, [...lists(), ...lists().map((l) => ({ ...l, list: l.list + 2 }))]);
    await disk.close();
    const raw = new Database(join(dir, 'memory.sqlite'));
    raw.prepare('DELETE FROM srm_checkpoint_lists WHERE list = 1').run();
    raw.close();
    disk = await EmbeddedStorage.open(dir);
    onDisk = await disk.openSrmStore(spec);
    await expect(onDisk.checkpoints!.read()).rejects.toThrow(/has no list 1/);
  });

  it('reject lists that are not bytes, and keep the previous checkpoint', async () => {
    await onDisk.checkpoints!.write(new Uint8Array([1]), 2, lists());
    await expect(
      onDisk.checkpoints!.write(new Uint8Array([2]), 1, [{ list: 0, slots: [0] as unknown as Uint8Array, rows: new Uint8Array(0) }]),
    ).rejects.toThrow(InvalidInputError);
    expect([...(await onDisk.checkpoints!.read())!.header]).toEqual([1]);
  });
});

describe('write sequences (property)', () => {
  const idArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'a::b', 'x/..', 'nul\u0000');
  const recArb = fc.record({
    id: idArb,
    slot: fc.integer({ min: 0, max: 12 }),
    bucket: fc.integer({ min: -1, max: 5 }),
    v: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 3, maxLength: 3 }),
    tag: fc.string({ maxLength: 4 }),
  });
  const batchArb = fc.record({ upserts: fc.array(recArb, { maxLength: 5 }), deleteIds: fc.array(idArb, { maxLength: 3 }) });

  it('leaves the store equal to a model that applies valid batches and ignores rejected ones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 12 }), async (batches) => {
        await store.clear();
        const model = new Map<string, SRMRecord>();
        for (const b of batches) {
          const upserts = b.upserts.map((r) => ({ id: r.id, slot: r.slot, bucket: r.bucket, vector: new Float32Array(r.v), payload: { tag: r.tag } }));
          // The model's rule for a valid batch: unique ids and slots, and no slot held by an id outside the batch.
          const next = new Map(model);
          for (const id of b.deleteIds) next.delete(id);
          for (const u of upserts) next.delete(u.id);
          const taken = new Set([...next.values()].map((r) => r.slot));
          const valid =
            new Set(upserts.map((u) => u.id)).size === upserts.length &&
            new Set(upserts.map((u) => u.slot)).size === upserts.length &&
            upserts.every((u) => !taken.has(u.slot));
          if (valid) {
            await store.write({ upserts, deleteIds: b.deleteIds });
            for (const u of upserts) next.set(u.id, u);
            model.clear();
            for (const [k, v] of next) model.set(k, v);
          } else {
            await expect(store.write({ upserts, deleteIds: b.deleteIds })).rejects.toThrow(InvalidInputError);
          }
        }
        const stored = (await collectAll(store)).map((v) => ({ id: v.id, slot: v.slot, bucket: v.bucket, vector: v.vector, payload: v.payload }));
        const expected = [...model.values()].sort((x, y) => x.slot - y.slot);
        expect(stored).toEqual(expected);
        expect(await store.count()).toBe(model.size);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});

async function collectAll(s: EmbeddedItemStore) {
  const out = [];
  for await (const page of s.scan({ id: true, bucket: true, vector: true, payload: true }, 4)) out.push(...page);
  return out;
}
