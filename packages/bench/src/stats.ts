/** Order statistics of latency samples. */

/**
 * The p-th percentile (0..100) with linear interpolation between closest
 * ranks (numpy's default), so p50 of an even-sized sample is the mean of the
 * two middle values.
 * @throws RangeError for an empty sample or p outside [0, 100].
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile p must be in [0, 100], got ${p}`);
  const sorted = Float64Array.from(values).sort();
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** The median (p50). */
export function median(values: ArrayLike<number>): number {
  return percentile(values, 50);
}

/** The arithmetic mean. @throws RangeError for an empty sample. */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('mean of an empty sample');
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}
