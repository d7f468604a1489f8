import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { Pq4Codec } from './codecs/pq4.js';
import { CHUNK_BYTES, JsPq4Encoder, createPq4Encoder } from './pq4-encode-kernel.js';

/** Exposes the codes a Pq4Codec wrote. */
class ProbedPq4 extends Pq4Codec {
  code(rows: Uint8Array, index: number, sub: number): number {
    return this.getCode(rows, index, sub);
  }
}

/** The codes straight from their definition: all 16 distances, then the first index at the minimum. */
function naiveCodes(rows: Float32Array, offset: number, n: number, centroids: Float32Array, d: number): Uint8Array {
  const nSub = Math.ceil(d / 2);
  const codes = new Uint8Array(n * nSub);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < nSub; j++) {
      const x0 = rows[offset + i * d + 2 * j]!;
      const x1 = 2 * j + 1 < d ? rows[offset + i * d + 2 * j + 1]! : 0;
      const dists = new Float64Array(16);
      for (let c = 0; c < 16; c++) {
        const a = x0 - centroids[(j * 16 + c) * 2]!;
        const b = x1 - centroids[(j * 16 + c) * 2 + 1]!;
        dists[c] = a * a + b * b;
      }
      codes[i * nSub + j] = dists.indexOf(dists.reduce((m, x) => Math.min(m, x)));
    }
  }
  return codes;
}

/** Fails at the first code that differs (a typed-array toEqual is slow on long arrays). */
function expectSameCodes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  const at = actual.findIndex((c, i) => c !== expected[i]);
  expect(at === -1 ? null : { at, actual: actual[at], expected: expected[at] }).toBeNull();
}

/** Pairs where two or more centroids are at the minimum distance: the ties a test relies on. */
function countTies(rows: Float32Array, n: number, centroids: Float32Array, d: number): number {
  const nSub = Math.ceil(d / 2);
  let ties = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < nSub; j++) {
      const x0 = rows[i * d + 2 * j]!;
      const x1 = 2 * j + 1 < d ? rows[i * d + 2 * j + 1]! : 0;
      const dists = Array.from({ length: 16 }, (_, c) => (x0 - centroids[(j * 16 + c) * 2]!) ** 2 + (x1 - centroids[(j * 16 + c) * 2 + 1]!) ** 2);
      const min = Math.min(...dists);
      if (dists.filter((x) => x === min).length > 1) ties++;
    }
  }
  return ties;
}

function gaussian(rng: Rng, length: number): Float32Array {
  return Float32Array.from({ length }, () => rng.normal());
}

/** Small integers: many exactly equal distances. */
function grid(rng: Rng, length: number): Float32Array {
  return Float32Array.from({ length }, () => rng.int(5) - 2);
}

/** Codes of the SIMD kernel and of the reference, which must agree; the codes array is one longer, to check nothing is written past the end. */
function encodeBoth(centroids: Float32Array, d: number, rows: Float32Array, offset: number, n: number) {
  const nSub = Math.ceil(d / 2);
  const simd = createPq4Encoder();
  const js = new JsPq4Encoder();
  simd.setCentroids(centroids, d);
  js.setCentroids(centroids, d);
  const fast = new Uint8Array(n * nSub + 1).fill(255);
  const slow = new Uint8Array(n * nSub + 1).fill(255);
  simd.encode(rows, offset, n, fast);
  js.encode(rows, offset, n, slow);
  expect(fast[n * nSub]).toBe(255);
  return { fast: fast.subarray(0, n * nSub), slow: slow.subarray(0, n * nSub), simd };
}

