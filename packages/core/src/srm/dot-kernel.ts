/**
 * One query scored against many float32 rows: the dot products of `Float32Codec`'s scorer and of
 * `Codebook.probe`. They are most of a query's time on a memory before its first fit (one flat
 * list of rows), so a batch is scored by a small WebAssembly SIMD module (assembled from its
 * opcodes, see wasm-assembly.ts), with `dot` of util/vector-math as the reference and the
 * fallback.
 *
 * The kernel gives `dot`'s scores bit for bit, so that no answer or score changes with it: `dot`
 * keeps four partial sums in doubles (s0 takes j = 0 mod 4, ... up to d rounded down to a multiple
 * of 4, then the tail goes into s0 one by one) and returns `s0 + s1 + s2 + s3`. The kernel keeps
 * the same sums as two f64x2 accumulators, (s0, s1) and (s2, s3), of float32 inputs promoted to
 * f64 as JS does when it reads a Float32Array (the query once per call, as it is copied in; the
 * rows two floats at a time); the product of two float32 values is exact in f64, and a multiply
 * then an add (never fused) rounds as JS does. The tail and the final sum are scalar f64
 * operations in `dot`'s order. A score stored into a Float32Array is rounded from that double by
 * `f32.demote_f64`, which rounds as a JS store into a Float32Array does (to nearest, ties to even;
 * the tests check the halfway cases), and {@link DotKernel.scores64} gives the doubles
 * themselves, as `dot` returns them (`Codebook.probe` subtracts from the double).
 *
 * Each pass scores four rows side by side: a row's additions form one chain of dependent
 * operations, and four independent chains keep the CPU busy while each waits on its last add.
 */
import { dot } from '../util/vector-math.js';
import { align16, compileIfSupported, ensureBytes, F64, I32, op, V128, wasmApi, wasmModule, type WasmApi, type WasmMemory } from './wasm-assembly.js';

/** Row bytes copied into the kernel's memory per call: bounds that memory whatever the batch. */
export const CHUNK_BYTES = 1 << 16;

/**
 * Rows of at least this many floats are copied into the kernel's memory by one `set` of a
 * `subarray` (one small allocation per chunk), fewer element by element, which costs less for
 * them: the two cost about the same at 50 to 100 floats. Element by element, a large copy would
 * cost about as much as `dot` itself.
 */
const SET_MIN_FLOATS = 64;

/** Scores one query against consecutive rows, exactly as `dot` does. */
export interface DotKernel {
  readonly name: 'wasm-simd' | 'js';
  /** Bytes the kernel holds between calls (the SIMD kernel's memory). */
  readonly scratchBytes: number;
  /**
   * `out[outOff + i] = dot(q, 0, rows, rowsOff + i * d, d)` for `i < n`: `rows` holds `n` rows of
   * `d` float32 values from `rowsOff` floats on. Each score is rounded to float32 as it is stored.
   */
  scores(q: Float32Array, d: number, rows: Float32Array, rowsOff: number, n: number, out: Float32Array, outOff: number): void;
  /** As {@link scores}, into a Float64Array: the doubles `dot` returns, unrounded. */
  scores64(q: Float32Array, d: number, rows: Float32Array, rowsOff: number, n: number, out: Float64Array, outOff: number): void;
}

/** The reference in plain JS, `dot` row by row; the SIMD kernel must give the same scores. */
export class JsDot implements DotKernel {
  readonly name = 'js' as const;
  readonly scratchBytes = 0;

  scores(q: Float32Array, d: number, rows: Float32Array, rowsOff: number, n: number, out: Float32Array, outOff: number): void {
    for (let i = 0; i < n; i++) out[outOff + i] = dot(q, 0, rows, rowsOff + i * d, d);
  }

  scores64(q: Float32Array, d: number, rows: Float32Array, rowsOff: number, n: number, out: Float64Array, outOff: number): void {
    for (let i = 0; i < n; i++) out[outOff + i] = dot(q, 0, rows, rowsOff + i * d, d);
  }
}

/** Rows the kernel scores side by side (then the last n mod 4 one by one). */
const ROWS_PER_PASS = 4;

/**
 * The module: exports `memory` and `dots(q, rows, n, vecs, tail, rowBytes, out, wide)` (pointers
 * into memory). `q` holds the query's d values as f64 (promoted from float32, as JS reads them);
 * `rows` holds `n` rows of d = `4 * vecs + tail` float32 values, `rowBytes` apart. One score per
 * row goes to `out`, as f64 when `wide` is 1, else demoted to f32.
 */
