import { Rng } from '@srm/core/datasets';
import { describe, expect, it } from 'vitest';
import { exactTopK } from '../ground-truth.js';
import { normalizeRows } from '../vectors.js';
import { stageTruths, type StagedStream } from './growth-truth.js';

function gaussian(n: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return normalizeRows(
    Float32Array.from({ length: n * d }, () => rng.normal()),
    d,
  );
}

const d = 24;
const data: StagedStream = {
  name: 'test',
  d,
  stream: gaussian(3_000, d, 1),
  stageEnds: [500, 1_800, 3_000],
  queries: gaussian(40, d, 2),
  stageQueryEnds: [10, 25, 40],
};

describe('stageTruths', () => {
  it('gives, for every stage, the exact top-k of its queries over the items that arrived by then', () => {
    const truths = stageTruths(data, 10);
    data.stageEnds.forEach((end, s) => {
      const nq = data.stageQueryEnds[s]!;
      const exact = exactTopK(data.stream.subarray(0, end * d), data.queries.subarray(0, nq * d), d, 10);
      expect(truths[s]!.nq).toBe(nq);
      expect(Array.from(truths[s]!.ids)).toEqual(Array.from(exact.ids));
      for (let i = 0; i < exact.scores.length; i++) expect(truths[s]!.scores[i]).toBeCloseTo(exact.scores[i]!, 5);
    });
  });

  it('refuses a first stage smaller than k', () => {
    expect(() => stageTruths({ ...data, stageEnds: [5, 3_000], stageQueryEnds: [10, 40] }, 10)).toThrow(RangeError);
  });
});
