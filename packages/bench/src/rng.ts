/**
 * Seeded sampling for the benchmarks. Every sample, split and synthetic vector
 * draws from core's `Rng` (mulberry32), so a run with the same seed sees the same data.
 */
import type { Rng } from '@srm/core/datasets';

/**
 * `count` distinct integers from [0, n), in random order (partial Fisher-Yates).
 * Unlike `Rng.sample`, the order is random, so `sampleIndices(n, n, rng)` is a shuffle.
 * @throws RangeError when count > n.
 */
export function sampleIndices(n: number, count: number, rng: Rng): Uint32Array {
  if (!Number.isInteger(count) || count < 0 || count > n) throw new RangeError(`cannot sample ${count} of ${n}`);
  const pool = new Uint32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, count);
}
