/**
 * One round of the checks suite, in a child process: a build of `@srm/core` (the current one, or
 * one from a commit) opens an embedded memory with fixed options, is fitted, takes the base rows
 * in batches (add rate), is closed and reopened (open time: the integrity check runs there), and
 * answers the held-out queries (latency per query).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SemanticRoutingMemory } from '@srm/core';
import type { BenchSize } from '../config.js';
import { loadGloveDataset } from '../data/glove.js';
import { percentile } from '../stats.js';
import type { StepProgress } from '../systems/types.js';

export interface ChecksTask {
  kind: 'checks';
  size: BenchSize;
  label: string;
  /** File URL of the `@srm/core` ESM entry to measure, or null for this checkout's. */
  coreEntry: string | null;
  /** Options both builds accept, so the code is the only difference. */
  options: Record<string, unknown>;
}

export interface ChecksResult {
  label: string;
  n: number;
  queries: number;
  addPerSecond: number;
  openSeconds: number;
  queryP50Ms: number;
  queryP95Ms: number;
  /** The ids of each query's hits, so the parent can check every build gives the same answers. */
  answers: string[][];
}

/** Base rows indexed per size. */
export const CHECKS_N: Record<BenchSize, number> = { quick: 20_000, full: 100_000 };
const BATCH = 10_000;
const WARMUP_QUERIES = 100;

export async function runChecksTask(task: ChecksTask, progress: StepProgress): Promise<ChecksResult> {
  const core = (await import(task.coreEntry ?? '@srm/core')) as typeof import('@srm/core');
  const data = await loadGloveDataset('full');
  const { d } = data;
  const n = Math.min(CHECKS_N[task.size], data.base.length / d);
  const base = data.base.subarray(0, n * d);
  const dir = mkdtempSync(join(tmpdir(), 'srm-bench-checks-'));
  try {
    let memory: SemanticRoutingMemory = await core.SemanticRoutingMemory.open({ ...task.options, d, path: dir });
    await memory.fit(base.subarray(0, Math.min(n, 20_000) * d));
    const t0 = performance.now();
    for (let start = 0; start < n; start += BATCH) {
      const count = Math.min(BATCH, n - start);
      await memory.add(base.subarray(start * d, (start + count) * d), { ids: Array.from({ length: count }, (_, i) => String(start + i)) });
      progress('add', start + count, n);
    }
    const addPerSecond = n / ((performance.now() - t0) / 1000);
    await memory.close();
    const t1 = performance.now();
    memory = await core.SemanticRoutingMemory.open({ ...task.options, d, path: dir });
    const openSeconds = (performance.now() - t1) / 1000;
    const nq = data.queries.length / d;
    const query = (i: number) => memory.query(data.queries.subarray(i * d, (i + 1) * d), { k: 10 });
    for (let i = 0; i < WARMUP_QUERIES; i++) await query(i % nq);
    const ms: number[] = [];
    const answers: string[][] = [];
    for (let i = 0; i < nq; i++) {
      const q0 = performance.now();
      const hits = await query(i);
      ms.push(performance.now() - q0);
      answers.push(hits.map((h) => h.id));
      progress('query', i + 1, nq);
    }
    await memory.close();
    return { label: task.label, n, queries: nq, addPerSecond, openSeconds, queryP50Ms: percentile(ms, 50), queryP95Ms: percentile(ms, 95), answers };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
