/**
 * Seeded pseudo-random numbers (mulberry32), so that fitting, sampling and
 * tests are deterministic for a given seed.
 */
/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on
 * every platform. Not for cryptography.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const x = rng.next(); // uniform in [0, 1)
 * const order = rng.shuffle([1, 2, 3, 4]);
 * ```
 */
export class Rng {
  private state: number;

  /** `seed` is taken modulo 2^32; seed 0 is replaced by a fixed non-zero constant. */
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Shuffles `items` in place (Fisher-Yates, from the last element down) and returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i] as T;
      items[i] = items[j] as T;
      items[j] = t;
    }
    return items;
  }

  /** `k` distinct indices of [0, n), in ascending order (Floyd's algorithm). */
  sample(n: number, k: number): Uint32Array {
    if (k >= n) return Uint32Array.from({ length: n }, (_, i) => i);
    const chosen = new Set<number>();
    for (let j = n - k; j < n; j++) {
      const t = this.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    return Uint32Array.from(chosen).sort();
  }
}
