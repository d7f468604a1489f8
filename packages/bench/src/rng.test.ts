import { describe, expect, it } from 'vitest';
import { createRng, gaussian, sampleIndices } from './rng.js';

describe('createRng', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = createRng(5);
    const b = createRng(5);
    const c = createRng(6);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('gives standard normal samples', () => {
    const rng = createRng(1);
    const xs = Array.from({ length: 20_000 }, () => gaussian(rng));
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
  });
});

describe('sampleIndices', () => {
  it('returns distinct in-range indices, the same for the same seed', () => {
    const s = sampleIndices(1000, 200, createRng(9));
    expect(new Set(s).size).toBe(200);
    for (const i of s) expect(i).toBeLessThan(1000);
    expect(Array.from(sampleIndices(1000, 200, createRng(9)))).toEqual(Array.from(s));
  });

  it('returns a permutation when asked for everything, and rejects more than n', () => {
    expect(Array.from(sampleIndices(50, 50, createRng(2))).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => sampleIndices(3, 4, createRng(1))).toThrow(RangeError);
  });
});
