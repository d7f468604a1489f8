/**
 * k-means in two dimensions, for the `pq4` sub-quantizers (16 centroids per pair of residual
 * dimensions): k-means++ seeding, then Lloyd iterations, in plain loops. The generic k-means
 * (kmeans.ts) assigns rows on the SIMD router, which is built for rows of tens to thousands of
 * dimensions; on two it spends its time in calls and bookkeeping, not arithmetic, and a fit
 * trains one such k-means per pair. Deterministic for a given seed.
 */
import { Rng } from '../../util/rng.js';
import { drawByWeight } from '../kmeans.js';

/**
 * Trains `K` centroids (`K <= n`) on the `n` points of `xy` (x0, y0, x1, y1, ...) and returns
 * them the same way. It stops after `iterations` Lloyd iterations, or once fewer than
 * `tolerance · n` points changed cluster. An empty cluster takes the point farthest from its
 * centroid among the clusters that can spare one.
 */
export function pairKmeans(xy: Float32Array, n: number, K: number, iterations: number, seed: number, tolerance = 0.001): Float32Array {
  const rng = new Rng(seed);
  const cx = new Float64Array(K);
  const cy = new Float64Array(K);
  seedPlusPlus(xy, n, K, rng, cx, cy);
  const assignment = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  const sx = new Float64Array(K);
  const sy = new Float64Array(K);
  const counts = new Uint32Array(K);
  for (let iter = 0; iter < iterations; iter++) {
    sx.fill(0);
    sy.fill(0);
    counts.fill(0);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const x = xy[2 * i]!;
      const y = xy[2 * i + 1]!;
      let best = 0;
      let bestDist = Infinity;
      for (let k = 0; k < K; k++) {
        const dx = x - cx[k]!;
        const dy = y - cy[k]!;
        const dd = dx * dx + dy * dy;
        if (dd < bestDist) {
          bestDist = dd;
          best = k;
        }
      }
      if (assignment[i] !== best) changed++;
      assignment[i] = best;
      dist[i] = bestDist;
      sx[best] = sx[best]! + x;
      sy[best] = sy[best]! + y;
      counts[best]!++;
    }
    fillEmpty(xy, n, K, assignment, dist, sx, sy, counts);
    for (let k = 0; k < K; k++) {
      const count = counts[k]!;
      if (count === 0) continue;
      cx[k] = sx[k]! / count;
      cy[k] = sy[k]! / count;
    }
    if (changed <= tolerance * n && iter > 0) break;
  }
  const out = new Float32Array(2 * K);
  for (let k = 0; k < K; k++) {
    out[2 * k] = cx[k]!;
    out[2 * k + 1] = cy[k]!;
  }
  return out;
}

/** k-means++: each next centre drawn with probability proportional to the squared distance to the nearest centre so far. */
function seedPlusPlus(xy: Float32Array, n: number, K: number, rng: Rng, cx: Float64Array, cy: Float64Array): void {
  const minDist = new Float64Array(n).fill(Infinity);
  let chosen = rng.int(n);
  for (let k = 0; k < K; k++) {
    cx[k] = xy[2 * chosen]!;
    cy[k] = xy[2 * chosen + 1]!;
    if (k === K - 1) return;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const dx = xy[2 * i]! - cx[k]!;
      const dy = xy[2 * i + 1]! - cy[k]!;
      const dd = dx * dx + dy * dy;
      if (dd < minDist[i]!) minDist[i] = dd;
      total += minDist[i]!;
    }
    chosen = drawByWeight(minDist, n, total, rng);
  }
}

/** Moves, into each empty cluster, the point farthest from its centroid whose cluster keeps another point. */
function fillEmpty(
  xy: Float32Array,
  n: number,
  K: number,
  assignment: Int32Array,
  dist: Float64Array,
  sx: Float64Array,
  sy: Float64Array,
  counts: Uint32Array,
): void {
  for (let k = 0; k < K; k++) {
    if (counts[k] !== 0) continue;
    let far = -1;
    for (let i = 0; i < n; i++) if (counts[assignment[i]!]! > 1 && (far < 0 || dist[i]! > dist[far]!)) far = i;
    if (far < 0) return;
    const from = assignment[far]!;
    counts[from]!--;
    sx[from] = sx[from]! - xy[2 * far]!;
    sy[from] = sy[from]! - xy[2 * far + 1]!;
    assignment[far] = k;
    dist[far] = 0;
    counts[k] = 1;
    sx[k] = xy[2 * far]!;
    sy[k] = xy[2 * far + 1]!;
  }
}
