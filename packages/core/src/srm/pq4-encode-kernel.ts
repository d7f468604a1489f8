/**
 * The pq4 encoder: for each pair of residual dimensions of a row, the nearest of the pair's 16
 * 2-D centroids. It is the hottest loop of an add, so a batch is encoded by a small WebAssembly
 * SIMD module (assembled from its opcodes, see wasm-assembly.ts), with the JS loop of
 * `Pq4Codec.encode` as the reference and the fallback.
 *
 * The kernel gives the reference's codes bit for bit: it computes the squared distances in f64,
 * from float32 inputs promoted to f64 as JS does when it reads a Float32Array, with the same
 * operations in the same order (`a*a + b*b`, no fused multiply-add), and on a tie it takes the
 * lowest index, as the reference's strict `<` does. Ties are real: training on fewer than 16
 * points repeats centroids.
 *
 * `Pq4Codec` encodes one row per call (an add places its rows one at a time); the add rate it
 * gives is the growth suite's (`npm run bench -- --suite growth`).
 */
import { align16, compileIfSupported, ensureBytes, I32, op, V128, wasmApi, wasmModule, type WasmApi, type WasmMemory } from './wasm-assembly.js';

/** Centroids per pair (4-bit codes). */
const CODES = 16;
/** Dimensions per pair. */
const PAIR = 2;
/** Bytes of one pair's centroids in the kernel's memory: 16 x then 16 y, as f64. */
const PAIR_BYTES = CODES * PAIR * 8;
/** Row bytes copied into the kernel's memory per call: bounds that memory whatever the batch. */
export const CHUNK_BYTES = 1 << 16;

/** Encodes rows into pq4 codes, one per pair of dimensions, against a loaded codebook. */
export interface Pq4EncodeKernel {
  readonly name: 'wasm-simd' | 'js';
  /** Bytes the kernel holds between calls (the SIMD kernel's memory, the reference's codebook copy). */
  readonly scratchBytes: number;
  /**
   * Loads the codebook: `ceil(d / 2)` pairs x 16 centroids x 2 float32 coordinates, the layout of
   * `Pq4Codec`'s centroids (with an odd d, the last pair's second coordinates are used as given;
   * `Pq4Codec` keeps them 0). The array is copied: later changes to it are not seen.
   */
  setCentroids(centroids: Float32Array, d: number): void;
  /**
   * `codes[i * nSub + j]` = the code of pair j of row i, for the `n` rows of `d` float32 values
   * that start `offset` floats into `rows`: the index of the nearest centroid by squared
   * Euclidean distance, the lowest index on a tie. With an odd d, the last pair's missing
   * coordinate counts as 0.
   */
  encode(rows: Float32Array, offset: number, n: number, codes: Uint8Array): void;
}

/** The reference encoder in plain JS, the loop of `Pq4Codec.encode`; the SIMD kernel must give the same codes. */
export class JsPq4Encoder implements Pq4EncodeKernel {
  readonly name = 'js' as const;
  private centroids = new Float32Array(0);
  private d = 0;

  get scratchBytes(): number {
    return this.centroids.byteLength;
  }

  setCentroids(centroids: Float32Array, d: number): void {
    this.centroids = centroids.slice(0, Math.ceil(d / PAIR) * CODES * PAIR);
    this.d = d;
  }

  encode(rows: Float32Array, offset: number, n: number, codes: Uint8Array): void {
    const { centroids, d } = this;
    if (d === 0) throw new Error('JsPq4Encoder.encode: setCentroids was not called');
    const nSub = Math.ceil(d / PAIR);
    const full = d >> 1;
    for (let i = 0; i < n; i++) {
      const off = offset + i * d;
      for (let j = 0; j < nSub; j++) {
        const x0 = rows[off + j * PAIR]!;
        const x1 = j < full ? rows[off + j * PAIR + 1]! : 0;
        let best = 0;
        let bestDist = Infinity;
        for (let c = 0, at = j * CODES * PAIR; c < CODES; c++, at += PAIR) {
          const a = x0 - centroids[at]!;
          const b = x1 - centroids[at + 1]!;
          const dist = a * a + b * b;
          if (dist < bestDist) {
            bestDist = dist;
            best = c;
          }
        }
        codes[i * nSub + j] = best;
      }
    }
  }
}

