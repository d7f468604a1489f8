/**
 * The nearest centroid of a row, by the score `x.c - ||c||^2/2`: {@link nearestCentroid} in JS,
 * and for many rows at once a small WebAssembly SIMD module (assembled from its opcodes, see
 * wasm-assembly.ts). Routing is most of the work of an add, of a refit's routing pass and of a
 * k-means iteration: K dot products of d floats per row. The kernel scores four centroids per
 * pass over a row, four floats at a time.
 *
 * Its float32 sums are added in another order than {@link nearestCentroid}'s, so the two may
 * pick different centroids for a row whose two best scores tie to within float32 round-off:
 * either is nearest. The kernel is deterministic, so a seeded k-means still repeats itself.
 */
import { dot, squaredNorm } from '../util/vector-math.js';
import { align16, compileIfSupported, ensureBytes, F32, I32, op, V128, wasmApi, wasmModule, type WasmApi, type WasmMemory } from './wasm-assembly.js';

/** Half squared norms of the centroids, the bias term of the assignment score. */
export function halfSquaredNorms(centroids: Float32Array, K: number, d: number): Float32Array {
  const h = new Float32Array(K);
  for (let k = 0; k < K; k++) h[k] = 0.5 * squaredNorm(centroids, k * d, d);
  return h;
}

/**
 * Nearest centroid of row `off` of `x` (L2). Returns the cluster; writes the
 * squared distance to `dist[0]` when `dist` is given.
 *
 * Four centroids are scored per pass over `x`, so each x[j] is loaded once
 * for four multiply-adds; this is about twice as fast as one dot per centroid.
 */
export function nearestCentroid(
  x: Float32Array,
  off: number,
  centroids: Float32Array,
  halfNorms: Float32Array,
  K: number,
  d: number,
  dist?: Float64Array,
): number {
  let best = 0;
  let bestScore = -Infinity;
  let k = 0;
  for (; k + 3 < K; k += 4) {
    const b0 = k * d;
    const b1 = b0 + d;
    const b2 = b1 + d;
    const b3 = b2 + d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < d; j++) {
      const xj = x[off + j]!;
      s0 += xj * centroids[b0 + j]!;
      s1 += xj * centroids[b1 + j]!;
      s2 += xj * centroids[b2 + j]!;
      s3 += xj * centroids[b3 + j]!;
    }
    s0 -= halfNorms[k]!;
    s1 -= halfNorms[k + 1]!;
    s2 -= halfNorms[k + 2]!;
    s3 -= halfNorms[k + 3]!;
    if (s0 > bestScore) {
      bestScore = s0;
      best = k;
    }
    if (s1 > bestScore) {
      bestScore = s1;
      best = k + 1;
    }
    if (s2 > bestScore) {
      bestScore = s2;
      best = k + 2;
    }
    if (s3 > bestScore) {
      bestScore = s3;
      best = k + 3;
    }
  }
  for (; k < K; k++) {
    const s = dot(x, off, centroids, k * d, d) - halfNorms[k]!;
    if (s > bestScore) {
      bestScore = s;
      best = k;
    }
  }
  if (dist) dist[0] = Math.max(0, squaredNorm(x, off, d) - 2 * bestScore);
  return best;
}

/** Rows copied into the kernel's memory per call: bounds that memory whatever the batch. */
const ROWS_PER_CALL = 256;

/** Routes rows to their nearest centroid. */
export interface CentroidRouter {
  /** Bytes it keeps between calls (the SIMD kernel's memory). */
  readonly scratchBytes: number;
  /**
   * For rows `[from, to)` of `x` (`d` floats each): the nearest centroid into `buckets[i]` and,
   * when given, its squared distance into `dist[i]`.
   */
  route(x: Float32Array, from: number, to: number, buckets: Int32Array, dist?: Float64Array): void;
}

/** The JS reference: {@link nearestCentroid} row by row. */
class JsRouter implements CentroidRouter {
  readonly scratchBytes = 0;
  private readonly one = new Float64Array(1);

  constructor(
    private readonly centroids: Float32Array,
    private readonly halfNorms: Float32Array,
    private readonly K: number,
    private readonly d: number,
  ) {}

