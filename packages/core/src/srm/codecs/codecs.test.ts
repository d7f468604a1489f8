import { beforeAll, describe, expect, it } from 'vitest';
import { gloveSample } from '../../../test/helpers/glove.js';
import { TableScratch, type VectorCodec } from './codec.js';
import { createCodec } from './index.js';
import { defaultPqSubvectors } from './pq.js';
import { dot } from '../../util/vector-math.js';
import { CorruptDataError, InvalidConfigError } from '../../errors.js';
import type { RerankMode } from '../types.js';
import { Pq4Codec } from './pq4.js';
import { Sq4Codec } from './sq4.js';
import { JsFastScan } from '../fast-scan.js';
import { sumFloor } from './fast-scan-codec.js';
import fc from 'fast-check';
import { TopK } from '../../util/top-k.js';

let d: number;
let data: Float32Array;
const n = 1500;
beforeAll(async () => {
  ({ d, data } = await gloveSample(n, 1, 4000));
});

const expectedError: Record<RerankMode, number> = { float32: 1e-6, float16: 2e-3, int8: 0.03, pq: 0.2, sq4: 0.2, pq4: 0.3, none: 0 };

/** Encodes rows `[from, from + count)` of `data` into a fresh row block. */
function encodeRows(codec: VectorCodec, from: number, count: number): Uint8Array {
  const rows = new Uint8Array(codec.bytesFor(count));
  for (let i = 0; i < count; i++) codec.encode(data, (from + i) * d, rows, i);
  return rows;
}

describe.each(['float32', 'float16', 'int8', 'pq', 'sq4', 'pq4'] as const)('%s codec', (mode) => {
  it('approximates the exact dot product within the mode’s error', async () => {
    const codec = createCodec(mode, d, defaultPqSubvectors(d));
    await codec.train(data, n, 1);
    const rows = encodeRows(codec, 0, n);
    const q = data.slice(0, d);
    const out = new Float32Array(n);
    codec.scorer(q).scoreRows(rows, n, out, 0);
    let err = 0;
    for (let i = 0; i < n; i++) err += Math.abs(out[i]! - dot(q, 0, data, i * d, d));
    expect(err / n).toBeLessThanOrEqual(expectedError[mode]);
    expect(codec.exact).toBe(mode === 'float32' || mode === 'float16');
  });

  it('scores from an output offset and adds the offset argument', async () => {
    const codec = createCodec(mode, d, defaultPqSubvectors(d));
    await codec.train(data, n, 1);
    const rows = encodeRows(codec, 10, 5);
    const scorer = codec.scorer(data.slice(0, d));
    const plain = new Float32Array(5);
    scorer.scoreRows(rows, 5, plain, 0);
    const shifted = new Float32Array(8);
    scorer.scoreRows(rows, 5, shifted, 3, 0.5);
    // Only residual codecs take the offset; the others score the vector itself.
    const added = codec.residual ? 0.5 : 0;
    for (let i = 0; i < 5; i++) expect(shifted[3 + i]).toBeCloseTo(plain[i]! + added, 5);
    expect(Array.from(shifted.subarray(0, 3))).toEqual([0, 0, 0]);
  });

  it('restores quantizer parameters from bytes to the same scores', async () => {
    const a = createCodec(mode, d, defaultPqSubvectors(d));
    await a.train(data, n, 1);
    const b = createCodec(mode, d, defaultPqSubvectors(d));
    b.paramsFromBytes(a.paramsToBytes(), 'test');
    const rowsA = new Uint8Array(a.bytesFor(1));
    const rowsB = new Uint8Array(b.bytesFor(1));
    a.encode(data, 5 * d, rowsA, 0);
    b.encode(data, 5 * d, rowsB, 0);
    const q = data.slice(9 * d, 10 * d);
    const sa = new Float32Array(1);
    const sb = new Float32Array(1);
    a.scorer(q).scoreRows(rowsA, 1, sa, 0);
    b.scorer(q).scoreRows(rowsB, 1, sb, 0);
    expect(sb[0]).toBe(sa[0]);
  });

  it('keeps each query’s tables in its own scorer: a second query does not change the first one’s scores', async () => {
    const codec = createCodec(mode, d, defaultPqSubvectors(d));
    await codec.train(data, n, 1);
    const rows = encodeRows(codec, 0, 40);
    const q1 = data.slice(3 * d, 4 * d);
    const q2 = data.slice(7 * d, 8 * d);
    const alone = new Float32Array(40);
    codec.scorer(q1).scoreRows(rows, 40, alone, 0, 0.25);
    // Two queries in flight at once, as two awaits in one process may interleave them.
    const first = codec.scorer(q1);
    const second = codec.scorer(q2);
    const other = new Float32Array(40);
    second.scoreRows(rows, 40, other, 0, 0.25);
    const interleaved = new Float32Array(40);
    first.scoreRows(rows, 40, interleaved, 0, 0.25);
    expect(other).not.toEqual(alone);
    expect(interleaved).toEqual(alone);
  });

  it('scores the same with reused table buffers as with fresh ones', async () => {
    const codec = createCodec(mode, d, defaultPqSubvectors(d));
    await codec.train(data, n, 1);
    const rows = encodeRows(codec, 0, 64);
    const scratch = new TableScratch();
    for (const at of [11, 12, 13]) {
      const q = data.slice(at * d, (at + 1) * d);
      const fresh = new Float32Array(64);
      const reused = new Float32Array(64);
      codec.scorer(q).scoreRows(rows, 64, fresh, 0);
      codec.scorer(q, scratch).scoreRows(rows, 64, reused, 0);
      expect(reused).toEqual(fresh);
    }
  });
});