/**
 * The module: exports `memory` and `encode(xs, n, rowBytes, full, odd, cents, out)` (pointers
 * into memory). `cents` holds, per pair, 16 f64 x coordinates then 16 f64 y coordinates, so one
 * v128 load brings two centroids' x (or y). `full` pairs read both coordinates from the row;
 * when `odd` is 1 one more pair reads only x, y being 0. One code byte per pair goes to `out`.
 */
function assemble(): Uint8Array {
  const [XS, N, ROWB, FULL, ODD, CENTS, OUT] = [0, 1, 2, 3, 4, 5, 6];
  const [I, J, P, C] = [7, 8, 9, 10];
  const [X0, X1, A, B, M] = [11, 12, 13, 14, 15];
  const D = [16, 17, 18, 19, 20, 21, 22, 23];
  const inc = (local: number, by: number[]) => [...op.get(local), ...by, ...op.i32Add, ...op.set(local)];
  const splatF32 = (offset: number) => [...op.get(P), ...op.f32Load(offset), ...op.f64PromoteF32, ...op.f64x2Splat];
  // D[k] = the squared distances to centroids 2k and 2k+1: (x0 - cx)^2 + (x1 - cy)^2, in the reference's order.
  const distances = D.flatMap((dk, k) => [
    ...op.get(X0),
    ...op.get(C),
    ...op.v128Load(16 * k),
    ...op.f64x2Sub,
    ...op.tee(A),
    ...op.get(A),
    ...op.f64x2Mul,
    ...op.get(X1),
    ...op.get(C),
    ...op.v128Load(PAIR_BYTES / 2 + 16 * k),
    ...op.f64x2Sub,
    ...op.tee(B),
    ...op.get(B),
    ...op.f64x2Mul,
    ...op.f64x2Add,
    ...op.set(dk),
  ]);
  const pmin = (x: number[], y: number[]) => [...x, ...y, ...op.f64x2Pmin];
  const dist = (k: number) => op.get(D[k]!);
  // Distances are finite and >= +0, so pmin is the true minimum. Swapping M's lanes and taking
  // the pmin again leaves the minimum in both lanes, ready for the comparisons.
  const minimum = [
    ...pmin(pmin(pmin(dist(0), dist(1)), pmin(dist(2), dist(3))), pmin(pmin(dist(4), dist(5)), pmin(dist(6), dist(7)))),
    ...op.set(M),
    ...op.get(M), // pmin's first operand
    ...op.get(M), // the shuffle's two
    ...op.get(M),
    ...op.i8x16Shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]),
    ...op.f64x2Pmin,
    ...op.set(M),
  ];
  // Lanes equal to the minimum, narrowed to bytes: centroid c sets bits 2c and 2c+1 of a 32-bit
  // mask, whose lowest set bit is the lowest index at the minimum (ties go low, as in JS).
  const eq = (k: number) => [...dist(k), ...op.get(M), ...op.f64x2Eq];
  const quarter = (k: number) => [...eq(k), ...eq(k + 1), ...op.i16x8NarrowI32x4S];
  const half = (k: number) => [...quarter(k), ...quarter(k + 2), ...op.i8x16NarrowI16x8S, ...op.i8x16Bitmask];
  const code = [...half(0), ...half(4), ...op.i32(16), ...op.i32Shl, ...op.i32Or, ...op.i32Ctz, ...op.i32(1), ...op.i32ShrU];
  const pair = [...distances, ...minimum, ...op.get(OUT), ...code, ...op.i32Store8(0), ...inc(OUT, op.i32(1))];
  const body = [
    ...op.block,
    ...op.loop, // for i in 0..n
    ...op.get(I),
    ...op.get(N),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.get(XS),
    ...op.set(P),
    ...op.get(CENTS),
    ...op.set(C),
    ...op.i32(0),
    ...op.set(J),
    ...op.block,
    ...op.loop, // for j in 0..full
    ...op.get(J),
    ...op.get(FULL),
    ...op.i32GeU,
    ...op.brIf(1),
    ...splatF32(0),
    ...op.set(X0),
    ...splatF32(4),
    ...op.set(X1),
    ...pair,
    ...inc(P, op.i32(PAIR * 4)),
    ...inc(C, op.i32(PAIR_BYTES)),
    ...inc(J, op.i32(1)),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // An odd d's last pair: its second coordinate is 0 (read from the row, it would be the next row's first).
    ...op.get(ODD),
    ...op.if,
    ...splatF32(0),
    ...op.set(X0),
    ...op.v128Zero,
    ...op.set(X1),
    ...pair,
    ...op.end,
    ...inc(XS, op.get(ROWB)),
    ...inc(I, op.i32(1)),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const locals = [2, 4, I32, 13, V128];
  return wasmModule([I32, I32, I32, I32, I32, I32, I32], [...locals, ...body], 'encode');
}

