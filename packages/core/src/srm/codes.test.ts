import { beforeAll, describe, expect, it } from 'vitest';
import { gloveSample } from './glove.test-helper.js';
import { createCodec, defaultPqSubvectors, type VectorCodec } from './codes.js';
import { dot } from '../util/vector-math.js';
import { InvalidConfigError } from '../errors.js';
import type { RerankMode } from './types.js';

let d: number;
let data: Float32Array;
const n = 1500;
beforeAll(async () => {
  ({ d, data } = await gloveSample(n, 1, 4000));
});

const expectedError: Record<RerankMode, number> = { float32: 1e-6, float16: 2e-3, int8: 0.03, pq: 0.2, none: 0 };

/** Encodes rows `[from, from + count)` of `data` into a fresh row block. */
function encodeRows(codec: VectorCodec, from: number, count: number): Uint8Array {
  const rows = new Uint8Array(count * codec.rowBytes);
  for (let i = 0; i < count; i++) codec.encode(data, (from + i) * d, rows, i * codec.rowBytes);
  return rows;
}

describe.each(['float32', 'float16', 'int8', 'pq'] as const)('%s codec', (mode) => {
  it('approximates the exact dot product within the mode’s error', async () => {
    const codec = createCodec(mode, d, defaultPqSubvectors(d));
    await codec.train(data, n, 1);
    const rows = encodeRows(codec, 0, n);
    const q = data.slice(0, d);
    codec.prepare(q);
    const out = new Float32Array(n);
    codec.scoreRows(rows, n, out, 0);
    let err = 0;
    for (let i = 0; i < n; i++) err += Math.abs(out[i]! - dot(q, 0, data, i * d, d));
    expect(err / n).toBeLessThanOrEqual(expectedError[mode]);
    expect(codec.exact).toBe(mode === 'float32' || mode === 'float16');
  });

  it('scores from an output offset and adds the offset argument', async () => {
    const codec = createCodec(mode, d, defaultPqSubvectors(d));
    await codec.train(data, n, 1);
    const rows = encodeRows(codec, 10, 5);
    codec.prepare(data.slice(0, d));
    const plain = new Float32Array(5);
    codec.scoreRows(rows, 5, plain, 0);
    const shifted = new Float32Array(8);
    codec.scoreRows(rows, 5, shifted, 3, 0.5);
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
    const rowsA = new Uint8Array(a.rowBytes);
    const rowsB = new Uint8Array(b.rowBytes);
    a.encode(data, 5 * d, rowsA, 0);
    b.encode(data, 5 * d, rowsB, 0);
    const q = data.slice(9 * d, 10 * d);
    const sa = new Float32Array(1);
    const sb = new Float32Array(1);
    a.prepare(q);
    a.scoreRows(rowsA, 1, sa, 0);
    b.prepare(q);
    b.scoreRows(rowsB, 1, sb, 0);
    expect(sb[0]).toBe(sa[0]);
  });
});

describe('memory cost per item', () => {
  it.each([
    ['float32', 4 * 100],
    ['float16', 2 * 100],
    ['int8', 100],
    ['pq', 50],
  ] as const)('%s keeps %i bytes per item', (mode, perItem) => {
    expect(createCodec(mode, d, defaultPqSubvectors(d)).rowBytes).toBe(perItem);
    expect(createCodec('none', d, 1).rowBytes).toBe(0);
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
        for (let c = 0; c < 256; c++) expect(chosen).toBeLessThanOrEqual(dist(c) + 1e-6);
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
