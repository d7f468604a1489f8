/**
 * A restart, in a fresh child process: open an index that a build child
 * persisted, serve the queries at one sweep point, and measure what that
 * costs: time to open, and RSS growth over a baseline taken once the library
 * is loaded and the queries are in memory (nothing of the dataset besides).
 * The result ids go back to the parent, which has the data to score them.
 */
import { readFileSync } from 'node:fs';
import { createSystem } from '../systems/create.js';
import type { StepProgress, SweepPoint, SystemSpec } from '../systems/types.js';
import { settledRss } from './memory.js';
import { runQueries, summarizeLatency, type LatencySummary } from './query-loop.js';

export interface RestartTask {
  kind: 'restart';
  spec: SystemSpec;
  /** What the build child's `persist()` returned. */
  dir: string;
  /** The query matrix, as raw little-endian float32 rows. */
  queriesFile: string;
  d: number;
  k: number;
  point: SweepPoint;
}

export interface RestartResult {
  point: string;
  /** Wall time of `open`, seconds. */
  openSeconds: number;
  rss: { baselineBytes: number; afterOpenBytes: number; afterQueriesBytes: number; growthBytes: number };
  /** Latency over every query, after 50 warm-up queries. */
  latency: LatencySummary;
  /** Top-k base rows of every query, in query order. */
  results: number[][];
  /** SRM only: whether the open read the routing checkpoint or scanned (`stats().openedFrom`). */
  openedFrom?: unknown;
  /** SRM only: seconds of a second open with `rebuild: true` (a scan of every stored vector), after the measurement. */
  rebuildOpenSeconds?: number;
}

export async function runRestartTask(task: RestartTask, progress: StepProgress): Promise<RestartResult> {
  const result = await measureRestart(task, progress);
  if (task.spec.kind !== 'srm') return result;
  // Imported here: only SRM children load @srm/core.
  const { timeRebuildOpen } = await import('../systems/srm.js');
  return { ...result, rebuildOpenSeconds: await timeRebuildOpen(task.dir, task.d) };
}

async function measureRestart(task: RestartTask, progress: StepProgress): Promise<RestartResult> {
  const bytes = readFileSync(task.queriesFile);
  const queries = new Float32Array(new Uint8Array(bytes).buffer);
  const nq = queries.length / task.d;
  const system = await createSystem(task.spec);
  const baselineBytes = await settledRss();
  try {
    const t0 = performance.now();
    await system.open(task.dir, task.d);
    const openSeconds = (performance.now() - t0) / 1000;
    const afterOpenBytes = await settledRss();
    system.prepareQueries(queries, task.d);
    await system.configure(task.point);
    const run = await runQueries((q, k) => system.search(q, k), nq, task.k, {
      warmup: Math.min(50, nq),
      budgetMs: Infinity,
      minQueries: nq,
      onProgress: (done, total) => progress(`restart: query ${task.point.label}`, done, total),
    });
    const afterQueriesBytes = await settledRss();
    const stats = (await system.details()).stats as { openedFrom?: unknown } | undefined;
    return {
      ...(stats?.openedFrom ? { openedFrom: stats.openedFrom } : {}),
      point: task.point.label,
      openSeconds,
      rss: { baselineBytes, afterOpenBytes, afterQueriesBytes, growthBytes: Math.max(afterOpenBytes, afterQueriesBytes) - baselineBytes },
      latency: summarizeLatency(run.latenciesMs),
      results: run.results.map((r) => Array.from(r)),
    };
  } finally {
    await system.close();
  }
}
