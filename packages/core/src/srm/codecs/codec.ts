/**
 * The contract of a rerank codec, one per {@link RerankMode}: how an item's row is encoded,
 * laid out and scored. A codec holds only what training learnt (its quantizer parameters), so
 * one codec may serve any number of queries and the background refit's `encode` at once. What a
 * query needs (its lookup tables) lives in the {@link QueryScorer} that `scorer(q)` makes for
 * that query alone.
 */
import type { TopK } from '../../util/top-k.js';
import type { RerankMode } from '../types.js';

/**
 * How a codec lays its items' rows out in a byte buffer. Most codecs store
 * one row after the other; sq4 and pq4 interleave 32 items per block for their SIMD
 * scan. The bucket lists size and move rows only through this.
 */
export interface RowLayout {
  /** Bytes that `count` items take (each bucket's rows start at byte 0 of their own buffer, so float views are aligned). */
  bytesFor(count: number): number;
  /** Copies item `from` of `src` to item `to` of `dst` (`dst` may be `src`). */
  moveRow(src: Uint8Array, from: number, dst: Uint8Array, to: number): void;
}

/** One query's scoring of stored rows: made by {@link VectorCodec.scorer}, used by that query only. */
export interface QueryScorer {
  /** Scores the first `count` rows of `rows` against the query (plus `offset`), into `out` from `outOff`. */
  scoreRows(rows: Uint8Array, count: number, out: Float32Array, outOff: number, offset?: number): void;
  /**
   * Pushes into `top` each of the first `count` rows (as `slots[i]`, with `scoreRows`'s float32
   * score) that beats the heap's smallest score, in row order: what `scoreRows` and a loop of
   * `top.push` would keep, in one pass with no score buffer. Codecs whose scan is cheaper than
   * that loop provide it.
   */
  selectRows?(rows: Uint8Array, count: number, slots: Uint32Array, top: TopK, offset?: number): void;
}

/**
 * How one {@link RerankMode} encodes and scores items. The per-item rows live in the bucket
 * lists ({@link InvertedBuckets}), next to their slots, so a query scans each probed bucket's
 * rows sequentially rather than gathering them by slot from one big array
 * (`packages/core/bench/scan-layout.ts` measures both).
 */
export interface VectorCodec extends RowLayout {
  readonly mode: RerankMode;
  /** True when a scorer gives the exact similarity. */
  readonly exact: boolean;
  /** False only for `none`: nothing in RAM can score a candidate. */
  readonly scores: boolean;
  /**
   * True when items are encoded as residuals from their bucket's centroid
   * (pq, sq4, pq4): callers encode `x - c_bucket` and pass `q . c_bucket` as the
   * `offset` of `scoreRows`, since `q . x = q . c + q . (x - c)`.
   */
  readonly residual: boolean;
  /** True when the codec needs `train` before `encode` (int8, pq, sq4, pq4). */
  readonly needsTraining: boolean;
  /** True once trained (always true for modes without training). */
  readonly trained: boolean;
  /**
   * Learns quantizer parameters from `n` rows of `sample`. Codecs that train one k-means per
   * sub-quantizer (pq, pq4) report each one done through `onProgress`.
   */
  train(sample: Float32Array, n: number, seed: number, onProgress?: (done: number, total: number) => void): Promise<void>;
  /** Encodes row `off` (in floats) of `v` as item `index` of `rows`. */
  encode(v: Float32Array, off: number, rows: Uint8Array, index: number): void;
  /**
   * A scorer for query `q`, with its tables built in `scratch` (fresh buffers without one).
   * `q` and `scratch` belong to the scorer until the query ends.
   */
  scorer(q: Float32Array, scratch?: TableScratch): QueryScorer;
  /** Decodes item `row` of `rows` into `out` (exact for float32/float16; approximate for int8/pq/sq4/pq4). */
  decode(rows: Uint8Array, row: number, out: Float32Array): void;
  /** Bytes of quantizer parameters plus the tables one query's scorer builds (the per-item rows are counted by the buckets). */
  readonly tableBytes: number;
  /** Quantizer parameters (the per-item rows come from the routing checkpoint or a scan of the store). */
  paramsToBytes(): Uint8Array;
  paramsFromBytes(bytes: Uint8Array, where: string): void;
}

type TypedArray = Float32Array | Float64Array | Uint8Array | Uint32Array;
type TypedArrayOf<T extends TypedArray> = { new (n: number): T };

/**
 * Buffers for a query's tables, reused by the next query that holds the same scratch (a
 * search's {@link SearchScratch} owns one). Reuse keeps a serving process's memory at its
 * index, not at its query rate; holding one per running query keeps queries apart.
 */
export class TableScratch {
  private readonly buffers = new Map<string, TypedArray>();

  /** `n` elements of the buffer named `use`; its contents are whatever the last user left. */
  get<T extends TypedArray>(use: string, type: TypedArrayOf<T>, n: number): T {
    const have = this.buffers.get(use);
    if (have instanceof type && have.length >= n) return have.subarray(0, n) as T;
    const made = new type(Math.max(n, 2 * (have?.length ?? 0)));
    this.buffers.set(use, made);
    return made.subarray(0, n) as T;
  }
}

/** `n` elements of `use` from `scratch`, or a fresh buffer without one. */
export function tableBuffer<T extends TypedArray>(scratch: TableScratch | undefined, use: string, type: TypedArrayOf<T>, n: number): T {
  return scratch ? scratch.get(use, type, n) : new type(n);
}

/** Row after row, `rowBytes` each. */
export abstract class RowMajorCodec implements RowLayout {
  abstract readonly rowBytes: number;
  bytesFor(count: number): number {
    return count * this.rowBytes;
  }
  moveRow(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
    const w = this.rowBytes;
    dst.set(src.subarray(from * w, (from + 1) * w), to * w);
  }
}

/** A float32 view of `rows` (which every bucket allocates at byte offset 0, so it is aligned). */
export function floats(rows: Uint8Array): Float32Array {
  return new Float32Array(rows.buffer, rows.byteOffset, rows.byteLength >> 2);
}

/** A float16 (raw uint16) view of `rows`. */
export function halves(rows: Uint8Array): Uint16Array {
  return new Uint16Array(rows.buffer, rows.byteOffset, rows.byteLength >> 1);
}

/** The parameters of a codec that learns none. */
export const NO_PARAMS = new Uint8Array(0);