interface EncodeExports {
  memory: WasmMemory;
  encode(xs: number, n: number, rowBytes: number, full: number, odd: number, cents: number, out: number): void;
}

/**
 * The SIMD encoder. The codebook is copied into its memory as f64 by {@link setCentroids}; rows
 * are copied in about {@link CHUNK_BYTES} at a time, so that memory stays small however large
 * the batch.
 */
export class WasmPq4Encoder implements Pq4EncodeKernel {
  readonly name = 'wasm-simd' as const;
  private readonly exports: EncodeExports;
  private d = 0;
  private floats = new Float32Array(0);
  private bytes = new Uint8Array(0);

  constructor(wasm: WasmApi, module: object) {
    this.exports = new wasm.Instance(module).exports as EncodeExports;
  }

  get scratchBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  setCentroids(centroids: Float32Array, d: number): void {
    const nSub = Math.ceil(d / PAIR);
    ensureBytes(this.exports.memory, nSub * PAIR_BYTES);
    const heap = new Float64Array(this.exports.memory.buffer, 0, nSub * CODES * PAIR);
    for (let j = 0; j < nSub; j++) {
      for (let c = 0; c < CODES; c++) {
        const at = (j * CODES + c) * PAIR;
        heap[j * CODES * PAIR + c] = centroids[at]!;
        heap[j * CODES * PAIR + CODES + c] = centroids[at + 1]!;
      }
    }
    this.d = d;
  }

  encode(rows: Float32Array, offset: number, n: number, codes: Uint8Array): void {
    const { d } = this;
    if (d === 0) throw new Error('WasmPq4Encoder.encode: setCentroids was not called');
    const nSub = Math.ceil(d / PAIR);
    const chunk = Math.max(1, Math.floor(CHUNK_BYTES / (d * 4)));
    const xsPtr = align16(nSub * PAIR_BYTES);
    const outPtr = align16(xsPtr + Math.min(n, chunk) * d * 4);
    const { memory } = this.exports;
    ensureBytes(memory, outPtr + Math.min(n, chunk) * nSub);
    // Views of the current buffer (a growth detaches the old one), kept between calls, and copies
    // element by element: an add encodes its rows one call each, and must not allocate per row.
    if (this.bytes.buffer !== memory.buffer) {
      this.floats = new Float32Array(memory.buffer);
      this.bytes = new Uint8Array(memory.buffer);
    }
    const { floats, bytes } = this;
    const xs = xsPtr >> 2;
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      const from = offset + start * d;
      for (let i = 0; i < count * d; i++) floats[xs + i] = rows[from + i]!;
      this.exports.encode(xsPtr, count, d * 4, d >> 1, d & 1, 0, outPtr);
      const to = start * nSub;
      for (let i = 0; i < count * nSub; i++) codes[to + i] = bytes[outPtr + i]!;
    }
  }
}

let compiled: object | null | undefined;

/**
 * The fastest pq4 encoder this runtime supports: WebAssembly SIMD where it exists (Node >= 16.4,
 * current browsers), else the JS reference. Call {@link Pq4EncodeKernel.setCentroids} before
 * encoding.
 */
export function createPq4Encoder(): Pq4EncodeKernel {
  compiled ??= compileIfSupported(assemble());
  return wasmApi && compiled ? new WasmPq4Encoder(wasmApi, compiled) : new JsPq4Encoder();
}