describe('memory cost per item', () => {
  it.each([
    ['float32', 4 * 100],
    ['float16', 2 * 100],
    ['int8', 100],
    ['pq', 50],
    ['sq4', 50],
    ['pq4', 25],
  ] as const)('%s keeps %i bytes per item', (mode, perItem) => {
    expect(createCodec(mode, d, defaultPqSubvectors(d)).bytesFor(1024)).toBe(perItem * 1024);
    expect(createCodec('none', d, 1).bytesFor(1024)).toBe(0);
  });

  it('sq4 and pq4 round storage up to whole blocks of 32 items', () => {
    const codec = createCodec('sq4', d, 1);
    expect(codec.bytesFor(0)).toBe(0);
    expect(codec.bytesFor(1)).toBe(16 * d);
    expect(codec.bytesFor(33)).toBe(2 * 16 * d);
    expect(createCodec('pq4', d, 1).bytesFor(33)).toBe(2 * 8 * d);
    // An odd d: the last pair is a single dimension, still one nibble.
    expect(createCodec('pq4', 7, 1).bytesFor(32)).toBe(4 * 16);
  });
});

describe('pq encoding', () => {
  it.each([
    [100, 300],
    [50, n],
    [25, n],
    [50, 100],
  ])('picks the nearest sub-centroid in every sub-space (%i sub-vectors, %i training points)', async (M, trainN) => {
    const codec = createCodec('pq', d, M);
    await codec.train(data, trainN, 1);
    const dsub = d / M;
    const decoded = new Float32Array(d);
    const rows = encodeRows(codec, 0, 50);
    for (let i = 0; i < 50; i++) {
      codec.decode(rows, i, decoded);
      // No other code point of a sub-space is closer than the decoded one.
      const cents = (codec as unknown as { centroids: Float32Array }).centroids;
      for (let m = 0; m < M; m++) {
        const dist = (c: number) => {
          let s = 0;
          for (let j = 0; j < dsub; j++) s += (data[i * d + m * dsub + j]! - cents[(m * 256 + c) * dsub + j]!) ** 2;
          return s;
        };
        let chosen = 0;
        for (let j = 0; j < dsub; j++) chosen += (data[i * d + m * dsub + j]! - decoded[m * dsub + j]!) ** 2;
        let nearest = Infinity;
        for (let c = 0; c < 256; c++) nearest = Math.min(nearest, dist(c));
        expect(chosen).toBeLessThanOrEqual(nearest + 1e-6);
      }
    }
  });
});

describe('defaultPqSubvectors', () => {
  it('picks the divisor of d nearest d/2', () => {
    expect(defaultPqSubvectors(100)).toBe(50);
    expect(defaultPqSubvectors(384)).toBe(192);
    expect(defaultPqSubvectors(768)).toBe(384);
    expect(defaultPqSubvectors(7)).toBe(1);
  });

  it('is validated: pq needs sub-vectors that divide d', () => {
    expect(() => createCodec('pq', 10, 3)).toThrow(InvalidConfigError);
  });
});