  route(x: Float32Array, from: number, to: number, buckets: Int32Array, dist?: Float64Array): void {
    for (let i = from; i < to; i++) {
      buckets[i] = nearestCentroid(x, i * this.d, this.centroids, this.halfNorms, this.K, this.d, dist ? this.one : undefined);
      if (dist) dist[i] = this.one[0]!;
    }
  }
}

/**
 * `route(xs, n, cents, K4, vecs, half, outBuckets, outScores)`: rows and centroids are `vecs`
 * v128s long (d padded to a multiple of 4 with zeros), K4 centroids (K padded to a multiple of 4
 * with centroids whose half norm is +Infinity, so never the best).
 */
function assemble(): Uint8Array {
  const [XS, N, CENTS, K4, VECS, HALF, OUTB, OUTS] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [I, K, J, P, Q0, Q1, Q2, Q3, BESTK, ROW] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
  const [BEST, S] = [18, 19];
  const [X, A0, A1, A2, A3] = [20, 21, 22, 23, 24];
  const inc = (local: number, by: number[]) => [...op.get(local), ...by, ...op.i32Add, ...op.set(local)];
  const fma = (acc: number, q: number) => [...op.get(acc), ...op.get(X), ...op.get(q), ...op.v128Load(0), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(acc)];
  const hsum = (acc: number) => [
    ...op.get(acc),
    ...op.f32x4ExtractLane(0),
    ...op.get(acc),
    ...op.f32x4ExtractLane(1),
    ...op.f32Add,
    ...op.get(acc),
    ...op.f32x4ExtractLane(2),
    ...op.f32Add,
    ...op.get(acc),
    ...op.f32x4ExtractLane(3),
    ...op.f32Add,
  ];
  // Score of centroid k + t: the lanes of A_t summed, minus half[k + t]; kept when strictly better (first wins ties, as in JS).
  const keep = (acc: number, t: number) => [
    ...hsum(acc),
    ...op.get(HALF),
    ...op.get(K),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.f32Load(4 * t),
    ...op.f32Sub,
    ...op.set(S),
    ...op.get(S),
    ...op.get(BEST),
    ...op.f32Gt,
    ...op.if,
    ...op.get(S),
    ...op.set(BEST),
    ...op.get(K),
    ...op.i32(t),
    ...op.i32Add,
    ...op.set(BESTK),
    ...op.end,
  ];
  const body = [
    ...op.get(VECS),
    ...op.i32(16),
    ...op.i32Mul,
    ...op.set(ROW),
    ...op.block,
    ...op.loop, // for i in 0..n
    ...op.get(I),
    ...op.get(N),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.f32(-Infinity),
    ...op.set(BEST),
    ...op.i32(0),
    ...op.set(BESTK),
    ...op.get(CENTS),
    ...op.set(Q0),
    ...op.i32(0),
    ...op.set(K),
    ...op.block,
    ...op.loop, // for k in 0..K4 step 4
    ...op.get(K),
    ...op.get(K4),
    ...op.i32GeU,
    ...op.brIf(1),
    ...[A0, A1, A2, A3].flatMap((a) => [...op.v128Zero, ...op.set(a)]),
    ...op.get(Q0),
    ...op.get(ROW),
    ...op.i32Add,
    ...op.set(Q1),
    ...op.get(Q1),
    ...op.get(ROW),
    ...op.i32Add,
    ...op.set(Q2),
    ...op.get(Q2),
    ...op.get(ROW),
    ...op.i32Add,
    ...op.set(Q3),
    ...op.get(XS),
    ...op.set(P),
    ...op.i32(0),
    ...op.set(J),
    ...op.block,
    ...op.loop, // for j in 0..vecs
    ...op.get(J),
    ...op.get(VECS),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.get(P),
    ...op.v128Load(0),
    ...op.set(X),
    ...fma(A0, Q0),
    ...fma(A1, Q1),
    ...fma(A2, Q2),
    ...fma(A3, Q3),
    ...inc(P, op.i32(16)),
    ...inc(Q0, op.i32(16)),
    ...inc(Q1, op.i32(16)),
    ...inc(Q2, op.i32(16)),
    ...inc(Q3, op.i32(16)),
    ...inc(J, op.i32(1)),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...keep(A0, 0),
    ...keep(A1, 1),
    ...keep(A2, 2),
    ...keep(A3, 3),
    // Q0 walked one row: the next four centroids start three rows further.
    ...op.get(Q3),
    ...op.set(Q0),
    ...inc(K, op.i32(4)),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(OUTB),
    ...op.get(I),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.get(BESTK),
    ...op.i32Store(0),
    ...op.get(OUTS),
    ...op.get(I),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.get(BEST),
    ...op.f32Store(0),
    ...inc(XS, op.get(ROW)),
    ...inc(I, op.i32(1)),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const locals = [3, 10, I32, 2, F32, 5, V128];
  return wasmModule([I32, I32, I32, I32, I32, I32, I32, I32], [...locals, ...body], 'route');
}

interface RouteExports {
  memory: WasmMemory;
  route(xs: number, n: number, cents: number, k4: number, vecs: number, half: number, outBuckets: number, outScores: number): void;
}

/** The SIMD router: centroids copied into its memory once, rows {@link ROWS_PER_CALL} at a time. */
class WasmRouter implements CentroidRouter {
  private readonly exports: RouteExports;
  private readonly vecs: number;
  private readonly k4: number;
  private readonly at: { cents: number; half: number; xs: number; buckets: number; scores: number };

  constructor(
    wasm: WasmApi,
    module: object,
    centroids: Float32Array,
    halfNorms: Float32Array,
    K: number,
    private readonly d: number,
  ) {
    this.exports = new wasm.Instance(module).exports as RouteExports;
    this.vecs = Math.ceil(d / 4);
    this.k4 = Math.ceil(K / 4) * 4;
    const row = this.vecs * 16;
    const cents = 0;
    const half = align16(cents + this.k4 * row);
    const xs = align16(half + this.k4 * 4);
    const buckets = align16(xs + ROWS_PER_CALL * row);
    const scores = align16(buckets + ROWS_PER_CALL * 4);
    this.at = { cents, half, xs, buckets, scores };
    ensureBytes(this.exports.memory, scores + ROWS_PER_CALL * 4);
    const heap = new Float32Array(this.exports.memory.buffer);
    const stride = this.vecs * 4;
    for (let k = 0; k < K; k++) heap.set(centroids.subarray(k * d, (k + 1) * d), (cents >> 2) + k * stride);
    heap.set(halfNorms.subarray(0, K), half >> 2);
    heap.fill(Infinity, (half >> 2) + K, (half >> 2) + this.k4);
  }

  get scratchBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  route(x: Float32Array, from: number, to: number, buckets: Int32Array, dist?: Float64Array): void {
    const { d, vecs, k4, at } = this;
    const stride = vecs * 4;
    const { buffer } = this.exports.memory;
    const rows = new Float32Array(buffer, at.xs, ROWS_PER_CALL * stride);
    const outBuckets = new Int32Array(buffer, at.buckets, ROWS_PER_CALL);
    const outScores = new Float32Array(buffer, at.scores, ROWS_PER_CALL);
    for (let start = from; start < to; start += ROWS_PER_CALL) {
      const n = Math.min(ROWS_PER_CALL, to - start);
      // Rows padded to whole v128s; the padding stays zero.
      if (stride === d) rows.set(x.subarray(start * d, (start + n) * d));
      else {
        // Element by element: a subarray per row costs more than the kernel at small d (pq4's pairs).
        for (let i = 0; i < n; i++) {
          const src = (start + i) * d;
          for (let j = 0; j < d; j++) rows[i * stride + j] = x[src + j]!;
        }
      }
      this.exports.route(at.xs, n, at.cents, k4, vecs, at.half, at.buckets, at.scores);
      buckets.set(outBuckets.subarray(0, n), start);
      if (!dist) continue;
      // ||x - c||^2 = ||x||^2 - 2 (x.c - ||c||^2/2).
      for (let i = 0; i < n; i++) {
        let norm = 0;
        const off = (start + i) * d;
        for (let j = 0; j < d; j++) norm += x[off + j]! * x[off + j]!;
        dist[start + i] = Math.max(0, norm - 2 * outScores[i]!);
      }
    }
  }
}

let compiled: object | null | undefined;

/** The fastest router this runtime supports for these centroids: WebAssembly SIMD where it exists, else the JS reference. */
export function createRouter(centroids: Float32Array, halfNorms: Float32Array, K: number, d: number): CentroidRouter {
  compiled ??= compileIfSupported(assemble());
  return wasmApi && compiled ? new WasmRouter(wasmApi, compiled, centroids, halfNorms, K, d) : new JsRouter(centroids, halfNorms, K, d);
}
