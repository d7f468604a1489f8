/**
 * Seeded randomness for the benchmarks: every sample, split and synthetic
 * vector comes from here, so a run with the same seed sees the same data.
 */

/** A uniform generator on [0, 1) (mulberry32: tiny, fast, good enough for sampling). */
export type Rng = () => number;

/** Creates a seeded uniform generator. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample (Box-Muller; one of the pair is discarded for simplicity). */
export function gaussian(rng: Rng): number {
  let u = rng();
  while (u <= Number.EPSILON) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * `count` distinct integers from [0, n), in random order (partial Fisher-Yates).
 * @throws RangeError when count > n.
 */
export function sampleIndices(n: number, count: number, rng: Rng): Uint32Array {
  if (!Number.isInteger(count) || count < 0 || count > n) throw new RangeError(`cannot sample ${count} of ${n}`);
  const pool = new Uint32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, count);
}
