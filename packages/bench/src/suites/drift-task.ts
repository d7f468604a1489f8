/**
 * The drift stress test for one strategy, in a child process. The codebook
 * is fitted on phase 0; each later phase is added, then recall@10 of every
 * query seen so far (and of the newest phase alone) is measured against
 * exact search over the items added so far, under a fixed candidate budget.
 * At the end, a sweep of the budget gives recall at equal latency.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SemanticRoutingMemory, type SRMStats } from '@srm/core';
import type { BenchSize } from '../config.js';
import { benchCacheDir } from '../data/paths.js';
import { loadDriftData, type DriftData } from '../data/drift.js';
import { cachedGroundTruth, type GroundTruth } from '../ground-truth.js';
import { runQueries, summarizeLatency } from '../harness/query-loop.js';
import { recallAtK } from '../recall.js';
import { addAll, settle } from '../systems/srm.js';
import type { StepProgress } from '../systems/types.js';
import { mean } from '../stats.js';

export type DriftStrategy = 'static' | 'adaptive' | 'auto-refit' | 'refit-each-phase';

export interface DriftTask {
  kind: 'drift';
  size: BenchSize;
  strategy: DriftStrategy;
  K: number;
  m: number;
  maxCandidates: number;
  /** Budgets of the final equal-latency sweep (probing `sweepM` buckets). */
  sweepBudgets: number[];
  sweepM: number;
}

export interface DriftPhaseResult {
  phase: number;
  items: number;
  queries: number;
  recallAll: number;
  recallNewest: number;
  p50Ms: number;
  p95Ms: number;
  addSeconds: number;
  refitSeconds: number;
  /** True when the fitted quantisation error changed, i.e. a (re)fit happened during this phase. */
  refitted: boolean;
  buckets: SRMStats['buckets'];
  quantizationError: SRMStats['quantizationError'];
}

export interface DriftResult {
  strategy: DriftStrategy;
  options: Record<string, unknown>;
  phases: DriftPhaseResult[];
  finalSweep: { maxCandidates: number; m: number; recall: number; p50Ms: number; p95Ms: number }[];
}

export const DRIFT_K = 10;

/**
 * Strategy to SRM options. All but auto-refit turn off both automatic refits (drift- and
 * growth-triggered) to isolate their own effect; auto-refit keeps the defaults.
 */
export function strategyOptions(task: DriftTask): Record<string, unknown> {
  const common = { K: task.K, m: task.m, maxCandidates: task.maxCandidates, rerank: 'float32' };
  switch (task.strategy) {
    case 'static':
      return { ...common, adaptiveUpdate: false, driftRefitRatio: 0, growthRefitRatio: 0 };
    case 'adaptive':
      return { ...common, adaptiveUpdate: true, driftRefitRatio: 0, growthRefitRatio: 0 };
    case 'auto-refit':
      return { ...common, adaptiveUpdate: false };
    case 'refit-each-phase':
      return { ...common, adaptiveUpdate: false, driftRefitRatio: 0, growthRefitRatio: 0 };
  }
}

/** Ground truth of phase t: queries of phases <= t against items of phases <= t. */
export function phaseGroundTruth(data: DriftData, t: number): GroundTruth {
  const { d } = data;
  return cachedGroundTruth(
    `${data.name}-p${t}`,
    data.stream.subarray(0, data.phaseEnds[t]! * d),
    data.queries.subarray(0, data.queryPhaseEnds[t]! * d),
    d,
    DRIFT_K,
    benchCacheDir(),
  );
}

export async function runDriftTask(task: DriftTask, progress: StepProgress): Promise<DriftResult> {
  const data = await loadDriftData(task.size);
  const { d } = data;
  const options = strategyOptions(task);
  const dir = mkdtempSync(join(tmpdir(), 'srm-bench-drift-'));
  const memory = await SemanticRoutingMemory.open({ ...options, d, path: dir });
  const phaseQueries = (t: number) => data.queries.slice(0, data.queryPhaseEnds[t]! * d);
  const queryRows = (qs: Float32Array) => Array.from({ length: qs.length / d }, (_, q) => qs.subarray(q * d, q * d + d));

  const evaluate = async (t: number, opts: { m?: number; maxCandidates?: number }) => {
    const qs = phaseQueries(t);
    const rows = queryRows(qs);
    const base = data.stream.subarray(0, data.phaseEnds[t]! * d);
    const run = await runQueries(async (q, k) => (await memory.query(rows[q]!, { k, ...opts })).map((h) => Number(h.id)), rows.length, DRIFT_K, {
      warmup: Math.min(30, rows.length),
      budgetMs: Infinity,
      minQueries: rows.length,
    });
    const recall = recallAtK(run.results, phaseGroundTruth(data, t), base, qs, d, DRIFT_K);
    const newestFrom = t === 0 ? 0 : data.queryPhaseEnds[t - 1]!;
    return { recall, newest: mean(recall.perQuery.subarray(newestFrom)), latency: summarizeLatency(run.latenciesMs) };
  };

  try {
    const phases: DriftPhaseResult[] = [];
    let lastFitError: number | null = null;
    for (let t = 0; t < data.phaseEnds.length; t++) {
      const from = t === 0 ? 0 : data.phaseEnds[t - 1]!;
      const chunk = data.stream.subarray(from * d, data.phaseEnds[t]! * d);
      if (t === 0) await memory.fit(chunk, { onProgress: (e) => progress(`fit ${e.phase}`, e.done, e.total) });
      const addSeconds = await addAll(memory, chunk, d, (p, done, total) => progress(`phase ${t} add`, done, total), from);
      const t0 = performance.now();
      if (task.strategy === 'refit-each-phase' && t > 0) await memory.refit();
      await settle(memory);
      const refitSeconds = (performance.now() - t0) / 1000;
      progress(`phase ${t} eval`, t + 1, data.phaseEnds.length);
      const e = await evaluate(t, {});
      const stats = memory.stats();
      phases.push({
        phase: t,
        items: memory.size,
        queries: data.queryPhaseEnds[t]!,
        recallAll: e.recall.mean,
        recallNewest: e.newest,
        ...e.latency,
        addSeconds,
        refitSeconds,
        refitted: t > 0 && stats.quantizationError.fit !== lastFitError,
        buckets: stats.buckets,
        quantizationError: stats.quantizationError,
      });
      lastFitError = stats.quantizationError.fit;
    }
    const last = data.phaseEnds.length - 1;
    const finalSweep: DriftResult['finalSweep'] = [];
    for (const maxCandidates of task.sweepBudgets) {
      progress('budget sweep', finalSweep.length, task.sweepBudgets.length);
      const e = await evaluate(last, { m: task.sweepM, maxCandidates });
      finalSweep.push({ maxCandidates, m: task.sweepM, recall: e.recall.mean, p50Ms: e.latency.p50Ms, p95Ms: e.latency.p95Ms });
    }
    return { strategy: task.strategy, options, phases, finalSweep };
  } finally {
    await memory.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
