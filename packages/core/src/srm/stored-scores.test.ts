import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { exactTopK, gloveSample } from '../../test/helpers/glove.js';
import { InvalidConfigError, InvalidInputError } from '../errors.js';
import type { SRMItemStore } from '../storage/types.js';
import { TopK } from '../util/top-k.js';
import { resolveConfig } from './config.js';
import { SemanticRoutingMemory } from './memory.js';
import { SearchScratch, type SearchIndex } from './search-index.js';
import { rescoreBestFirst } from './stored-scores.js';

/**
 * A two-dimensional index whose item `slot` scores `exact[slot]` exactly against the query (1, 0);
 * `missing` slots are not stored. It records every slot read.
 */
function indexOf(exact: number[], missing = new Set<number>()): { ix: SearchIndex; reads: number[] } {
  const reads: number[] = [];
  const readVectors = async (slots: Uint32Array, out: Float32Array): Promise<Uint8Array> => {
    const found = new Uint8Array(slots.length);
    slots.forEach((slot, i) => {
      reads.push(slot);
      if (missing.has(slot)) return;
      out[2 * i] = exact[slot]!;
      out[2 * i + 1] = 0;
      found[i] = 1;
    });
    return found;
  };
  const ix = { d: 2, store: { readVectors }, prepareStored: () => undefined } as unknown as SearchIndex;
  return { ix, reads };
}

const Q = Float32Array.of(1, 0);

/** A heap of candidates 0..n-1 whose approximate scores are 1 - 0.01 i (best first by slot). */
function candidates(n: number): { top: TopK; approx: number[] } {
  const approx = Array.from({ length: n }, (_, i) => 1 - 0.01 * i);
  const top = new TopK(n);
  // Pushed worst first, so that the heap's order is not already the answer.
  for (let i = n - 1; i >= 0; i--) top.push(i, approx[i]!);
  return { top, approx };
}

describe('rescoreBestFirst', () => {
  it('stops once the next candidate, corrected by the mean error, is below the k-th exact score by 3.5 deviations of the error', async () => {
    for (const [bias, error, expectedReads] of [
      [0, 0.01, 32],
      // A wider error: the stop comes two rounds later (after 48, 0.52 + 3.5 * 0.2 is still above the third best, 1.16).
      [0, 0.2, 64],
      // Approximate scores 0.3 too high: uncorrected, the next candidate would look close enough to read.
      [-0.3, 0.01, 32],
    ] as const) {
      const { top, approx } = candidates(100);
      // Errors bias + e, bias - e, bias + e, ...: their mean is the bias and their deviation e.
      const exact = approx.map((a, i) => a + bias + (i % 2 === 0 ? error : -error));
      const { ix, reads } = indexOf(exact);
      const got = await rescoreBestFirst(ix, Q, top, 3, new SearchScratch());
      expect(reads).toEqual(Array.from({ length: expectedReads }, (_, i) => i));
      expect(Array.from(got.slots)).toEqual(reads);
      expect(Array.from(got.scores)).toEqual(reads.map((slot) => Math.fround(exact[slot]!)));
    }
  });

  it('reads every candidate while the error could still lift one into the top k', async () => {
    const { top, approx } = candidates(100);
    // Errors of +-0.5 on approximate scores within [0, 1]: any candidate may still be the best.
    const exact = approx.map((a, i) => a + (i % 2 === 0 ? 0.5 : -0.5));
    const { ix, reads } = indexOf(exact);
    const got = await rescoreBestFirst(ix, Q, top, 3, new SearchScratch());
    expect(reads).toHaveLength(100);
    expect(got.slots).toHaveLength(100);
  });

  it('reads in order of approximate score, ties by slot, and leaves slots no longer stored out of the error and the top k', async () => {
    const approx = [0.5, 0.9, 0.9, 0.1, 0.7];
    const top = new TopK(5);
    approx.forEach((a, slot) => top.push(slot, a));
    const missing = new Set([1]);
    const { ix, reads } = indexOf([0.5, 5, 0.9, 0.1, 0.7], missing);
    const got = await rescoreBestFirst(ix, Q, top, 2, new SearchScratch());
    expect(reads).toEqual([1, 2, 4, 0, 3]);
    expect(Array.from(got.scores)).toEqual([-Infinity, ...[0.9, 0.7, 0.5, 0.1].map(Math.fround)]);
  });
});

describe('the early stop of a memory', () => {
  let glove: Awaited<ReturnType<typeof gloveSample>>;
  beforeAll(async () => {
    glove = await gloveSample(6000, 50, 2000);
  });
  const idsFor = (n: number) => Array.from({ length: n }, (_, i) => String(i));
  const storeOf = (m: SemanticRoutingMemory) => (m as unknown as { store: Required<SRMItemStore> }).store;

  it('reads fewer stored vectors than re-scoring every refine candidate, and finds about the same neighbours', async () => {
    const { d, data, queries } = glove;
    const memory = new SemanticRoutingMemory({ d, K: 32, refine: 128 });
    await memory.add(data, { ids: idsFor(data.length / d) });
    expect(memory.isFitted).toBe(true);
    const read = vi.spyOn(storeOf(memory), 'readVectors');
    const slotsRead = () => read.mock.calls.reduce((sum, [slots]) => sum + slots.length, 0);
    const recallOf = async (refineEarlyStop: boolean) => {
      read.mockClear();
      let hits = 0;
      for (let qi = 0; qi < queries.length / d; qi++) {
        const q = queries.subarray(qi * d, qi * d + d);
        const truth = new Set(exactTopK(data, d, q, 10).map(String));
        for (const hit of await memory.query(q, { k: 10, refineEarlyStop })) if (truth.has(hit.id)) hits++;
      }
      return { recall: hits / queries.length / (10 / d), reads: slotsRead() };
    };
    const all = await recallOf(false);
    const early = await recallOf(true);
    expect(all.reads).toBe(128 * (queries.length / d));
    expect(early.reads).toBeLessThan(0.8 * all.reads);
    expect(early.recall).toBeGreaterThanOrEqual(all.recall - 0.02);
    await memory.close();
  });

  it('is on for a new memory, off for one written before it, and a reopen may turn it on', async () => {
    expect(resolveConfig({ d: 4 }).refineEarlyStop).toBe(true);
    expect(() => resolveConfig({ d: 4, refineEarlyStop: 'yes' as unknown as boolean })).toThrow(InvalidConfigError);
    const dir = mkdtempSync(join(tmpdir(), 'srm-early-stop-'));
    try {
      const memory = await SemanticRoutingMemory.open({ d: 4, path: dir, refineEarlyStop: false });
      await memory.add([[1, 0, 0, 0]], { ids: ['a'] });
      await expect(memory.query([1, 0, 0, 0], { refineEarlyStop: 1 as unknown as boolean })).rejects.toThrow(InvalidInputError);
      expect(memory.stats().items).toBe(1);
      await memory.close();
      const reopened = await SemanticRoutingMemory.open({ path: dir });
      expect(reopened.config.refineEarlyStop).toBe(false);
      await reopened.close();
      const turnedOn = await SemanticRoutingMemory.open({ path: dir, refineEarlyStop: true });
      expect(turnedOn.config.refineEarlyStop).toBe(true);
      await turnedOn.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
