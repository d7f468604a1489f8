/**
 * One system on one dataset, run inside a child process: load the data,
 * take the baseline RSS, build, query every sweep point, measure. The parent
 * only ever sees the serializable result.
 */
import type { BenchSize } from '../config.js';
import type { DenseDataset } from '../data/dense-dataset.js';
import { loadFioriDataset } from '../data/fiori.js';
import { loadGloveDataset } from '../data/glove.js';
import { benchCacheDir } from '../data/paths.js';
import { cachedGroundTruth } from '../ground-truth.js';
import { recallAtK } from '../recall.js';
import { createSystem } from '../systems/create.js';
import type { BuildInfo, StepProgress, SystemSpec } from '../systems/types.js';
import { settledRss } from './memory.js';
import type { RestartResult } from './restart-task.js';
import { runQueries, summarizeLatency } from './query-loop.js';

/** The datasets of the dense suite. */
export type DenseDatasetName = 'glove' | 'fiori';

export interface DenseTask {
  kind: 'dense';
  dataset: DenseDatasetName;
  size: BenchSize;
  spec: SystemSpec;
  k: number;
  /** Time budget of timed queries per sweep point. */
  budgetMs: number;
}

/** Recall and latency of one sweep point. */
export interface PointResult {
  label: string;
  params: Record<string, number | undefined>;
  recall: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  queries: number;
}

/** Everything measured for one system. */
export interface DenseSystemResult {
  label: string;
  kind: SystemSpec['kind'];
  spec: SystemSpec;
  dataset: string;
  n: number;
  d: number;
  build: BuildInfo;
  rss: { baselineBytes: number; afterBuildBytes: number; afterQueriesBytes: number; growthBytes: number };
  indexBytes: { bytes: number; what: string } | null;
  points: PointResult[];
  details: Record<string, unknown>;
  /** Where the index was persisted for the restart measurement (the parent deletes it, and this field). */
  persistedDir?: string;
  /** The restart measurement at the headline point (see restart-task.ts), or why it failed. */
  restart?: RestartSummary | { error: string };
}

/** What the dense suite keeps of a restart: open time, RSS, and latency and recall at one point. */
export interface RestartSummary {
  point: string;
  openSeconds: number;
  rss: RestartResult['rss'];
  recall: number;
  p50Ms: number;
  p95Ms: number;
  queries: number;
  /** SRM only: how the open built its routing layer (see restart-task.ts). */
  openedFrom?: unknown;
  /** SRM only: seconds of an open that ignores the routing checkpoint and scans. */
  rebuildOpenSeconds?: number;
}

/** Loads a dense dataset by name (deterministic split). */
export async function loadDenseDataset(name: DenseDatasetName, size: BenchSize): Promise<DenseDataset> {
  return name === 'glove' ? loadGloveDataset(size) : loadFioriDataset();
}

export async function runDenseTask(task: DenseTask, progress: StepProgress): Promise<DenseSystemResult> {
  const data = await loadDenseDataset(task.dataset, task.size);
  const { d, base, queries } = data;
  const n = base.length / d;
  const nq = queries.length / d;
  const gt = cachedGroundTruth(data.name, base, queries, d, task.k, benchCacheDir());
  const baselineBytes = await settledRss();

  const system = await createSystem(task.spec);
  let build: BuildInfo;
  let afterBuildBytes: number;
  let afterQueriesBytes: number;
  let indexBytes: { bytes: number; what: string } | null;
  let details: Record<string, unknown>;
  let persistedDir: string;
  const points: PointResult[] = [];
  try {
    build = await system.build(base, d, progress);
    afterBuildBytes = await settledRss();
    system.prepareQueries(queries, d);
    for (const point of task.spec.sweep) {
      await system.configure(point);
      const run = await runQueries((q, k) => system.search(q, k), nq, task.k, {
        warmup: Math.min(50, nq),
        budgetMs: task.budgetMs,
        minQueries: Math.min(100, nq),
        onProgress: (done, total) => progress(`query ${point.label}`, done, total),
      });
      const recall = recallAtK(run.results, gt, base, queries, d, task.k);
      points.push({ label: point.label, params: point.params, recall: recall.mean, ...summarizeLatency(run.latenciesMs), queries: run.queriesRun });
    }
    afterQueriesBytes = await settledRss();
    indexBytes = await system.indexBytes();
    details = await system.details();
    persistedDir = await system.persist();
  } finally {
    // Also on failure: temporary directories must not pile up.
    await system.close();
  }
  return {
    label: task.spec.label,
    kind: task.spec.kind,
    spec: task.spec,
    dataset: data.name,
    n,
    d,
    build,
    rss: { baselineBytes, afterBuildBytes, afterQueriesBytes, growthBytes: Math.max(afterBuildBytes, afterQueriesBytes) - baselineBytes },
    indexBytes,
    points,
    details,
    persistedDir,
  };
}
