/**
 * SemanticRoutingMemory through the published `@srm/core` entry point, on
 * the embedded on-disk store (a temporary directory), as a user would run
 * it: the cold vectors live on disk, only the hot parts count against RAM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Limits, SemanticRoutingMemory } from '@srm/core';
import { Rng } from '@srm/core/datasets';
import { sampleIndices } from '../rng.js';
import { gatherRows, splitRows } from '../vectors.js';
import type { SRMOptions } from '@srm/core';
import type { BuildInfo, DenseSystem, SrmSpec, StepProgress, SweepPoint } from './types.js';

/** Vectors per `add` call (well under Limits.maxBatchSize). */
export const SRM_ADD_BATCH = 10_000;

/**
 * The rows to hand to `fit`: all of them when they fit in one batch, else a
 * seeded sample of `Limits.maxBatchSize` rows (the memory samples its own,
 * smaller, training set from what it is given anyway).
 */
export function fitRows(base: Float32Array, d: number, seed = 1): Float32Array {
  const n = base.length / d;
  if (n <= Limits.maxBatchSize) return base;
  const rows = Uint32Array.from(sampleIndices(n, Limits.maxBatchSize, new Rng(seed))).sort();
  return gatherRows(base, d, rows);
}

/** Waits until a background refit (if any) has finished, so a measurement sees the settled index. */
export async function settle(memory: SemanticRoutingMemory): Promise<number> {
  const t0 = performance.now();
  while (memory.stats().refitting) await memory.idle();
  return (performance.now() - t0) / 1000;
}

/** Adds rows `[0, n)` of `base` with ids `"0".."n-1"`, in batches; returns seconds spent. */
export async function addAll(memory: SemanticRoutingMemory, base: Float32Array, d: number, progress: StepProgress, idOffset = 0): Promise<number> {
  const n = base.length / d;
  const t0 = performance.now();
  for (let start = 0; start < n; start += SRM_ADD_BATCH) {
    const count = Math.min(SRM_ADD_BATCH, n - start);
    const ids = Array.from({ length: count }, (_, i) => String(idOffset + start + i));
    await memory.add(base.subarray(start * d, (start + count) * d), { ids });
    progress('add', start + count, n);
  }
  return (performance.now() - t0) / 1000;
}

/** Seconds of an open that ignores the routing checkpoint and scans every stored vector (what every open cost before checkpoints). */
export async function timeRebuildOpen(dir: string, d: number): Promise<number> {
  const t0 = performance.now();
  const memory = await SemanticRoutingMemory.open({ d, path: dir, rebuild: true });
  const seconds = (performance.now() - t0) / 1000;
  await memory.close();
  return seconds;
}

export class SrmSystem implements DenseSystem {
  private memory: SemanticRoutingMemory | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'srm-bench-srm-'));
  private queries: Float32Array[] = [];
  private point: SweepPoint = { label: '', params: {} };
  private d = 0;
  private handedOver = false;

  constructor(private readonly spec: SrmSpec) {}

  async build(base: Float32Array, d: number, progress: StepProgress): Promise<BuildInfo> {
    this.d = d;
    const n = base.length / d;
    const t0 = performance.now();
    const memory = await SemanticRoutingMemory.open({ ...(this.spec.options as Partial<SRMOptions>), d, path: this.dir });
    this.memory = memory;
    let fitSeconds: number | undefined;
    if (this.spec.fit === 'explicit') {
      await memory.fit(fitRows(base, d), { onProgress: (e) => progress(e.phase, e.done, e.total) });
      fitSeconds = (performance.now() - t0) / 1000;
    }
    const addSeconds = await addAll(memory, base, d, progress);
    const settleSeconds = await settle(memory);
    const buildSeconds = (performance.now() - t0) / 1000;
    return {
      buildSeconds,
      ...(fitSeconds !== undefined ? { fitSeconds } : {}),
      addSeconds,
      addPerSecond: n / addSeconds,
      notes: { fit: this.spec.fit, settleSeconds, store: 'embedded (SQLite on local disk)' },
    };
  }

  async persist(): Promise<string> {
    // Every write is already durable; close() adds the routing checkpoint that a reopen reads.
    await this.memory!.close();
    this.memory = undefined;
    this.handedOver = true;
    return this.dir;
  }

  async open(dir: string, d: number): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    this.d = d;
    this.handedOver = true;
    this.memory = await SemanticRoutingMemory.open({ d, path: dir });
  }

  prepareQueries(queries: Float32Array, d: number): void {
    this.queries = splitRows(queries, d);
  }

  configure(point: SweepPoint): void {
    this.point = point;
  }

  async search(q: number, k: number): Promise<number[]> {
    const { m, refine, maxCandidates } = this.point.params;
    const hits = await this.memory!.query(this.queries[q]!, {
      k,
      ...(m !== undefined ? { m } : {}),
      ...(refine !== undefined ? { refine } : {}),
      ...(maxCandidates !== undefined ? { maxCandidates } : {}),
    });
    return hits.map((h) => Number(h.id));
  }

  async indexBytes(): Promise<{ bytes: number; what: string }> {
    return { bytes: this.memory!.stats().hotBytes.total, what: 'stats().hotBytes.total' };
  }

  async details(): Promise<Record<string, unknown>> {
    return { stats: this.memory!.stats(), config: { ...this.memory!.config }, d: this.d };
  }

  async close(): Promise<void> {
    await this.memory?.close();
    this.memory = undefined;
    if (!this.handedOver) rmSync(this.dir, { recursive: true, force: true });
  }
}
