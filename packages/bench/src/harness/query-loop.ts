/**
 * Times single queries one after another on one thread: the latency a
 * caller sees. Sync systems are timed without an extra await.
 */
import { mean, percentile } from '../stats.js';

/** A searcher: top-k base rows for query row q. */
export type SearchFn = (q: number, k: number) => Promise<ArrayLike<number>> | ArrayLike<number>;

/** Latencies and results of one pass over the queries. */
export interface QueryRun {
  /** Results of queries `0 .. queriesRun-1`. */
  results: ArrayLike<number>[];
  latenciesMs: Float64Array;
  queriesRun: number;
  /** True when the time budget stopped the pass before every query ran. */
  budgetHit: boolean;
}

/** How a pass runs. */
export interface QueryLoopOptions {
  /** Untimed queries first, to warm caches and JIT. */
  warmup: number;
  /** Stop once this much time has been spent on timed queries... */
  budgetMs: number;
  /** ...but not before this many queries ran. */
  minQueries: number;
  onProgress?: (done: number, total: number) => void;
}

export async function runQueries(search: SearchFn, nq: number, k: number, opts: QueryLoopOptions): Promise<QueryRun> {
  for (let q = 0; q < Math.min(opts.warmup, nq); q++) {
    const r = search(q, k);
    if (r instanceof Promise) await r;
  }
  const results: ArrayLike<number>[] = [];
  const latencies = new Float64Array(nq);
  let spent = 0;
  let q = 0;
  for (; q < nq; q++) {
    if (spent > opts.budgetMs && q >= opts.minQueries) break;
    const t0 = performance.now();
    const r = search(q, k);
    const ids = r instanceof Promise ? await r : r;
    const dt = performance.now() - t0;
    latencies[q] = dt;
    spent += dt;
    results.push(ids);
    if (opts.onProgress && (q % 50 === 49 || q === nq - 1)) opts.onProgress(q + 1, nq);
  }
  return { results, latenciesMs: latencies.slice(0, q), queriesRun: q, budgetHit: q < nq };
}

/** Latency summary in milliseconds. */
export interface LatencySummary {
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
}

export function summarizeLatency(latenciesMs: ArrayLike<number>): LatencySummary {
  return { p50Ms: percentile(latenciesMs, 50), p95Ms: percentile(latenciesMs, 95), meanMs: mean(latenciesMs) };
}
