/**
 * Routing checkpoints: a reopen restores the routing layer from the
 * checkpoint that close() wrote, answers exactly as a scan-built memory
 * does, and falls back to a scan whenever the checkpoint is stale (a write
 * after it, an unclean exit) or damaged. Real GloVe vectors, real files.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedStorage } from '../storage/embedded/embedded-storage.js';
import { runUntilKilled } from '@srm/testkit/kill-after-ready';
import { tempDirs } from '@srm/testkit/temp-dirs';
import { createCodec } from './codecs/index.js';
import { InvertedBuckets } from './buckets.js';
import { CheckpointRejected, checkpointOf, restoreCheckpoint } from './checkpoint.js';
import { gloveSample } from '../../test/helpers/glove.js';
import { SemanticRoutingMemory } from './memory.js';
import type { RerankMode } from './types.js';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const ADD_THEN_HANG = fileURLToPath(new URL('../../test/fixtures/srm/add-then-hang.mjs', import.meta.url));

const tempDir = tempDirs('srm-checkpoint-');

let glove: Awaited<ReturnType<typeof gloveSample>>;
beforeAll(async () => {
  glove = await gloveSample(3000, 40, 1000);
});

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));
const rows = (from: number, to: number) => glove.data.slice(from * glove.d, to * glove.d);

async function build(path: string, rerank: RerankMode = 'sq4', n = 2500): Promise<void> {
  const memory = await SemanticRoutingMemory.open({ path, d: glove.d, K: 24, m: 6, rerank, autoFitAt: 1000 });
  await memory.add(rows(0, n), { ids: ids(0, n), payloads: ids(0, n).map((id) => ({ n: Number(id) })) });
  await memory.idle();
  await memory.close();
}

/** Top-10 ids and scores of every held-out query. */
async function answers(memory: SemanticRoutingMemory): Promise<{ id: string; score: number }[][]> {
  const out: { id: string; score: number }[][] = [];
  for (let q = 0; q < glove.queries.length / glove.d; q++) {
    const hits = await memory.query(glove.queries.subarray(q * glove.d, (q + 1) * glove.d), { k: 10 });
    out.push(hits.map((h) => ({ id: h.id, score: h.score })));
  }
  return out;
}

