import { beforeAll, describe, expect, it } from 'vitest';
import { gloveSample } from './glove.test-helper.js';
import { createCodes, defaultPqSubvectors } from './codes.js';
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

describe.each(['float32', 'float16', 'int8', 'pq'] as const)('%s codes', (mode) => {
  it('approximate the exact dot product within the mode’s error', async () => {
    const codes = createCodes(mode, d, defaultPqSubvectors(d));
    await codes.train(data, n, 1);
    for (let i = 0; i < n; i++) codes.set(i, data, i * d);
    const q = data.slice(0, d);
    codes.prepare(q);
    const slots = Uint32Array.from({ length: 200 }, (_, i) => i * 7);
    const out = new Float32Array(200);
    codes.scoreSlots(slots, 200, out, 0);
    let err = 0;
    slots.forEach((s, i) => (err += Math.abs(out[i]! - dot(q, 0, data, s * d, d))));
    expect(err / 200).toBeLessThanOrEqual(expectedError[mode]);
    expect(codes.exact).toBe(mode === 'float32' || mode === 'float16');
  });

  it('restores quantizer parameters from bytes to the same scores', async () => {
    const a = createCodes(mode, d, defaultPqSubvectors(d));
    await a.train(data, n, 1);
    const b = createCodes(mode, d, defaultPqSubvectors(d));
    b.paramsFromBytes(a.paramsToBytes(), 'test');
    a.set(0, data, 5 * d);
    b.set(0, data, 5 * d);
    const q = data.slice(9 * d, 10 * d);
    const sa = new Float32Array(1);
    const sb = new Float32Array(1);
    a.prepare(q);
    a.scoreSlots([0], 1, sa, 0);
    b.prepare(q);
    b.scoreSlots([0], 1, sb, 0);
    expect(sb[0]).toBe(sa[0]);
  });
});

describe('memory cost per item', () => {
  it.each([
    ['float32', 4 * 100],
    ['float16', 2 * 100],
    ['int8', 100],
    ['pq', 50],
  ] as const)('%s keeps %i bytes per item (plus fixed tables)', async (mode, perItem) => {
    const codes = createCodes(mode, d, defaultPqSubvectors(d));
    await codes.train(data, n, 1);
    codes.set(0, data, 0);
    const fixed = codes.byteLength - 64 * perItem; // capacity starts at 64 rows
    codes.set(10_000 - 1, data, 0);
    expect(codes.byteLength - fixed).toBeGreaterThanOrEqual(10_000 * perItem);
    expect(codes.byteLength - fixed).toBeLessThanOrEqual(10_000 * perItem * 1.25 + 64 * perItem);
  });
});

describe('pq encoding', () => {
  it.each([50, 25])('picks the nearest sub-centroid in every sub-space (%i sub-vectors)', async (M) => {
    const codes = createCodes('pq', d, M);
    await codes.train(data, n, 1);
    const dsub = d / M;
    const decoded = new Float32Array(d);
    for (let i = 0; i < 50; i++) {
      codes.set(i, data, i * d);
      codes.decode(i, decoded);
      // No other code point of a sub-space is closer than the decoded one.
      const cents = (codes as unknown as { centroids: Float32Array }).centroids;
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
    expect(() => createCodes('pq', 10, 3)).toThrow(InvalidConfigError);
  });
});