function assemble(): Uint8Array {
  const [Q, ROWS, N, VECS, TAIL, ROWB, OUT, WIDE] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [I, J, QP, ROW] = [8, 9, 10, 11];
  const R = ROWS_PER_PASS;
  const P = Array.from({ length: R }, (_, k) => 12 + k);
  const X = 12 + R;
  const S = Array.from({ length: R }, (_, k) => 13 + R + k);
  const [QLO, QHI] = [13 + 2 * R, 14 + 2 * R];
  const A = Array.from({ length: R }, (_, k) => 15 + 2 * R + k);
  const B = Array.from({ length: R }, (_, k) => 15 + 3 * R + k);
  const inc = (local: number, by: number[]) => [...op.get(local), ...by, ...op.i32Add, ...op.set(local)];
  const lane = (v: number, k: number) => [...op.get(v), ...op.f64x2ExtractLane(k)];
  // acc += q pair * promote(row pair): (s0, s1) from floats 0 and 1 of four, (s2, s3) from 2 and 3.
  const addProducts = (acc: number, q: number, p: number, offset: number) => [
    ...op.get(acc),
    ...op.get(q),
    ...op.get(p),
    ...op.v128Load64Zero(offset),
    ...op.f64x2PromoteLowF32x4,
    ...op.f64x2Mul,
    ...op.f64x2Add,
    ...op.set(acc),
  ];
  /** Scores `r` rows at a time, from row I on, while `r` rows are left. */
  const pass = (r: number) => {
    const ks = Array.from({ length: r }, (_, k) => k);
    return [
      ...op.block,
      ...op.loop, // for i in 0..n step r, while i + r <= n
      ...op.get(I),
      ...op.i32(r),
      ...op.i32Add,
      ...op.get(N),
      ...op.i32GtU,
      ...op.brIf(1),
      ...ks.flatMap((k) => [...op.v128Zero, ...op.set(A[k]!), ...op.v128Zero, ...op.set(B[k]!)]),
      ...op.get(ROW),
      ...op.set(P[0]!),
      ...ks.slice(1).flatMap((k) => [...op.get(P[k - 1]!), ...op.get(ROWB), ...op.i32Add, ...op.set(P[k]!)]),
      ...op.get(Q),
      ...op.set(QP),
      ...op.i32(0),
      ...op.set(J),
      ...op.block,
      ...op.loop, // for j in 0..vecs: four floats of each row
      ...op.get(J),
      ...op.get(VECS),
      ...op.i32GeU,
      ...op.brIf(1),
      ...op.get(QP),
      ...op.v128Load(0),
      ...op.set(QLO),
      ...op.get(QP),
      ...op.v128Load(16),
      ...op.set(QHI),
      ...ks.flatMap((k) => [...addProducts(A[k]!, QLO, P[k]!, 0), ...addProducts(B[k]!, QHI, P[k]!, 8), ...inc(P[k]!, op.i32(16))]),
      ...inc(QP, op.i32(32)),
      ...inc(J, op.i32(1)),
      ...op.br(0),
      ...op.end,
      ...op.end,
      // The tail goes into s0, one float at a time, in order.
      ...ks.flatMap((k) => [...lane(A[k]!, 0), ...op.set(S[k]!)]),
      ...op.i32(0),
      ...op.set(J),
      ...op.block,
      ...op.loop, // for j in 0..tail
      ...op.get(J),
      ...op.get(TAIL),
      ...op.i32GeU,
      ...op.brIf(1),
      ...op.get(QP),
      ...op.f64Load(0),
      ...op.set(X),
      ...ks.flatMap((k) => [
        ...op.get(S[k]!),
        ...op.get(X),
        ...op.get(P[k]!),
        ...op.f32Load(0),
        ...op.f64PromoteF32,
        ...op.f64Mul,
        ...op.f64Add,
        ...op.set(S[k]!),
        ...inc(P[k]!, op.i32(4)),
      ]),
      ...inc(QP, op.i32(8)),
      ...inc(J, op.i32(1)),
      ...op.br(0),
      ...op.end,
      ...op.end,
      // ((s0 + s1) + s2) + s3.
      ...ks.flatMap((k) => [
        ...op.get(S[k]!),
        ...lane(A[k]!, 1),
        ...op.f64Add,
        ...lane(B[k]!, 0),
        ...op.f64Add,
        ...lane(B[k]!, 1),
        ...op.f64Add,
        ...op.set(S[k]!),
      ]),
      ...op.get(WIDE),
      ...op.if,
      ...ks.flatMap((k) => [...op.get(OUT), ...op.get(S[k]!), ...op.f64Store(8 * k)]),
      ...inc(OUT, op.i32(8 * r)),
      ...op.else,
      ...ks.flatMap((k) => [...op.get(OUT), ...op.get(S[k]!), ...op.f32DemoteF64, ...op.f32Store(4 * k)]),
      ...inc(OUT, op.i32(4 * r)),
      ...op.end,
      // The last row's pointer has walked that row: it is at the first of the next pass.
      ...op.get(P[r - 1]!),
      ...op.set(ROW),
      ...inc(I, op.i32(r)),
      ...op.br(0),
      ...op.end,
      ...op.end,
    ];
  };
  // Passes of R rows, then the last n mod R one by one.
  const body = [...op.get(ROWS), ...op.set(ROW), ...pass(R), ...pass(1), ...op.end];
  const locals = [3, 4 + R, I32, 1 + R, F64, 2 + 2 * R, V128];
  return wasmModule([I32, I32, I32, I32, I32, I32, I32, I32], [...locals, ...body], 'dots');
}

