/**
 * Just enough of the WebAssembly binary format to write the SIMD kernels of this package from
 * their opcodes (no toolchain, no binary file in the repo): LEB128 numbers, the instructions the
 * kernels use, and a module of one exported function and one exported memory.
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** The instructions the kernels use. SIMD ones: prefix 0xfd, then the opcode as LEB128 (memory ops take align, offset). */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (l: number) => [0x20, ...uleb(l)],
  set: (l: number) => [0x21, ...uleb(l)],
  i32: (v: number) => [0x41, ...sleb(v)],
  f32: (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32GeU: [0x4f],
  i32Store: (offset: number) => [0x36, 2, ...uleb(offset)],
  f32Load: (offset: number) => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset: number) => [0x38, 2, ...uleb(offset)],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Gt: [0x5e],
  v128Load: (offset: number) => [0xfd, 0x00, 0, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, 0x0b, 0, ...uleb(offset)],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  swizzle: [0xfd, 0x0e],
  i8x16Splat: [0xfd, 0x0f],
  i16x8Splat: [0xfd, 0x10],
  i16x8GeU: [0xfd, 0x36],
  i16x8Bitmask: [0xfd, ...uleb(0x84)],
  f32x4ExtractLane: (lane: number) => [0xfd, 0x1f, lane],
  and: [0xfd, 0x4e],
  i8x16ShrU: [0xfd, 0x6d],
  i16x8ExtendLowU: [0xfd, ...uleb(0x89)],
  i16x8ExtendHighU: [0xfd, ...uleb(0x8a)],
  i16x8Add: [0xfd, ...uleb(0x8e)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
  tee: (l: number) => [0x22, ...uleb(l)],
  i32Or: [0x72],
  i32Shl: [0x74],
  i32ShrU: [0x76],
  i32Ctz: [0x68],
  i32Store8: (offset: number) => [0x3a, 0, ...uleb(offset)],
  f64PromoteF32: [0xbb],
  /** Lanes: 16 byte indices into the two operands' 32 bytes. */
  i8x16Shuffle: (lanes: readonly number[]) => [0xfd, 0x0d, ...lanes],
  f64x2Splat: [0xfd, 0x14],
  f64x2Eq: [0xfd, 0x47],
  i8x16Bitmask: [0xfd, ...uleb(0x64)],
  i8x16NarrowI16x8S: [0xfd, ...uleb(0x65)],
  i16x8NarrowI32x4S: [0xfd, ...uleb(0x85)],
  f64x2Add: [0xfd, ...uleb(0xf0)],
  f64x2Sub: [0xfd, ...uleb(0xf1)],
  f64x2Mul: [0xfd, ...uleb(0xf2)],
  /** `b < a ? b : a`: one instruction where `f64x2.min`'s NaN and -0 rules cost several. */
  f64x2Pmin: [0xfd, ...uleb(0xf6)],
  else: [0x05],
  f64Store: (offset: number) => [0x39, 3, ...uleb(offset)],
  f64Add: [0xa0],
  f64Mul: [0xa2],
  f32DemoteF64: [0xb6],
  f64x2ExtractLane: (lane: number) => [0xfd, 0x21, lane],
  /** f64x2 of lanes 0 and 1 of an f32x4. */
  f64x2PromoteLowF32x4: [0xfd, ...uleb(0x5f)],
  /** 8 bytes into the low lane, 0 in the high one. */
  v128Load64Zero: (offset: number) => [0xfd, ...uleb(0x5d), 0, ...uleb(offset)],
  f64Load: (offset: number) => [0x2b, 3, ...uleb(offset)],
  i32GtU: [0x4b],
};

/**
 * A module with one function of type `params -> ()` (`func`: its locals declaration, then its
 * body) exported as `name`, and one memory (one page to start) exported as `memory`.
 */
export function wasmModule(params: readonly number[], func: readonly number[], name: string): Uint8Array {
  const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
  const text = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, params.length, ...params, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...text(name), 0x00, 0, ...text('memory'), 0x02, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}

/** The part of the WebAssembly API used here (typed locally: this package's lib settings do not include it). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

/** The runtime's WebAssembly, when it has one. */
export const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** A compiled module of `bytes`, or null when this runtime cannot run it (no WebAssembly, or no SIMD). */
export function compileIfSupported(bytes: Uint8Array): object | null {
  return wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null;
}

/** The memory a kernel module exports. */
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Grows `memory` to at least `bytes`. */
export function ensureBytes(memory: WasmMemory, bytes: number): void {
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
}

/** `n` rounded up to a multiple of 16 (v128 alignment). */
export function align16(n: number): number {
  return (n + 15) & ~15;
}
