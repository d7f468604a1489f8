/**
 * Drift stress test with a real recall metric: static routing, adaptive
 * update, automatic drift refit and a refit after every phase, under one
 * fixed candidate budget, then at equal latency through a budget sweep.
 */
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { BenchSize } from '../config.js';
import { DRIFT_SIZES, loadDriftData } from '../data/drift.js';
import { runInChild } from '../harness/fork.js';
import { fixed, markdownTable } from '../report/format.js';
import { baseConfig, writeSvg } from '../report/plot.js';
import { writeResult } from '../report/results.js';
import type { SuiteContext } from './context.js';
import { phaseGroundTruth, type DriftResult, type DriftStrategy, type DriftTask } from './drift-task.js';

const STRATEGIES: DriftStrategy[] = ['static', 'adaptive', 'auto-refit', 'refit-each-phase'];

const PARAMS: Record<BenchSize, Omit<DriftTask, 'kind' | 'size' | 'strategy'>> = {
  quick: { K: 256, m: 8, maxCandidates: 400, sweepBudgets: [200, 400, 800, 1600], sweepM: 32 },
  full: { K: 256, m: 8, maxCandidates: 1500, sweepBudgets: [500, 1000, 1500, 3000, 6000], sweepM: 32 },
};

export async function runDriftSuite(ctx: SuiteContext): Promise<void> {
  const data = await loadDriftData(ctx.size);
  ctx.progress.start('drift: exact ground truth per phase');
  for (let t = 0; t < data.phaseEnds.length; t++) {
    phaseGroundTruth(data, t);
    ctx.progress.update('ground truth', t + 1, data.phaseEnds.length);
  }
  ctx.progress.stop();

  const params = PARAMS[ctx.size];
  const results: DriftResult[] = [];
  const failures: { strategy: string; error: string }[] = [];
  for (const strategy of STRATEGIES) {
    ctx.progress.start(`drift: ${strategy}`);
    try {
      results.push(
        await runInChild<DriftResult>({ kind: 'drift', size: ctx.size, strategy, ...params }, (p, done, total) => ctx.progress.update(p, done, total)),
      );
    } catch (error) {
      failures.push({ strategy, error: String(error) });
    } finally {
      ctx.progress.stop();
    }
  }

  ctx.log(`\n## drift (${data.description}; K=${params.K}, m=${params.m}, maxCandidates=${params.maxCandidates}, float32 rerank)\n`);
  const phases = data.phaseEnds.length;
  const rows: string[][] = [];
  for (let t = 0; t < phases; t++) {
    rows.push([
      String(t),
      String(data.phaseEnds[t]),
      ...results.flatMap((r) => {
        const p = r.phases[t];
        return [`${fixed(p?.recallAll, 3)} / ${fixed(p?.recallNewest, 3)}${p?.refitted ? ' (refit)' : ''}`, fixed(p?.p50Ms, 2)];
      }),
    ]);
  }
  ctx.log('recall@10 of all queries so far / of the newest phase, and p50 ms:\n');
  ctx.log(markdownTable(['phase', 'items', ...results.flatMap((r) => [`${r.strategy} recall`, 'p50 ms'])], rows));
  ctx.log(`\nequal latency: final state, m=${params.sweepM}, sweep of maxCandidates:\n`);
  ctx.log(
    markdownTable(
      ['strategy', ...params.sweepBudgets.map((b) => `budget ${b}: recall @ p50 ms`)],
      results.map((r) => [r.strategy, ...r.finalSweep.map((s) => `${fixed(s.recall, 3)} @ ${fixed(s.p50Ms, 2)}`)]),
    ),
  );
  for (const f of failures) ctx.log(`\nFAILED: ${f.strategy}: ${f.error.split('\n').slice(0, 6).join('\n')}`);

  const overTime: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Drift: recall@10 as the stream moves away from the fitted codebook',
      subtitle: [
        `GloVe along its first principal component; budget ${params.maxCandidates} candidates, m=${params.m}, K=${params.K}`,
        'solid: all queries so far; dashed: the newest phase only',
      ],
    },
    width: 560,
    height: 340,
    config: baseConfig,
    data: {
      values: results.flatMap((r) =>
        r.phases.flatMap((p) => [
          { strategy: r.strategy, phase: p.phase, recall: p.recallAll, which: 'all queries so far' },
          { strategy: r.strategy, phase: p.phase, recall: p.recallNewest, which: 'newest phase only' },
        ]),
      ),
    },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'phase', type: 'ordinal', title: 'phase (items added in drift order)' },
      y: { field: 'recall', type: 'quantitative', scale: { zero: false }, title: 'recall@10' },
      color: { field: 'strategy', type: 'nominal', sort: STRATEGIES },
      strokeDash: { field: 'which', type: 'nominal', title: null, legend: null },
    },
  };
  const equalLatency: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Drift, final state: recall@10 vs latency', subtitle: `m=${params.sweepM}, candidate budget swept ${params.sweepBudgets.join(', ')}` },
    width: 560,
    height: 340,
    config: baseConfig,
    data: { values: results.flatMap((r) => r.finalSweep.map((s) => ({ strategy: r.strategy, ...s }))) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'p50Ms', type: 'quantitative', scale: { type: 'log' }, title: 'p50 latency, ms (log)' },
      y: { field: 'recall', type: 'quantitative', scale: { zero: false }, title: 'recall@10' },
      color: { field: 'strategy', type: 'nominal', sort: STRATEGIES },
      order: { field: 'maxCandidates', type: 'quantitative' },
      tooltip: [{ field: 'strategy' }, { field: 'maxCandidates' }, { field: 'recall' }, { field: 'p50Ms' }],
    },
  };
  await writeSvg(join(ctx.outDir, 'drift.svg'), overTime);
  await writeSvg(join(ctx.outDir, 'drift-equal-latency.svg'), equalLatency);
  const file = writeResult(ctx.outDir, 'drift', ctx.run, {
    data: data.description,
    sizes: DRIFT_SIZES[ctx.size],
    params,
    method:
      'codebook fitted on phase 0 only; each phase added in batches; after each phase recall@10 of all held-out queries so far against exact search over the items so far, with the fixed budget; refit-each-phase calls memory.refit() after each add; auto-refit relies on the default driftRefitRatio and growthRefitRatio (the other strategies turn both off) and waits for the background refit to finish before measuring',
    results,
    failures,
  });
  ctx.log(`\nwrote ${file}`);
}
