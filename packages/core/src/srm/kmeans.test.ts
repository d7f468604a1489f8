import { kmeans as mlKmeans } from 'ml-kmeans';
import { beforeAll, describe, expect, it } from 'vitest';
import { gloveSample } from '../../test/helpers/glove.js';
import { kmeans } from './kmeans.js';
import { halfSquaredNorms, nearestCentroid } from './route-kernel.js';
import { Codebook } from './codebook.js';
import { InvalidInputError } from '../errors.js';
import { SemanticRoutingMemory } from './memory.js';

let d: number;
let data: Float32Array;
const n = 2000;
beforeAll(async () => {
  ({ d, data } = await gloveSample(n, 1, 2000));
});

function inertiaOf(centroids: number[][], points: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (const c of centroids) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (points[i * d + j]! - c[j]!) ** 2;
      if (s < best) best = s;
    }
    sum += best;
  }
  return sum / n;
}

describe('kmeans', () => {
  it('is deterministic for a given seed', async () => {
    const a = await kmeans(data, n, d, { K: 16, iterations: 10, seed: 5, spherical: false });
    const b = await kmeans(data, n, d, { K: 16, iterations: 10, seed: 5, spherical: false });
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
    const c = await kmeans(data, n, d, { K: 16, iterations: 10, seed: 6, spherical: false });
    expect(Array.from(c.centroids)).not.toEqual(Array.from(a.centroids));
  });

  it('reaches the inertia of ml-kmeans (the reference) on real GloVe vectors, within 3%', async () => {
    const points = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, i * d + d)));
    const ref = mlKmeans(points, 16, { seed: 5, initialization: 'kmeans++', maxIterations: 30 });
    const ours = await kmeans(data, n, d, { K: 16, iterations: 30, seed: 5, spherical: false, tolerance: 0 });
    expect(ours.inertia).toBeCloseTo(inertiaOf(chunk(ours.centroids), data), 4);
    expect(ours.inertia).toBeLessThanOrEqual(inertiaOf(ref.centroids, data) * 1.03);
  });

  it('leaves no cluster empty when there are at least K points', async () => {
    const r = await kmeans(data, 300, d, { K: 64, iterations: 10, seed: 1, spherical: true });
    const counts = new Uint32Array(64);
    for (const a of r.assignment) counts[a]!++;
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });

  it('keeps centroids unit-norm when spherical', async () => {
    const r = await kmeans(data, n, d, { K: 8, iterations: 5, seed: 1, spherical: true });
    for (let k = 0; k < 8; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += r.centroids[k * d + j]! ** 2;
      expect(Math.sqrt(s)).toBeCloseTo(1, 5);
    }
  });

  function chunk(c: Float32Array): number[][] {
    return Array.from({ length: c.length / d }, (_, k) => Array.from(c.subarray(k * d, k * d + d)));
  }
});

describe('nearestCentroid', () => {
  it('agrees with a brute-force squared-distance argmin and reports that distance', () => {
    const K = 13; // not a multiple of 4: exercises the tail loop
    const centroids = data.slice(0, K * d);
    const half = halfSquaredNorms(centroids, K, d);
    const dist = new Float64Array(1);
    for (let i = 100; i < 300; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (data[i * d + j]! - centroids[k * d + j]!) ** 2;
        if (s < bestD) [best, bestD] = [k, s];
      }
      expect(nearestCentroid(data, i * d, centroids, half, K, d, dist)).toBe(best);
      expect(dist[0]).toBeCloseTo(bestD, 4);
    }
  });
});

describe('Codebook', () => {
  it('probes the m best buckets in routing-score order', async () => {
    const { codebook } = await Codebook.train(data, n, d, { K: 32, iterations: 5, seed: 2, spherical: true });
    const out = new Uint32Array(5);
    const scores = new Float32Array(5);
    codebook.probe(data.subarray(0, d), 5, out, scores);
    expect(out[0]).toBe(codebook.assign(data, 0));
    for (let i = 1; i < 5; i++) expect(scores[i - 1]).toBeGreaterThanOrEqual(scores[i]!);
  });

  it('round-trips through bytes', async () => {
    const { codebook } = await Codebook.train(data, n, d, { K: 8, iterations: 3, seed: 2, spherical: true });
    const back = Codebook.fromBytes(codebook.toBytes(), 'test');
    expect(Array.from(back.centroids)).toEqual(Array.from(codebook.centroids));
  });
});

describe('fit', () => {
  it('needs at least K vectors', async () => {
    const memory = new SemanticRoutingMemory({ d, K: 64 });
    await expect(memory.fit(data.slice(0, 10 * d))).rejects.toThrow(InvalidInputError);
    expect(memory.isFitted).toBe(false);
    await memory.close();
  });

  it('accepts a training set larger than the add batch limit', async () => {
    const memory = new SemanticRoutingMemory({ d: 4, K: 8, trainSize: 2000 });
    const big = Float32Array.from({ length: 120_000 * 4 }, (_, i) => Math.sin(i * 0.37) + (i % 4));
    await memory.fit(big);
    expect(memory.isFitted).toBe(true);
    await memory.close();
  });

  it('routes items already stored when it is called after adds', async () => {
    const memory = new SemanticRoutingMemory({ d, K: 16, autoFitAt: 0, rerank: 'pq' });
    await memory.add(data.slice(0, 500 * d), { ids: Array.from({ length: 500 }, (_, i) => `w${i}`) });
    expect(memory.isFitted).toBe(false);
    await memory.fit(data);
    expect(memory.isFitted).toBe(true);
    expect((await memory.verify()).ok).toBe(true);
    expect((await memory.query(data.slice(7 * d, 8 * d), { k: 1 }))[0]!.id).toBe('w7');
    await memory.close();
  });
});
