/**
 * One system fed one stream, in a child process: batches of adds with a few
 * timed queries after each, and at the end of every stage all of the stage's
 * queries twice, right after the adds and once the system has settled, plus
 * the memory it holds. The result ids go back to the parent, which has the
 * ground truth to score them.
 */
import type { BenchSize } from '../config.js';
import { loadGrowthData, GROWTH_K, type GrowthOrder } from '../data/growth.js';
import { settledRss } from '../harness/memory.js';
import { summarizeLatency, type LatencySummary } from '../harness/query-loop.js';
import type { StepProgress } from '../systems/types.js';
import { planBatches } from './growth-plan.js';
import { createGrowingSystem, type GrowingSystem, type GrowthSystemName } from './growth-systems.js';

export interface GrowthTask {
  kind: 'growth';
  size: BenchSize;
  order: GrowthOrder;
  system: GrowthSystemName;
  /** Vectors per `add` call. */
  batch: number;
  /** Timed queries after every batch, while the system grows. */
  queriesPerBatch: number;
  /** Untimed queries before each full measurement. */
  warmup: number;
}

/** One pass over a stage's queries. */
export interface QueryPass extends LatencySummary {
  queries: number;
  /** `queries * k` result rows, -1 where fewer than k came back. */
  ids: Int32Array;
  /** Whether background work (SRM: a refit) ran when the pass started and when it ended. */
  busyAtStart: boolean;
  busyAtEnd: boolean;
  /** Timed queries that started while background work ran. */
  busyQueries: number;
}

export interface GrowthStage {
  stage: number;
  items: number;
  /** Seconds inside the stage's add calls, and the vectors per second that gives. */
  addSeconds: number;
  addPerSecond: number;
  /** The queries timed between the stage's batches. */
  whileGrowing: LatencySummary & { queries: number; busyQueries: number };
  afterAdds: QueryPass;
  settle: { seconds: number; what: string };
  settled: QueryPass;
  /** SRM: the settled pass again, re-scoring every refine candidate (no early stop). */
  settledEveryRefine?: QueryPass;
  hotBytes: number | null;
  /** V8 heap + external (array buffers) after a full GC, over the baseline before the system existed. */
  heapGrowthBytes: number;
  rssGrowthBytes: number;
  facts: Record<string, unknown>;
}

export interface GrowthRun {
  system: GrowthSystemName;
  label: string;
  order: GrowthOrder;
  data: string;
  n: number;
  d: number;
  stages: GrowthStage[];
  wallSeconds: number;
}

/** Heap (V8 heap + external buffers) and RSS after a full GC. */
async function memoryNow(): Promise<{ heap: number; rss: number }> {
  const rss = await settledRss();
  const { heapUsed, external } = process.memoryUsage();
  return { heap: heapUsed + external, rss };
}

/**
 * Times queries `[0, nq)` one after another by `search` (default the system's), after `warmup`
 * untimed ones; the busy check stays outside the timing.
 */
async function queryPass(
  system: GrowingSystem,
  nq: number,
  k: number,
  warmup: number,
  search: (q: number, k: number) => Promise<ArrayLike<number>> | ArrayLike<number> = (q, n) => system.search(q, n),
): Promise<QueryPass> {
  const busyAtStart = system.busy();
  for (let q = 0; q < Math.min(warmup, nq); q++) await search(q, k);
  const ids = new Int32Array(nq * k).fill(-1);
  const latencies = new Float64Array(nq);
  let busyQueries = 0;
  for (let q = 0; q < nq; q++) {
    if (system.busy()) busyQueries++;
    const t0 = performance.now();
    const found = await search(q, k);
    latencies[q] = performance.now() - t0;
    for (let r = 0; r < Math.min(k, found.length); r++) ids[q * k + r] = found[r]!;
  }
  return { queries: nq, ids, ...summarizeLatency(latencies), busyAtStart, busyAtEnd: system.busy(), busyQueries };
}

export async function runGrowthTask(task: GrowthTask, progress: StepProgress): Promise<GrowthRun> {
  const wall0 = performance.now();
  const data = await loadGrowthData(task.order, task.size);
  const { d, stream } = data;
  const n = stream.length / d;
  const k = GROWTH_K;
  const before = await memoryNow();
  const system = await createGrowingSystem(task.system, n);
  try {
    system.prepareQueries(data.queries, d);
    const stages: GrowthStage[] = [];
    let addSeconds = 0;
    let growing: number[] = [];
    let growingBusy = 0;
    let cursor = 0;
    const plan = planBatches(data.stageEnds, task.batch);
    for (const batch of plan) {
      const nq = data.stageQueryEnds[batch.stage]!;
      const t0 = performance.now();
      await system.add(stream, d, batch.start, batch.end);
      addSeconds += (performance.now() - t0) / 1000;
      progress(`${task.system} ${task.order} add`, batch.end, n);
      for (let i = 0; i < task.queriesPerBatch; i++, cursor++) {
        if (system.busy()) growingBusy++;
        const t1 = performance.now();
        await system.search(cursor % nq, k);
        growing.push(performance.now() - t1);
      }
      if (!batch.endsStage) continue;

      progress(`${task.system} ${task.order} stage ${batch.stage + 1}`, batch.stage, data.stageEnds.length);
      const afterAdds = await queryPass(system, nq, k, task.warmup);
      const s0 = performance.now();
      const what = await system.settle();
      const settleSeconds = (performance.now() - s0) / 1000;
      const settled = await queryPass(system, nq, k, task.warmup);
      const everyRefine = system.searchEveryRefine?.bind(system);
      const settledEveryRefine = everyRefine ? await queryPass(system, nq, k, task.warmup, everyRefine) : undefined;
      const now = await memoryNow();
      const stageStart = batch.stage === 0 ? 0 : data.stageEnds[batch.stage - 1]!;
      stages.push({
        stage: batch.stage,
        items: batch.end,
        addSeconds,
        addPerSecond: (batch.end - stageStart) / addSeconds,
        whileGrowing: { queries: growing.length, busyQueries: growingBusy, ...summarizeLatency(growing) },
        afterAdds,
        settle: { seconds: settleSeconds, what },
        settled,
        ...(settledEveryRefine ? { settledEveryRefine } : {}),
        hotBytes: system.hotBytes(),
        heapGrowthBytes: now.heap - before.heap,
        rssGrowthBytes: now.rss - before.rss,
        facts: await system.facts(),
      });
      addSeconds = 0;
      growing = [];
      growingBusy = 0;
    }
    return {
      system: task.system,
      label: system.label,
      order: task.order,
      data: data.description,
      n,
      d,
      stages,
      wallSeconds: (performance.now() - wall0) / 1000,
    };
  } finally {
    await system.close();
  }
}
