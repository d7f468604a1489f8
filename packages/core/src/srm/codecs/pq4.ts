/**
 * The `pq4` rerank codec: product quantization of an item's residual (item
 * minus its bucket's centroid) over pairs of dimensions, with 16 centroids
 * per pair (a 2-D k-means, pair-kmeans.ts), so an item costs d/4 bytes: half of sq4, a
 * sixteenth of float32. It is faiss's "PQ fast scan" layout: the query table
 * holds `q_pair . centroid` for each pair and centroid, and the items of a
 * bucket are scored 32 at a time by the SIMD kernel of `fast-scan.ts`.
 *
 * The coarser codes rank candidates less well than sq4's, so a memory in this
 * mode re-scores more of them exactly (its default `refine` is 256, not 64):
 * each extra one is a read from the store, and the early stop (stored-scores.ts)
 * leaves many of them unread. It is the default: the smallest hot memory that
 * still ranks candidates in RAM.
 */
import { CorruptDataError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { Yielder } from '../../util/rw-lock.js';
import type { FastScanKernel } from '../fast-scan.js';
import type { VectorCodec } from './codec.js';
import { createPq4Encoder } from '../pq4-encode-kernel.js';
import { FastScanCodec, NIBBLE_CODES as CODES } from './fast-scan-codec.js';
import { pairKmeans } from './pair-kmeans.js';
import { WORK_SLICE_MS } from '../work-slice.js';

/** Dimensions per sub-quantizer. */
const PAIR = 2;
/** Most training points per pair: 16 centroids in two dimensions need few (256 each). */
const PQ4_TRAIN_MAX = 4096;
/** Lloyd iterations per pair at most. */
const PQ4_ITERATIONS = 20;

/** 4-bit codes per pair of residual dimensions, scanned with the fast-scan kernel. */
export class Pq4Codec extends FastScanCodec implements VectorCodec {
  readonly mode = 'pq4' as const;
  /**
   * nSub x 16 x 2 centroid coordinates. With an odd d the last sub-quantizer
   * covers one dimension and its second coordinates are 0.
   */
  private centroids: Float32Array;
  /** The nearest-centroid search of `encode` (WebAssembly SIMD where the runtime has it), loaded with `centroids`. */
  private readonly encoder = createPq4Encoder();
  /** One row's codes, one byte per pair, before they go into the block layout. */
  private readonly codes: Uint8Array;

  /**
   * @param d - dimensions.
   * @param kernel - the scan kernel; default the fastest this runtime has (WebAssembly SIMD, else JS).
   */
  constructor(
    private readonly d: number,
    kernel?: FastScanKernel,
  ) {
    super(Math.ceil(d / PAIR), kernel);
    this.centroids = new Float32Array(this.nSub * CODES * PAIR);
    this.codes = new Uint8Array(this.nSub);
  }

  get tableBytes(): number {
    return this.centroids.byteLength + this.scanBytes + this.encoder.scratchBytes;
  }

  /** Dimensions of sub-quantizer `j`: 2, or 1 for the last one of an odd d. */
  private width(j: number): number {
    return Math.min(PAIR, this.d - j * PAIR);
  }

  async train(sample: Float32Array, n: number, seed: number, onProgress?: (done: number, total: number) => void): Promise<void> {
    const { d, nSub } = this;
    const rows = new Rng(seed).sample(n, Math.min(n, PQ4_TRAIN_MAX));
    const centroids = new Float32Array(nSub * CODES * PAIR);
    // One pair's points, (x, y) per row; the last pair of an odd d has y = 0.
    const points = new Float32Array(rows.length * PAIR);
    const yielder = new Yielder(WORK_SLICE_MS);
    for (let j = 0; j < nSub; j++) {
      const w = this.width(j);
      rows.forEach((r, i) => {
        for (let u = 0; u < w; u++) points[i * PAIR + u] = sample[r * d + j * PAIR + u]!;
      });
      const k = Math.min(CODES, rows.length);
      const trained = pairKmeans(points, rows.length, k, PQ4_ITERATIONS, seed + j);
      // Fewer points than codes: repeat the last centroid (a repeat is never strictly nearer, so never chosen).
      for (let c = 0; c < CODES; c++) {
        for (let u = 0; u < w; u++) centroids[(j * CODES + c) * PAIR + u] = trained[Math.min(c, k - 1) * PAIR + u]!;
      }
      onProgress?.(j + 1, nSub);
      await yielder.maybe();
    }
    this.centroids = centroids;
    this.encoder.setCentroids(centroids, this.d);
    this.trained = true;
  }

  encode(v: Float32Array, off: number, rows: Uint8Array, index: number): void {
    this.encoder.encode(v, off, 1, this.codes);
    for (let j = 0; j < this.nSub; j++) this.setCode(rows, index, j, this.codes[j]!);
  }

  protected tableEntry(q: Float32Array, j: number, c: number): number {
    const at = (j * CODES + c) * PAIR;
    const x = q[j * PAIR]! * this.centroids[at]!;
    return this.width(j) === PAIR ? x + q[j * PAIR + 1]! * this.centroids[at + 1]! : x;
  }

  decode(rows: Uint8Array, row: number, out: Float32Array): void {
    const { nSub, centroids } = this;
    for (let j = 0; j < nSub; j++) {
      const at = (j * CODES + this.getCode(rows, row, j)) * PAIR;
      for (let u = 0; u < this.width(j); u++) out[j * PAIR + u] = centroids[at + u]!;
    }
  }

  paramsToBytes(): Uint8Array {
    return new Uint8Array(this.centroids.slice().buffer);
  }

  paramsFromBytes(bytes: Uint8Array, where: string): void {
    if (bytes.byteLength !== this.centroids.byteLength) {
      throw new CorruptDataError(where, `pq4 quantizer has ${bytes.byteLength} bytes, expected ${this.centroids.byteLength}`);
    }
    const centroids = new Float32Array(bytes.slice().buffer);
    if (!centroids.every(Number.isFinite)) throw new CorruptDataError(where, 'pq4 centroids are not all finite numbers');
    this.centroids = centroids;
    this.encoder.setCentroids(centroids, this.d);
    this.trained = true;
  }
}
