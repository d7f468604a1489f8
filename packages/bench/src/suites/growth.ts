/**
 * SRM on the user's path while an agent's memory grows: default options,
 * batches of 10k adds in the order the data arrives (GloVe's file order, the
 * same words shuffled, drifting topics), queries in between, and at 25 / 50 /
 * 75 / 100 % recall@10 and latency right after the adds and once settled,
 * hot bytes and add rate; hnswlib and LanceDB fed the same stream in the same run.
 */
import { GROWTH_K, growthTruths, loadGrowthData, type GrowthData, type GrowthOrder } from '../data/growth.js';
import type { GroundTruth } from '../ground-truth.js';
import { runInChild } from '../harness/fork.js';
import { recallAtK } from '../recall.js';
import { writeResult } from '../report/results.js';
import type { SuiteContext } from './context.js';
import { logGrowthTables, writeGrowthPlot, type ScoredPass, type ScoredRun } from './growth-report.js';
import type { GrowthRun, GrowthTask, QueryPass } from './growth-task.js';
import type { GrowthSystemName } from './growth-systems.js';

/** Vectors per add call, timed queries between batches, untimed queries before each full pass. */
export const GROWTH_PARAMS = { batch: 10_000, queriesPerBatch: 5, warmup: 20 } as const;

/**
 * The runs, the headline comparisons first (a long run cut short still has them): SRM and hnswlib
 * in file order, SRM shuffled, then the rest. The shuffled order is SRM's own reference, so only SRM runs it.
 */
export const GROWTH_RUNS: readonly { order: GrowthOrder; system: GrowthSystemName }[] = [
  { order: 'file', system: 'srm' },
  { order: 'file', system: 'hnswlib' },
  { order: 'shuffled', system: 'srm' },
  { order: 'file', system: 'lancedb' },
  { order: 'drift', system: 'srm' },
  { order: 'drift', system: 'hnswlib' },
  { order: 'drift', system: 'lancedb' },
];

const METHOD =
  'each system in a fresh child process, fed the stream in batches with ids = row numbers; after every batch a few timed queries (cycling over the stage queries); at the end of each stage every query of the stage is timed twice after 20 untimed ones: right after the adds, and after settle() (SRM: wait until stats().refitting is false; LanceDB: createIndex at the first stage, optimize() later; hnswlib: nothing); SRM settled: every query once more with refineEarlyStop: false (settledEveryRefine), to compare its early stop on the same layer; recall@10 against exact search over the items added so far, scored in the parent; heap growth = V8 heapUsed + external after a full GC, over the child before the system existed';

/** recall@k of one pass against the stage's exact ground truth; the ids are dropped. */
function scorePass(data: GrowthData, truths: readonly GroundTruth[], stage: number, pass: QueryPass): ScoredPass {
  const { d } = data;
  const gt = truths[stage]!;
  const results = Array.from({ length: pass.queries }, (_, q) => pass.ids.subarray(q * GROWTH_K, (q + 1) * GROWTH_K).filter((id) => id >= 0));
  const base = data.stream.subarray(0, data.stageEnds[stage]! * d);
  const queries = data.queries.subarray(0, data.stageQueryEnds[stage]! * d);
  const { ids: _ids, ...rest } = pass;
  return { ...rest, recall: recallAtK(results, gt, base, queries, d, GROWTH_K).mean };
}

function scoreRun(data: GrowthData, truths: readonly GroundTruth[], run: GrowthRun): ScoredRun {
  return {
    ...run,
    stages: run.stages.map(({ settledEveryRefine, ...s }) => ({
      ...s,
      denseFloat32Bytes: s.items * data.d * 4,
      afterAdds: scorePass(data, truths, s.stage, s.afterAdds),
      settled: scorePass(data, truths, s.stage, s.settled),
      ...(settledEveryRefine ? { settledEveryRefine: scorePass(data, truths, s.stage, settledEveryRefine) } : {}),
    })),
  };
}

export async function runGrowthSuite(ctx: SuiteContext): Promise<void> {
  const runs: ScoredRun[] = [];
  const failures: { run: string; error: string }[] = [];
  const descriptions: Record<string, string> = {};
  const streams = new Map<GrowthOrder, { data: GrowthData; truths: GroundTruth[] }>();
  const streamOf = async (order: GrowthOrder) => {
    let stream = streams.get(order);
    if (!stream) {
      const data = await loadGrowthData(order, ctx.size);
      descriptions[order] = data.description;
      ctx.progress.start(`growth ${order}: exact ground truth per stage`);
      // Computed (or read from cache) before the children time anything.
      stream = { data, truths: growthTruths(data, (s, done, total) => ctx.progress.update(`stage ${s + 1}`, done, total)) };
      ctx.progress.stop();
      streams.set(order, stream);
    }
    return stream;
  };
  const save = (complete: boolean) =>
    writeResult(ctx.outDir, 'growth', ctx.run, {
      complete,
      data: descriptions,
      params: { ...GROWTH_PARAMS, k: GROWTH_K, runs: GROWTH_RUNS },
      method: METHOD,
      runs,
      failures,
    });
  for (const { order, system } of GROWTH_RUNS) {
    const { data, truths } = await streamOf(order);
    ctx.progress.start(`growth: ${system}, ${order} order`);
    const task: GrowthTask = { kind: 'growth', size: ctx.size, order, system, ...GROWTH_PARAMS };
    try {
      const run = await runInChild<GrowthRun>(task, (phase, done, total) => ctx.progress.update(phase, done, total));
      runs.push(scoreRun(data, truths, run));
    } catch (error) {
      // One broken system must not sink the others; it is reported, never hidden.
      failures.push({ run: `${system} ${order}`, error: error instanceof Error ? error.message : String(error) });
    } finally {
      ctx.progress.stop();
    }
    // Saved after every run: a full run takes long on a busy machine, and a cut one keeps what it measured.
    save(false);
  }

  ctx.log(
    `\nRun of commit ${ctx.run.gitCommit ?? 'unknown'}${ctx.run.gitDirty ? ' (with uncommitted changes)' : ''}, @srm/core built ${ctx.run.srmCore?.builtAt ?? 'unknown'}; load average at start ${ctx.run.loadAverageAtStart.join(' ')}.`,
  );
  logGrowthTables(ctx.log, runs, descriptions, GROWTH_PARAMS);
  for (const f of failures) ctx.log(`\nFAILED: ${f.run}: ${f.error.split('\n').slice(0, 6).join('\n')}`);
  await writeGrowthPlot(ctx.outDir, runs);
  ctx.log(`\nwrote ${save(true)}`);
}
