import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { kmeans } from '../kmeans.js';
import { pairKmeans } from './pair-kmeans.js';

/** Mean squared distance of the points to their nearest centroid. */
function inertia(xy: Float32Array, n: number, centroids: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let k = 0; k < centroids.length / 2; k++) best = Math.min(best, (xy[2 * i]! - centroids[2 * k]!) ** 2 + (xy[2 * i + 1]! - centroids[2 * k + 1]!) ** 2);
    sum += best;
  }
  return sum / n;
}

describe('pairKmeans', () => {
  it('finds 16 separated blobs, one centroid each', () => {
    const rng = new Rng(1);
    const centres = Array.from({ length: 16 }, (_, k) => [(k % 4) * 10, Math.floor(k / 4) * 10] as const);
    const n = 1600;
    const xy = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const [x, y] = centres[i % 16]!;
      xy[2 * i] = x + 0.3 * rng.normal();
      xy[2 * i + 1] = y + 0.3 * rng.normal();
    }
    const got = pairKmeans(xy, n, 16, 20, 7);
    const owners = centres.map(([x, y]) => {
      let best = -1;
      let bestDist = Infinity;
      for (let k = 0; k < 16; k++) {
        const dd = (got[2 * k]! - x) ** 2 + (got[2 * k + 1]! - y) ** 2;
        if (dd < bestDist) [best, bestDist] = [k, dd];
      }
      expect(bestDist).toBeLessThan(0.1);
      return best;
    });
    expect(new Set(owners).size).toBe(16);
  });

  it('trains as well as the generic k-means on spread-out points, and the same seed gives the same centroids', async () => {
    const rng = new Rng(2);
    const n = 4096;
    const xy = Float32Array.from({ length: 2 * n }, () => rng.normal() * (1 + rng.next()));
    const pair = pairKmeans(xy, n, 16, 20, 3);
    const generic = await kmeans(xy, n, 2, { K: 16, iterations: 20, seed: 3, spherical: false, tolerance: 0.001 });
    expect(inertia(xy, n, pair)).toBeLessThan(1.02 * generic.inertia);
    expect(pairKmeans(xy, n, 16, 20, 3)).toEqual(pair);
  });

  it('gives finite centroids on the points it has when they are fewer or less distinct than K', () => {
    const three = Float32Array.of(0, 0, 1, 1, 2, 2);
    const exact = pairKmeans(three, 3, 3, 20, 1);
    expect([...exact].sort()).toEqual([0, 0, 1, 1, 2, 2]);
    // Ten copies of two points: two centroids land on them, the others are finite.
    const dup = new Float32Array(40);
    for (let i = 0; i < 20; i++) dup.set(i % 2 ? [5, -1] : [0, 3], 2 * i);
    const got = pairKmeans(dup, 20, 16, 20, 4);
    expect(got.every(Number.isFinite)).toBe(true);
    expect(inertia(dup, 20, got)).toBe(0);
  });
});
