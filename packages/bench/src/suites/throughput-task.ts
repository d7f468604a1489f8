/**
 * Codebook fit time and add throughput of SRM on GloVe, in a child process:
 * `fit(all vectors)` (the memory samples its own training set), then `add`
 * of every vector in batches, on the embedded on-disk store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SemanticRoutingMemory, type SRMStats } from '@srm/core';
import { loadGloveVectors } from '@srm/core/datasets';
import type { BenchSize } from '../config.js';
import { normalizeRows } from '../vectors.js';
import { SRM_ADD_BATCH, addAll, fitRows, settle } from '../systems/srm.js';
import type { StepProgress } from '../systems/types.js';

export interface ThroughputTask {
  kind: 'throughput';
  size: BenchSize;
  /** SRMOptions except d; `{}` = defaults. */
  options: Record<string, unknown>;
  label: string;
}

export interface ThroughputResult {
  label: string;
  n: number;
  d: number;
  fitSeconds: number;
  addSeconds: number;
  addPerSecond: number;
  /** Add throughput of a second pass that re-adds (upserts) the first 50k ids: the steady-state write path. */
  upsertPerSecond: number;
  batch: number;
  stats: SRMStats;
  config: Record<string, unknown>;
}

/** Vectors used: quick = the 50k most frequent words, full = all ~341k. */
export const THROUGHPUT_N: Record<BenchSize, number | 'all'> = { quick: 50_000, full: 'all' };

export async function runThroughputTask(task: ThroughputTask, progress: StepProgress): Promise<ThroughputResult> {
  const glove = await loadGloveVectors();
  const d = glove.dim;
  const spec = THROUGHPUT_N[task.size];
  const n = spec === 'all' ? glove.words.length : Math.min(spec, glove.words.length);
  const base = normalizeRows(glove.vectors.slice(0, n * d), d);
  const dir = mkdtempSync(join(tmpdir(), 'srm-bench-tp-'));
  const memory = await SemanticRoutingMemory.open({ ...task.options, d, path: dir });
  try {
    const t0 = performance.now();
    await memory.fit(fitRows(base, d), { onProgress: (e) => progress(e.phase, e.done, e.total) });
    const fitSeconds = (performance.now() - t0) / 1000;
    const addSeconds = await addAll(memory, base, d, progress);
    const upsertN = Math.min(50_000, n);
    const upsertSeconds = await addAll(memory, base.subarray(0, upsertN * d), d, (p, done, total) => progress(`upsert`, done, total));
    await settle(memory);
    return {
      label: task.label,
      n,
      d,
      fitSeconds,
      addSeconds,
      addPerSecond: n / addSeconds,
      upsertPerSecond: upsertN / upsertSeconds,
      batch: SRM_ADD_BATCH,
      stats: memory.stats(),
      config: { ...memory.config },
    };
  } finally {
    await memory.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
