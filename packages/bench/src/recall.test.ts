import { describe, expect, it } from 'vitest';
import { exactTopK } from './ground-truth.js';
import { recallAtK } from './recall.js';

// Six unit vectors on a circle at 0, 10, 20, 30, 40 and 180 degrees; row 6 duplicates row 1.
const deg = (a: number) => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)];
const base = Float32Array.from([...deg(0), ...deg(10), ...deg(20), ...deg(30), ...deg(40), ...deg(180), ...deg(10)]);
const queries = Float32Array.from([...deg(0), ...deg(40)]);
const gt = exactTopK(base, queries, 2, 3);

describe('recallAtK', () => {
  it('is 1 for the exact answer and 0 for the farthest rows', () => {
    expect(Array.from(gt.ids.subarray(0, 3))).toEqual([0, 1, 6]);
    expect(
      recallAtK(
        [
          [0, 1, 6],
          [4, 3, 2],
        ],
        gt,
        base,
        queries,
        2,
        3,
      ).mean,
    ).toBe(1);
    expect(
      recallAtK(
        [
          [5, 4, 3],
          [5, 0, 6],
        ],
        gt,
        base,
        queries,
        2,
        3,
      ).mean,
    ).toBe(0);
  });

  it('averages per-query recall', () => {
    const r = recallAtK(
      [
        [0, 5, 4],
        [4, 3, 2],
      ],
      gt,
      base,
      queries,
      2,
      3,
    );
    expect(Array.from(r.perQuery)).toEqual([1 / 3, 1]);
    expect(r.mean).toBeCloseTo(2 / 3, 12);
  });

  it('counts a row tied with the k-th exact neighbour as a hit', () => {
    // Rows 1 and 6 are the same vector: either may fill the last place.
    expect(recallAtK([[0, 1, 2]], gt, base, queries, 2, 2).mean).toBe(1);
    expect(recallAtK([[0, 6]], gt, base, queries, 2, 2).mean).toBe(1);
  });

  it('counts a duplicated id once and ignores ids outside the base', () => {
    expect(recallAtK([[0, 0, 0]], gt, base, queries, 2, 3).mean).toBeCloseTo(1 / 3, 12);
    expect(recallAtK([[0, -1, 99, 1.5]], gt, base, queries, 2, 3).mean).toBeCloseTo(1 / 3, 12);
  });

  it('only looks at the first k results', () => {
    expect(recallAtK([[5, 0, 1, 6]], gt, base, queries, 2, 1).mean).toBe(0);
  });

  it('scores short result lists against k, not against their length', () => {
    expect(recallAtK([[0]], gt, base, queries, 2, 3).mean).toBeCloseTo(1 / 3, 12);
  });

  it('rejects a k deeper than the ground truth', () => {
    expect(() => recallAtK([[0]], gt, base, queries, 2, 4)).toThrow(RangeError);
  });
});
