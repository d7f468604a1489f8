/**
 * The 4-bit "fast scan" kernel: sums, for blocks of 32 items, one 4-bit code
 * per sub-quantizer looked up in a 16-entry uint8 table per sub-quantizer.
 * This is the trick of faiss's PQ fast scan (André et al., "Accelerated
 * nearest neighbor search with quick ADC", 2017): a 16-entry byte table fits
 * in one SIMD register, so `i8x16.swizzle` performs 16 table lookups in one
 * instruction. JS has no SIMD, so the kernel is a small WebAssembly module,
 * assembled below from its opcodes (no toolchain, no binary file in the repo).
 * At 50 bytes per item it scores a candidate in 7.8 ns, copy into its memory
 * included, against 79 ns for the byte-per-lookup PQ scan in JS
 * (`npx tsx packages/core/bench/scan-layout.ts`, docs/benchmarks/scan-layout.md).
 *
 * Block layout (what {@link blockOffset} addresses): a block holds 32 items and
 * `nSub` groups of 16 bytes, one group per sub-quantizer. Byte t of group j
 * holds item t's code in its low nibble and item t+16's code in its high nibble.
 *
 * Table entries are uint8; sums come back as uint32. A one-pass scan also
 * marks, per block, the items whose sum reaches a floor, so that a query's
 * selection visits only them rather than every candidate in JS.
 */

import { align16, compileIfSupported, ensureBytes, I32, op, V128, wasmApi, wasmModule, type WasmApi, type WasmMemory } from './wasm-assembly.js';

/** Items per block. */
export const BLOCK_ITEMS = 32;
/** Sub-quantizers one SIMD pass sums in uint16 without overflow, with entries up to 255: 257 * 255 = 65535. */
export const MAX_SUBS_PER_PASS = 257;
/** Code bytes the SIMD kernel takes per call (at least one block): 1 MiB is ~20k items at d = 100. */
export const CHUNK_BYTES = 1 << 20;

/** Bytes of one block of `nSub` sub-quantizers. */
export function blockBytes(nSub: number): number {
  return nSub * 16;
}

/** Byte offset, within a block run, of the byte that holds item `index`'s code for sub-quantizer `sub`; the code is in the high nibble when `index & 16`. */
export function blockOffset(index: number, sub: number, nSub: number): number {
  return (index >> 5) * nSub * 16 + sub * 16 + (index & 15);
}

/** Items whose sum reaches `limit`, marked per block: bit t of `masks[b]` for item 32b + t. */
export interface ScanMarks {
  limit: number;
  masks: Uint32Array;
}

/**
 * Scores items against a quantized table: `codes` holds `blocks` blocks of
 * `nSub` sub-quantizers, `table` 16 uint8 entries per sub-quantizer, and
 * `out` receives the 32 sums of each block in item order. With `marks`
 * (one pass only: `nSub` ≤ {@link MAX_SUBS_PER_PASS}), each block's items
 * whose sum is at least `marks.limit` are marked too.
 */
export interface FastScanKernel {
  readonly name: 'wasm-simd' | 'js';
  /** Bytes the kernel holds between calls (the SIMD kernel's memory). */
  readonly scratchBytes: number;
  scan(codes: Uint8Array, blocks: number, nSub: number, table: Uint8Array, out: Uint32Array, marks?: ScanMarks): void;
}

function checkMarks(nSub: number, marks: ScanMarks | undefined): void {
  if (marks && nSub > MAX_SUBS_PER_PASS) throw new RangeError(`marks need one pass: ${nSub} sub-quantizers, at most ${MAX_SUBS_PER_PASS}`);
}

