import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';
import { TopK } from './top-k.js';

/** The contract of `sorted()`, by a plain comparator sort of every pushed entry. */
function reference(entries: [number, number][], k: number): { ids: number[]; scores: number[] } {
  const best = entries
    .map(([id, score]) => ({ id, score: Math.fround(score) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, k);
  return { ids: best.map((e) => e.id), scores: best.map((e) => e.score) };
}

describe('TopK.sorted', () => {
  it('lists the k best, best first, ties by ascending id, for heaps full and not', () => {
    const rng = new Rng(7);
    for (const [n, k] of [
      [0, 5],
      [3, 5],
      [5, 5],
      [200, 16],
      [1000, 256],
      [50, 1],
    ] as const) {
      // Scores from a few values, so that ties are common and cross the cut.
      const entries: [number, number][] = Array.from({ length: n }, (_, i) => [(i * 7919) % 10_007, Math.floor(rng.next() * 20) / 4]);
      const top = new TopK(k);
      for (const [id, score] of entries) top.push(id, score);
      const got = top.sorted();
      const want = reference(entries, k);
      // Which of several tied entries at the cut the heap kept is its own affair; the order is not.
      expect(Array.from(got.scores)).toEqual(want.scores);
      for (let i = 1; i < got.ids.length; i++) {
        if (got.scores[i] === got.scores[i - 1]) expect(got.ids[i]).toBeGreaterThan(got.ids[i - 1]!);
      }
      const cut = want.scores.at(-1);
      const above = (ids: ArrayLike<number>, scores: ArrayLike<number>) => Array.from(ids).filter((_, i) => scores[i] !== cut);
      expect(above(got.ids, got.scores)).toEqual(above(want.ids, want.scores));
    }
  });

  it('leaves the heap as it was', () => {
    const top = new TopK(4);
    for (const [id, score] of [
      [1, 0.5],
      [2, 0.9],
      [3, 0.1],
      [4, 0.7],
      [5, 0.3],
    ] as const)
      top.push(id, score);
    const before = { ids: top.ids.slice(), scores: top.scores.slice() };
    top.sorted();
    expect(top.ids).toEqual(before.ids);
    expect(top.scores).toEqual(before.scores);
    top.push(6, 0.8);
    expect(Array.from(top.sorted().ids)).toEqual([2, 6, 4, 1]);
  });
});
