import { describe, expect, it } from 'vitest';
import { mean, median, percentile } from './stats.js';

describe('percentile', () => {
  it('interpolates linearly between closest ranks, like numpy', () => {
    const xs = [15, 20, 35, 40, 50];
    // numpy.percentile([15,20,35,40,50], [0,25,40,50,95,100]) = [15, 20, 29, 35, 48, 50]
    expect(percentile(xs, 0)).toBe(15);
    expect(percentile(xs, 25)).toBe(20);
    expect(percentile(xs, 40)).toBeCloseTo(29, 12);
    expect(percentile(xs, 50)).toBe(35);
    expect(percentile(xs, 95)).toBeCloseTo(48, 12);
    expect(percentile(xs, 100)).toBe(50);
  });

  it('does not depend on input order and does not reorder the input', () => {
    const xs = new Float64Array([9, 1, 5, 3, 7]);
    expect(percentile(xs, 50)).toBe(5);
    expect(Array.from(xs)).toEqual([9, 1, 5, 3, 7]);
  });

  it('takes the mean of the two middle values as the median of an even sample', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('rejects an empty sample and p outside [0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('mean', () => {
  it('averages and rejects an empty sample', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(() => mean([])).toThrow(RangeError);
  });
});
