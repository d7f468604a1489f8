/**
 * k-means for the routing codebook and the PQ sub-quantizers: k-means++
 * seeding followed by Lloyd iterations, over a row-major Float32Array.
 * Deterministic for a given seed. The assignment step is the hot loop:
 * `n x K` dot products per iteration, using
 * `argmin ||x - c||^2 = argmax (x.c - ||c||^2 / 2)`, so no distances are formed.
 */
import { Rng } from '../util/rng.js';
import { Yielder } from '../util/rw-lock.js';
import { dot, normalizeInPlace, squaredNorm } from '../util/vector-math.js';
import type { ProgressCallback } from './types.js';
import { WORK_CHECK_MASK, WORK_SLICE_MS } from './work-slice.js';

/** Options of {@link kmeans}. */
export interface KMeansOptions {
  /** Number of centroids. */
  K: number;
  /** Lloyd iterations at most. */
  iterations: number;
  seed: number;
  /** Re-normalise centroids to unit length after each update (spherical k-means, for unit data). */
  spherical: boolean;
  /** Stop when fewer than this fraction of points change cluster in an iteration. Default 0.001. */
  tolerance?: number;
  onProgress?: ProgressCallback;
  /** Phase name reported to onProgress. */
  phase?: string;
}

/** Result of {@link kmeans}. */
export interface KMeansResult {
  centroids: Float32Array;
  /** Cluster of each point. */
  assignment: Int32Array;
  /** Mean squared distance of the points to their centroid. */
  inertia: number;
  iterations: number;
}

/** Half squared norms of the centroids, the bias term of the assignment score. */
export function halfSquaredNorms(centroids: Float32Array, K: number, d: number): Float32Array {
  const h = new Float32Array(K);
  for (let k = 0; k < K; k++) h[k] = 0.5 * squaredNorm(centroids, k * d, d);
  return h;
}

/**
 * Nearest centroid of row `off` of `x` (L2). Returns the cluster; writes the
 * squared distance to `dist[0]` when `dist` is given.
 *
 * Four centroids are scored per pass over `x`, so each x[j] is loaded once
 * for four multiply-adds; this is about twice as fast as one dot per centroid.
 */
export function nearestCentroid(
  x: Float32Array,
  off: number,
  centroids: Float32Array,
  halfNorms: Float32Array,
  K: number,
  d: number,
  dist?: Float64Array,
): number {
  let best = 0;
  let bestScore = -Infinity;
  let k = 0;
  for (; k + 3 < K; k += 4) {
    const b0 = k * d;
    const b1 = b0 + d;
    const b2 = b1 + d;
    const b3 = b2 + d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < d; j++) {
      const xj = x[off + j]!;
      s0 += xj * centroids[b0 + j]!;
      s1 += xj * centroids[b1 + j]!;
      s2 += xj * centroids[b2 + j]!;
      s3 += xj * centroids[b3 + j]!;
    }
    s0 -= halfNorms[k]!;
    s1 -= halfNorms[k + 1]!;
    s2 -= halfNorms[k + 2]!;
    s3 -= halfNorms[k + 3]!;
    if (s0 > bestScore) {
      bestScore = s0;
      best = k;
    }
    if (s1 > bestScore) {
      bestScore = s1;
      best = k + 1;
    }
    if (s2 > bestScore) {
      bestScore = s2;
      best = k + 2;
    }
    if (s3 > bestScore) {
      bestScore = s3;
      best = k + 3;
    }
  }
  for (; k < K; k++) {
    const s = dot(x, off, centroids, k * d, d) - halfNorms[k]!;
    if (s > bestScore) {
      bestScore = s;
      best = k;
    }
  }
  if (dist) dist[0] = Math.max(0, squaredNorm(x, off, d) - 2 * bestScore);
  return best;
}

/**
 * k-means++ seeding: each next centre is drawn with probability proportional to D(x)^2. It makes
 * K passes over the data, as much work as one Lloyd iteration, so it yields between passes as the
 * iterations do.
 */
async function seedPlusPlus(data: Float32Array, n: number, d: number, K: number, rng: Rng, yielder: Yielder): Promise<Float32Array> {
  const centroids = new Float32Array(K * d);
  const minDist = new Float64Array(n).fill(Infinity);
  let chosen = rng.int(n);
  for (let k = 0; k < K; k++) {
    centroids.set(data.subarray(chosen * d, chosen * d + d), k * d);
    if (k === K - 1) break;
    await yielder.maybe();
    const cNorm = squaredNorm(centroids, k * d, d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const dd = Math.max(0, squaredNorm(data, i * d, d) + cNorm - 2 * dot(data, i * d, centroids, k * d, d));
      if (dd < minDist[i]!) minDist[i] = dd;
      total += minDist[i]!;
    }
    if (total <= 0) {
      // Fewer distinct points than K: fill with random points (duplicates become empty clusters, re-seeded later).
      chosen = rng.int(n);
      continue;
    }
    let r = rng.next() * total;
    chosen = n - 1;
    for (let i = 0; i < n; i++) {
      r -= minDist[i]!;
      if (r <= 0) {
        chosen = i;
        break;
      }
    }
  }
  return centroids;
}

