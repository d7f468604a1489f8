import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('produces the mulberry32 sequence of its seed, in [0, 1)', () => {
    // Values of the reference mulberry32 for seed 20240611 (the bench and test fixtures rely on this sequence).
    const rng = new Rng(20240611);
    const xs = Array.from({ length: 1000 }, () => rng.next());
    expect(xs.slice(0, 3)).toEqual([0.8730510659515858, 0.11392460810020566, 0.04455557535402477]);
    expect(xs[999]).toBe(0.124320097733289);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const c = new Rng(6);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('int(n) stays in [0, n) and reaches both ends', () => {
    const rng = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const k = rng.int(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
      seen.add(k);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('normal() has mean 0 and variance 1', () => {
    const rng = new Rng(1);
    const xs = Array.from({ length: 20_000 }, () => rng.normal());
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
  });

  it('sample(n, k) gives k distinct ascending indices of [0, n), or all of them when k >= n', () => {
    const s = Array.from(new Rng(9).sample(1000, 200));
    expect(new Set(s).size).toBe(200);
    expect(s).toEqual([...s].sort((x, y) => x - y));
    expect(s.every((i) => i < 1000)).toBe(true);
    expect(Array.from(new Rng(9).sample(5, 8))).toEqual([0, 1, 2, 3, 4]);
  });

  it('shuffle permutes in place, from the last position down (the sequence the FOLDOC samples use)', () => {
    const items = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const out = new Rng(3).shuffle(items);
    expect(out).toBe(items);
    expect(out).toEqual([9, 5, 6, 1, 2, 4, 8, 3, 0, 7]);
    expect(new Rng(3).shuffle([])).toEqual([]);
    expect(new Rng(3).shuffle(['only'])).toEqual(['only']);
  });
});
