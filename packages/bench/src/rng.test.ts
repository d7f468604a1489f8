import { describe, expect, it } from 'vitest';
import { Rng } from '@srm/core/datasets';
import { sampleIndices } from './rng.js';

describe('sampleIndices', () => {
  it('returns distinct in-range indices, the same for the same seed', () => {
    const s = sampleIndices(1000, 200, new Rng(9));
    expect(new Set(s).size).toBe(200);
    for (const i of s) expect(i).toBeLessThan(1000);
    expect(Array.from(sampleIndices(1000, 200, new Rng(9)))).toEqual(Array.from(s));
  });

  it('returns a permutation when asked for everything, and rejects more than n', () => {
    expect(Array.from(sampleIndices(50, 50, new Rng(2))).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => sampleIndices(3, 4, new Rng(1))).toThrow(RangeError);
  });
});
