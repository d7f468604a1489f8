import { beforeAll, describe, expect, it, vi } from 'vitest';
import { gloveSample } from '../../test/helpers/glove.js';
import type { SRMItemStore } from '../storage/types.js';
import { SemanticRoutingMemory } from './memory.js';
import { WARM_UP_QUERIES } from './warm-up.js';

let glove: Awaited<ReturnType<typeof gloveSample>>;
beforeAll(async () => {
  glove = await gloveSample(1200, 10, 500);
});

const rows = (from: number, to: number) => glove.data.slice(from * glove.d, to * glove.d);
const idsFor = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));
const storeOf = (m: SemanticRoutingMemory) => (m as unknown as { store: Required<SRMItemStore> }).store;

describe('the first fit warms the query path', () => {
  it('runs queries on its new layer, reading from the store, and a later fit does not', async () => {
    // Without the early stop each query's refine is one read, which the count below relies on.
    const memory = new SemanticRoutingMemory({ d: glove.d, K: 16, autoFitAt: 1000, growthRefitRatio: 0, driftRefitRatio: 0, refineEarlyStop: false });
    await memory.add(rows(0, 999), { ids: idsFor(0, 999) });
    const reads = vi.spyOn(storeOf(memory), 'readVectors');
    // Before the fit a query reads nothing from the store: the flat rows are exact.
    await memory.query(rows(0, 1), { k: 3 });
    expect(reads).not.toHaveBeenCalled();
    await memory.add(rows(999, 1000), { ids: idsFor(999, 1000) });
    expect(memory.isFitted).toBe(true);
    // One refine read per warm-up query.
    expect(reads).toHaveBeenCalledTimes(WARM_UP_QUERIES);
    reads.mockClear();
    // A fit of a fitted memory reads the stored vectors to route them, a page at a time, and runs no query.
    await memory.fit(rows(0, 1000));
    expect(reads.mock.calls.length).toBeLessThan(WARM_UP_QUERIES);
    expect((await memory.verify()).problems).toEqual([]);
    expect((await memory.query(rows(7, 8), { k: 1 }))[0]!.id).toBe('7');
    await memory.close();
  });
});
