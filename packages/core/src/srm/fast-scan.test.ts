import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BLOCK_ITEMS, CHUNK_BYTES, JsFastScan, MAX_SUBS_PER_PASS, blockBytes, blockOffset, createFastScan } from './fast-scan.js';

/** The sum for item `i` straight from the layout's definition. */
function naiveSum(codes: Uint8Array, i: number, nSub: number, table: Uint8Array): number {
  let s = 0;
  for (let j = 0; j < nSub; j++) {
    const byte = codes[blockOffset(i, j, nSub)]!;
    s += table[j * 16 + (i & 16 ? byte >> 4 : byte & 15)]!;
  }
  return s;
}

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

describe('createFastScan', () => {
  it('uses WebAssembly SIMD on this Node', () => {
    expect(createFastScan().name).toBe('wasm-simd');
  });

  it('gives the same sums as the JS reference and the layout definition', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (nSub, blocks, seed) => {
        const codes = randomBytes(blocks * blockBytes(nSub), seed);
        const table = randomBytes(nSub * 16, seed + 1);
        const simd = new Uint32Array(blocks * BLOCK_ITEMS);
        const js = new Uint32Array(blocks * BLOCK_ITEMS);
        createFastScan().scan(codes, blocks, nSub, table, simd);
        new JsFastScan().scan(codes, blocks, nSub, table, js);
        expect(simd).toEqual(js);
        for (const i of [0, 15, 16, 31, blocks * BLOCK_ITEMS - 1]) expect(js[i]).toBe(naiveSum(codes, i, nSub, table));
      }),
      { numRuns: 40 },
    );
  });

  it('marks, in one pass, exactly the items whose sum reaches the limit, as the JS reference does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_SUBS_PER_PASS }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (nSub, blocks, seed, at) => {
          const codes = randomBytes(blocks * blockBytes(nSub), seed);
          const table = randomBytes(nSub * 16, seed + 1);
          const sums = new Uint32Array(blocks * BLOCK_ITEMS);
          new JsFastScan().scan(codes, blocks, nSub, table, sums);
          // A limit equal to one of the sums, so that "reaches" is tested at the boundary.
          const limit = sums[Math.floor(at * (sums.length - 1))]!;
          const simd = { limit, masks: new Uint32Array(blocks) };
          const js = { limit, masks: new Uint32Array(blocks) };
          createFastScan().scan(codes, blocks, nSub, table, new Uint32Array(sums.length), simd);
          new JsFastScan().scan(codes, blocks, nSub, table, new Uint32Array(sums.length), js);
          const expected = Uint32Array.from({ length: blocks }, (_, b) => {
            let mask = 0;
            for (let t = 0; t < BLOCK_ITEMS; t++) if (sums[b * BLOCK_ITEMS + t]! >= limit) mask |= 1 << t;
            return mask >>> 0;
          });
          expect(simd.masks).toEqual(expected);
          expect(js.masks).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('marks every item at limit 0 and none above the largest possible sum; refuses marks over several passes', () => {
    const nSub = 8;
    const codes = randomBytes(2 * blockBytes(nSub), 21);
    const table = randomBytes(nSub * 16, 22);
    for (const kernel of [createFastScan(), new JsFastScan()]) {
      const all = { limit: 0, masks: new Uint32Array(2) };
      kernel.scan(codes, 2, nSub, table, new Uint32Array(64), all);
      expect(Array.from(all.masks)).toEqual([0xffffffff, 0xffffffff]);
      const none = { limit: 0x10000, masks: new Uint32Array(2).fill(7) };
      kernel.scan(codes, 2, nSub, table, new Uint32Array(64), none);
      expect(Array.from(none.masks)).toEqual([0, 0]);
      const wide = MAX_SUBS_PER_PASS + 1;
      expect(() =>
        kernel.scan(new Uint8Array(blockBytes(wide)), 1, wide, new Uint8Array(wide * 16), new Uint32Array(32), { limit: 0, masks: new Uint32Array(1) }),
      ).toThrow(RangeError);
    }
  });

  it('does not overflow when sums pass 65535 (several uint16 passes)', () => {
    const nSub = MAX_SUBS_PER_PASS * 3;
    const codes = new Uint8Array(blockBytes(nSub)).fill(0xff);
    const table = new Uint8Array(nSub * 16).fill(255);
    const out = new Uint32Array(BLOCK_ITEMS);
    createFastScan().scan(codes, 1, nSub, table, out);
    expect(Array.from(out)).toEqual(new Array(BLOCK_ITEMS).fill(255 * nSub));
  });

  it('reuses its memory for smaller calls after a large one', () => {
    const kernel = createFastScan();
    const big = randomBytes(200 * blockBytes(64), 3);
    const table = randomBytes(64 * 16, 4);
    kernel.scan(big, 200, 64, table, new Uint32Array(200 * BLOCK_ITEMS));
    const small = randomBytes(blockBytes(64), 5);
    const out = new Uint32Array(BLOCK_ITEMS);
    kernel.scan(small, 1, 64, table, out);
    const ref = new Uint32Array(BLOCK_ITEMS);
    new JsFastScan().scan(small, 1, 64, table, ref);
    expect(out).toEqual(ref);
  });

  it('grows its memory for a larger call after a small one, and reads sums and marks from the grown memory', () => {
    const kernel = createFastScan();
    const table = randomBytes(32 * 16, 6);
    kernel.scan(randomBytes(blockBytes(32), 7), 1, 32, table, new Uint32Array(BLOCK_ITEMS));
    const before = kernel.scratchBytes;
    const blocks = 400;
    const big = randomBytes(blocks * blockBytes(32), 8);
    const ref = new Uint32Array(blocks * BLOCK_ITEMS);
    new JsFastScan().scan(big, blocks, 32, table, ref);
    const limit = ref[Math.floor(ref.length / 2)]!;
    const out = new Uint32Array(blocks * BLOCK_ITEMS);
    const masks = new Uint32Array(blocks);
    kernel.scan(big, blocks, 32, table, out, { limit, masks });
    expect(kernel.scratchBytes).toBeGreaterThan(before);
    expect(out).toEqual(ref);
    for (let i = 0; i < ref.length; i++) expect(((masks[i >> 5]! >>> (i & 31)) & 1) === 1).toBe(ref[i]! >= limit);
  });

  it('scans more codes than one chunk in pieces, with a bounded memory', () => {
    const nSub = 100;
    const blocks = Math.ceil((2.5 * CHUNK_BYTES) / blockBytes(nSub));
    const codes = randomBytes(blocks * blockBytes(nSub), 9);
    const table = randomBytes(nSub * 16, 10);
    const kernel = createFastScan();
    const simd = new Uint32Array(blocks * BLOCK_ITEMS);
    const js = new Uint32Array(blocks * BLOCK_ITEMS);
    kernel.scan(codes, blocks, nSub, table, simd);
    new JsFastScan().scan(codes, blocks, nSub, table, js);
    expect(simd).toEqual(js);
    expect(kernel.scratchBytes).toBeLessThan(1.2 * CHUNK_BYTES);
  });
});
