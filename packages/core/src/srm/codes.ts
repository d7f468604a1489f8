/**
 * Per-item rerank data kept in RAM, one implementation per {@link RerankMode}.
 * Each scores the candidates of a bucket against the prepared query:
 * exactly (float32, float16) or approximately (int8, PQ), or not at all
 * (none: every candidate is re-scored from the store).
 *
 * `prepare(q)` builds per-query tables; callers score synchronously right
 * after it (JS runs one query's scan at a time, so one table per instance is safe).
 */
import { CorruptDataError, InvalidConfigError } from '../errors.js';
import { halfTable, toHalf } from '../util/float16.js';
import { dot } from '../util/vector-math.js';
import { halfSquaredNorms, kmeans, nearestCentroid } from './kmeans.js';
import { Rng } from '../util/rng.js';
import type { RerankMode } from './types.js';

/** Most training points for the PQ sub-quantizers. */
const PQ_TRAIN_MAX = 8192;

/** Rerank data for the items of one memory, indexed by slot. */
export interface VectorCodes {
  readonly mode: RerankMode;
  /** True when `score` is the exact similarity. */
  readonly exact: boolean;
  /** False only for `none`: nothing in RAM can score a candidate. */
  readonly scores: boolean;
  /**
   * True when items are encoded as residuals from their bucket's centroid
   * (pq): callers pass `x - c_bucket` to `set` and `q . c_bucket` as the
   * `offset` of `scoreSlots`, since `q . x = q . c + q . (x - c)`.
   */
  readonly residual: boolean;
  /** True when the codes need `train` before `set` (int8, pq). */
  readonly needsTraining: boolean;
  /** True once trained (always true for modes without training). */
  readonly trained: boolean;
  /** Learns quantizer parameters from `n` rows of `sample`. */
  train(sample: Float32Array, n: number, seed: number): Promise<void>;
  /** Grows the per-item storage to exactly `slots` rows when it is smaller (bulk adds; avoids growth slack). */
  reserve(slots: number): void;
  /** Stores the vector at row `off` of `v` for `slot`, growing as needed. */
  set(slot: number, v: Float32Array, off: number): void;
  /** Makes per-query tables for `q`. */
  prepare(q: Float32Array): void;
  /** Scores of `slots` against the prepared query (plus `offset`), written to `out` from `outOff`. */
  scoreSlots(slots: ArrayLike<number>, count: number, out: Float32Array, outOff: number, offset?: number): void;
  /** A new, empty instance with the same quantizer parameters (for re-encoding during a refit). */
  cloneEmpty(): VectorCodes;
  /** Copies the stored vector of `slot` into `out` (exact modes only; approximate for int8/pq). */
  decode(slot: number, out: Float32Array): void;
  /** Allocated bytes: per-item data plus quantizer tables. */
  readonly byteLength: number;
  /** Quantizer parameters (not the per-item codes, which are rebuilt from the store). */
  paramsToBytes(): Uint8Array;
  paramsFromBytes(bytes: Uint8Array, where: string): void;
}

/** Grows a typed array to exactly `rows` rows of `width` when it is smaller. */
function growExact<T extends Float32Array | Uint16Array | Uint8Array>(arr: T, rows: number, width: number, make: (n: number) => T): T {
  if (rows * width <= arr.length) return arr;
  const next = make(rows * width);
  next.set(arr);
  return next;
}

/** Grows a typed array to hold at least `need` rows of `width`, by 1/4 at a time. */
function grow<T extends Float32Array | Uint16Array | Uint8Array>(arr: T, need: number, width: number, make: (n: number) => T): T {
  if (need * width <= arr.length) return arr;
  const rows = Math.max(need, Math.ceil((arr.length / width) * 1.25), 64);
  const next = make(rows * width);
  next.set(arr);
  return next;
}

class Float32Codes implements VectorCodes {
  readonly mode = 'float32' as const;
  readonly residual = false;
  readonly exact = true;
  readonly scores = true;
  readonly needsTraining = false;
  readonly trained = true;
  private data = new Float32Array(0);
  private q: Float32Array = new Float32Array(0);
  constructor(private readonly d: number) {}
  async train(): Promise<void> {}
  reserve(slots: number): void {
    this.data = growExact(this.data, slots, this.d, (n) => new Float32Array(n));
  }
  set(slot: number, v: Float32Array, off: number): void {
    this.data = grow(this.data, slot + 1, this.d, (n) => new Float32Array(n));
    this.data.set(v.subarray(off, off + this.d), slot * this.d);
  }
  prepare(q: Float32Array): void {
    this.q = q;
  }
  scoreSlots(slots: ArrayLike<number>, count: number, out: Float32Array, outOff: number): void {
    const { d, data, q } = this;
    for (let i = 0; i < count; i++) out[outOff + i] = dot(q, 0, data, slots[i]! * d, d);
  }
  decode(slot: number, out: Float32Array): void {
    out.set(this.data.subarray(slot * this.d, slot * this.d + this.d));
  }
  get byteLength(): number {
    return this.data.byteLength;
  }
  cloneEmpty(): VectorCodes {
    return new Float32Codes(this.d);
  }
  paramsToBytes(): Uint8Array {
    return new Uint8Array(0);
  }
  paramsFromBytes(): void {}
}