interface DotExports {
  memory: WasmMemory;
  dots(q: number, rows: number, n: number, vecs: number, tail: number, rowBytes: number, out: number, wide: number): void;
}

/**
 * The SIMD kernel. The query is copied into its memory once per call and the rows about
 * {@link CHUNK_BYTES} at a time, so that memory stays small however many rows a call scores.
 */
export class WasmDot implements DotKernel {
  readonly name = 'wasm-simd' as const;
  private readonly exports: DotExports;
  private floats = new Float32Array(0);
  private doubles = new Float64Array(0);

  constructor(wasm: WasmApi, module: object) {
    this.exports = new wasm.Instance(module).exports as DotExports;
  }

  get scratchBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  scores(q: Float32Array, d: number, rows: Float32Array, rowsOff: number, n: number, out: Float32Array, outOff: number): void {
    this.score(q, d, rows, rowsOff, n, out, null, outOff);
  }

  scores64(q: Float32Array, d: number, rows: Float32Array, rowsOff: number, n: number, out: Float64Array, outOff: number): void {
    this.score(q, d, rows, rowsOff, n, null, out, outOff);
  }

  /** Scores into `out32`, or into `out64` when it is given. */
  private score(
    q: Float32Array,
    d: number,
    rows: Float32Array,
    rowsOff: number,
    n: number,
    out32: Float32Array | null,
    out64: Float64Array | null,
    outOff: number,
  ): void {
    if (n <= 0) return;
    const chunk = Math.max(1, Math.floor(CHUNK_BYTES / (4 * Math.max(d, 1))));
    const rowsPtr = align16(8 * d);
    const outPtr = align16(rowsPtr + Math.min(n, chunk) * 4 * d);
    const need = outPtr + Math.min(n, chunk) * 8;
    // Views of the memory's buffer, kept between calls and made again when this kernel grows the
    // memory (a growth detaches the buffer; nothing else grows it). `memory.buffer` itself is not
    // read per call: it costs about as much as scoring a row.
    if (need > this.floats.byteLength) {
      const { memory } = this.exports;
      ensureBytes(memory, need);
      this.floats = new Float32Array(memory.buffer);
      this.doubles = new Float64Array(memory.buffer);
    }
    const { floats, doubles } = this;
    // The query as f64: a `set` of the whole array converts it several times faster than a loop.
    if (q.length === d) doubles.set(q);
    else for (let j = 0; j < d; j++) doubles[j] = q[j]!;
    const xs = rowsPtr >> 2;
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      const from = rowsOff + start * d;
      // See SET_MIN_FLOATS.
      if (count * d < SET_MIN_FLOATS) for (let i = 0; i < count * d; i++) floats[xs + i] = rows[from + i]!;
      else floats.set(rows.subarray(from, from + count * d), xs);
      this.exports.dots(0, rowsPtr, count, d >> 2, d & 3, 4 * d, outPtr, out64 ? 1 : 0);
      const to = outOff + start;
      if (out64) for (let i = 0; i < count; i++) out64[to + i] = doubles[(outPtr >> 3) + i]!;
      else for (let i = 0; i < count; i++) out32![to + i] = floats[(outPtr >> 2) + i]!;
    }
  }
}

let compiled: object | null | undefined;

/**
 * The fastest dot kernel this runtime supports: WebAssembly SIMD where it exists (Node >= 16.4,
 * current browsers), else the JS reference. Each call makes a kernel of its own (its own memory).
 */
export function createDot(): DotKernel {
  compiled ??= compileIfSupported(assemble());
  return wasmApi && compiled ? new WasmDot(wasmApi, compiled) : new JsDot();
}
