import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { dot } from '../util/vector-math.js';
import { CHUNK_BYTES, JsDot, createDot, type DotKernel } from './dot-kernel.js';

function gaussian(rng: Rng, length: number): Float32Array {
  return Float32Array.from({ length }, () => rng.normal());
}

/** Gaussian values scaled by 1e-30, 1, 1e15 or 1e30: sums whose rounding depends on the order of the additions. */
function mixed(rng: Rng, length: number): Float32Array {
  const scales = [1e-30, 1, 1e15, 1e30];
  return Float32Array.from({ length }, () => rng.normal() * scales[rng.int(4)]!);
}

/** Fails at the first score that differs (`Object.is`: -0 and +0 differ, NaN equals NaN). */
function expectSameScores(actual: Float32Array | Float64Array, expected: Float32Array | Float64Array): void {
  expect(actual.length).toBe(expected.length);
  const at = actual.findIndex((x, i) => !Object.is(x, expected[i]));
  expect(at === -1 ? null : { at, actual: actual[at], expected: expected[at] }).toBeNull();
}

/**
 * Scores of the SIMD kernel and of the reference, as float32 and as f64, which must agree. The
 * outputs have `outOff` slots before and 3 after the scores, to check nothing is written outside.
 */
function scoreBoth(q: Float32Array, d: number, rows: Float32Array, rowsOff: number, n: number, outOff: number, simd: DotKernel = createDot()) {
  const js = new JsDot();
  const fast = new Float32Array(outOff + n + 3).fill(-7);
  const slow = new Float32Array(outOff + n + 3).fill(-7);
  const fast64 = new Float64Array(outOff + n + 3).fill(-7);
  const slow64 = new Float64Array(outOff + n + 3).fill(-7);
  simd.scores(q, d, rows, rowsOff, n, fast, outOff);
  js.scores(q, d, rows, rowsOff, n, slow, outOff);
  simd.scores64(q, d, rows, rowsOff, n, fast64, outOff);
  js.scores64(q, d, rows, rowsOff, n, slow64, outOff);
  for (const out of [fast, fast64]) {
    expect(Array.from(out.subarray(0, outOff)).every((x) => x === -7)).toBe(true);
    expect(Array.from(out.subarray(outOff + n))).toEqual([-7, -7, -7]);
  }
  const scores = (out: Float32Array | Float64Array) => out.subarray(outOff, outOff + n);
  return { fast: scores(fast), slow: scores(slow), fast64: scores(fast64), slow64: scores(slow64), simd };
}

/** Rows per call of the SIMD kernel. */
function chunkRows(d: number): number {
  return Math.floor(CHUNK_BYTES / (4 * d));
}