describe('sq4 encoding', () => {
  it('picks the nearest of its 16 levels in every dimension, with as few training points as levels or fewer', async () => {
    for (const trainN of [n, 16, 5]) {
      const codec = createCodec('sq4', d, 1);
      await codec.train(data, trainN, 1);
      const levels = new Float32Array(codec.paramsToBytes().buffer);
      const rows = encodeRows(codec, 0, 40);
      const decoded = new Float32Array(d);
      for (let i = 0; i < 40; i++) {
        codec.decode(rows, i, decoded);
        for (let j = 0; j < d; j++) {
          const x = data[i * d + j]!;
          const best = Math.min(...Array.from(levels.subarray(j * 16, j * 16 + 16), (l) => Math.abs(x - l)));
          expect(Math.abs(x - decoded[j]!)).toBeCloseTo(best, 6);
        }
      }
    }
  });

  it('refuses stored levels that are not ascending', async () => {
    const codec = createCodec('sq4', d, 1);
    await codec.train(data, n, 1);
    const descending = new Float32Array(codec.paramsToBytes().buffer);
    descending[3] = descending[2]! - 1;
    const other = createCodec('sq4', d, 1);
    expect(() => other.paramsFromBytes(new Uint8Array(descending.buffer), 'test')).toThrow(CorruptDataError);
    expect(other.trained).toBe(false);
  });
});

describe.each([
  ['sq4', Sq4Codec],
  ['pq4', Pq4Codec],
] as const)('%s fast-scan codec', (mode, Codec) => {
  it('refuses stored parameters that are cut short or not numbers', async () => {
    const codec = createCodec(mode, d, 1);
    await codec.train(data, n, 1);
    const good = codec.paramsToBytes();
    const other = createCodec(mode, d, 1);
    expect(() => other.paramsFromBytes(good.subarray(0, good.length - 4), 'test')).toThrow(CorruptDataError);
    const nan = new Float32Array(good.slice().buffer);
    nan[40] = Number.NaN;
    expect(() => other.paramsFromBytes(new Uint8Array(nan.buffer), 'test')).toThrow(CorruptDataError);
    expect(other.trained).toBe(false);
    other.paramsFromBytes(good, 'test');
    expect(other.trained).toBe(true);
  });

  it('scores the same with the JS kernel, where WebAssembly SIMD is missing, as with the SIMD one', async () => {
    const simd = new Codec(d);
    const js = new Codec(d, new JsFastScan());
    await simd.train(data, n, 1);
    js.paramsFromBytes(simd.paramsToBytes(), 'test');
    const rows = encodeRows(simd, 0, 70);
    const q = data.slice(80 * d, 81 * d);
    const a = new Float32Array(70);
    const b = new Float32Array(70);
    simd.scorer(q).scoreRows(rows, 70, a, 0, 0.25);
    js.scorer(q).scoreRows(rows, 70, b, 0, 0.25);
    expect(b).toEqual(a);
  });

  // The query's scan offers each bucket to the refine heap through selectRows: it must keep what
  // scoring every row and offering each to the heap keeps, ties and their order included.
  it.each([
    ['SIMD', () => new Codec(d)],
    ['JS', () => new Codec(d, new JsFastScan())],
  ])('selects into a heap what scoreRows and a push per row keep (%s kernel)', async (_kernel, make) => {
    const codec = make();
    await codec.train(data, n, 1);
    expectSameSelection(codec, data, d, [0, 70, 200, 330, 331, 450, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400]);
  });

  it('selects the same over several uint16 passes (more sub-quantizers than one pass sums)', async () => {
    const wide = mode === 'sq4' ? 300 : 540;
    const rows = 400;
    const x = new Float32Array(rows * wide);
    let seed = 5;
    for (let i = 0; i < x.length; i++) x[i] = ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    const codec = new Codec(wide);
    await codec.train(x, rows, 1);
    expectSameSelection(codec, x, wide, [0, 60, 150, 200, 250, 299, 350]);
  });
});

describe('sumFloor', () => {
  it('never marks out a sum whose float32 score beats the floor', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -4, max: 4, noNaN: true }),
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: -3, max: 3 }),
        (base, unit, at, step) => {
          // A floor that is some sum's float32 score, then sums right around it.
          const floor = Math.fround(base + at * unit);
          const least = sumFloor(floor, base, unit);
          const sum = Math.max(0, at + step);
          if (Math.fround(base + sum * unit) > floor) expect(sum).toBeGreaterThanOrEqual(least);
        },
      ),
      { numRuns: 2000 },
    );
    expect(sumFloor(-Infinity, 0.5, 0.01)).toBe(0);
  });
});

