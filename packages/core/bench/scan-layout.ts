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
 * data, are measured. The kernel is not public API, so this benchmark lives in
 * core (outside src/, not shipped) instead of packages/bench, which imports only
 * published entry points.
 *
 *   npx tsx packages/core/bench/scan-layout.ts
 *   npx tsx packages/core/bench/scan-layout.ts --items 340000 --candidates 48000 --subvectors 50
 *
 * Writes docs/benchmarks/scan-layout.json and docs/benchmarks/scan-layout.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BLOCK_ITEMS, JsFastScan, createFastScan, type FastScanKernel } from '../src/srm/fast-scan.js';
import { Rng } from '../src/util/rng.js';

const COMMAND = 'npx tsx packages/core/bench/scan-layout.ts';

/** The facts about the machine and checkout that packages/bench's result files carry too. */
function runInfo(argv: readonly string[]) {
  let gitCommit: string | null = null;
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  const cpuList = cpus();
  return {
    date: new Date().toISOString(),
    command: `${COMMAND} ${argv.join(' ')}`.trim(),
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpu: cpuList[0]?.model ?? 'unknown',
    cores: cpuList.length,
    gitCommit,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

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
      out: { type: 'string', default: fileURLToPath(new URL('../../../docs/benchmarks/', import.meta.url)) },
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
    rows.map((r) => [r.layout, r.ms.toFixed(3), r.nsPerCandidate.toFixed(1), r.vsContiguous.toFixed(2)]),
  );
  const params = { items: n, candidates: C, subvectors: M, repeats, seed: Number(values.seed) };
  console.log(table);
  mkdirSync(values.out, { recursive: true });
  const run = runInfo(process.argv.slice(2));
  writeFileSync(join(values.out, 'scan-layout.json'), `${JSON.stringify({ suite: 'scan-layout', run, params, rows }, null, 2)}\n`);
  writeFileSync(
    join(values.out, 'scan-layout.md'),
    `<!-- generated by \`${COMMAND}\`; do not edit -->\n\n# Candidate scan: row layout and kernel\n\nCommand: \`${run.command}\`  \n` +
      `${n.toLocaleString('en-US')} items, ${C.toLocaleString('en-US')} candidates, ${M} bytes per item (PQ: ${M} one-byte codes; sq4: ${nSub} four-bit codes), median of ${repeats} runs, seed ${params.seed}.\n\n${table}\n`,
  );
}

main();
