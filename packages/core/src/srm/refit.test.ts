/** The refit policy's defaults, and what a refit retrains. */
import { beforeAll, describe, expect, it } from 'vitest';
import { gloveSample } from '../../test/helpers/glove.js';
import { SemanticRoutingMemory } from './memory.js';

let glove: Awaited<ReturnType<typeof gloveSample>>;
beforeAll(async () => {
  glove = await gloveSample(4000, 10, 500);
});

const rows = (from: number, to: number) => glove.data.slice(from * glove.d, to * glove.d);
const idsFor = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));
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
});
