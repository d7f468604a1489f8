/**
 * The `sq4` rerank codec: every dimension of an item's residual (item minus
 * its bucket's centroid) is quantized to one of 16 levels learnt for that
 * dimension (1-D k-means, i.e. Lloyd-Max levels), so an item costs d/2 bytes,
 * as much as PQ with two dimensions per byte. A query's table holds
 * `q_j * level` for each dimension and level, quantized to uint8 with one
 * scale for all dimensions, and the items of a bucket are scored 32 at a time
 * by the SIMD kernel of `fast-scan.ts` (the shared part is `fast-scan-codec.ts`).
 *
 * It ranks candidates about as well as PQ with d/2 sub-vectors at the same
 * size, and scans several times faster because the table fits in SIMD
 * registers (docs/benchmarks/dense.md).
 */
import { CorruptDataError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import type { FastScanKernel } from '../fast-scan.js';
import { kmeans } from '../kmeans.js';
import type { VectorCodec } from './codec.js';
import { FastScanCodec, NIBBLE_CODES as LEVELS } from './fast-scan-codec.js';

/** Most training points for the levels: 16 levels on one axis are well placed by far fewer. */
const SQ4_TRAIN_MAX = 16384;

/** 4-bit per-dimension residual codes, scanned with the fast-scan kernel. */
export class Sq4Codec extends FastScanCodec implements VectorCodec {
  readonly mode = 'sq4' as const;
  /** d x 16 levels, ascending per dimension. */
  private levels: Float32Array;
  /** d x 15 decision thresholds: the midpoints between neighbouring levels. */
  private thresholds: Float32Array;

  /**
   * @param d - dimensions.
   * @param kernel - the scan kernel; default the fastest this runtime has (WebAssembly SIMD, else JS).
   */
  constructor(
    private readonly d: number,
    kernel?: FastScanKernel,
  ) {
    super(d, kernel);
    this.levels = new Float32Array(d * LEVELS);
    this.thresholds = new Float32Array(d * (LEVELS - 1));
  }

  get tableBytes(): number {
    return this.levels.byteLength + this.thresholds.byteLength + this.scanBytes;
  }

  async train(sample: Float32Array, n: number, seed: number): Promise<void> {
    const { d } = this;
    const rows = new Rng(seed).sample(n, Math.min(n, SQ4_TRAIN_MAX));
    const column = new Float32Array(rows.length);
    const levels = new Float32Array(d * LEVELS);
    for (let j = 0; j < d; j++) {
      rows.forEach((r, i) => (column[i] = sample[r * d + j]!));
      const k = Math.min(LEVELS, rows.length);
      const r = await kmeans(column, rows.length, 1, { K: k, iterations: 20, seed: seed + j, spherical: false, tolerance: 0.001, phase: 'fit:sq4' });
      const sorted = Array.from(r.centroids).sort((a, b) => a - b);
      // Fewer points than levels: repeat the top level (a repeated level is never the only nearest).
      for (let c = 0; c < LEVELS; c++) levels[j * LEVELS + c] = sorted[Math.min(c, k - 1)]!;
    }
    this.setLevels(levels);
  }

  private setLevels(levels: Float32Array): void {
    this.levels = levels;
    for (let j = 0; j < this.d; j++) {
      for (let c = 0; c < LEVELS - 1; c++) {
        this.thresholds[j * (LEVELS - 1) + c] = 0.5 * (levels[j * LEVELS + c]! + levels[j * LEVELS + c + 1]!);
      }
    }
    this.trained = true;
  }

  encode(v: Float32Array, off: number, rows: Uint8Array, index: number): void {
    const { d, thresholds: t } = this;
    for (let j = 0; j < d; j++) {
      const x = v[off + j]!;
      // The code is the number of thresholds below x: a 4-step binary search over 15 thresholds.
      const tb = j * (LEVELS - 1);
      let c = x > t[tb + 7]! ? 8 : 0;
      if (x > t[tb + c + 3]!) c += 4;
      if (x > t[tb + c + 1]!) c += 2;
      if (x > t[tb + c]!) c += 1;
      this.setCode(rows, index, j, c);
    }
  }

  protected tableEntry(q: Float32Array, j: number, c: number): number {
    return q[j]! * this.levels[j * LEVELS + c]!;
  }

  decode(rows: Uint8Array, row: number, out: Float32Array): void {
    const { d, levels } = this;
    for (let j = 0; j < d; j++) out[j] = levels[j * LEVELS + this.getCode(rows, row, j)]!;
  }

  paramsToBytes(): Uint8Array {
    return new Uint8Array(this.levels.slice().buffer);
  }

  paramsFromBytes(bytes: Uint8Array, where: string): void {
    if (bytes.byteLength !== this.levels.byteLength) {
      throw new CorruptDataError(where, `sq4 quantizer has ${bytes.byteLength} bytes, expected ${this.levels.byteLength}`);
    }
    const levels = new Float32Array(bytes.slice().buffer);
    for (let j = 0; j < this.d; j++) {
      for (let c = 1; c < LEVELS; c++) {
        const prev = levels[j * LEVELS + c - 1]!;
        const cur = levels[j * LEVELS + c]!;
        if (!(cur >= prev)) throw new CorruptDataError(where, `sq4 levels of dimension ${j} are not ascending finite numbers`);
      }
    }
    this.setLevels(levels);
  }
}