/** The reference kernel in plain JS; the SIMD kernel must give the same sums. */
export class JsFastScan implements FastScanKernel {
  readonly name = 'js' as const;
  readonly scratchBytes = 0;
  scan(codes: Uint8Array, blocks: number, nSub: number, table: Uint8Array, out: Uint32Array, marks?: ScanMarks): void {
    checkMarks(nSub, marks);
    for (let b = 0; b < blocks; b++) {
      const base = b * nSub * 16;
      let mask = 0;
      for (let t = 0; t < 16; t++) {
        let lo = 0;
        let hi = 0;
        for (let j = 0; j < nSub; j++) {
          const byte = codes[base + j * 16 + t]!;
          lo += table[j * 16 + (byte & 15)]!;
          hi += table[j * 16 + (byte >> 4)]!;
        }
        out[b * 32 + t] = lo;
        out[b * 32 + 16 + t] = hi;
        if (marks && lo >= marks.limit) mask |= 1 << t;
        if (marks && hi >= marks.limit) mask |= 1 << (16 + t);
      }
      if (marks) marks.masks[b] = mask >>> 0;
    }
  }
}

/**
 * The module: exports `memory` and `scan(codes, blocks, stride, nSub, table, out, limit, marks)`
 * (pointers into memory): the sums of each block at `out`, and at `marks` a uint32 per block
 * whose bit t is set when item t's sum is at least `limit` (uint16).
 */
