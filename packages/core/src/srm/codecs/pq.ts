/**
 * The `pq` rerank codec: product quantisation of an item's residual (item minus its bucket's
 * centroid) with 256 centroids per sub-vector, one byte each, scored through a per-query lookup
 * table (asymmetric distance computation).
 */
import { CorruptDataError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import { kmeans } from '../kmeans.js';
import { RowMajorCodec, tableBuffer, type QueryScorer, type TableScratch, type VectorCodec } from './codec.js';

/** Most training points for the PQ sub-quantizers. */
const PQ_TRAIN_MAX = 8192;

/**
 * Product quantisation: d is split into M sub-vectors, each encoded by the
 * nearest of 256 sub-centroids (one byte). A query scores a code by summing M
 * entries of a per-query lookup table (asymmetric distance computation).
 */
export class PqCodec extends RowMajorCodec implements VectorCodec {
  readonly mode = 'pq' as const;
  readonly residual = true;
  readonly exact = false;
  readonly scores = true;
  readonly needsTraining = true;
  trained = false;
  readonly rowBytes: number;
  private readonly dsub: number;
  private readonly ksub = 256;
  /** M x 256 x dsub sub-centroids. */
  private centroids: Float32Array;
  /**
   * Per subspace, the coordinate along which its sub-centroids spread widest.
   * The sub-centroids are stored sorted along it (code = rank), so encoding
   * walks outwards from the point's own coordinate and stops once the gap on
   * that axis alone exceeds the best distance. Exact, and it skips most of the
   * 256 distance computations per sub-vector, which dominate the cost of an add.
   */
  private axis = new Uint8Array(0);
  constructor(
    private readonly d: number,
    private readonly M: number,
  ) {
    super();
    this.dsub = d / M;
    this.rowBytes = M;
    this.centroids = new Float32Array(M * this.ksub * this.dsub);
  }
  get tableBytes(): number {
    // The parameters, plus one query's M x 256 lookup table.
    return this.centroids.byteLength + 4 * this.M * this.ksub + this.axis.byteLength;
  }
  async train(sample: Float32Array, n: number, seed: number, onProgress?: (done: number, total: number) => void): Promise<void> {
    const { M, dsub, ksub } = this;
    // 256 centroids in a few dimensions are well determined by 32 points each; more only costs time.
    if (n > PQ_TRAIN_MAX) {
      const pick = new Rng(seed).sample(n, PQ_TRAIN_MAX);
      const sub = new Float32Array(PQ_TRAIN_MAX * this.d);
      pick.forEach((src, i) => sub.set(sample.subarray(src * this.d, (src + 1) * this.d), i * this.d));
      return this.train(sub, PQ_TRAIN_MAX, seed, onProgress);
    }
    const sub = new Float32Array(n * dsub);
    for (let m = 0; m < M; m++) {
      for (let i = 0; i < n; i++) sub.set(sample.subarray(i * this.d + m * dsub, i * this.d + (m + 1) * dsub), i * dsub);
      const k = Math.min(ksub, n);
      const r = await kmeans(sub, n, dsub, { K: k, iterations: 8, seed: seed + m, spherical: false, tolerance: 0.005 });
      this.centroids.set(r.centroids, m * ksub * dsub);
      // Unused code points (k < 256) get a far-away centroid so they are never chosen.
      for (let c = k; c < ksub; c++) this.centroids.fill(1e9, (m * ksub + c) * dsub, (m * ksub + c + 1) * dsub);
      onProgress?.(m + 1, M);
    }
    this.setCentroids(this.centroids);
  }
  private setCentroids(centroids: Float32Array): void {
    const { M, ksub, dsub } = this;
    this.centroids = centroids;
    this.axis = new Uint8Array(M);
    for (let m = 0; m < M; m++) {
      const base = m * ksub;
      const a = widestAxis(centroids, base, ksub, dsub);
      this.axis[m] = a;
      const sub = centroids.slice(base * dsub, (base + ksub) * dsub);
      const order = Array.from({ length: ksub }, (_, c) => c).sort((x, y) => sub[x * dsub + a]! - sub[y * dsub + a]! || x - y);
      order.forEach((c, j) => centroids.set(sub.subarray(c * dsub, (c + 1) * dsub), (base + j) * dsub));
    }
    this.trained = true;
  }
  encode(v: Float32Array, off: number, rows: Uint8Array, index: number): void {
    const { M, dsub, ksub, centroids: sc } = this;
    const at = index * this.rowBytes;
    for (let m = 0; m < M; m++) {
      const x = off + m * dsub;
      const base = m * ksub;
      const a = this.axis[m]!;
      const key = v[x + a]!;
      // First centroid whose coordinate on the axis is >= the point's: the walk starts on both sides of it.
      let lo = base;
      let hi = base + ksub;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sc[mid * dsub + a]! < key) lo = mid + 1;
        else hi = mid;
      }
      let best = Infinity;
      let bestJ = base;
      let up = lo;
      let down = lo - 1;
      const end = base + ksub;
      while (up < end || down >= base) {
        if (up < end) {
          const gap = sc[up * dsub + a]! - key;
          if (gap * gap >= best) up = end;
          else {
            const dist = squaredDistance(v, x, sc, up * dsub, dsub);
            if (dist < best || (dist === best && up < bestJ)) {
              best = dist;
              bestJ = up;
            }
            up++;
          }
        }
        if (down >= base) {
          const gap = key - sc[down * dsub + a]!;
          if (gap * gap >= best) down = base - 1;
          else {
            const dist = squaredDistance(v, x, sc, down * dsub, dsub);
            if (dist < best || (dist === best && down < bestJ)) {
              best = dist;
              bestJ = down;
            }
            down--;
          }
        }
      }
      rows[at + m] = bestJ - base;
    }
  }
  /** The query's M x 256 lookup table: `q_m . centroid` per sub-vector and code; a row scores as the sum of its M entries. */
  scorer(q: Float32Array, scratch?: TableScratch): QueryScorer {
    const { M, dsub, ksub, centroids, rowBytes } = this;
    const lut = tableBuffer(scratch, 'pq:lut', Float32Array, M * ksub);
    for (let m = 0; m < M; m++) {
      for (let c = 0; c < ksub; c++) {
        let s = 0;
        const base = (m * ksub + c) * dsub;
        for (let j = 0; j < dsub; j++) s += q[m * dsub + j]! * centroids[base + j]!;
        lut[m * ksub + c] = s;
      }
    }
    // Two accumulators break the add dependency chain of the sum.
    const even = M & ~1;
    return {
      scoreRows(rows: Uint8Array, count: number, out: Float32Array, outOff: number, offset = 0): void {
        for (let i = 0; i < count; i++) {
          const base = i * rowBytes;
          let s0 = offset;
          let s1 = 0;
          for (let m = 0; m < even; m += 2) {
            s0 += lut[(m << 8) + rows[base + m]!]!;
            s1 += lut[((m + 1) << 8) + rows[base + m + 1]!]!;
          }
          if (even < M) s0 += lut[(even << 8) + rows[base + even]!]!;
          out[outOff + i] = s0 + s1;
        }
      },
    };
  }
  decode(rows: Uint8Array, row: number, out: Float32Array): void {
    const { M, dsub, ksub } = this;
    for (let m = 0; m < M; m++) {
      const c = rows[row * this.rowBytes + m]!;
      out.set(this.centroids.subarray((m * ksub + c) * dsub, (m * ksub + c + 1) * dsub), m * dsub);
    }
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

/** Squared L2 distance between `n` floats of `a` from `ao` and of `b` from `bo`. */
function squaredDistance(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) {
    const t = a[ao + j]! - b[bo + j]!;
    s += t * t;
  }
  return s;
}

/** The coordinate along which `count` points of `dims` dimensions (from row `first`) spread widest. */
function widestAxis(points: Float32Array, first: number, count: number, dims: number): number {
  let best = 0;
  let bestSpan = -1;
  for (let a = 0; a < dims; a++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < count; i++) {
      const x = points[(first + i) * dims + a]!;
      // Far-away filler centroids (unused code points) say nothing about the spread.
      if (Math.abs(x) >= 1e8) continue;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (hi - lo > bestSpan) {
      bestSpan = hi - lo;
      best = a;
    }
  }
  return best;
}

/**
 * Default PQ sub-vector count: the divisor of d nearest d/2, i.e. two dimensions per byte (1/8 of
 * float32). Fewer, wider sub-vectors rank candidates markedly worse at the same refine
 * (docs/benchmarks/dense.md).
 */
export function defaultPqSubvectors(d: number): number {
  let best = 1;
  for (let m = 1; m <= d; m++) {
    if (d % m === 0 && Math.abs(m - d / 2) < Math.abs(best - d / 2)) best = m;
  }
  return best;
}