describe('createPq4Encoder', () => {
  it('uses WebAssembly SIMD on this Node', () => {
    expect(createPq4Encoder().name).toBe('wasm-simd');
  });

  for (const d of [100, 101, 2, 1, 3, 384]) {
    it(`gives the reference's codes on random rows (d=${d})`, () => {
      const rng = new Rng(d);
      const centroids = gaussian(rng, Math.ceil(d / 2) * 32);
      // With d = 1 the lone pair's second coordinates are 0, as Pq4Codec keeps them, so that all 16 codes occur.
      if (d === 1) for (let c = 0; c < 16; c++) centroids[c * 2 + 1] = 0;
      const n = 257;
      const rows = gaussian(rng, n * d);
      const { fast, slow } = encodeBoth(centroids, d, rows, 0, n);
      expectSameCodes(fast, slow);
      expectSameCodes(slow, naiveCodes(rows, 0, n, centroids, d));
      // Random codes use all 16 values, so a kernel stuck on a few lanes cannot pass.
      expect(new Set(fast).size).toBe(16);
    });
  }

  for (const d of [101, 6]) {
    it(`takes the lowest index on ties, on a grid where distances often tie (d=${d})`, () => {
      const rng = new Rng(7 * d);
      const centroids = grid(rng, Math.ceil(d / 2) * 32);
      const n = 301;
      const rows = grid(rng, n * d);
      expect(countTies(rows, n, centroids, d)).toBeGreaterThan(n);
      const { fast, slow } = encodeBoth(centroids, d, rows, 0, n);
      expectSameCodes(fast, slow);
      expectSameCodes(fast, naiveCodes(rows, 0, n, centroids, d));
    });
  }

  it('takes the lowest index of duplicated centroids, as training on fewer than 16 points leaves them', () => {
    const rng = new Rng(11);
    const d = 41;
    const nSub = 21;
    const centroids = new Float32Array(nSub * 32);
    for (let j = 0; j < nSub; j++) {
      // Pair j repeats its first k centroids: the last one (like Pq4Codec) or cyclically.
      const k = 1 + (j % 5);
      const base = gaussian(rng, 2 * k);
      for (let c = 0; c < 16; c++) {
        const from = j % 2 === 0 ? Math.min(c, k - 1) : c % k;
        centroids[(j * 16 + c) * 2] = base[from * 2]!;
        centroids[(j * 16 + c) * 2 + 1] = j === nSub - 1 ? 0 : base[from * 2 + 1]!;
      }
    }
    const n = 99;
    const rows = gaussian(rng, n * d);
    const { fast, slow } = encodeBoth(centroids, d, rows, 0, n);
    expectSameCodes(fast, slow);
    for (let i = 0; i < n; i++) for (let j = 0; j < nSub; j++) expect(fast[i * nSub + j]).toBeLessThan(1 + (j % 5));
  });

  it('codes a row that sits on a centroid as that centroid', () => {
    const rng = new Rng(5);
    const d = 7;
    const nSub = 4;
    const centroids = gaussian(rng, nSub * 32);
    for (let c = 0; c < 16; c++) centroids[((nSub - 1) * 16 + c) * 2 + 1] = 0;
    // Row c is centroid c of every pair.
    const rows = new Float32Array(16 * d);
    for (let c = 0; c < 16; c++) for (let u = 0; u < d; u++) rows[c * d + u] = centroids[((u >> 1) * 16 + c) * 2 + (u & 1)]!;
    const { fast, slow } = encodeBoth(centroids, d, rows, 0, 16);
    expectSameCodes(fast, slow);
    expect(Array.from(fast)).toEqual(Array.from({ length: 16 * nSub }, (_, i) => Math.floor(i / nSub)));
  });

  it('codes a row exactly between two centroids as the lower index, whichever lanes they occupy', () => {
    // Pair j ties centroids lo < hi (all 120 choices) at distance 0.25 from (1, 2); the others are far.
    const ties: [number, number][] = [];
    for (let lo = 0; lo < 16; lo++) for (let hi = lo + 1; hi < 16; hi++) ties.push([lo, hi]);
    const d = 2 * ties.length;
    const centroids = new Float32Array(ties.length * 32);
    ties.forEach(([lo, hi], j) => {
      for (let c = 0; c < 16; c++) {
        const [x, y] = c === lo ? (j % 2 ? [1, 2.5] : [1.5, 2]) : c === hi ? (j % 2 ? [0.5, 2] : [1, 1.5]) : [100 + c, -50];
        centroids[(j * 16 + c) * 2] = x;
        centroids[(j * 16 + c) * 2 + 1] = y;
      }
    });
    const rows = Float32Array.from({ length: 3 * d }, (_, u) => (u % 2 ? 2 : 1));
    const { fast, slow } = encodeBoth(centroids, d, rows, 0, 3);
    expectSameCodes(fast, slow);
    expect(Array.from(fast)).toEqual([0, 1, 2].flatMap(() => ties.map(([lo]) => lo)));
  });

  it('encodes one row, an odd count of rows, and rows from a nonzero offset', () => {
    const rng = new Rng(3);
    const d = 101;
    const centroids = gaussian(rng, 51 * 32);
    const rows = gaussian(rng, 13 + 1009 * d + 5);
    for (const [offset, n] of [
      [0, 1],
      [13, 1],
      [0, 1009],
      [13, 1009],
      [13 + 17 * d, 3],
    ] as const) {
      const { fast, slow } = encodeBoth(centroids, d, rows, offset, n);
      expectSameCodes(fast, slow);
      expectSameCodes(fast, naiveCodes(rows, offset, n, centroids, d));
    }
  });

  it('encodes more rows than one chunk in pieces, with a bounded memory', () => {
    const rng = new Rng(9);
    const d = 100;
    const centroids = gaussian(rng, 50 * 32);
    const n = Math.ceil((2.5 * CHUNK_BYTES) / (4 * d)) + 3;
    const rows = gaussian(rng, 7 + n * d);
    const { fast, slow, simd } = encodeBoth(centroids, d, rows, 7, n);
    expectSameCodes(fast, slow);
    // One chunk of rows, its codes and the codebook (50 pairs of 16 f64 x and y), in whole 64 KiB pages.
    const pages = Math.ceil((CHUNK_BYTES + CHUNK_BYTES / 8 + 50 * 256) / 65536);
    expect(simd.scratchBytes).toBeLessThanOrEqual(pages * 65536);
  });

  it('uses the new codebook after setCentroids is called again, of the same or another d', () => {
    const rng = new Rng(21);
    const simd = createPq4Encoder();
    const js = new JsPq4Encoder();
    for (const d of [101, 101, 384, 3, 100]) {
      const nSub = Math.ceil(d / 2);
      const centroids = gaussian(rng, nSub * 32);
      const n = 40;
      const rows = gaussian(rng, n * d);
      simd.setCentroids(centroids, d);
      js.setCentroids(centroids, d);
      // The caller's array may change afterwards: both kernels keep their own copy.
      centroids.fill(0);
      const [fast, slow] = [new Uint8Array(n * nSub), new Uint8Array(n * nSub)];
      simd.encode(rows, 0, n, fast);
      js.encode(rows, 0, n, slow);
      expectSameCodes(fast, slow);
      expect(new Set(fast).size).toBeGreaterThan(1);
    }
  });

  it('refuses to encode before it has a codebook', () => {
    expect(() => createPq4Encoder().encode(new Float32Array(4), 0, 1, new Uint8Array(2))).toThrow(/setCentroids/);
    expect(() => new JsPq4Encoder().encode(new Float32Array(4), 0, 1, new Uint8Array(2))).toThrow(/setCentroids/);
  });
});

