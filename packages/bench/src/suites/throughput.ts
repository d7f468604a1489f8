/** Codebook fit time (target <= 60 s) and add throughput after the fit (target >= 20k vectors/s) on GloVe. */
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { runInChild } from '../harness/fork.js';
import { count, fixed, markdownTable } from '../report/format.js';
import { baseConfig, writeSvg } from '../report/plot.js';
import { writeResult } from '../report/results.js';
import type { SuiteContext } from './context.js';
import type { ThroughputResult, ThroughputTask } from './throughput-task.js';

export const FIT_TARGET_SECONDS = 60;
export const ADD_TARGET_PER_SECOND = 20_000;

const CONFIGS: { label: string; options: Record<string, unknown> }[] = [
  { label: 'SRM default', options: {} },
  { label: 'SRM float32 K=256', options: { rerank: 'float32' } },
  { label: 'SRM pq K=256', options: { rerank: 'pq' } },
];

export async function runThroughputSuite(ctx: SuiteContext): Promise<void> {
  const results: ThroughputResult[] = [];
  const failures: { label: string; error: string }[] = [];
  for (const c of ctx.size === 'quick' ? CONFIGS.slice(0, 1) : CONFIGS) {
    ctx.progress.start(`throughput: ${c.label}`);
    const task: ThroughputTask = { kind: 'throughput', size: ctx.size, options: c.options, label: c.label };
    try {
      results.push(await runInChild<ThroughputResult>(task, (phase, done, total) => ctx.progress.update(phase, done, total)));
    } catch (error) {
      failures.push({ label: c.label, error: String(error) });
    } finally {
      ctx.progress.stop();
    }
  }
  const rows = results.map((r) => [
    r.label,
    count(r.n),
    String(r.stats.K),
    r.stats.rerank,
    fixed(r.fitSeconds, 1),
    r.fitSeconds <= FIT_TARGET_SECONDS ? 'yes' : 'NO',
    count(r.addPerSecond),
    r.addPerSecond >= ADD_TARGET_PER_SECOND ? 'yes' : 'NO',
    count(r.upsertPerSecond),
  ]);
  ctx.log(`\n## throughput on GloVe-100 (embedded on-disk store, batches of ${results[0]?.batch ?? '-'})\n`);
  ctx.log(markdownTable(['config', 'vectors', 'K', 'rerank', 'fit s', 'fit <= 60 s', 'add vec/s', 'add >= 20k/s', 'upsert vec/s'], rows));
  for (const f of failures) ctx.log(`\nFAILED: ${f.label}: ${f.error.split('\n').slice(0, 6).join('\n')}`);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'SRM add throughput on GloVe-100 after the fit', subtitle: `red rule: target ${count(ADD_TARGET_PER_SECOND)} vectors/s` },
    config: baseConfig,
    width: 480,
    layer: [
      {
        data: { values: results.map((r) => ({ config: r.label, rate: r.addPerSecond, fit: r.fitSeconds })) },
        mark: 'bar',
        encoding: {
          y: { field: 'config', type: 'nominal', sort: null, title: null },
          x: { field: 'rate', type: 'quantitative', title: 'vectors per second (add, after fit)' },
          tooltip: [{ field: 'config' }, { field: 'rate' }, { field: 'fit' }],
        },
      },
      {
        data: { values: [{ t: ADD_TARGET_PER_SECOND }] },
        mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] },
        encoding: { x: { field: 't', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
  await writeSvg(join(ctx.outDir, 'throughput.svg'), spec);
  const file = writeResult(ctx.outDir, 'throughput', ctx.run, {
    targets: { fitSeconds: FIT_TARGET_SECONDS, addPerSecond: ADD_TARGET_PER_SECOND },
    method:
      'fresh child process; SemanticRoutingMemory.open({ d: 100, path: tmp, ...options }); fit(all unit vectors, or a seeded 100k sample when there are more: the add/fit batch limit) timed; add(all, ids "0".."n-1") in batches timed; then re-add the first 50k ids (upsert) timed',
    results,
    failures,
  });
  ctx.log(`\nwrote ${file}`);
}