class Float16Codes implements VectorCodes {
  readonly mode = 'float16' as const;
  readonly residual = false;
  readonly exact = true;
  readonly scores = true;
  readonly needsTraining = false;
  readonly trained = true;
  private data = new Uint16Array(0);
  private q: Float32Array = new Float32Array(0);
  private readonly table = halfTable();
  constructor(private readonly d: number) {}
  async train(): Promise<void> {}
  reserve(slots: number): void {
    this.data = growExact(this.data, slots, this.d, (n) => new Uint16Array(n));
  }
  set(slot: number, v: Float32Array, off: number): void {
    this.data = grow(this.data, slot + 1, this.d, (n) => new Uint16Array(n));
    const base = slot * this.d;
    for (let j = 0; j < this.d; j++) this.data[base + j] = toHalf(v[off + j]!);
  }
  prepare(q: Float32Array): void {
    this.q = q;
  }
  scoreSlots(slots: ArrayLike<number>, count: number, out: Float32Array, outOff: number): void {
    const { d, data, q, table } = this;
    for (let i = 0; i < count; i++) {
      const base = slots[i]! * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += q[j]! * table[data[base + j]!]!;
      out[outOff + i] = s;
    }
  }
  decode(slot: number, out: Float32Array): void {
    const base = slot * this.d;
    for (let j = 0; j < this.d; j++) out[j] = this.table[this.data[base + j]!]!;
  }
  get byteLength(): number {
    // The decode table is shared by every float16 memory in the process; it is counted here anyway.
    return this.data.byteLength + this.table.byteLength;
  }
  cloneEmpty(): VectorCodes {
    return new Float16Codes(this.d);
  }
  paramsToBytes(): Uint8Array {
    return new Uint8Array(0);
  }
  paramsFromBytes(): void {}
}

/** Per-dimension affine scalar quantisation to 8 bits. */
class Int8Codes implements VectorCodes {
  readonly mode = 'int8' as const;
  readonly residual = false;
  readonly exact = false;
  readonly scores = true;
  readonly needsTraining = true;
  trained = false;
  private data = new Uint8Array(0);
  private min: Float32Array;
  private scale: Float32Array;
  private qs: Float32Array;
  private bias = 0;
  constructor(private readonly d: number) {
    this.min = new Float32Array(d);
    this.scale = new Float32Array(d).fill(1);
    this.qs = new Float32Array(d);
  }
  async train(sample: Float32Array, n: number): Promise<void> {
    const { d } = this;
    const lo = new Float32Array(d).fill(Infinity);
    const hi = new Float32Array(d).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const x = sample[i * d + j]!;
        if (x < lo[j]!) lo[j] = x;
        if (x > hi[j]!) hi[j] = x;
      }
    }
    for (let j = 0; j < d; j++) {
      // A 5% margin on each side, so later items slightly outside the sample's range still fit.
      const span = hi[j]! - lo[j]! || 1e-6;
      this.min[j] = lo[j]! - 0.05 * span;
      this.scale[j] = (1.1 * span) / 255;
    }
    this.trained = true;
  }
  reserve(slots: number): void {
    this.data = growExact(this.data, slots, this.d, (n) => new Uint8Array(n));
  }
  set(slot: number, v: Float32Array, off: number): void {
    const { d } = this;
    this.data = grow(this.data, slot + 1, d, (n) => new Uint8Array(n));
    const base = slot * d;
    for (let j = 0; j < d; j++) {
      const c = Math.round((v[off + j]! - this.min[j]!) / this.scale[j]!);
      this.data[base + j] = c < 0 ? 0 : c > 255 ? 255 : c;
    }
  }
  prepare(q: Float32Array): void {
    let bias = 0;
    for (let j = 0; j < this.d; j++) {
      this.qs[j] = q[j]! * this.scale[j]!;
      bias += q[j]! * this.min[j]!;
    }
    this.bias = bias;
  }
  scoreSlots(slots: ArrayLike<number>, count: number, out: Float32Array, outOff: number): void {
    const { d, data, qs, bias } = this;
    for (let i = 0; i < count; i++) {
      const base = slots[i]! * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += qs[j]! * data[base + j]!;
      out[outOff + i] = bias + s;
    }
  }
  decode(slot: number, out: Float32Array): void {
    const base = slot * this.d;
    for (let j = 0; j < this.d; j++) out[j] = this.min[j]! + this.scale[j]! * this.data[base + j]!;
  }
  get byteLength(): number {
    return this.data.byteLength + this.min.byteLength + this.scale.byteLength + this.qs.byteLength;
  }
  cloneEmpty(): VectorCodes {
    const c = new Int8Codes(this.d);
    c.paramsFromBytes(this.paramsToBytes(), 'clone');
    return c;
  }
  paramsToBytes(): Uint8Array {
    const out = new Float32Array(2 * this.d);
    out.set(this.min, 0);
    out.set(this.scale, this.d);
    return new Uint8Array(out.buffer);
  }
  paramsFromBytes(bytes: Uint8Array, where: string): void {
    if (bytes.byteLength !== 8 * this.d) throw new CorruptDataError(where, `int8 quantizer has ${bytes.byteLength} bytes, expected ${8 * this.d}`);
    const f = new Float32Array(bytes.slice().buffer);
    this.min = f.slice(0, this.d);
    this.scale = f.slice(this.d);
    this.trained = true;
  }
}

