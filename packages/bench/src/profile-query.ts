/**
 * Where a settled SRM query spends its time, on the user's path: default
 * options, GloVe-100 added 10k at a time in the file's order, every refit
 * finished; then a CPU profile (V8's sampling profiler, through the
 * inspector, around the query loop only) of N queries one after another.
 *
 *   npx tsx src/profile-query.ts [--words N] [--queries 2000] [--out file.cpuprofile]
 *
 * Prints p50/p95 without and with the profiler, then the functions with the
 * most self and inclusive time. Not a suite: a diagnostic for issue 20's
 * "fixed cost per query".
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SemanticRoutingMemory } from '@srm/core';
import { loadGloveDataset } from './data/glove.js';
import { summarizeLatency } from './harness/query-loop.js';
import { fixed, markdownTable } from './report/format.js';
import { summarizeProfile, type CpuProfile } from './report/cpu-profile.js';
import { SRM_ADD_BATCH, settle } from './systems/srm.js';
import { splitRows } from './vectors.js';

const { values: args } = parseArgs({
  options: {
    words: { type: 'string' },
    queries: { type: 'string', default: '2000' },
    out: { type: 'string' },
    top: { type: 'string', default: '20' },
  },
});

async function timedLoop(memory: SemanticRoutingMemory, queries: Float32Array[], count: number): Promise<Float64Array> {
  const latencies = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await memory.query(queries[i % queries.length]!, { k: 10 });
    latencies[i] = performance.now() - t0;
  }
  return latencies;
}

async function main(): Promise<void> {
  const data = await loadGloveDataset('full');
  const { d } = data;
  const total = data.base.length / d;
  const n = args.words ? Math.min(Number(args.words), total) : total;
  const count = Number(args.queries);
  const queries = splitRows(data.queries, d);
  const dir = mkdtempSync(join(tmpdir(), 'srm-bench-profile-'));
  const memory = await SemanticRoutingMemory.open({ d, path: dir });
  try {
    const t0 = performance.now();
    for (let start = 0; start < n; start += SRM_ADD_BATCH) {
      const end = Math.min(n, start + SRM_ADD_BATCH);
      await memory.add(data.base.subarray(start * d, end * d), { ids: Array.from({ length: end - start }, (_, i) => String(start + i)) });
    }
    const addSeconds = (performance.now() - t0) / 1000;
    const settleSeconds = await settle(memory);
    const stats = memory.stats();
    process.stdout.write(
      `${n} GloVe words added in ${addSeconds.toFixed(1)} s, settled after ${settleSeconds.toFixed(1)} s more; K=${stats.K} m=${stats.m} rerank=${stats.rerank} fitted=${stats.fitted}\n`,
    );
    await timedLoop(memory, queries, 200);
    const plain = summarizeLatency(await timedLoop(memory, queries, count));
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const profiled = summarizeLatency(await timedLoop(memory, queries, count));
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    if (args.out) writeFileSync(args.out, JSON.stringify(profile));
    process.stdout.write(
      `${count} queries: p50 ${fixed(plain.p50Ms, 3)} ms, p95 ${fixed(plain.p95Ms, 3)} ms, mean ${fixed(plain.meanMs, 3)} ms; ` +
        `under the profiler (100 us sampling): p50 ${fixed(profiled.p50Ms, 3)} ms, mean ${fixed(profiled.meanMs, 3)} ms\n`,
    );
    const summary = summarizeProfile(profile);
    const top = Number(args.top);
    const table = (rows: typeof summary.self) =>
      markdownTable(
        ['function', 'ms', 'share'],
        rows.slice(0, top).map((f) => [f.name, fixed(f.ms, 1), `${(100 * f.share).toFixed(1)}%`]),
      );
    process.stdout.write(
      `\nprofiled ${fixed(summary.totalMs, 0)} ms; self time:\n\n${table(summary.self)}\n\ninclusive time:\n\n${table(summary.inclusive)}\n`,
    );
  } finally {
    await memory.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
