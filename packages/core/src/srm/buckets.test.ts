import { describe, expect, it } from 'vitest';
import { InvertedBuckets } from './buckets.js';

/** Writes `value` into every byte of the row just added. */
function addWithRow(b: InvertedBuckets, bucket: number, slot: number, value: number): void {
  const at = b.add(bucket, slot);
  b.rowsOf(bucket).fill(value, at, at + b.rowBytes);
}

function rowOf(b: InvertedBuckets, bucket: number, slot: number): number[] {
  const i = b.slotsOf(bucket).indexOf(slot);
  return Array.from(b.rowsOf(bucket).subarray(i * b.rowBytes, (i + 1) * b.rowBytes));
}

describe('InvertedBuckets', () => {
  it('keeps each row with its slot through adds and swap-removes', () => {
    const b = new InvertedBuckets(2, 3);
    for (let s = 0; s < 10; s++) addWithRow(b, s % 2, s, s + 1);
    expect(b.remove(0, 2)).toBe(true);
    expect(b.remove(0, 2)).toBe(false);
    expect(b.remove(1, 4)).toBe(false);
    expect(Array.from(b.slotsOf(0)).sort()).toEqual([0, 4, 6, 8]);
    for (const s of [0, 4, 6, 8]) expect(rowOf(b, 0, s)).toEqual([s + 1, s + 1, s + 1]);
    for (const s of [1, 3, 5, 7, 9]) expect(rowOf(b, 1, s)).toEqual([s + 1, s + 1, s + 1]);
    expect(b.sizes().reduce((a, x) => a + x, 0)).toBe(9);
  });

  it('builds exactly sized lists from parts, skipping negative buckets', () => {
    const rows = Uint8Array.from([1, 1, 2, 2, 3, 3]);
    const built = InvertedBuckets.build(3, 2, [
      { slots: Uint32Array.of(10, 11, 12), buckets: Int32Array.of(2, -1, 0), rows },
      { slots: Uint32Array.of(13), buckets: Int32Array.of(2), rows: Uint8Array.of(9, 9) },
    ]);
    expect(Array.from(built.sizes())).toEqual([1, 0, 2]);
    expect(rowOf(built, 2, 10)).toEqual([1, 1]);
    expect(rowOf(built, 0, 12)).toEqual([3, 3]);
    expect(rowOf(built, 2, 13)).toEqual([9, 9]);
    expect(built.rowBytesTotal).toBe(6);
  });

  it('clears a bucket and refills it in place', () => {
    const b = new InvertedBuckets(2, 1);
    for (let s = 0; s < 6; s++) addWithRow(b, s % 2, s, s);
    const bytes = b.rowBytesTotal;
    b.clear(0);
    expect(b.sizeOf(0)).toBe(0);
    expect(b.sizeOf(1)).toBe(3);
    addWithRow(b, 0, 4, 40);
    expect(Array.from(b.slotsOf(0))).toEqual([4]);
    expect(rowOf(b, 0, 4)).toEqual([40]);
    expect(b.rowBytesTotal).toBe(bytes);
  });

  it('grows by an eighth on single adds and exactly on reserve', () => {
    const b = new InvertedBuckets(1, 4);
    b.reserve(0, 1000, true);
    expect(b.rowBytesTotal).toBe(4000);
    for (let s = 0; s < 1001; s++) b.add(0, s);
    expect(b.rowBytesTotal).toBe(4 * 1125);
  });
});