/**
 * Product quantisation: d is split into M sub-vectors, each encoded by the
 * nearest of 256 sub-centroids (one byte). A query scores a code by summing M
 * entries of a per-query lookup table (asymmetric distance computation).
 */
class PqCodes implements VectorCodes {
  readonly mode = 'pq' as const;
  readonly residual = true;
  readonly exact = false;
  readonly scores = true;
  readonly needsTraining = true;
  trained = false;
  private readonly dsub: number;
  private readonly ksub = 256;
  private data = new Uint8Array(0);
  /** M x 256 x dsub sub-centroids. */
  private centroids: Float32Array;
  private halfNorms: Float32Array;
  /** M x 256 query lookup table. */
  private readonly lut: Float32Array;
  /** Per-subspace views of `centroids` and `halfNorms`, made once so encoding allocates nothing. */
  private subCentroids: Float32Array[] = [];
  private subHalfNorms: Float32Array[] = [];
  constructor(
    private readonly d: number,
    private readonly M: number,
  ) {
    this.dsub = d / M;
    this.centroids = new Float32Array(M * this.ksub * this.dsub);
    this.halfNorms = new Float32Array(M * this.ksub);
    this.lut = new Float32Array(M * this.ksub);
  }
  async train(sample: Float32Array, n: number, seed: number): Promise<void> {
    const { M, dsub, ksub } = this;
    // 256 centroids in a few dimensions are well determined by 32 points each; more only costs time.
    if (n > PQ_TRAIN_MAX) {
      const pick = new Rng(seed).sample(n, PQ_TRAIN_MAX);
      const sub = new Float32Array(PQ_TRAIN_MAX * this.d);
      pick.forEach((src, i) => sub.set(sample.subarray(src * this.d, (src + 1) * this.d), i * this.d));
      return this.train(sub, PQ_TRAIN_MAX, seed);
    }
    const sub = new Float32Array(n * dsub);
    for (let m = 0; m < M; m++) {
      for (let i = 0; i < n; i++) sub.set(sample.subarray(i * this.d + m * dsub, i * this.d + (m + 1) * dsub), i * dsub);
      const k = Math.min(ksub, n);
      const r = await kmeans(sub, n, dsub, { K: k, iterations: 8, seed: seed + m, spherical: false, tolerance: 0.005, phase: 'fit:pq' });
      this.centroids.set(r.centroids, m * ksub * dsub);
      // Unused code points (k < 256) get a far-away centroid so they are never chosen.
      for (let c = k; c < ksub; c++) this.centroids.fill(1e9, (m * ksub + c) * dsub, (m * ksub + c + 1) * dsub);
    }
    this.setCentroids(this.centroids);
  }
  private setCentroids(centroids: Float32Array): void {
    const { M, ksub, dsub } = this;
    this.centroids = centroids;
    this.halfNorms = halfSquaredNorms(centroids, M * ksub, dsub);
    this.subCentroids = Array.from({ length: M }, (_, m) => centroids.subarray(m * ksub * dsub, (m + 1) * ksub * dsub));
    this.subHalfNorms = Array.from({ length: M }, (_, m) => this.halfNorms.subarray(m * ksub, (m + 1) * ksub));
    this.trained = true;
  }
  reserve(slots: number): void {
    this.data = growExact(this.data, slots, this.M, (n) => new Uint8Array(n));
  }
  set(slot: number, v: Float32Array, off: number): void {
    const { M, dsub, ksub } = this;
    this.data = grow(this.data, slot + 1, M, (n) => new Uint8Array(n));
    const { subCentroids, subHalfNorms } = this;
    for (let m = 0; m < M; m++) {
      this.data[slot * M + m] = nearestCentroid(v, off + m * dsub, subCentroids[m]!, subHalfNorms[m]!, ksub, dsub);
    }
  }
  prepare(q: Float32Array): void {
    const { M, dsub, ksub, centroids, lut } = this;
    for (let m = 0; m < M; m++) {
      for (let c = 0; c < ksub; c++) {
        let s = 0;
        const base = (m * ksub + c) * dsub;
        for (let j = 0; j < dsub; j++) s += q[m * dsub + j]! * centroids[base + j]!;
        lut[m * ksub + c] = s;
      }
    }
  }
  scoreSlots(slots: ArrayLike<number>, count: number, out: Float32Array, outOff: number, offset = 0): void {
    const { M, data, lut } = this;
    for (let i = 0; i < count; i++) {
      const base = slots[i]! * M;
      let s = offset;
      for (let m = 0; m < M; m++) s += lut[(m << 8) + data[base + m]!]!;
      out[outOff + i] = s;
    }
  }
  decode(slot: number, out: Float32Array): void {
    const { M, dsub, ksub } = this;
    for (let m = 0; m < M; m++) {
      const c = this.data[slot * M + m]!;
      out.set(this.centroids.subarray((m * ksub + c) * dsub, (m * ksub + c + 1) * dsub), m * dsub);
    }
  }
  get byteLength(): number {
    return this.data.byteLength + this.centroids.byteLength + this.halfNorms.byteLength + this.lut.byteLength;
  }
  cloneEmpty(): VectorCodes {
    const c = new PqCodes(this.d, this.M);
    c.paramsFromBytes(this.paramsToBytes(), 'clone');
    return c;
  }
  paramsToBytes(): Uint8Array {
    return new Uint8Array(this.centroids.slice().buffer);
  }
  paramsFromBytes(bytes: Uint8Array, where: string): void {
    if (bytes.byteLength !== this.centroids.byteLength) {
      throw new CorruptDataError(where, `PQ quantizer has ${bytes.byteLength} bytes, expected ${this.centroids.byteLength}`);
    }
    this.setCentroids(new Float32Array(bytes.slice().buffer));
  }
}