describe('createDot', () => {
  it('uses WebAssembly SIMD on this Node', () => {
    expect(createDot().name).toBe('wasm-simd');
  });

  for (const d of [1, 2, 3, 4, 5, 7, 100, 101, 384, 768]) {
    it(`gives dot's scores on random rows, one to several chunks of them, from nonzero offsets (d=${d})`, () => {
      const rng = new Rng(d);
      // Several chunks, the last one partial, and counts that are and are not multiples of the 4 rows of a pass.
      const many = 2 * chunkRows(d) + 7;
      const rows = gaussian(rng, 11 + many * d);
      const simd = createDot();
      for (const n of [1, 3, 4, 9, many]) {
        // With n = 3, a query longer than d: only its first d values count.
        const q = gaussian(rng, n === 3 ? d + 2 : d);
        for (const [rowsOff, outOff] of [
          [0, 0],
          [11, 5],
          [11 + (many - n) * d, 1],
        ] as const) {
          const { fast, slow, fast64, slow64 } = scoreBoth(q, d, rows, rowsOff, n, outOff, simd);
          expectSameScores(fast, slow);
          expectSameScores(fast64, slow64);
          expect(fast64[n - 1]).toBe(dot(q, 0, rows, rowsOff + (n - 1) * d, d));
        }
      }
    });
  }

  for (const d of [3, 4, 5, 7, 100, 101, 384]) {
    it(`adds in dot's order, on rows of values of very different magnitudes (d=${d})`, () => {
      const rng = new Rng(100 + d);
      const n = 2003;
      const q = gaussian(rng, d);
      const rows = mixed(rng, n * d);
      const { fast, slow, fast64, slow64 } = scoreBoth(q, d, rows, 0, n, 0);
      expectSameScores(fast64, slow64);
      expectSameScores(fast, slow);
      // Other orders of the same additions change many of these scores, so a kernel that added in
      // another order could not pass: the products one by one from the last, and dot's partial
      // sums added from s3 down.
      let [backwards, fromS3] = [0, 0];
      for (let i = 0; i < n; i++) {
        const s = [0, 0, 0, 0];
        let one = 0;
        for (let j = d - 1; j >= 0; j--) one += q[j]! * rows[i * d + j]!;
        for (let j = 0; j < d; j++) s[j < d - (d % 4) ? j % 4 : 0]! += q[j]! * rows[i * d + j]!;
        if (one !== fast64[i]) backwards++;
        if (s[3]! + s[2]! + s[1]! + s[0]! !== fast64[i]) fromS3++;
      }
      expect(backwards).toBeGreaterThan(n / 100);
      if (d >= 4) expect(fromS3).toBeGreaterThan(n / 100);
    });
  }

  it('rounds a score to float32 as a store into a Float32Array does: to nearest, ties to even', () => {
    // Rows of d = 2 whose exact dot products (the f64 sum of two exact products) sit on or next
    // to the halfway point between two float32 values.
    const cases: [q: [number, number], row: [number, number], exact: number, f32: number][] = [
      [[1, 1], [1, 2 ** -24], 1 + 2 ** -24, 1], // halfway, to the even 1
      [[1, 1], [1 + 2 ** -23, 2 ** -24], 1 + 3 * 2 ** -24, 1 + 2 ** -22], // halfway, to the even above
      [[1, 2 ** -24], [1, 1 + 2 ** -23], 1 + 2 ** -24 + 2 ** -47, 1 + 2 ** -23], // just above halfway
      [[-1, -1], [1, 2 ** -24], -1 - 2 ** -24, -1],
      [[2 ** -75, 0], [2 ** -75, 0], 2 ** -150, 0], // half the smallest subnormal, to the even 0
      [[2 ** -75, 0], [1.5 * 2 ** -75, 0], 1.5 * 2 ** -150, 2 ** -149],
      [[2 ** 64, 2 ** 64], [(2 - 2 ** -23) * 2 ** 63, 2 ** 39], 2 ** 128 - 2 ** 103, Infinity], // halfway past the largest float32
      [[2 ** 64, 2 ** 64], [(2 - 2 ** -23) * 2 ** 63, 2 ** 39 - 2 ** 15], 2 ** 128 - 2 ** 103 - 2 ** 79, (2 - 2 ** -23) * 2 ** 127],
      [[-1, 0], [0, 0], 0, 0], // +0: the sums start at +0, and +0 + -0 is +0
    ];
    const d = 2;
    for (const [q, row, exact, f32] of cases) {
      // Four copies of the row, so that the four rows of a pass and the one-row pass both see it.
      const rows = Float32Array.from({ length: 5 * d }, (_, i) => row[i % d]!);
      expect(Array.from(rows.subarray(0, d))).toEqual(row); // exactly float32 values
      const { fast, slow, fast64, slow64 } = scoreBoth(Float32Array.from(q), d, rows, 0, 5, 0);
      expect(Array.from(fast64)).toEqual(new Array(5).fill(exact));
      expectSameScores(fast64, slow64);
      expect(Object.is(Math.fround(exact), f32)).toBe(true);
      expectSameScores(slow, new Float32Array(5).fill(f32));
      expectSameScores(fast, slow);
    }
  });

  it('gives dot infinite and NaN scores where its inputs make them', () => {
    const d = 5;
    const q = Float32Array.of(1, -2, 0, 3, 1);
    const rows = Float32Array.of(
      ...[Infinity, 0, 0, 0, 0],
      ...[0, 0, Infinity, 0, 0],
      ...[0, 0, 0, 0, NaN],
      ...[-Infinity, 1, 1, 1, 1],
      ...[3e38, 0, 1, 3e38, 0],
    );
    const { fast, slow, fast64, slow64 } = scoreBoth(q, d, rows, 0, 5, 0);
    expectSameScores(fast64, slow64);
    expectSameScores(fast, slow);
    expect(Array.from(fast)).toEqual([Infinity, NaN, NaN, -Infinity, Infinity]);
    // Past the largest float32, finite as a double.
    expect(fast64[4]).toBe(4 * Math.fround(3e38));
  });

  it('scores no rows, and rows of d = 0, as dot does', () => {
    const { fast, fast64 } = scoreBoth(new Float32Array(0), 0, new Float32Array(0), 0, 6, 2);
    expectSameScores(fast, new Float32Array(6));
    expectSameScores(fast64, new Float64Array(6));
    const simd = createDot();
    const out = new Float32Array(3).fill(-7);
    simd.scores(Float32Array.of(1, 2), 2, Float32Array.of(3, 4), 0, 0, out, 1);
    expect(Array.from(out)).toEqual([-7, -7, -7]);
  });

  it('scores more rows than one chunk in pieces, with a bounded memory', () => {
    const rng = new Rng(9);
    const d = 100;
    const n = 20_000;
    const q = gaussian(rng, d);
    const rows = gaussian(rng, n * d);
    const { fast, slow, simd } = scoreBoth(q, d, rows, 0, n, 0);
    expectSameScores(fast, slow);
    // The query as f64, one chunk of rows and its f64 scores, in whole 64 KiB pages.
    const pages = Math.ceil((8 * d + 16 + CHUNK_BYTES + (2 * CHUNK_BYTES) / d + 16) / 65536);
    expect(simd.scratchBytes).toBeLessThanOrEqual(pages * 65536);
  });

  it('keeps giving dot scores as its memory grows and d changes between calls, one kernel beside another', () => {
    const rng = new Rng(21);
    const [a, b] = [createDot(), createDot()];
    for (const d of [3, 768, 100, 1, 384, 101, 4]) {
      for (const kernel of [a, b]) {
        const n = 1 + rng.int(2 * chunkRows(d));
        const q = gaussian(rng, d);
        const rows = gaussian(rng, n * d);
        const { fast, slow, fast64, slow64 } = scoreBoth(q, d, rows, 0, n, 0, kernel);
        expectSameScores(fast, slow);
        expectSameScores(fast64, slow64);
      }
    }
    expect(a.scratchBytes).toBeGreaterThan(0);
  });
});