describe('JsPq4Encoder', () => {
  for (const [d, trainRows] of [
    [100, 600],
    [101, 600],
    [9, 5],
  ] as const) {
    it(`gives Pq4Codec.encode's codes (d=${d}, trained on ${trainRows} rows)`, async () => {
      const rng = new Rng(d + trainRows);
      const sample = gaussian(rng, trainRows * d);
      const codec = new ProbedPq4(d);
      await codec.train(sample, trainRows, 42);
      const centroids = new Float32Array(codec.paramsToBytes().buffer);
      const n = 70;
      // Training rows, whose centroids (and, with 5 rows, duplicates) they may sit on, then fresh ones.
      const rows = new Float32Array(n * d);
      rows.set(sample.subarray(0, Math.min(trainRows, n) * d));
      rows.set(gaussian(rng, (n - Math.min(trainRows, n)) * d), Math.min(trainRows, n) * d);
      const stored = new Uint8Array(codec.bytesFor(n));
      for (let i = 0; i < n; i++) codec.encode(rows, i * d, stored, i);
      const nSub = Math.ceil(d / 2);
      const expected = Uint8Array.from({ length: n * nSub }, (_, k) => codec.code(stored, Math.floor(k / nSub), k % nSub));
      const js = new JsPq4Encoder();
      js.setCentroids(centroids, d);
      const codes = new Uint8Array(n * nSub);
      js.encode(rows, 0, n, codes);
      expectSameCodes(codes, expected);
      const simd = createPq4Encoder();
      simd.setCentroids(centroids, d);
      const fast = new Uint8Array(n * nSub);
      simd.encode(rows, 0, n, fast);
      expectSameCodes(fast, expected);
    });
  }
});
