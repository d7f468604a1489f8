import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { createRouter, halfSquaredNorms, nearestCentroid } from './route-kernel.js';

/** `n` rows of `d` Gaussian floats. */
function gaussian(rng: Rng, n: number, d: number): Float32Array {
  return Float32Array.from({ length: n * d }, () => rng.normal());
}

function scoreOf(x: Float32Array, i: number, c: Float32Array, half: Float32Array, k: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += x[i * d + j]! * c[k * d + j]!;
  return s - half[k]!;
}

describe('createRouter', () => {
  // d and K that are and are not multiples of 4, K below 4, and more rows than one call copies.
  for (const [K, d, n] of [
    [256, 100, 1500],
    [7, 13, 600],
    [3, 4, 50],
    [64, 384, 300],
  ] as const) {
    it(`picks a nearest centroid for every row, as nearestCentroid does (K=${K}, d=${d})`, () => {
      const rng = new Rng(K * 1000 + d);
      const centroids = gaussian(rng, K, d);
      const half = halfSquaredNorms(centroids, K, d);
      const x = gaussian(rng, n + 5, d);
      const router = createRouter(centroids, half, K, d);
      expect(router.scratchBytes).toBeGreaterThan(0);
      const [fast, slow] = [new Int32Array(n + 5).fill(-1), new Int32Array(n + 5).fill(-1)];
      const [fastDist, slowDist] = [new Float64Array(n + 5), new Float64Array(n + 5)];
      router.route(x, 5, n + 5, fast, fastDist);
      const one = new Float64Array(1);
      for (let i = 5; i < n + 5; i++) {
        slow[i] = nearestCentroid(x, i * d, centroids, half, K, d, one);
        slowDist[i] = one[0]!;
      }
      // Rows outside [from, to) are left alone.
      expect(Array.from(fast.subarray(0, 5))).toEqual([-1, -1, -1, -1, -1]);
      let same = 0;
      for (let i = 5; i < n + 5; i++) {
        // Where the two differ, the scores tie within float32 round-off: both are nearest.
        const gap = scoreOf(x, i, centroids, half, slow[i]!, d) - scoreOf(x, i, centroids, half, fast[i]!, d);
        expect(gap).toBeLessThan(1e-3);
        expect(fastDist[i]).toBeCloseTo(slowDist[i]!, 2);
        if (fast[i] === slow[i]) same++;
      }
      expect(same).toBeGreaterThanOrEqual(n - 2);
    });
  }
});
