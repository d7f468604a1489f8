/**
 * Why SRM keeps each bucket's rerank rows contiguous: the same PQ candidate
 * scan (M one-byte codes per item, summed from an M x 256 lookup table, the
 * loop of `PqCodec.scoreRows`) over candidates whose rows are
 *
 * - gathered by slot from one array of every item's row (the old layout), and
 * - read front to back from the probed buckets' own row blocks (the current one).
 *
 * Synthetic codes and table, fixed seed: the layout, not the data, is measured.
 *
 *   npx tsx packages/bench/src/scan-layout.ts
 *   npx tsx packages/bench/src/scan-layout.ts --items 340000 --candidates 48000 --subvectors 50
 *
 * Writes docs/benchmarks/scan-layout.json and docs/benchmarks/scan-layout.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '@srm/core';
import { defaultOutDir } from './data/paths.js';
import { runInfo } from './report/env.js';
import { fixed, markdownTable } from './report/format.js';
import { median } from './stats.js';

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
  const rows = [
    { layout: 'rows gathered by slot', ms: gatheredMs },
    { layout: 'rows contiguous per bucket', ms: contiguousMs },
  ].map((r) => ({ ...r, nsPerCandidate: (r.ms * 1e6) / C, vsContiguous: r.ms / contiguousMs }));
  const table = markdownTable(
    ['layout', 'median ms', 'ns / candidate', 'x contiguous'],
    rows.map((r) => [r.layout, fixed(r.ms, 3), fixed(r.nsPerCandidate, 1), fixed(r.vsContiguous, 2)]),
  );
  const params = { items: n, candidates: C, subvectors: M, repeats, seed: Number(values.seed) };
  console.log(table);
  mkdirSync(values.out, { recursive: true });
  const run = { ...runInfo('full', process.argv.slice(2)), command: `${COMMAND} ${process.argv.slice(2).join(' ')}`.trim() };
  writeFileSync(join(values.out, 'scan-layout.json'), `${JSON.stringify({ suite: 'scan-layout', run, params, rows }, null, 2)}\n`);
  writeFileSync(
    join(values.out, 'scan-layout.md'),
    `<!-- generated by \`${COMMAND}\`; do not edit -->\n\n# PQ candidate scan: row layout\n\nCommand: \`${run.command}\`  \n` +
      `${n.toLocaleString('en-US')} items, ${C.toLocaleString('en-US')} candidates, ${M} one-byte sub-vectors, median of ${repeats} runs, seed ${params.seed}.\n\n${table}\n`,
  );
}

main();
