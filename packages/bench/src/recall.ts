/**
 * recall@k against exact ground truth.
 *
 * A returned id counts as a true neighbour when its exact similarity to the
 * query is at least the k-th exact similarity minus `tolerance` (the
 * distance-threshold recall of ann-benchmarks). Pure id overlap would punish
 * a system for returning one of several exactly tied vectors (GloVe has
 * duplicate rows). Scores are recomputed here from the base matrix, never
 * taken from the system under test, so a quantised score cannot flatter it.
 */
import type { GroundTruth } from './ground-truth.js';
import { dotRows } from './vectors.js';

/** recall@k of each query and their mean. */
export interface RecallResult {
  mean: number;
  perQuery: Float64Array;
}

/**
 * @param results one list of base row indices per query (best first; only the first k count, duplicates once).
 * @param tolerance slack on the k-th exact score; 0 gives strict threshold recall.
 */
export function recallAtK(
  results: readonly ArrayLike<number>[],
  gt: GroundTruth,
  base: Float32Array,
  queries: Float32Array,
  d: number,
  k: number,
  tolerance = 1e-5,
): RecallResult {
  if (k > gt.k) throw new RangeError(`recall@${k} needs ground truth of depth >= ${k}, have ${gt.k}`);
  if (results.length > gt.nq) throw new RangeError(`${results.length} result lists for ${gt.nq} queries`);
  const perQuery = new Float64Array(results.length);
  const n = base.length / d;
  for (let q = 0; q < results.length; q++) {
    const threshold = gt.scores[q * gt.k + k - 1]! - tolerance;
    const seen = new Set<number>();
    const list = results[q]!;
    let hits = 0;
    for (let r = 0; r < list.length && seen.size < k; r++) {
      const id = list[r]!;
      if (seen.has(id)) continue;
      seen.add(id);
      if (!Number.isInteger(id) || id < 0 || id >= n) continue;
      if (dotRows(queries, q, base, id, d) >= threshold) hits++;
    }
    perQuery[q] = hits / k;
  }
  let sum = 0;
  for (const r of perQuery) sum += r;
  return { mean: results.length === 0 ? 0 : sum / results.length, perQuery };
}
