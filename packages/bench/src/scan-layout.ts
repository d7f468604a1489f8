/**
 * What one candidate costs to score, at the same M bytes per item:
 *
 * - PQ (M one-byte codes per item, summed from an M x 256 lookup table, the
 *   loop of `PqCodec.scoreRows`) over rows gathered by slot from one array of
 *   every item's row (the old layout) and read front to back from the probed
 *   buckets' own row blocks (the current one);
 * - sq4 (2M four-bit codes per item, 32 items interleaved per block, a 16-entry
 *   uint8 table per code), summed by the JS reference loop and by the
 *   WebAssembly SIMD kernel that `Sq4Codec.scoreRows` uses, copy into the
 *   kernel's memory and conversion of the sums to scores included.
 *
 * Synthetic codes and tables, fixed seed: the layout and the kernel, not the
 * data, are measured. The kernel is imported from core's source: it is not
 * public API.
 *
 *   npx tsx packages/bench/src/scan-layout.ts
 *   npx tsx packages/bench/src/scan-layout.ts --items 340000 --candidates 48000 --subvectors 50
 *
 * Writes docs/benchmarks/scan-layout.json and docs/benchmarks/scan-layout.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '@srm/core/datasets';
import { defaultOutDir } from './data/paths.js';
import { runInfo } from './report/env.js';
import { fixed, markdownTable } from './report/format.js';
import { median } from './stats.js';
import { BLOCK_ITEMS, JsFastScan, createFastScan, type FastScanKernel } from '../../core/src/srm/fast-scan.js';

const COMMAND = 'npx tsx packages/bench/src/scan-layout.ts';

/** Sum of row `base`'s M table entries, with two accumulators as `PqCodec.scoreRows` does. */
function rowScore(codes: Uint8Array, base: number, M: number, lut: Float32Array): number {
  const even = M & ~1;
  let s0 = 0;
  let s1 = 0;
  for (let m = 0; m < even; m += 2) {
    s0 += lut[(m << 8) + codes[base + m]!]!;
    s1 += lut[((m + 1) << 8) + codes[base + m + 1]!]!;
  }
  if (even < M) s0 += lut[(even << 8) + codes[base + even]!]!;
  return s0 + s1;
}

/** The old layout: candidate i's row is at `slots[i] * M` of the array of every item's row. */
function scanGathered(all: Uint8Array, slots: Uint32Array, M: number, lut: Float32Array, out: Float32Array): void {
  for (let i = 0; i < slots.length; i++) out[i] = rowScore(all, slots[i]! * M, M, lut);
}

/** The current layout: candidate i's row is the i-th of its bucket's row block. */
function scanContiguous(block: Uint8Array, count: number, M: number, lut: Float32Array, out: Float32Array): void {
  for (let i = 0; i < count; i++) out[i] = rowScore(block, i * M, M, lut);
}

/** Scores `count` items of `codes` (sq4 block layout, `nSub` codes each) as `Sq4Codec.scoreRows` does. */
function scanFast(kernel: FastScanKernel, codes: Uint8Array, count: number, nSub: number, table: Uint8Array, sums: Uint32Array, out: Float32Array): void {
  kernel.scan(codes, Math.ceil(count / BLOCK_ITEMS), nSub, table, sums);
  for (let i = 0; i < count; i++) out[i] = 0.5 + sums[i]! * 0.01;
}