/**
 * Encodes `x` in buckets split at `cuts`, then offers them in turn, with offsets, to two refine
 * heaps (small enough to fill in the first bucket, so the floor matters): one through
 * `selectRows`, one through `scoreRows` and a push per row. Both heaps must be identical.
 */
function expectSameSelection(codec: VectorCodec, x: Float32Array, dim: number, cuts: number[]): void {
  const total = x.length / dim;
  const q = x.slice((total - 1) * dim, total * dim);
  const scorer = codec.scorer(q, new TableScratch());
  const reference = codec.scorer(q);
  const ends = [...cuts.slice(1), total - 1];
  for (const k of [1, 10, 64]) {
    const selected = new TopK(k);
    const pushed = new TopK(k);
    cuts.forEach((from, b) => {
      const count = ends[b]! - from;
      const rows = new Uint8Array(codec.bytesFor(count));
      for (let i = 0; i < count; i++) codec.encode(x, (from + i) * dim, rows, i);
      const slots = Uint32Array.from({ length: count }, (_, i) => from + i);
      // Offsets a few table steps apart: later buckets' rows land near the heap's floor.
      const offset = (b % 3) * 1e-3;
      scorer.selectRows!(rows, count, slots, selected, offset);
      const scores = new Float32Array(count);
      reference.scoreRows(rows, count, scores, 0, offset);
      for (let i = 0; i < count; i++) pushed.push(slots[i]!, scores[i]!);
    });
    expect(selected.size).toBe(pushed.size);
    expect(selected.ids).toEqual(pushed.ids);
    expect(selected.scores).toEqual(pushed.scores);
  }
}

describe('pq4 encoding', () => {
  /** The nearest of a sub-quantizer's 16 centroids to `x`'s coordinates there, by squared distance. */
  function nearestDistance(cents: Float32Array, x: Float32Array, off: number, j: number, w: number): number {
    let best = Infinity;
    for (let c = 0; c < 16; c++) {
      let s = 0;
      for (let u = 0; u < w; u++) s += (x[off + 2 * j + u]! - cents[(j * 16 + c) * 2 + u]!) ** 2;
      best = Math.min(best, s);
    }
    return best;
  }

  it.each([
    [100, n],
    [100, 16],
    [100, 5],
    [7, 200],
  ])('picks the nearest of 16 centroids in every pair of dimensions (d=%i, %i training points)', async (dims, trainN) => {
    // d=7 uses the first 7 coordinates of each GloVe row: three pairs and a single last dimension.
    const x = new Float32Array(n * dims);
    for (let i = 0; i < n; i++) x.set(data.subarray(i * d, i * d + dims), i * dims);
    const codec = createCodec('pq4', dims, 1);
    await codec.train(x, trainN, 1);
    const cents = new Float32Array(codec.paramsToBytes().buffer);
    const rows = new Uint8Array(codec.bytesFor(40));
    for (let i = 0; i < 40; i++) codec.encode(x, i * dims, rows, i);
    const decoded = new Float32Array(dims);
    for (let i = 0; i < 40; i++) {
      codec.decode(rows, i, decoded);
      for (let j = 0; j < Math.ceil(dims / 2); j++) {
        const w = Math.min(2, dims - 2 * j);
        let chosen = 0;
        for (let u = 0; u < w; u++) chosen += (x[i * dims + 2 * j + u]! - decoded[2 * j + u]!) ** 2;
        expect(chosen).toBeCloseTo(nearestDistance(cents, x, i * dims, j, w), 6);
      }
    }
  });

  it('scores the way its decoded vectors say, up to the table quantization', async () => {
    const codec = createCodec('pq4', d, 1);
    await codec.train(data, n, 1);
    const rows = encodeRows(codec, 0, 64);
    const q = data.slice(100 * d, 101 * d);
    const out = new Float32Array(64);
    codec.scorer(q).scoreRows(rows, 64, out, 0, 0.5);
    const decoded = new Float32Array(d);
    for (let i = 0; i < 64; i++) {
      codec.decode(rows, i, decoded);
      // 50 uint8 table entries, each off by at most half a step of the widest pair's range.
      expect(Math.abs(out[i]! - (0.5 + dot(q, 0, decoded, 0, d)))).toBeLessThan(0.02);
    }
  });
});
