/**
 * What the 4-bit residual codecs (`sq4`, `pq4`) share: items stored as one
 * nibble per sub-quantizer in the block layout of `fast-scan.ts`, a query
 * table of 16 uint8 entries per sub-quantizer, and a scan of 32 items at a
 * time by the SIMD kernel. A subclass decides what a sub-quantizer is (one
 * dimension for sq4, a pair for pq4) and what each table entry is.
 */
import { BLOCK_ITEMS, blockBytes, blockOffset, createFastScan, type FastScanKernel } from '../fast-scan.js';
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
    };
  }
}
