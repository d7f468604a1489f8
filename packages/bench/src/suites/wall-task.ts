/**
 * One point of the memory wall, in a child process: n synthetic 768-d items
 * into SRM (streamed in chunks, never held whole) or into a peer (built from
 * one matrix, which the baseline then includes, as in the dense suite).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SemanticRoutingMemory, type RerankMode, type SRMStats } from '@srm/core';
import { WALL_DATA, syntheticCentres, syntheticChunk } from '../data/synthetic.js';
import { peakRss, settledRss } from '../harness/memory.js';
import { createSystem } from '../systems/create.js';
import { SRM_ADD_BATCH, settle, timeRebuildOpen } from '../systems/srm.js';
import type { BuildInfo, StepProgress, SystemSpec } from '../systems/types.js';

export interface WallTask {
  kind: 'wall';
  n: number;
  /** `srm` streams into SemanticRoutingMemory with its default config; a spec runs that peer. */
  system: 'srm' | SystemSpec;
  /** SRM only: this rerank mode instead of the default one. */
  rerank?: RerankMode;
}

export interface WallPointResult {
  system: string;
  n: number;
  d: number;
  buildSeconds: number;
  /** SRM only: time of close(), which writes the routing checkpoint. */
  closeSeconds?: number;
  rssGrowthBytes: number;
  /** Peak RSS of the process over the same baseline (`VmHWM`, Linux): what the build needed at its worst. */
  peakRssGrowthBytes?: number | null;
  /** SRM only. */
  stats?: SRMStats;
  /** Peers: serialized index size. */
  indexBytes?: number | null;
  build?: BuildInfo;
  /** SRM only: the closed memory's directory, for the restart child (the parent deletes it, and this field). */
  persistedDir?: string;
  /** SRM only: the restart measured on that directory (see {@link runWallRestartTask}), or why it failed. */
  restart?: WallRestartResult | { error: string };
}

/** Reopen an SRM point's directory in a fresh process and serve queries. */
export interface WallRestartTask {
  kind: 'wall-restart';
  n: number;
  dir: string;
  /** How many queries to serve: items of the same synthetic stream, past the stored ones. */
  queries: number;
}

export interface WallRestartResult {
  openSeconds: number;
  openedFrom: SRMStats['openedFrom'];
  /** RSS growth over the baseline (library loaded, queries in memory) after the open, and after serving the queries too. */
  rssAfterOpenBytes: number;
  rssServingBytes: number;
  queries: number;
  /** Seconds of a second open with `rebuild: true` (a scan of every stored vector), after the measurement. */
  rebuildOpenSeconds: number;
}

async function srmPoint(n: number, rerank: RerankMode | undefined, progress: StepProgress): Promise<WallPointResult> {
  const { d } = WALL_DATA;
  const centres = syntheticCentres(WALL_DATA);
  const dir = mkdtempSync(join(tmpdir(), 'srm-bench-wall-'));
  const baseline = await settledRss();
  const t0 = performance.now();
  const memory = await SemanticRoutingMemory.open({ d, path: dir, ...(rerank ? { rerank } : {}) });
  let handedOver = false;
  try {
    // Train on the head of the stream (the default training-set size), as auto-fit would.
    const trainSize = Math.min(n, (memory.config as { trainSize?: number }).trainSize ?? 64 * memory.config.K!);
    await memory.fit(syntheticChunk(WALL_DATA, centres, 0, trainSize), { onProgress: (e) => progress(e.phase, e.done, e.total) });
    for (let start = 0; start < n; start += SRM_ADD_BATCH) {
      const count = Math.min(SRM_ADD_BATCH, n - start);
      const ids = Array.from({ length: count }, (_, i) => String(start + i));
      await memory.add(syntheticChunk(WALL_DATA, centres, start, count), { ids });
      progress('add', start + count, n);
    }
    await settle(memory);
    const buildSeconds = (performance.now() - t0) / 1000;
    const rss = await settledRss();
    const stats = memory.stats();
    const tClose = performance.now();
    await memory.close(); // writes the routing checkpoint the restart reads
    const closeSeconds = (performance.now() - tClose) / 1000;
    handedOver = true;
    const peak = peakRss();
    return {
      system: rerank ? `SRM ${rerank}` : 'SRM default',
      n,
      d,
      buildSeconds,
      closeSeconds,
      rssGrowthBytes: rss - baseline,
      peakRssGrowthBytes: peak === null ? null : peak - baseline,
      stats,
      persistedDir: dir,
    };
  } finally {
    await memory.close();
    if (!handedOver) rmSync(dir, { recursive: true, force: true });
  }
}

/** A restart of an SRM wall point: open the closed memory in this fresh process, serve queries, measure. */
export async function runWallRestartTask(task: WallRestartTask, progress: StepProgress): Promise<WallRestartResult> {
  const { d } = WALL_DATA;
  const queries = syntheticChunk(WALL_DATA, syntheticCentres(WALL_DATA), task.n, task.queries);
  const baseline = await settledRss();
  const t0 = performance.now();
  const memory = await SemanticRoutingMemory.open({ d, path: task.dir });
  try {
    const openSeconds = (performance.now() - t0) / 1000;
    const afterOpen = await settledRss();
    for (let q = 0; q < task.queries; q++) {
      await memory.query(queries.subarray(q * d, (q + 1) * d), { k: 10 });
      if (q % 50 === 49) progress('restart: query', q + 1, task.queries);
    }
    const afterQueries = await settledRss();
    const openedFrom = memory.stats().openedFrom;
    await memory.close();
    return {
      openSeconds,
      openedFrom,
      rssAfterOpenBytes: afterOpen - baseline,
      rssServingBytes: Math.max(afterOpen, afterQueries) - baseline,
      queries: task.queries,
      rebuildOpenSeconds: await timeRebuildOpen(task.dir, d),
    };
  } finally {
    await memory.close();
  }
}

async function peerPoint(n: number, spec: SystemSpec, progress: StepProgress): Promise<WallPointResult> {
  const { d } = WALL_DATA;
  const centres = syntheticCentres(WALL_DATA);
  const base = new Float32Array(n * d);
  for (let start = 0; start < n; start += SRM_ADD_BATCH) {
    const count = Math.min(SRM_ADD_BATCH, n - start);
    syntheticChunk(WALL_DATA, centres, start, count, base.subarray(start * d, (start + count) * d));
  }
  const baseline = await settledRss();
  const system = await createSystem(spec);
  try {
    const build = await system.build(base, d, progress);
    const rss = await settledRss();
    const peak = peakRss();
    const index = await system.indexBytes();
    return {
      system: spec.label,
      n,
      d,
      buildSeconds: build.buildSeconds,
      rssGrowthBytes: rss - baseline,
      peakRssGrowthBytes: peak === null ? null : peak - baseline,
      indexBytes: index?.bytes ?? null,
      build,
    };
  } finally {
    await system.close();
  }
}

export function runWallTask(task: WallTask, progress: StepProgress): Promise<WallPointResult> {
  return task.system === 'srm' ? srmPoint(task.n, task.rerank, progress) : peerPoint(task.n, task.system, progress);
}
