/**
 * What the 4-bit residual codecs (`sq4`, `pq4`) share: items stored as one
 * nibble per sub-quantizer in the block layout of `fast-scan.ts`, a query
 * table of 16 uint8 entries per sub-quantizer, and a scan of 32 items at a
 * time by the SIMD kernel. A subclass decides what a sub-quantizer is (one
 * dimension for sq4, a pair for pq4) and what each table entry is.
 */
import { BLOCK_ITEMS, blockBytes, blockOffset, createFastScan, MAX_SUBS_PER_PASS, type FastScanKernel } from '../fast-scan.js';
import type { TopK } from '../../util/top-k.js';
import { tableBuffer, type QueryScorer, type RowLayout, type TableScratch } from './codec.js';

/** Codes per sub-quantizer: one nibble. */
export const NIBBLE_CODES = 16;

export abstract class FastScanCodec implements RowLayout {
  /** Every 4-bit codec encodes the residual to the item's centroid, ranks by approximate scores and learns its codes. */
  readonly residual = true;
  readonly exact = false;
  readonly scores = true;
  readonly needsTraining = true;
  trained = false;

  /**
   * @param nSub - sub-quantizers, i.e. nibbles per item.
   * @param kernel - the scan kernel; default the fastest this runtime has (WebAssembly SIMD, else JS).
   *   Its memory is scratch for one synchronous `scan` call, so every scorer may share it.
   */
  protected constructor(
    protected readonly nSub: number,
    private readonly kernel: FastScanKernel = createFastScan(),
  ) {}

  /** Bytes of one query's table and minima, and the kernel's memory (a subclass adds its parameters). */
  protected get scanBytes(): number {
    return this.nSub * NIBBLE_CODES + 8 * this.nSub + this.kernel.scratchBytes;
  }

  bytesFor(count: number): number {
    return Math.ceil(count / BLOCK_ITEMS) * blockBytes(this.nSub);
  }

  /** Writes code `c` of sub-quantizer `sub` for item `index`. */
  protected setCode(rows: Uint8Array, index: number, sub: number, c: number): void {
    const at = blockOffset(index, sub, this.nSub);
    rows[at] = index & 16 ? (rows[at]! & 0x0f) | (c << 4) : (rows[at]! & 0xf0) | c;
  }

  /** Code of sub-quantizer `sub` for item `index`. */
  protected getCode(rows: Uint8Array, index: number, sub: number): number {
    return (rows[blockOffset(index, sub, this.nSub)]! >> (index & 16 ? 4 : 0)) & 15;
  }

  moveRow(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
    for (let j = 0; j < this.nSub; j++) this.setCode(dst, to, j, this.getCode(src, from, j));
  }

  /** Sub-quantizer `j`'s code `c` against query `q`: its part of the dot product. */
  protected abstract tableEntry(q: Float32Array, j: number, c: number): number;

  /**
   * Builds the query's table: every {@link tableEntry}, quantized to uint8
   * with one scale for every sub-quantizer, so that table sums compare across
   * sub-quantizers; each sub-quantizer's minimum goes into the bias. Entries
   * are computed twice (range, then table) rather than kept in a float table.
   */
  scorer(q: Float32Array, scratch?: TableScratch): QueryScorer {
    const { nSub, kernel } = this;
    const table = tableBuffer(scratch, 'fast-scan:table', Uint8Array, nSub * NIBBLE_CODES);
    const mins = tableBuffer(scratch, 'fast-scan:mins', Float64Array, nSub);
    let bias = 0;
    let widest = 0;
    for (let j = 0; j < nSub; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let c = 0; c < NIBBLE_CODES; c++) {
        const v = this.tableEntry(q, j, c);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      bias += lo;
      widest = Math.max(widest, hi - lo);
      mins[j] = lo;
    }
    const scale = widest > 0 ? 255 / widest : 1;
    for (let j = 0; j < nSub; j++) {
      const lo = mins[j]!;
      for (let c = 0; c < NIBBLE_CODES; c++) table[j * NIBBLE_CODES + c] = Math.round((this.tableEntry(q, j, c) - lo) * scale);
    }
    const unit = 1 / scale;
    return {
      scoreRows(rows: Uint8Array, count: number, out: Float32Array, outOff: number, offset = 0): void {
        if (count === 0) return;
        const blocks = Math.ceil(count / BLOCK_ITEMS);
        const sums = tableBuffer(scratch, 'fast-scan:sums', Uint32Array, blocks * BLOCK_ITEMS);
        kernel.scan(rows, blocks, nSub, table, sums);
        const base = offset + bias;
        for (let i = 0; i < count; i++) out[outOff + i] = base + sums[i]! * unit;
      },
      selectRows(rows: Uint8Array, count: number, slots: Uint32Array, top: TopK, offset = 0): void {
        if (count === 0) return;
        const base = offset + bias;
        let floor = top.size < top.k ? -Infinity : top.scores[0]!;
        const push = (i: number, sum: number): void => {
          const score = Math.fround(base + sum * unit);
          if (score <= floor) return;
          top.push(slots[i]!, score);
          if (top.size === top.k) floor = top.scores[0]!;
        };
        const blocks = Math.ceil(count / BLOCK_ITEMS);
        const sums = tableBuffer(scratch, 'fast-scan:sums', Uint32Array, blocks * BLOCK_ITEMS);
        if (nSub > MAX_SUBS_PER_PASS) {
          kernel.scan(rows, blocks, nSub, table, sums);
          for (let i = 0; i < count; i++) push(i, sums[i]!);
          return;
        }
        // Most rows of a bucket cannot enter a full heap: the kernel marks those whose sum can
        // reach the floor as it stands now, and only they are scored and offered to the heap.
        const masks = tableBuffer(scratch, 'fast-scan:marks', Uint32Array, blocks);
        kernel.scan(rows, blocks, nSub, table, sums, { limit: sumFloor(floor, base, unit), masks });
        for (let b = 0; b < blocks; b++) {
          for (let mask = masks[b]!; mask !== 0; mask &= mask - 1) {
            const i = b * BLOCK_ITEMS + 31 - Math.clz32(mask & -mask);
            if (i >= count) break;
            push(i, sums[i]!);
          }
        }
      },
    };
  }
}

/**
 * The least sum whose score `fround(base + sum * unit)` can beat `floor`, less one for the
 * rounding of that division, so the kernel's marks never drop an item the heap would take;
 * 0 (every item) while the heap is not full.
 */
export function sumFloor(floor: number, base: number, unit: number): number {
  const least = Math.floor((floor - base) / unit) - 1;
  return Number.isNaN(least) || least < 0 ? 0 : least;
}