/** Median milliseconds of `repeats` runs of `fn`, after `repeats / 5` warm-up runs. */
function timeMedian(fn: () => void, repeats: number): number {
  for (let i = 0; i < Math.max(1, repeats / 5); i++) fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '340000' },
      candidates: { type: 'string', default: '45000' },
      subvectors: { type: 'string', default: '50' },
      repeats: { type: 'string', default: '50' },
      seed: { type: 'string', default: '20240611' },
      out: { type: 'string', default: defaultOutDir() },
    },
  });
  const n = Number(values.items);
  const C = Number(values.candidates);
  const M = Number(values.subvectors);
  const repeats = Number(values.repeats);
  const rng = new Rng(Number(values.seed));
  const all = Uint8Array.from({ length: n * M }, () => rng.int(256));
  const lut = Float32Array.from({ length: M * 256 }, () => rng.next());
  // The candidates: C distinct random items, in ascending slot order (a bucket list appends
  // items as they arrive, and new items take ever higher slots), which favours the old layout.
  const slots = Uint32Array.from(rng.sample(n, C)).sort();
  // The same rows copied into one block, as a bucket list holds them.
  const block = new Uint8Array(C * M);
  slots.forEach((s, i) => block.set(all.subarray(s * M, (s + 1) * M), i * M));
  const outA = new Float32Array(C);
  const outB = new Float32Array(C);
  const gatheredMs = timeMedian(() => scanGathered(all, slots, M, lut, outA), repeats);
  const contiguousMs = timeMedian(() => scanContiguous(block, C, M, lut, outB), repeats);
  if (outA.some((v, i) => v !== outB[i])) throw new Error('the two layouts scored differently');
  // sq4 at the same bytes per item: 2M nibbles, in blocks of 32 items.
  const nSub = 2 * M;
  const blocks = Math.ceil(C / BLOCK_ITEMS);
  const codes = Uint8Array.from({ length: blocks * nSub * 16 }, () => rng.int(256));
  const nibbleTable = Uint8Array.from({ length: nSub * 16 }, () => rng.int(256));
  const sums = new Uint32Array(blocks * BLOCK_ITEMS);
  const outC = new Float32Array(C);
  const outD = new Float32Array(C);
  const simd = createFastScan();
  const jsNibbleMs = timeMedian(() => scanFast(new JsFastScan(), codes, C, nSub, nibbleTable, sums, outC), repeats);
  const simdMs = timeMedian(() => scanFast(simd, codes, C, nSub, nibbleTable, sums, outD), repeats);
  if (outC.some((v, i) => v !== outD[i])) throw new Error('the SIMD kernel and the JS loop summed differently');
  const rows = [
    { layout: 'PQ, rows gathered by slot', ms: gatheredMs },
    { layout: 'PQ, rows contiguous per bucket', ms: contiguousMs },
    { layout: 'sq4, JS loop', ms: jsNibbleMs },
    { layout: `sq4, ${simd.name} kernel`, ms: simdMs },
  ].map((r) => ({ ...r, nsPerCandidate: (r.ms * 1e6) / C, vsContiguous: r.ms / contiguousMs }));
  const table = markdownTable(
    ['scan', 'median ms', 'ns / candidate', 'x PQ contiguous'],
    rows.map((r) => [r.layout, fixed(r.ms, 3), fixed(r.nsPerCandidate, 1), fixed(r.vsContiguous, 2)]),
  );
  const params = { items: n, candidates: C, subvectors: M, repeats, seed: Number(values.seed) };
  console.log(table);
  mkdirSync(values.out, { recursive: true });
  const run = { ...runInfo('full', process.argv.slice(2)), command: `${COMMAND} ${process.argv.slice(2).join(' ')}`.trim() };
  writeFileSync(join(values.out, 'scan-layout.json'), `${JSON.stringify({ suite: 'scan-layout', run, params, rows }, null, 2)}\n`);
  writeFileSync(
    join(values.out, 'scan-layout.md'),
    `<!-- generated by \`${COMMAND}\`; do not edit -->\n\n# Candidate scan: row layout and kernel\n\nCommand: \`${run.command}\`  \n` +
      `${n.toLocaleString('en-US')} items, ${C.toLocaleString('en-US')} candidates, ${M} bytes per item (PQ: ${M} one-byte codes; sq4: ${nSub} four-bit codes), median of ${repeats} runs, seed ${params.seed}.\n\n${table}\n`,
  );
}

main();
