import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@srm/core/datasets';
import { cachedGroundTruth, exactTopK } from './ground-truth.js';
import { TopK } from './top-k.js';
import { normalizeRows } from './vectors.js';

// Four unit vectors in 2-d at 0, 30, 90 and 180 degrees.
const deg = (a: number) => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)];
const base = Float32Array.from([...deg(0), ...deg(30), ...deg(90), ...deg(180)]);

describe('exactTopK', () => {
  it('returns the nearest rows by cosine, best first, with their scores', () => {
    const queries = Float32Array.from([...deg(10), ...deg(170)]);
    const gt = exactTopK(base, queries, 2, 3);
    expect(gt.nq).toBe(2);
    expect(Array.from(gt.ids.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(gt.ids.subarray(3, 6))).toEqual([3, 2, 1]);
    expect(gt.scores[0]).toBeCloseTo(Math.cos((10 * Math.PI) / 180), 6);
    expect(gt.scores[3]).toBeCloseTo(Math.cos((10 * Math.PI) / 180), 6);
  });

  it('breaks exact ties by the lower row index', () => {
    const dup = Float32Array.from([0, 1, 1, 0, 1, 0, 1, 0]);
    const gt = exactTopK(dup, Float32Array.from([1, 0]), 2, 2);
    expect(Array.from(gt.ids)).toEqual([1, 2]);
  });

  it('agrees with a sort of all scores on random data', () => {
    const rng = new Rng(3);
    const d = 8;
    const n = 300;
    const data = normalizeRows(
      Float32Array.from({ length: n * d }, () => rng.normal()),
      d,
    );
    const q = normalizeRows(
      Float32Array.from({ length: 5 * d }, () => rng.normal()),
      d,
    );
    const gt = exactTopK(data, q, d, 10);
    for (let qi = 0; qi < 5; qi++) {
      const scores = Array.from({ length: n }, (_, i) => {
        let s = 0;
        for (let t = 0; t < d; t++) s += q[qi * d + t]! * data[i * d + t]!;
        return { i, s };
      }).sort((a, b) => b.s - a.s || a.i - b.i);
      expect(Array.from(gt.ids.subarray(qi * 10, qi * 10 + 10))).toEqual(scores.slice(0, 10).map((x) => x.i));
    }
  });

  it('rejects k larger than the base and matrices that are not multiples of d', () => {
    expect(() => exactTopK(base, Float32Array.from(deg(0)), 2, 5)).toThrow(RangeError);
    expect(() => exactTopK(base.subarray(0, 7), Float32Array.from(deg(0)), 2, 1)).toThrow(RangeError);
  });
});

describe('cachedGroundTruth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'srm-bench-gt-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('computes once, then reads the same answer from the cache', () => {
    const queries = Float32Array.from([...deg(10), ...deg(100)]);
    const first = cachedGroundTruth('tiny', base, queries, 2, 2, dir);
    expect(readdirSync(dir)).toHaveLength(1);
    const second = cachedGroundTruth('tiny', base, queries, 2, 2, dir);
    expect(Array.from(second.ids)).toEqual(Array.from(first.ids));
    expect(Array.from(second.scores)).toEqual(Array.from(first.scores));
  });

  it('never serves a cached answer for different data', () => {
    const queries = Float32Array.from([...deg(10), ...deg(100)]);
    const moved = Float32Array.from(base);
    moved[0] = -1;
    moved[1] = 0;
    const gt = cachedGroundTruth('tiny', moved, queries, 2, 2, dir);
    expect(gt.ids[0]).toBe(1);
    expect(readdirSync(dir)).toHaveLength(2);
  });
});

describe('TopK', () => {
  it('keeps the k best of a stream in order, an earlier id first on a tie', () => {
    const top = new TopK(3);
    [5, 1, 9, 3, 7, 9].forEach((s, i) => top.push(i, s));
    expect(Array.from(top.ids)).toEqual([2, 5, 4]);
    expect(Array.from(top.scores)).toEqual([9, 9, 7]);
    expect(top.size).toBe(3);
  });
});
