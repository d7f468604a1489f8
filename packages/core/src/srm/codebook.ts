/**
 * The routing codebook: K centroids that route every item to a bucket and
 * every query to its `m` nearest buckets. Routing uses L2 nearness in the
 * form `x.c - ||c||^2/2`; for unit vectors and unit centroids this is plain
 * cosine order.
 */
import { CorruptDataError } from '../errors.js';
import { TopK } from '../util/top-k.js';
import { createDot, type DotKernel } from './dot-kernel.js';
import { kmeans, type KMeansOptions } from './kmeans.js';
import { createRouter, halfSquaredNorms, nearestCentroid, type CentroidRouter } from './route-kernel.js';

/** A trained codebook. Immutable: adaptive updates and refits build new ones. */
export class Codebook {
  /** 0.5 * ||c_k||^2 for each centroid. */
  readonly halfNorms: Float32Array;
  /** Routes many rows at once; made by the first {@link route}. */
  private router: CentroidRouter | undefined;
  /** Scores a query against every centroid (SIMD, the doubles of `dot`); made by the first {@link probe}, with its output. */
  private prober: { kernel: DotKernel; scores: Float64Array } | undefined;

  constructor(
    readonly K: number,
    readonly d: number,
    /** K x d, row-major. */
    readonly centroids: Float32Array,
  ) {
    this.halfNorms = halfSquaredNorms(centroids, K, d);
  }

  /**
   * Trains a codebook on `n` rows of `data`; also returns the training inertia (mean squared
   * error) and each bucket's share of the training rows, from which the bucket sizes of a
   * route of the whole memory can be foreseen.
   */
  static async train(data: Float32Array, n: number, d: number, opts: KMeansOptions): Promise<{ codebook: Codebook; inertia: number; shares: Float64Array }> {
    const r = await kmeans(data, n, d, opts);
    const shares = new Float64Array(opts.K);
    for (let i = 0; i < n; i++) shares[r.assignment[i]!]! += 1 / n;
    return { codebook: new Codebook(opts.K, d, r.centroids), inertia: r.inertia, shares };
  }

  /**
   * Buckets of rows `[from, to)` of `x` into `buckets[i]`, and their squared distances to their
   * centroids into `dist[i]` when given: {@link assign} for many rows, on the SIMD router.
   */
  route(x: Float32Array, from: number, to: number, buckets: Int32Array, dist?: Float64Array): void {
    this.router ??= createRouter(this.centroids, this.halfNorms, this.K, this.d);
    this.router.route(x, from, to, buckets, dist);
  }

  /** Bytes of the router's and the prober's memory, once a route or a probe made them. */
  get routerBytes(): number {
    return (this.router?.scratchBytes ?? 0) + (this.prober ? this.prober.kernel.scratchBytes + this.prober.scores.byteLength : 0);
  }

  /** Bucket of row `off` of `x`; writes the squared distance to its centroid into `dist[0]` if given. */
  assign(x: Float32Array, off: number, dist?: Float64Array): number {
    return nearestCentroid(x, off, this.centroids, this.halfNorms, this.K, this.d, dist);
  }

  /**
   * Chooses the `m` buckets to probe for query `q`: the m best routing scores,
   * best first (ties by bucket number). Writes them into `out`, returns how many.
   */
  probe(q: Float32Array, m: number, out: Uint32Array, scores?: Float32Array): number {
    const { K, d, centroids, halfNorms } = this;
    const mm = Math.min(m, K);
    const top = new TopK(mm);
    this.prober ??= { kernel: createDot(), scores: new Float64Array(K) };
    const dots = this.prober.scores;
    this.prober.kernel.scores64(q, d, centroids, 0, K, dots, 0);
    for (let k = 0; k < K; k++) {
      const score = dots[k]! - halfNorms[k]!;
      if (top.size < mm || score > top.scores[0]!) top.push(k, score);
    }
    // Insertion sort of the kept entries into `out`, best first (ties by bucket number): m is small.
    const sorted = scores ?? new Float32Array(mm);
    for (let i = 0; i < top.size; i++) {
      const id = top.ids[i]!;
      const score = top.scores[i]!;
      let j = i;
      for (; j > 0 && (sorted[j - 1]! < score || (sorted[j - 1] === score && out[j - 1]! > id)); j--) {
        sorted[j] = sorted[j - 1]!;
        out[j] = out[j - 1]!;
      }
      sorted[j] = score;
      out[j] = id;
    }
    return mm;
  }

  /** Bytes held in RAM: the centroids (the norms are a K-float cache and counted too). */
  get byteLength(): number {
    return this.centroids.byteLength + this.halfNorms.byteLength;
  }

  /** Serialised form: [K, d] header then the centroids. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(8 + this.centroids.byteLength);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.K, true);
    view.setUint32(4, this.d, true);
    out.set(new Uint8Array(this.centroids.buffer, this.centroids.byteOffset, this.centroids.byteLength), 8);
    return out;
  }

  static fromBytes(bytes: Uint8Array, where: string): Codebook {
    if (bytes.byteLength < 8) throw new CorruptDataError(where, 'codebook record is truncated');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const K = view.getUint32(0, true);
    const d = view.getUint32(4, true);
    if (bytes.byteLength !== 8 + K * d * 4) {
      throw new CorruptDataError(where, `codebook record has ${bytes.byteLength} bytes, expected ${8 + K * d * 4} for K=${K}, d=${d}`);
    }
    const centroids = new Float32Array(K * d);
    new Uint8Array(centroids.buffer).set(bytes.subarray(8));
    return new Codebook(K, d, centroids);
  }
}
