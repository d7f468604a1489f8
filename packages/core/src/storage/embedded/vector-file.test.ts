/**
 * The rerank's vector file (vector-file.ts): what `readVectors` returns from it always equals
 * what SQLite holds, and the file is trusted only when the database vouches for it.
 */
import fs, { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { runUntilKilled } from '@srm/testkit/kill-after-ready';
import type { SRMRecord, SRMItemStoreSpec } from '../types.js';
import { EmbeddedStorage } from './embedded-storage.js';
import type { EmbeddedItemStore } from './srm-store.js';
import { HEADER_BYTES, vectorFileName } from './vector-file.js';

const spec: SRMItemStoreSpec = { name: 'vf', dim: 3, metric: 'cosine' };
const STRIDE = 4 + spec.dim * 4;
const CHILD = fileURLToPath(new URL('../../../test/fixtures/embedded/vector-file-child.mjs', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../../..', import.meta.url));

let dir: string;
let storage: EmbeddedStorage | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srm-vf-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await storage?.close();
  storage = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function openStore(): Promise<EmbeddedItemStore> {
  storage = await EmbeddedStorage.open(dir);
  return storage.openSrmStore(spec);
}

async function closeStorage(): Promise<void> {
  await storage!.close();
  storage = undefined;
}

const rec = (id: string, slot: number, v = slot): SRMRecord => ({ id, slot, bucket: 0, vector: new Float32Array([v, 1, -1]), payload: {} });
const vectorFile = () => join(dir, vectorFileName(1));
/** The random bytes naming the current build of the vector file. */
/** The header's build bytes and bound commit counter, as the marker row holds them. */
const generation = () => readFileSync(vectorFile()).subarray(16, 40).toString('hex');
/** The marker row of store 1, read straight from the database. */
function marker(): string | undefined {
  const db = new Database(join(dir, 'memory.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT hex(generation) FROM srm_vector_files WHERE store_id = 1').pluck(true).get() as string | undefined)?.toLowerCase();
  } finally {
    db.close();
  }
}
function rawSql(sql: string, ...params: unknown[]): void {
  const db = new Database(join(dir, 'memory.sqlite'));
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

/** readVectors (the file) and fetchSlots (SQLite) agree on `slots`: same mask, same vectors. */
async function expectFileMatchesDatabase(store: EmbeddedItemStore, slots: number[]): Promise<void> {
  const out = new Float32Array(slots.length * spec.dim);
  const found = await store.readVectors(Uint32Array.from(slots), out);
  const records = await store.fetchSlots(slots, { vector: true });
  expect(Array.from(found)).toEqual(records.map((r) => (r ? 1 : 0)));
  records.forEach((r, i) => {
    if (r) expect(out.subarray(i * spec.dim, (i + 1) * spec.dim)).toEqual(r.vector);
  });
}

describe('vector file', () => {
  it('answers like the database through random write sequences, before and after a reopen that trusts it', async () => {
    const idArb = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const recArb = fc.record({ id: idArb, slot: fc.integer({ min: 0, max: 9 }), v: fc.float({ noNaN: true, noDefaultInfinity: true }) });
    const batchArb = fc.record({ upserts: fc.array(recArb, { maxLength: 4 }), deleteIds: fc.array(idArb, { maxLength: 2 }), clear: fc.boolean() });
    const slots = Array.from({ length: 12 }, (_, i) => i);
    await fc.assert(
      fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 8 }), async (batches) => {
        let store = await openStore();
        await store.clear();
        for (const b of batches) {
          if (b.clear && b.upserts.length === 0) await store.clear();
          // Invalid batches (a slot held by another id, duplicates) are refused and must change nothing.
          await store.write({ upserts: b.upserts.map((r) => rec(r.id, r.slot, r.v)), deleteIds: b.deleteIds }).catch((err: unknown) => {
            if (!(err instanceof InvalidInputError)) throw err;
          });
          await expectFileMatchesDatabase(store, slots);
        }
        await closeStorage();
        const vouched = generation();
        expect(marker()).toBe(vouched);
        store = await openStore();
        expect(generation()).toBe(vouched); // trusted: not rebuilt
        await expectFileMatchesDatabase(store, slots);
        await closeStorage();
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  it('leaves the marker in place through a session that only reads', async () => {
    let store = await openStore();
    await store.write({ upserts: [rec('a', 0), rec('b', 1)] });
    await closeStorage();
    const vouched = marker();
    store = await openStore();
    await expectFileMatchesDatabase(store, [0, 1]);
    await store.setBuckets(Uint32Array.of(0), Int32Array.of(3)); // routing codes are not in the file
    await closeStorage();
    expect(marker()).toBe(vouched);
    expect(generation()).toBe(vouched);
  });

  it('is rebuilt after a write it did not see, and not after a bucket update', async () => {
    let store = await openStore();
    await store.write({ upserts: [rec('a', 0)] });
    await closeStorage();
    rawSql('UPDATE srm_items_1 SET bucket = 7 WHERE slot = 0');
    const vouched = marker();
    expect(vouched).toBeDefined();
    // A writer that bypasses the store (an older build, a hand-made fix): the trigger withdraws the marker.
    rawSql('INSERT INTO srm_items_1 (slot, id, bucket, vector, payload) VALUES (5, ?, 0, ?, ?)', 'z', Buffer.from(new Float32Array([9, 9, 9]).buffer), '{}');
    expect(marker()).toBeUndefined();
    store = await openStore();
    expect(generation()).not.toBe(vouched);
    await expectFileMatchesDatabase(store, [0, 5, 6]);
    const out = new Float32Array(3);
    await store.readVectors(Uint32Array.of(5), out);
    expect(Array.from(out)).toEqual([9, 9, 9]);
  });

  it.each([
    ['missing', () => rmSync(vectorFile())],
    ['truncated', () => truncateSync(vectorFile(), HEADER_BYTES + STRIDE)],
    ['not a vector file', () => writeFileSync(vectorFile(), Buffer.alloc(HEADER_BYTES + 10 * STRIDE, 7))],
    [
      'of another build',
      () => {
        const bytes = readFileSync(vectorFile());
        bytes[20]! ^= 0xff;
        writeFileSync(vectorFile(), bytes);
      },
    ],
  ])('is rebuilt when the file is %s', async (_, damage) => {
    let store = await openStore();
    await store.write({ upserts: Array.from({ length: 6 }, (_, i) => rec(`k${i}`, i)) });
    await closeStorage();
    damage();
    store = await openStore();
    await expectFileMatchesDatabase(store, [0, 1, 2, 3, 4, 5, 6]);
    await closeStorage();
    expect(generation()).toBe(marker());
  });

  it('is not trusted after an unclean exit: a row the process never wrote is read from the rebuilt file', async () => {
    await runUntilKilled(CHILD, [dir], PACKAGE_DIR, 0);
    // The kill came after acknowledged writes and before close: the marker is gone...
    expect(marker()).toBeUndefined();
    // ...so a file that missed a write (simulated: slot 4's row overwritten) is not read.
    const bytes = readFileSync(vectorFile());
    bytes.fill(0, HEADER_BYTES + 4 * STRIDE, HEADER_BYTES + 5 * STRIDE);
    writeFileSync(vectorFile(), bytes);
    const store = await openStore();
    const out = new Float32Array(3);
    expect(Array.from(await store.readVectors(Uint32Array.of(4), out))).toEqual([1]);
    expect(Array.from(out)).toEqual([4, 1, -1]);
    await expectFileMatchesDatabase(
      store,
      Array.from({ length: 11 }, (_, i) => i),
    );
  });

  it('is trusted after an unclean exit that followed a routing checkpoint', async () => {
    await runUntilKilled(CHILD, [dir, 'checkpoint'], PACKAGE_DIR, 0);
    const vouched = marker();
    expect(vouched).toBe(generation());
    const store = await openStore();
    await expectFileMatchesDatabase(
      store,
      Array.from({ length: 11 }, (_, i) => i),
    );
    await closeStorage();
    expect(generation()).toBe(vouched); // not rebuilt
  });

  it('reads runs of consecutive slots in one call each, with holes, a deleted row and the end of the file inside runs', async () => {
    const store = await openStore();
    await store.write({ upserts: [0, 1, 2, 3, 5, 6, 7, 9].map((s) => rec(`item-${s}`, s)) });
    await store.write({ deleteIds: ['item-6'] });
    const reads = vi.spyOn(fs, 'readSync');
    const slots = [7, 2, 3, 4, 5, 6, 9, 10, 11, 0, 1, 12];
    await expectFileMatchesDatabase(store, slots);
    // Runs: [7], [2..6], [9..11], [0, 1], [12].
    expect(reads).toHaveBeenCalledTimes(5);
  });

  it('keeps sparse slots up to 2^32 - 1 without writing the gap', async () => {
    let store = await openStore();
    const top = 2 ** 32 - 1;
    await store.write({ upserts: [rec('low', 0), rec('top', top, 5)] });
    await closeStorage();
    store = await openStore();
    await expectFileMatchesDatabase(store, [0, 1, top - 1, top]);
    expect(fs.statSync(vectorFile()).blocks * 512).toBeLessThan(1 << 20);
  });

  it('falls back to the database when a read fails, and is rebuilt at the next open', async () => {
    let store = await openStore();
    await store.write({ upserts: [rec('a', 0), rec('b', 1)] });
    vi.spyOn(fs, 'readSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', syscall: 'read' });
    });
    await expectFileMatchesDatabase(store, [0, 1, 2]);
    vi.restoreAllMocks();
    await store.write({ upserts: [rec('c', 2)] });
    await expectFileMatchesDatabase(store, [0, 1, 2]);
    await closeStorage();
    expect(marker()).toBeUndefined();
    const stale = existsSync(vectorFile()) ? generation() : undefined;
    store = await openStore();
    expect(generation()).not.toBe(stale);
    await expectFileMatchesDatabase(store, [0, 1, 2]);
  });

  it('acknowledges a write whose file update fails, and reads it from the database', async () => {
    let store = await openStore();
    await store.write({ upserts: [rec('a', 0)] });
    vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    });
    await store.write({ upserts: [rec('b', 1, 8)] });
    vi.restoreAllMocks();
    const out = new Float32Array(6);
    expect(Array.from(await store.readVectors(Uint32Array.of(0, 1), out))).toEqual([1, 1]);
    expect(Array.from(out)).toEqual([0, 1, -1, 8, 1, -1]);
    await closeStorage();
    expect(marker()).toBeUndefined();
    store = await openStore();
    await expectFileMatchesDatabase(store, [0, 1]);
    await closeStorage();
    expect(generation()).toBe(marker());
  });

  it('opens without its file when the file cannot be made, and reads from the database', async () => {
    storage = await EmbeddedStorage.open(dir);
    const realOpen = fs.openSync;
    vi.spyOn(fs, 'openSync').mockImplementation((path, ...rest) => {
      if (String(path).includes('vectors-'))
        throw Object.assign(new Error(`ENOSPC: no space left on device, open '${String(path)}'`), { code: 'ENOSPC', syscall: 'open' });
      return realOpen(path, ...rest);
    });
    const store = await storage.openSrmStore(spec);
    await store.write({ upserts: [rec('a', 0), rec('b', 1, 4)] });
    vi.restoreAllMocks();
    await expectFileMatchesDatabase(store, [0, 1, 2]);
    expect(existsSync(vectorFile())).toBe(false);
    await closeStorage();
    await openStore();
    await closeStorage();
    expect(generation()).toBe(marker());
  });

  it('lets a programming error through instead of hiding it behind the fallback', async () => {
    const store = await openStore();
    await store.write({ upserts: [rec('a', 0)] });
    vi.spyOn(fs, 'readSync').mockImplementationOnce(() => {
      throw new RangeError('offset out of range');
    });
    await expect(store.readVectors(Uint32Array.of(0), new Float32Array(3))).rejects.toThrow(RangeError);
  });
});