/** Runs `sql` on the memory's database file while no memory has it open. */
function rawSql(path: string, sql: string, ...params: unknown[]): void {
  const db = new Database(join(path, 'memory.sqlite'));
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

describe('reopening from a routing checkpoint', () => {
  for (const rerank of ['sq4', 'pq4', 'pq', 'float32', 'none'] as const) {
    it(`restores the ${rerank} routing layer without a scan and answers exactly as a scan-built one`, async () => {
      const path = tempDir();
      await build(path, rerank);
      const fromCheckpoint = await SemanticRoutingMemory.open({ path, d: glove.d });
      expect(fromCheckpoint.stats().openedFrom).toEqual({ source: 'checkpoint' });
      expect(fromCheckpoint.size).toBe(2500);
      expect((await fromCheckpoint.verify()).ok).toBe(true);
      const viaCheckpoint = await answers(fromCheckpoint);
      const sizes = fromCheckpoint.stats().buckets;
      await fromCheckpoint.close();

      rawSql(path, 'DELETE FROM srm_checkpoint_head');
      const scanned = await SemanticRoutingMemory.open({ path, d: glove.d });
      expect(scanned.stats().openedFrom).toMatchObject({ source: 'scan', reason: expect.stringMatching(/no current checkpoint/) });
      expect(await answers(scanned)).toEqual(viaCheckpoint);
      expect(scanned.stats().buckets).toEqual(sizes);
      await scanned.close();
    });
  }

  it('is ignored when a rebuild is asked for, and refused when rebuild is not a boolean', async () => {
    const path = tempDir();
    await build(path);
    const rebuilt = await SemanticRoutingMemory.open({ path, d: glove.d, rebuild: true });
    expect(rebuilt.stats().openedFrom).toEqual({ source: 'scan', reason: 'rebuild was asked for' });
    expect((await rebuilt.verify()).ok).toBe(true);
    await rebuilt.close();
    await expect(SemanticRoutingMemory.open({ path, d: glove.d, rebuild: 'yes' as unknown as boolean })).rejects.toThrow(/rebuild/);
    const again = await SemanticRoutingMemory.open({ path, d: glove.d });
    expect(again.stats().openedFrom.source).toBe('checkpoint');
    await again.close();
  });

  it('keeps slots freed by deletes reusable, and stays consistent through later writes', async () => {
    const path = tempDir();
    await build(path);
    const memory = await SemanticRoutingMemory.open({ path, d: glove.d });
    expect(await memory.delete(ids(100, 400))).toBe(300);
    await memory.close();
    const reopened = await SemanticRoutingMemory.open({ path, d: glove.d });
    expect(reopened.stats().openedFrom.source).toBe('checkpoint');
    expect(reopened.size).toBe(2200);
    expect(reopened.stats().hotBytes.idMaps).toBe(300 * 8); // the 300 freed slots
    await reopened.add(rows(2500, 2800), { ids: ids(2500, 2800) });
    expect(reopened.stats().hotBytes.idMaps).toBe(0); // reused, not appended
    expect(reopened.size).toBe(2500);
    expect((await reopened.verify()).ok).toBe(true);
    const hit = await reopened.query(rows(2700, 2701), { k: 1 });
    expect(hit[0]!.id).toBe('2700');
    await reopened.close();
  });

  it('takes a checkpoint only when the stored one is stale, and reports false where none can be kept', async () => {
    const path = tempDir();
    await build(path);
    const memory = await SemanticRoutingMemory.open({ path, d: glove.d });
    expect(await memory.checkpoint()).toBe(false); // close() wrote one, nothing changed since
    await memory.add(rows(2500, 2501), { ids: ['new'] });
    expect(await memory.checkpoint()).toBe(true);
    expect(await memory.checkpoint()).toBe(false);
    await memory.close();

    const inMemory = new SemanticRoutingMemory({ d: glove.d, K: 8, autoFitAt: 100 });
    await inMemory.add(rows(0, 200));
    expect(await inMemory.checkpoint()).toBe(false);
    expect(inMemory.stats().openedFrom).toEqual({ source: 'scan', reason: 'the backend keeps no checkpoints' });
    await inMemory.close();

    const unfitted = await SemanticRoutingMemory.open({ path: tempDir(), d: glove.d, autoFitAt: 0 });
    await unfitted.add(rows(0, 10));
    expect(await unfitted.checkpoint()).toBe(false);
    await unfitted.close();
  });

  it('rewrites only the lists that changed, and the result reopens as a scan would build it', async () => {
    const path = tempDir();
    await build(path);
    const storage = await EmbeddedStorage.open(path);
    const memory = await SemanticRoutingMemory.open({ d: glove.d, storage });
    const store = await storage.openSrmStore({ name: 'default', dim: glove.d, metric: 'cosine' });
    const write = vi.spyOn(store.checkpoints!, 'write');
    const written = () => [...(write.mock.calls.at(-1)![2] as Iterable<{ list: number }>)].length;
    await memory.add(rows(2500, 2501), { ids: ['one more'] });
    await memory.delete(['7']);
    expect(await memory.checkpoint()).toBe(true);
    expect(written()).toBeLessThanOrEqual(2); // the list that gained an item and the one that lost one
    await memory.refit();
    expect(await memory.checkpoint()).toBe(true);
    expect(written()).toBe(24); // a refit rebuilds every list
    await memory.add(rows(2501, 2502), { ids: ['and another'] });
    await memory.close();
    expect(written()).toBe(1);
    await storage.close();

    const fromCheckpoint = await SemanticRoutingMemory.open({ path, d: glove.d });
    expect(fromCheckpoint.stats().openedFrom.source).toBe('checkpoint');
    const expected = await answers(fromCheckpoint);
    await fromCheckpoint.close();
    rawSql(path, 'DELETE FROM srm_checkpoint_head');
    const scanned = await SemanticRoutingMemory.open({ path, d: glove.d });
    expect(scanned.stats().openedFrom.source).toBe('scan');
    expect(await answers(scanned)).toEqual(expected);
    expect(scanned.size).toBe(2501);
    await scanned.close();
  });

  it('follows a refit: the next open restores the new codebook’s lists', async () => {
    const path = tempDir();
    await build(path);
    const memory = await SemanticRoutingMemory.open({ path, d: glove.d });
    await memory.refit();
    const after = await answers(memory);
    await memory.close();
    const reopened = await SemanticRoutingMemory.open({ path, d: glove.d });
    expect(reopened.stats().openedFrom.source).toBe('checkpoint');
    expect(await answers(reopened)).toEqual(after);
    await reopened.close();
  });
});

describe('falling back to a scan', () => {
  it('after an unclean exit: a write acknowledged after the checkpoint is never hidden by it', async () => {
    const path = tempDir();
    await build(path);
    // The child opens (from the checkpoint), adds 200 items, and is SIGKILLed without closing.
    expect(await runUntilKilled(ADD_THEN_HANG, [path], PACKAGE_DIR, 10)).toEqual(['added']);
    const memory = await SemanticRoutingMemory.open({ path, d: glove.d });
    expect(memory.stats().openedFrom).toMatchObject({ source: 'scan', reason: expect.stringMatching(/no current checkpoint/) });
    expect(memory.size).toBe(2700);
    expect(await memory.has('late-199')).toBe(true);
    expect((await memory.verify()).ok).toBe(true);
    await memory.close();
    const again = await SemanticRoutingMemory.open({ path, d: glove.d });
    expect(again.stats().openedFrom.source).toBe('checkpoint');
    expect(again.size).toBe(2700);
    await again.close();
  }, 30_000);

  const damages: [string, string, unknown[], RegExp][] = [
    ['a truncated list', 'UPDATE srm_checkpoint_lists SET rows = ? WHERE list = 3', [Buffer.alloc(0)], /list 3 has the wrong size/],
    ['a list whose bytes were zeroed', 'UPDATE srm_checkpoint_lists SET rows = zeroblob(length(rows)) WHERE list = 4', [], /list 4 fails its checksum/],
    [
      'a list taken from another one',
      'UPDATE srm_checkpoint_lists SET slots = (SELECT slots FROM srm_checkpoint_lists WHERE list = 1), rows = (SELECT rows FROM srm_checkpoint_lists WHERE list = 1) WHERE list = 2',
      [],
      /list 2/,
    ],
    [
      'a header of another format version',
      "UPDATE srm_checkpoint_head SET header = CAST(substr(header, 1, 4) || X'03000000' || substr(header, 9) AS BLOB)",
      [],
      /version 3, this build reads 1 and 2/,
    ],
    ['a header stored as text', "UPDATE srm_checkpoint_head SET header = 'SRMR'", [], /not a blob/],
    ['a missing list', 'DELETE FROM srm_checkpoint_lists WHERE list = 5', [], /has no list 5/],
  ];
  for (const [what, sql, params, reason] of damages) {
    it(`refuses ${what}, scans, and answers as before`, async () => {
      const path = tempDir();
      await build(path);
      const first = await SemanticRoutingMemory.open({ path, d: glove.d });
      const expected = await answers(first);
      await first.close();
      rawSql(path, sql, ...params);
      const memory = await SemanticRoutingMemory.open({ path, d: glove.d });
      expect(memory.stats().openedFrom.source).toBe('scan');
      expect(memory.stats().openedFrom.reason).toMatch(reason);
      expect(await answers(memory)).toEqual(expected);
      expect((await memory.verify()).ok).toBe(true);
      await memory.close();
    });
  }
});

describe('restoreCheckpoint', () => {
  const d = 8;
  const codec = createCodec('float32', d, 1);
  function twoLists(): InvertedBuckets {
    const buckets = new InvertedBuckets(2, codec);
    for (const [b, slot] of [
      [0, 0],
      [1, 1],
      [0, 3],
    ] as const)
      buckets.add(b, slot);
    return buckets;
  }
  const state = new Uint8Array([1, 2, 3]);
  const readBack = (buckets: InvertedBuckets, s = state, unrouted: ReadonlySet<number> = new Set()) => {
    const { header, lists } = checkpointOf(buckets, codec, s, unrouted);
    return { header, lists: [...lists].map((l) => ({ slots: l.slots.slice(), rows: l.rows.slice() })) };
  };
  /** The same checkpoint as the version 1 format wrote it: no unrouted tail, no unrouted list. */
  const asVersion1 = (cp: ReturnType<typeof readBack>) => {
    const header = cp.header.slice(0, cp.header.byteLength - 8);
    new DataView(header.buffer).setUint32(4, 1, true);
    return { header, lists: cp.lists.slice(0, -1) };
  };

  it('restores the lists and derives the free slots from the gaps', () => {
    const restored = restoreCheckpoint(readBack(twoLists()), { state, K: 2, layout: codec, storedItems: 3 });
    expect([...restored.buckets.slotsOf(0)]).toEqual([0, 3]);
    expect([...restored.buckets.slotsOf(1)]).toEqual([1]);
    expect(restored).toMatchObject({ items: 3, slotEnd: 4, freeSlots: [2] });
  });

  it('refuses a checkpoint taken against another state, list count or item count', () => {
    const cp = readBack(twoLists());
    expect(() => restoreCheckpoint(cp, { state: new Uint8Array([1, 2, 4]), K: 2, layout: codec, storedItems: 3 })).toThrow(/another index state/);
    expect(() => restoreCheckpoint(cp, { state, K: 3, layout: codec, storedItems: 3 })).toThrow(CheckpointRejected);
    expect(() => restoreCheckpoint(cp, { state, K: 2, layout: codec, storedItems: 4 })).toThrow(/store holds 4/);
  });

  it('restores the slots of the items without a vector, which no free slot reuses', () => {
    const restored = restoreCheckpoint(readBack(twoLists(), state, new Set([4, 2])), { state, K: 2, layout: codec, storedItems: 5 });
    expect(restored.unrouted).toEqual([2, 4]);
    expect(restored).toMatchObject({ items: 5, slotEnd: 5, freeSlots: [] });
    expect(restored.checksums).toHaveLength(3);
  });

  it('refuses unrouted slots that fail their checksum or are also listed', () => {
    const cp = readBack(twoLists(), state, new Set([2]));
    const bad = { ...cp, lists: cp.lists.map((l, i) => (i === 2 ? { slots: new Uint8Array([9, 0, 0, 0]), rows: l.rows } : l)) };
    expect(() => restoreCheckpoint(bad, { state, K: 2, layout: codec, storedItems: 4 })).toThrow(/unrouted slots fail their checksum/);
    const twice = readBack(twoLists(), state, new Set([3]));
    expect(() => restoreCheckpoint(twice, { state, K: 2, layout: codec, storedItems: 4 })).toThrow(/slot 3 is listed twice/);
  });

  it('reads a version 1 checkpoint (written before items without a vector), whose checksums make the next checkpoint write every list', () => {
    const restored = restoreCheckpoint(asVersion1(readBack(twoLists())), { state, K: 2, layout: codec, storedItems: 3 });
    expect([...restored.buckets.slotsOf(0)]).toEqual([0, 3]);
    expect(restored.unrouted).toEqual([]);
    expect(restored.checksums).toHaveLength(2);
    const next = checkpointOf(restored.buckets, codec, state, new Set(), restored.checksums);
    expect([...next.lists].map((l) => l.list)).toEqual([0, 1, 2]);
  });

  it('refuses a slot listed twice', () => {
    const buckets = new InvertedBuckets(2, codec);
    buckets.add(0, 5);
    buckets.add(1, 5);
    expect(() => restoreCheckpoint(readBack(buckets), { state, K: 2, layout: codec, storedItems: 2 })).toThrow(/slot 5 is listed twice/);
  });
});
