/**
 * Query latency while a refit runs, with its training and routing in a worker thread (the
 * default) and in-process on the main thread (`refit({ worker: false })`), on the same memory in
 * the same run. GloVe-100 in the file's (frequency) order, the growth suite's stream, is added in
 * batches of 10k to an embedded memory on disk; background refits are off so that only the refits
 * started here run. Queries run one after another, as the growth suite times them, from the
 * moment a refit starts until it has swapped its layer in; the settled figures are taken with no
 * refit running. Each mode runs `--rounds` times, alternating.
 *
 *   npx tsx packages/bench/src/refit-latency.ts
 *   npx tsx packages/bench/src/refit-latency.ts --items 100000 --rounds 2
 *
 * Prints a table and one JSON line; writes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SemanticRoutingMemory } from '@srm/core';
import { loadGrowthData } from './data/growth.js';
import { fixed, markdownTable } from './report/format.js';
import { percentile } from './stats.js';

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: 'all' },
    rounds: { type: 'string', default: '1' },
    settled: { type: 'string', default: '1000' },
  },
});

const BATCH = 10_000;

interface Pass {
  mode: string;
  queries: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  refitMs: number;
}

function summary(mode: string, latencies: number[], refitMs: number): Pass {
  return {
    mode,
    queries: latencies.length,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
    refitMs,
  };
}

async function main(): Promise<void> {
  const data = await loadGrowthData('file', 'full');
  const { d } = data;
  const total = data.stream.length / d;
  const n = args.items === 'all' ? total : Math.min(total, Number(args.items));
  const nq = data.queries.length / d;
  const query = (i: number) => data.queries.subarray((i % nq) * d, ((i % nq) + 1) * d);
  const dir = mkdtempSync(join(tmpdir(), 'srm-refit-latency-'));
  const memory = await SemanticRoutingMemory.open({ d, path: dir, growthRefitRatio: 0, driftRefitRatio: 0 });
  try {
    const added = performance.now();
    for (let from = 0; from < n; from += BATCH) {
      const to = Math.min(n, from + BATCH);
      await memory.add(data.stream.slice(from * d, to * d), { ids: Array.from({ length: to - from }, (_, i) => String(from + i)) });
    }
    console.error(`added ${n} items in ${((performance.now() - added) / 1000).toFixed(1)} s`);

    const timed = async (i: number) => {
      const t0 = performance.now();
      await memory.query(query(i), { k: 10 });
      return performance.now() - t0;
    };
    const passes: Pass[] = [];
    const settled = async (label: string) => {
      const lat: number[] = [];
      for (let i = 0; i < 100; i++) await timed(i); // warm-up
      for (let i = 0; i < Number(args.settled); i++) lat.push(await timed(i));
      passes.push(summary(label, lat, 0));
    };
    const duringRefit = async (worker: boolean) => {
      const lat: number[] = [];
      let done = false;
      const t0 = performance.now();
      let phase = 'start';
      const phases: string[] = [];
      const onProgress = (e: { phase: string }) => {
        if (e.phase !== phase) phases.push(`${e.phase}@${((performance.now() - t0) / 1000).toFixed(1)}s`);
        phase = e.phase;
      };
      const refit = memory.refit({ worker, onProgress }).finally(() => (done = true));
      const slowest: { ms: number; at: number; phase: string }[] = [];
      for (let i = 0; !done; i++) {
        const at = performance.now() - t0;
        const during = phase;
        const ms = await timed(i);
        lat.push(ms);
        if (ms > 100) slowest.push({ ms, at, phase: during });
      }
      await refit;
      passes.push(summary(worker ? 'during refit, worker thread' : 'during refit, in-process', lat, performance.now() - t0));
      console.error(`${passes.at(-1)!.mode}: ${lat.length} queries, refit ${((performance.now() - t0) / 1000).toFixed(1)} s; phases ${phases.join(' ')}`);
      const worst = slowest.sort((a, b) => b.ms - a.ms).slice(0, 5);
      console.error(
        `  queries over 100 ms: ${slowest.length}; slowest: ${worst.map((w) => `${w.ms.toFixed(0)} ms at ${(w.at / 1000).toFixed(1)} s (${w.phase})`).join(', ')}`,
      );
    };

    await settled('settled, before');
    for (let r = 0; r < Number(args.rounds); r++) {
      await duringRefit(false);
      await duringRefit(true);
    }
    await settled('settled, after');

    const load = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    console.log(
      `GloVe-100 in file order, ${n.toLocaleString('en-US')} items, K=${memory.config.K} m=${memory.config.m} rerank ${memory.config.rerank}; load average ${load}\n`,
    );
    console.log(
      markdownTable(
        ['queries', 'mode', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'p95 / p50', 'refit s'],
        passes.map((p) => [
          p.mode.startsWith('settled') ? 'no refit' : 'refit running',
          p.mode,
          String(p.queries),
          fixed(p.p50Ms, 2),
          fixed(p.p95Ms, 2),
          fixed(p.p99Ms, 2),
          fixed(p.maxMs, 1),
          fixed(p.p95Ms / p.p50Ms, 1),
          p.refitMs ? fixed(p.refitMs / 1000, 1) : '',
        ]),
      ),
    );
    console.log(JSON.stringify({ items: n, load, passes }));
  } finally {
    await memory.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
