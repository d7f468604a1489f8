/**
 * k-means for the routing codebook and the PQ sub-quantizers: k-means++
 * seeding followed by Lloyd iterations, over a row-major Float32Array.
 * Deterministic for a given seed. The assignment step is the hot loop:
 * `n x K` dot products per iteration, using
 * `argmin ||x - c||^2 = argmax (x.c - ||c||^2 / 2)`, so no distances are formed;
 * it runs on the SIMD router of route-kernel.ts.
 */
import { Rng } from '../util/rng.js';
import { Yielder } from '../util/rw-lock.js';
import { dot, normalizeInPlace, squaredNorm } from '../util/vector-math.js';
import { createDot } from './dot-kernel.js';
import { createRouter, halfSquaredNorms } from './route-kernel.js';
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

/**
 * Rows per centroid k-means++ seeding draws from. Seeding makes K passes over its rows, one centre
 * at a time, and on the whole sample that cost as much as all the Lloyd iterations on the SIMD
 * router; a seed only has to start each centroid in the right region, which a subsample of a few
 * rows per centroid shows as well, and the Lloyd iterations then run on every row.
 */
const SEED_ROWS_PER_CENTROID = 8;

/**
 * k-means++ seeding: each next centre is drawn with probability proportional to D(x)^2, among at
 * most {@link SEED_ROWS_PER_CENTROID}·K rows drawn at random. It yields between passes.
 */
async function seedPlusPlus(all: Float32Array, total: number, d: number, K: number, rng: Rng, yielder: Yielder): Promise<Float32Array> {
  const { data, n } = seedRows(all, total, d, SEED_ROWS_PER_CENTROID * K, rng);
  const centroids = new Float32Array(K * d);
  const minDist = new Float64Array(n).fill(Infinity);
  // Each row's norm is needed once per centre: computed once (half the pass's work).
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = squaredNorm(data, i * d, d);
  // Each centre's dot products with every row, by the SIMD kernel: the same doubles as `dot`
  // (a product does not depend on its operands' order), so the seeds are those of the JS loop.
  const kernel = createDot();
  const dots = new Float64Array(n);
  let chosen = rng.int(n);
  for (let k = 0; k < K; k++) {
    centroids.set(data.subarray(chosen * d, chosen * d + d), k * d);
    if (k === K - 1) break;
    await yielder.maybe();
    const cNorm = squaredNorm(centroids, k * d, d);
    kernel.scores64(centroids.subarray(k * d, k * d + d), d, data, 0, n, dots, 0);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const dd = Math.max(0, norms[i]! + cNorm - 2 * dots[i]!);
      if (dd < minDist[i]!) minDist[i] = dd;
      total += minDist[i]!;
    }
    chosen = drawByWeight(minDist, n, total, rng);
  }
  return centroids;
}

/**
 * k-means++'s draw of the next centre: row i with probability `weights[i] / total`. When every
 * weight is 0 (fewer distinct rows than centres), a uniform one: its duplicate centre ends up
 * with an empty cluster, which the Lloyd iterations fill.
 */
export function drawByWeight(weights: Float64Array, n: number, total: number, rng: Rng): number {
  if (total <= 0) return rng.int(n);
  let r = rng.next() * total;
  for (let i = 0; i < n; i++) {
    r -= weights[i]!;
    if (r <= 0) return i;
  }
  return n - 1;
}

/** The rows seeding draws from: all of them, or `max` drawn at random (copied, in row order). */
function seedRows(data: Float32Array, n: number, d: number, max: number, rng: Rng): { data: Float32Array; n: number } {
  if (n <= max) return { data, n };
  const picked = rng.sample(n, max);
  const rows = new Float32Array(max * d);
  picked.forEach((r, i) => rows.set(data.subarray(r * d, (r + 1) * d), i * d));
  return { data: rows, n: max };
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
  const nearest = new Int32Array(n);
  const sums = new Float64Array(K * d);
  const counts = new Uint32Array(K);
  let inertia = 0;
  let iter = 0;
  for (; iter < iterations; iter++) {
    await assignAll(data, n, centroids, K, d, nearest, dist, yielder);
    let changed = 0;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      inertia += dist[i]!;
      if (assignment[i] !== nearest[i]) {
        assignment[i] = nearest[i]!;
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
  await assignAll(data, n, centroids, K, d, assignment, dist, yielder);
  inertia = 0;
  for (let i = 0; i < n; i++) inertia += dist[i]!;
  return { centroids, assignment, inertia: n > 0 ? inertia / n : 0, iterations: iter };
}

/**
 * The assignment step: each row's nearest centroid into `assignment` and its squared distance into
 * `dist`, on the SIMD router (the step is n x K dot products), a slice at a time between yields.
 */
async function assignAll(
  data: Float32Array,
  n: number,
  centroids: Float32Array,
  K: number,
  d: number,
  assignment: Int32Array,
  dist: Float64Array,
  yielder: Yielder,
): Promise<void> {
  const router = createRouter(centroids, halfSquaredNorms(centroids, K, d), K, d);
  for (let from = 0; from < n; from += WORK_CHECK_MASK + 1) {
    await yielder.maybe();
    router.route(data, from, Math.min(n, from + WORK_CHECK_MASK + 1), assignment, dist);
  }
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
