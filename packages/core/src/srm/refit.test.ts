/** The refit policy's defaults, and what a refit retrains. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { gloveSample } from '../../test/helpers/glove.js';
import { SemanticRoutingMemory } from './memory.js';

let glove: Awaited<ReturnType<typeof gloveSample>>;
beforeAll(async () => {
  glove = await gloveSample(4000, 10, 500);
});

const rows = (from: number, to: number) => glove.data.slice(from * glove.d, to * glove.d);
const idsFor = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));
const codebookOf = (m: SemanticRoutingMemory) => (m as unknown as { layer: { codebook: { toBytes(): Uint8Array } } }).layer.codebook.toBytes();
const quantizerOf = (m: SemanticRoutingMemory) => (m as unknown as { layer: { codec: { paramsToBytes(): Uint8Array } } }).layer.codec.paramsToBytes();

describe('background refit', () => {
  it('starts by default once the memory has doubled since its fit', async () => {
    const memory = new SemanticRoutingMemory({ d: glove.d, K: 16, autoFitAt: 1000, driftRefitRatio: 0 });
    await memory.add(rows(0, 1000), { ids: idsFor(0, 1000) });
    expect(memory.isFitted).toBe(true);
    await memory.add(rows(1000, 1900), { ids: idsFor(1000, 1900) });
    expect(memory.stats().refitting).toBe(false);
    await memory.add(rows(1900, 2000), { ids: idsFor(1900, 2000) });
    expect(memory.stats().refitting).toBe(true);
    await memory.idle();
    expect((await memory.verify()).problems).toEqual([]);
    await memory.close();
  });

  it.each(['sq4', 'pq4', 'int8'] as const)('retrains the %s quantizer with the codebook, on the items stored now', async (rerank) => {
    const memory = new SemanticRoutingMemory({ d: glove.d, K: 16, autoFitAt: 1000, rerank, driftRefitRatio: 0, growthRefitRatio: 0 });
    await memory.add(rows(0, 1000), { ids: idsFor(0, 1000) });
    const fitted = quantizerOf(memory);
    await memory.add(rows(1000, 4000), { ids: idsFor(1000, 4000) });
    expect(quantizerOf(memory)).toEqual(fitted);
    await memory.refit();
    expect(quantizerOf(memory)).not.toEqual(fitted);
    expect((await memory.verify()).problems).toEqual([]);
    for (let i = 0; i < 4000; i += 250) expect((await memory.query(rows(i, i + 1), { k: 1 }))[0]!.id).toBe(String(i));
    await memory.close();
  });

  it('gives the same layer and answers in a worker thread as in-process, for the same seed', async () => {
    const refitted = async (worker: boolean) => {
      const memory = new SemanticRoutingMemory({ d: glove.d, K: 16, autoFitAt: 1000, growthRefitRatio: 0, driftRefitRatio: 0 });
      await memory.add(rows(0, 1000), { ids: idsFor(0, 1000) });
      await memory.add(rows(1000, 4000), { ids: idsFor(1000, 4000) });
      const fitted = codebookOf(memory);
      await memory.refit({ worker });
      const hits = [];
      for (let i = 0; i < 10; i++) hits.push(await memory.query(glove.queries.subarray(i * glove.d, (i + 1) * glove.d), { k: 10 }));
      const out = { fitted, codebook: codebookOf(memory), quantizer: quantizerOf(memory), hits, verify: await memory.verify() };
      await memory.close();
      return out;
    };
    const inWorker = await refitted(true);
    expect(inWorker.codebook).not.toEqual(inWorker.fitted);
    expect(inWorker.verify.problems).toEqual([]);
    const inProcess = await refitted(false);
    expect(inWorker).toEqual(inProcess);
  });

  it('rejects a worker option that is not a boolean, and changes nothing', async () => {
    const memory = new SemanticRoutingMemory({ d: glove.d, K: 16, autoFitAt: 1000 });
    await memory.add(rows(0, 1000), { ids: idsFor(0, 1000) });
    const fitted = codebookOf(memory);
    await expect(memory.refit({ worker: 'yes' as unknown as boolean })).rejects.toThrow(InvalidInputError);
    expect(memory.stats().refitting).toBe(false);
    expect(codebookOf(memory)).toEqual(fitted);
    await memory.close();
  });

  it('writes its buckets back after the swap while deletes and upserts go on, and loses none of them', async () => {
    const path = mkdtempSync(join(tmpdir(), 'srm-refit-'));
    try {
      const memory = await SemanticRoutingMemory.open({ d: glove.d, K: 16, autoFitAt: 1000, growthRefitRatio: 0, driftRefitRatio: 0, path });
      await memory.add(rows(0, 4000), { ids: idsFor(0, 4000) });
      let writes: Promise<unknown> | null = null;
      let lagged = false;
      // refit:route done == total is reported right after the swap, before the buckets are written back.
      await memory.refit({
        onProgress: (e) => {
          if (e.phase !== 'refit:route' || e.done !== e.total || writes) return;
          lagged = (memory as unknown as { refits: { bucketsLag: boolean } }).refits.bucketsLag;
          writes = Promise.all([
            memory.delete(idsFor(3000, 3500)),
            memory.add(rows(0, 500), { ids: idsFor(3500, 4000) }),
            memory.addAndDelete([], { deleteIds: idsFor(100, 200) }),
          ]);
        },
      });
      await writes;
      expect(lagged).toBe(true);
      expect(memory.size).toBe(3400);
      expect((await memory.verify()).problems).toEqual([]);
      expect((await memory.query(rows(0, 1), { k: 2 })).map((h) => h.id).sort()).toEqual(['0', '3500']);
      await memory.close();
      const reopened = await SemanticRoutingMemory.open({ path, rebuild: true });
      expect(reopened.size).toBe(3400);
      expect((await reopened.verify()).problems).toEqual([]);
      expect(await reopened.get(idsFor(3000, 3001), { ignoreMissing: true })).toEqual([undefined]);
      await reopened.close();
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });
});

describe('a refit and the writes made while it trains', () => {
  // The refit routes the items of its snapshot; a delete of the highest slot since then lowers the
  // slot allocator's end below one of them, which the refit must still be able to take back out.
  it.each([true, false])('withdraws the highest slot deleted after its snapshot (worker %s)', async (worker) => {
    const memory = new SemanticRoutingMemory({ d: glove.d, K: 16, autoFitAt: 1000, growthRefitRatio: 0, driftRefitRatio: 0 });
    await memory.add(rows(0, 2000), { ids: idsFor(0, 2000) });
    let deleting: Promise<number> | null = null;
    let deletedBeforeRoute: boolean | null = null;
    let deleted = false;
    await memory.refit({
      worker,
      onProgress: (e) => {
        if (e.phase === 'refit:kmeans') deleting ??= memory.delete(['1999']).then((n) => ((deleted = true), n));
        if (e.phase === 'refit:route') deletedBeforeRoute ??= deleted;
      },
    });
    expect(await deleting).toBe(1);
    expect(deletedBeforeRoute).toBe(true);
    expect((await memory.verify()).problems).toEqual([]);
    expect(memory.size).toBe(1999);
    await memory.close();
  });
});

describe('the last round of a refit', () => {
  it('answers queries while it routes the last writes, and makes writes wait until the swap', async () => {
    const memory = new SemanticRoutingMemory({ d: glove.d, K: 16, autoFitAt: 1000, growthRefitRatio: 0, driftRefitRatio: 0 });
    await memory.add(rows(0, 3000), { ids: idsFor(0, 3000) });
    const events: string[] = [];
    const pending: Promise<unknown>[] = [];
    await memory.refit({
      worker: true,
      onProgress: (e) => {
        // Fewer writes than a catch-up round takes: the last round routes them.
        if (e.phase === 'refit:route' && e.done > 0 && pending.length === 0) pending.push(memory.add(rows(3000, 3500), { ids: idsFor(3000, 3500) }));
        if (e.phase === 'refit:reroute' && pending.length === 1) {
          pending.push(memory.add(rows(3500, 3600), { ids: idsFor(3500, 3600) }).then(() => events.push('add in the last round')));
          // A filter function runs while the query reads, so it marks when the query ran (its
          // promise may resolve only after a turn of the event loop).
          let ran = false;
          const marksRun = (): boolean => {
            if (!ran) events.push('query ran');
            ran = true;
            return true;
          };
          pending.push(memory.query(rows(3100, 3101), { k: 1, filter: marksRun }).then((hits) => expect(hits[0]!.id).toBe('3100')));
        }
        if (e.phase === 'refit:route' && e.done === e.total) events.push(`swap at ${memory.size} items`);
      },
    });
    await Promise.all(pending);
    expect(events).toEqual(['query ran', 'swap at 3500 items', 'add in the last round']);
    expect(memory.size).toBe(3600);
    expect((await memory.verify()).problems).toEqual([]);
    await memory.close();
  });
});

describe('refit() asked for before the first fit', () => {
  it('refits as usual when an add made the first fit while it waited for the lock', async () => {
    const refitted = async (race: boolean) => {
      const memory = new SemanticRoutingMemory({ d: glove.d, K: 16, autoFitAt: 1000, growthRefitRatio: 0, driftRefitRatio: 0 });
      await memory.add(rows(0, 900), { ids: idsFor(0, 900) });
      // The add reaches autoFitAt and fits inside its write lock; the refit asked for meanwhile waits for that lock.
      const adding = memory.add(rows(900, 1100), { ids: idsFor(900, 1100) });
      if (race) await Promise.all([adding, memory.refit()]);
      else await adding.then(() => memory.refit());
      const out = { codebook: codebookOf(memory), quantizer: quantizerOf(memory), verify: await memory.verify() };
      await memory.close();
      return out;
    };
    const raced = await refitted(true);
    expect(raced.verify.problems).toEqual([]);
    expect(raced).toEqual(await refitted(false));
  });
});

describe('close() while a refit routes in a worker thread', () => {
  it('rejects the refit with ClosedError and leaves no rejection unhandled (the page routed after the failed one)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => void unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const memory = new SemanticRoutingMemory({ d: glove.d, K: 32, autoFitAt: 0, growthRefitRatio: 0, driftRefitRatio: 0 });
      await memory.add(glove.data, { ids: Array.from({ length: 4000 }, (_, i) => String(i)) });
      await memory.fit(glove.data.subarray(0, 2000 * glove.d));
      let closing: Promise<void> | null = null;
      const refit = memory.refit({
        worker: true,
        onProgress: (e) => {
          if (e.phase === 'refit:route' && e.done >= 1024) closing ??= memory.close();
        },
      });
      await expect(refit).rejects.toMatchObject({ name: 'ClosedError' });
      await closing;
      // Unhandled rejections are reported after the microtasks of the turn that made them.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 60_000);
});
