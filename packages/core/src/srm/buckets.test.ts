import { describe, expect, it } from 'vitest';
import { InvertedBuckets } from './buckets.js';
import type { RowLayout } from './codecs/codec.js';
import { Sq4Codec } from './codecs/sq4.js';

/** Rows of `w` bytes, one after the other (what every codec but sq4 uses). */
function rowMajor(w: number): RowLayout & { w: number } {
  return {
    w,
    bytesFor: (count) => count * w,
    moveRow: (src, from, dst, to) => dst.set(src.subarray(from * w, (from + 1) * w), to * w),
  };
}

const layout3 = rowMajor(3);

/** Writes `value` into every byte of the row just added. */
function addWithRow(b: InvertedBuckets, bucket: number, slot: number, value: number, w: number): void {
  const i = b.add(bucket, slot);
  b.rowsOf(bucket).fill(value, i * w, (i + 1) * w);
}

function rowOf(b: InvertedBuckets, bucket: number, slot: number, w: number): number[] {
  const i = b.slotsOf(bucket).indexOf(slot);
  return Array.from(b.rowsOf(bucket).subarray(i * w, (i + 1) * w));
}

describe('InvertedBuckets', () => {
  it('keeps each row with its slot through adds and swap-removes', () => {
    const b = new InvertedBuckets(2, layout3);
    for (let s = 0; s < 10; s++) addWithRow(b, s % 2, s, s + 1, 3);
    expect(b.remove(0, 2)).toBe(true);
    expect(b.remove(0, 2)).toBe(false);
    expect(b.remove(1, 4)).toBe(false);
    expect(Array.from(b.slotsOf(0)).sort()).toEqual([0, 4, 6, 8]);
    for (const s of [0, 4, 6, 8]) expect(rowOf(b, 0, s, 3)).toEqual([s + 1, s + 1, s + 1]);
    for (const s of [1, 3, 5, 7, 9]) expect(rowOf(b, 1, s, 3)).toEqual([s + 1, s + 1, s + 1]);
    expect(b.sizes().reduce((a, x) => a + x, 0)).toBe(9);
  });

  it('shrinks every list to its length, keeping each row with its slot, and lists every assignment in slot order', () => {
    const b = new InvertedBuckets(3, rowMajor(2));
    for (const [bucket, slot] of [
      [2, 10],
      [0, 12],
      [2, 13],
      [2, 14],
    ] as const)
      addWithRow(b, bucket, slot, slot, 2);
    b.remove(2, 14);
    expect(b.rowBytesTotal).toBeGreaterThan(6); // single adds leave slack
    b.shrinkToFit();
    expect(b.rowBytesTotal).toBe(6);
    expect(Array.from(b.sizes())).toEqual([1, 0, 2]);
    for (const [bucket, slot] of [
      [2, 10],
      [0, 12],
      [2, 13],
    ] as const)
      expect(rowOf(b, bucket, slot, 2)).toEqual([slot, slot]);
    const { slots, buckets } = b.assignments();
    expect(Array.from(slots)).toEqual([10, 12, 13]);
    expect(Array.from(buckets)).toEqual([2, 0, 2]);
  });

  it('presizes lists from expected shares, so filling them to those sizes never reallocates', () => {
    const b = InvertedBuckets.presized(2, rowMajor(1), [0.25, 0.75], 8);
    expect(b.rowBytesTotal).toBe(8);
    const rows = [b.rowsOf(0), b.rowsOf(1)];
    for (let s = 0; s < 8; s++) addWithRow(b, s < 2 ? 0 : 1, s, s, 1);
    expect(b.rowsOf(0)).toBe(rows[0]);
    expect(b.rowsOf(1)).toBe(rows[1]);
    expect(Array.from(b.sizes())).toEqual([2, 6]);
  });

  it('clears a bucket and refills it in place', () => {
    const b = new InvertedBuckets(2, rowMajor(1));
    for (let s = 0; s < 6; s++) addWithRow(b, s % 2, s, s, 1);
    const bytes = b.rowBytesTotal;
    b.clear(0);
    expect(b.sizeOf(0)).toBe(0);
    expect(b.sizeOf(1)).toBe(3);
    addWithRow(b, 0, 4, 40, 1);
    expect(Array.from(b.slotsOf(0))).toEqual([4]);
    expect(rowOf(b, 0, 4, 1)).toEqual([40]);
    expect(b.rowBytesTotal).toBe(bytes);
  });

  it('tracks which lists changed since they were last saved', () => {
    const b = new InvertedBuckets(3, layout3);
    expect([0, 1, 2].map((i) => b.isChanged(i))).toEqual([true, true, true]); // nothing saved yet
    b.markUnchanged();
    addWithRow(b, 1, 5, 9, 3);
    expect([0, 1, 2].map((i) => b.isChanged(i))).toEqual([false, true, false]);
    b.markUnchanged();
    expect(b.remove(2, 5)).toBe(false); // not there: nothing changed
    b.reserve(0, 100); // capacity only
    expect([0, 1, 2].map((i) => b.isChanged(i))).toEqual([false, false, false]);
    b.remove(1, 5);
    b.clear(2);
    expect([0, 1, 2].map((i) => b.isChanged(i))).toEqual([false, true, true]);
    const adopted = InvertedBuckets.adopt(2, layout3, [new Uint32Array([1]), new Uint32Array(0)], [new Uint8Array(3), new Uint8Array(0)]);
    expect([adopted.isChanged(0), adopted.isChanged(1)]).toEqual([false, false]); // it is what the checkpoint holds
  });

  it('grows by an eighth on single adds and small bulk reservations, and exactly for a larger bulk', () => {
    const b = new InvertedBuckets(1, rowMajor(4));
    b.reserve(0, 1000, true);
    expect(b.rowBytesTotal).toBe(4000);
    for (let s = 0; s < 1001; s++) b.add(0, s);
    expect(b.rowBytesTotal).toBe(4 * 1125);
    for (let s = 1001; s < 1125; s++) b.add(0, s);
    b.reserve(0, 10, true); // a batch's few items: an eighth more, not one reallocation per batch
    expect(b.rowBytesTotal).toBe(4 * 1266);
    for (let s = 1125; s < 1266; s++) b.add(0, s);
    b.reserve(0, 1000, true); // more than an eighth: exactly what it needs
    expect(b.rowBytesTotal).toBe(4 * 2266);
  });

  it('keeps sq4 rows (32 items interleaved per block) with their slots through swap-removes and a shrink', async () => {
    const d = 5;
    const codec = new Sq4Codec(d);
    const n = 100;
    const vectors = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 0.37) * 3);
    await codec.train(vectors, n, 1);
    const b = new InvertedBuckets(1, codec);
    for (let s = 0; s < n; s++) {
      const i = b.add(0, s); // may reallocate the rows: take them after
      codec.encode(vectors, s * d, b.rowsOf(0), i);
    }
    for (const s of [0, 17, 40, 63, 99, 64]) expect(b.remove(0, s)).toBe(true);
    const alone = new Uint8Array(codec.bytesFor(1));
    const expected = new Float32Array(d);
    const got = new Float32Array(d);
    for (const shrunk of [false, true]) {
      if (shrunk) b.shrinkToFit();
      expect(b.sizeOf(0)).toBe(n - 6);
      b.slotsOf(0).forEach((s, i) => {
        codec.encode(vectors, s * d, alone, 0);
        codec.decode(alone, 0, expected);
        codec.decode(b.rowsOf(0), i, got);
        expect(got).toEqual(expected);
      });
    }
    expect(b.rowBytesTotal).toBe(codec.bytesFor(n - 6));
  });
});