class NoCodes implements VectorCodes {
  readonly mode = 'none' as const;
  readonly residual = false;
  readonly exact = false;
  readonly scores = false;
  readonly needsTraining = false;
  readonly trained = true;
  async train(): Promise<void> {}
  reserve(): void {}
  set(): void {}
  prepare(): void {}
  scoreSlots(_slots: ArrayLike<number>, count: number, out: Float32Array, outOff: number): void {
    out.fill(0, outOff, outOff + count);
  }
  decode(): void {
    throw new Error('rerank mode "none" keeps no vectors in RAM');
  }
  readonly byteLength = 0;
  cloneEmpty(): VectorCodes {
    return new NoCodes();
  }
  paramsToBytes(): Uint8Array {
    return new Uint8Array(0);
  }
  paramsFromBytes(): void {}
}

/**
 * Default PQ sub-vector count: the divisor of d nearest d/2, i.e. two
 * dimensions per byte (1/8 of float32). On GloVe-100 at 340k items, K=256,
 * m=32, refine=128 it gave recall@10 0.977 against 0.909 with d/4 sub-vectors
 * in a 300-query sweep; the full dense benchmark measures 0.979 for the d/2 default.
 */
export function defaultPqSubvectors(d: number): number {
  let best = 1;
  for (let m = 1; m <= d; m++) {
    if (d % m === 0 && Math.abs(m - d / 2) < Math.abs(best - d / 2)) best = m;
  }
  return best;
}

/** Creates empty rerank data of the given mode. */
export function createCodes(mode: RerankMode, d: number, pqSubvectors: number): VectorCodes {
  switch (mode) {
    case 'float32':
      return new Float32Codes(d);
    case 'float16':
      return new Float16Codes(d);
    case 'int8':
      return new Int8Codes(d);
    case 'pq':
      if (d % pqSubvectors !== 0) throw new InvalidConfigError('pqSubvectors', `must divide d=${d}, got ${pqSubvectors}`);
      return new PqCodes(d, pqSubvectors);
    case 'none':
      return new NoCodes();
  }
}