function assemble(): Uint8Array {
  // Parameters, then locals.
  const [CODES, BLOCKS, STRIDE, NSUB, TABLE, OUT, LIMIT, MARKS] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [B, J, P, T, ROW] = [8, 9, 10, 11, 12];
  const [A0, A1, A2, A3, X, LUT, LO, HI, MASK, FLOOR] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const addInto = (acc: number, extend: number[], src: number) => [...op.get(acc), ...op.get(src), ...extend, ...op.i16x8Add, ...op.set(acc)];
  const inc = (local: number, by: number[]) => [...op.get(local), ...by, ...op.i32Add, ...op.set(local)];
  // The 8 items of `acc` that reach the floor, as bits `shift`..`shift + 7`.
  const marksOf = (acc: number, shift: number) => [
    ...op.get(acc),
    ...op.get(FLOOR),
    ...op.i16x8GeU,
    ...op.i16x8Bitmask,
    ...(shift === 0 ? [] : [...op.i32(shift), ...op.i32Shl, ...op.i32Or]),
  ];
  const body = [
    ...op.i32(15),
    ...op.i8x16Splat,
    ...op.set(MASK),
    ...op.get(LIMIT),
    ...op.i16x8Splat,
    ...op.set(FLOOR),
    ...op.get(CODES),
    ...op.set(ROW),
    ...op.block,
    ...op.loop, // for b in 0..blocks
    ...op.get(B),
    ...op.get(BLOCKS),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.v128Zero,
    ...op.set(A0),
    ...op.v128Zero,
    ...op.set(A1),
    ...op.v128Zero,
    ...op.set(A2),
    ...op.v128Zero,
    ...op.set(A3),
    ...op.get(ROW),
    ...op.set(P),
    ...op.get(TABLE),
    ...op.set(T),
    ...op.i32(0),
    ...op.set(J),
    ...op.block,
    ...op.loop, // for j in 0..nSub
    ...op.get(J),
    ...op.get(NSUB),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.get(P),
    ...op.v128Load(0),
    ...op.set(X),
    ...op.get(T),
    ...op.v128Load(0),
    ...op.set(LUT),
    // Items 0-15 are the low nibbles, items 16-31 the high ones.
    ...op.get(LUT),
    ...op.get(X),
    ...op.get(MASK),
    ...op.and,
    ...op.swizzle,
    ...op.set(LO),
    ...op.get(LUT),
    ...op.get(X),
    ...op.i32(4),
    ...op.i8x16ShrU,
    ...op.swizzle,
    ...op.set(HI),
    // Widen the 16 byte lookups to uint16 and accumulate: A0 items 0-7, A1 8-15, A2 16-23, A3 24-31.
    ...addInto(A0, op.i16x8ExtendLowU, LO),
    ...addInto(A1, op.i16x8ExtendHighU, LO),
    ...addInto(A2, op.i16x8ExtendLowU, HI),
    ...addInto(A3, op.i16x8ExtendHighU, HI),
    ...inc(P, op.i32(16)),
    ...inc(T, op.i32(16)),
    ...inc(J, op.i32(1)),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(OUT),
    ...op.get(A0),
    ...op.v128Store(0),
    ...op.get(OUT),
    ...op.get(A1),
    ...op.v128Store(16),
    ...op.get(OUT),
    ...op.get(A2),
    ...op.v128Store(32),
    ...op.get(OUT),
    ...op.get(A3),
    ...op.v128Store(48),
    ...op.get(MARKS),
    ...marksOf(A0, 0),
    ...marksOf(A1, 8),
    ...marksOf(A2, 16),
    ...marksOf(A3, 24),
    ...op.i32Store(0),
    ...inc(MARKS, op.i32(4)),
    ...inc(OUT, op.i32(64)),
    ...inc(ROW, op.get(STRIDE)),
    ...inc(B, op.i32(1)),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const locals = [2, 5, I32, 10, V128];
  return wasmModule([I32, I32, I32, I32, I32, I32, I32, I32], [...locals, ...body], 'scan');
}

interface ScanExports {
  memory: WasmMemory;
  scan(codes: number, blocks: number, stride: number, nSub: number, table: number, out: number, limit: number, marks: number): void;
}

/**
 * The SIMD kernel. Codes are copied into its memory a chunk of blocks at a
 * time (about {@link CHUNK_BYTES}), so that memory stays small however large a
 * bucket grows. Its uint16 sums are exact while a pass covers at most
 * {@link MAX_SUBS_PER_PASS} sub-quantizers, so longer codes run in several
 * passes whose sums are added here.
 */
export class WasmFastScan implements FastScanKernel {
  readonly name = 'wasm-simd' as const;
  private readonly exports: ScanExports;

  constructor(wasm: WasmApi, module: object) {
    this.exports = new wasm.Instance(module).exports as ScanExports;
  }

  get scratchBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  scan(codes: Uint8Array, blocks: number, nSub: number, table: Uint8Array, out: Uint32Array, marks?: ScanMarks): void {
    checkMarks(nSub, marks);
    const stride = nSub * 16;
    const chunk = Math.max(1, Math.floor(CHUNK_BYTES / stride));
    const tablePtr = 0;
    const codesPtr = align16(stride);
    const outPtr = align16(codesPtr + Math.min(blocks, chunk) * stride);
    const marksPtr = outPtr + Math.min(blocks, chunk) * 64;
    const need = marksPtr + Math.min(blocks, chunk) * 4;
    const { memory } = this.exports;
    ensureBytes(memory, need);
    const heap = new Uint8Array(memory.buffer);
    heap.set(table.subarray(0, stride), tablePtr);
    // A sum is at most 65535 here, so a larger limit marks nothing, as it should.
    const limit = marks ? Math.min(Math.max(marks.limit, 0), 0xffff) : 0;
    const limitMarksNothing = marks !== undefined && marks.limit > 0xffff;
    for (let b0 = 0; b0 < blocks; b0 += chunk) {
      const n = Math.min(chunk, blocks - b0);
      heap.set(codes.subarray(b0 * stride, (b0 + n) * stride), codesPtr);
      const sums = new Uint16Array(memory.buffer, outPtr, n * 32);
      const at = b0 * 32;
      for (let first = 0; first < nSub; first += MAX_SUBS_PER_PASS) {
        const subs = Math.min(MAX_SUBS_PER_PASS, nSub - first);
        this.exports.scan(codesPtr + first * 16, n, stride, subs, tablePtr + first * 16, outPtr, limit, marksPtr);
        if (first === 0) out.set(sums, at);
        else for (let i = 0; i < sums.length; i++) out[at + i] = out[at + i]! + sums[i]!;
      }
      if (!marks) continue;
      if (limitMarksNothing) marks.masks.fill(0, b0, b0 + n);
      else marks.masks.set(new Uint32Array(memory.buffer, marksPtr, n), b0);
    }
  }
}

let compiled: object | null | undefined;

/**
 * The fastest kernel this runtime supports: WebAssembly SIMD where it exists
 * (Node >= 16.4, current browsers), else the JS reference.
 */
export function createFastScan(): FastScanKernel {
  if (compiled === undefined) {
    const bytes = assemble();
    compiled = compileIfSupported(bytes);
  }
  return wasmApi && compiled ? new WasmFastScan(wasmApi, compiled) : new JsFastScan();
}