/**
 * Trains `K` centroids on `n` rows of `data` (row-major, `d` columns).
 * Empty clusters are re-seeded with the points farthest from their centroid,
 * so every centroid ends up owning data when n >= K.
 */
export async function kmeans(data: Float32Array, n: number, d: number, opts: KMeansOptions): Promise<KMeansResult> {
  const yielder = new Yielder(WORK_SLICE_MS);
  const { K, iterations, spherical } = opts;
  const tolerance = opts.tolerance ?? 0.001;
  const rng = new Rng(opts.seed);
  const phase = opts.phase ?? 'fit:kmeans';
  const centroids = await seedPlusPlus(data, n, d, K, rng, yielder);
  if (spherical) for (let k = 0; k < K; k++) normalizeInPlace(centroids, k * d, d);
  const assignment = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  const one = new Float64Array(1);
  const sums = new Float64Array(K * d);
  const counts = new Uint32Array(K);
  let inertia = 0;
  let iter = 0;
  for (; iter < iterations; iter++) {
    const half = halfSquaredNorms(centroids, K, d);
    let changed = 0;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      if ((i & WORK_CHECK_MASK) === 0) await yielder.maybe();
      const c = nearestCentroid(data, i * d, centroids, half, K, d, one);
      dist[i] = one[0]!;
      inertia += one[0]!;
      if (assignment[i] !== c) {
        assignment[i] = c;
        changed++;
      }
    }
    inertia /= n;
    opts.onProgress?.({ phase, done: iter + 1, total: iterations });
    // Update step: centroid = mean of its points.
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      counts[c]!++;
      const base = c * d;
      const row = i * d;
      for (let j = 0; j < d; j++) sums[base + j] = sums[base + j]! + data[row + j]!;
    }
    reseedEmpty(data, d, K, centroids, sums, counts, assignment, dist);
    for (let k = 0; k < K; k++) {
      const cnt = counts[k]!;
      if (cnt === 0) continue;
      for (let j = 0; j < d; j++) centroids[k * d + j] = sums[k * d + j]! / cnt;
      if (spherical) normalizeInPlace(centroids, k * d, d);
    }
    if (changed <= tolerance * n && iter > 0) {
      iter++;
      break;
    }
  }
  // Final assignment against the final centroids, so inertia matches them.
  const half = halfSquaredNorms(centroids, K, d);
  inertia = 0;
  for (let i = 0; i < n; i++) {
    if ((i & WORK_CHECK_MASK) === 0) await yielder.maybe();
    assignment[i] = nearestCentroid(data, i * d, centroids, half, K, d, one);
    inertia += one[0]!;
  }
  return { centroids, assignment, inertia: n > 0 ? inertia / n : 0, iterations: iter };
}

/** Moves each empty cluster onto the point farthest from its own centroid (taking it from that cluster). */
function reseedEmpty(
  data: Float32Array,
  d: number,
  K: number,
  centroids: Float32Array,
  sums: Float64Array,
  counts: Uint32Array,
  assignment: Int32Array,
  dist: Float64Array,
): void {
  let empties = 0;
  for (let k = 0; k < K; k++) if (counts[k] === 0) empties++;
  if (empties === 0) return;
  const order = Array.from(dist.keys()).sort((a, b) => dist[b]! - dist[a]! || a - b);
  let next = 0;
  for (let k = 0; k < K && next < order.length; k++) {
    if (counts[k] !== 0) continue;
    // Take the farthest point whose cluster can spare it.
    while (next < order.length && counts[assignment[order[next]!]!]! <= 1) next++;
    if (next >= order.length) break;
    const i = order[next++]!;
    const from = assignment[i]!;
    counts[from]!--;
    for (let j = 0; j < d; j++) sums[from * d + j] = sums[from * d + j]! - data[i * d + j]!;
    assignment[i] = k;
    counts[k] = 1;
    for (let j = 0; j < d; j++) sums[k * d + j] = data[i * d + j]!;
    centroids.set(data.subarray(i * d, i * d + d), k * d);
  }
}
