/**
 * The cost of the read checks (issue 23): per-record CRC-32 checksums, tagged and finite-checked
 * vector-file rows, and the integrity check at open. The code just before them (BEFORE) and the
 * commit that finished them on the same base (WITH) are built from git and measured in the same
 * run, rounds interleaved, with the same options; this checkout is measured too, for reference
 * (it holds later changes as well, so its ratio is not the checks' alone).
 */
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { coreAtCommit } from '../harness/core-at-commit.js';
import { runInChild } from '../harness/fork.js';
import { count, fixed, markdownTable } from '../report/format.js';
import { baseConfig, writeSvg } from '../report/plot.js';
import { writeResult } from '../report/results.js';
import { median } from '../stats.js';
import type { SuiteContext } from './context.js';
import type { ChecksResult, ChecksTask } from './checks-task.js';

/** The last commit without the checks, and the one that completed them on top of it. */
export const BEFORE_COMMIT = 'a1cb5f4';
export const WITH_COMMIT = '948eafa';
/** Issue 23: the checks may cost at most this much, in query p50 and add rate. */
export const CHECKS_BUDGET = 0.1;
const ROUNDS = { quick: 1, full: 3 } as const;
/** Options both builds accept; refits off, so every round does the same work. */
const OPTIONS = { K: 256, rerank: 'pq4', refine: 256, growthRefitRatio: 0, driftRefitRatio: 0 };

interface Summary {
  label: string;
  addPerSecond: number;
  openSeconds: number;
  queryP50Ms: number;
  queryP95Ms: number;
  rounds: ChecksResult[];
}

export async function runChecksSuite(ctx: SuiteContext): Promise<void> {
  const systems = [
    { label: `before the checks (${BEFORE_COMMIT})`, coreEntry: coreAtCommit(BEFORE_COMMIT) },
    { label: `with the checks (${WITH_COMMIT})`, coreEntry: coreAtCommit(WITH_COMMIT) },
    { label: `this checkout (${ctx.run.gitCommit ?? 'HEAD'})`, coreEntry: null },
  ];
  const rounds = new Map<string, ChecksResult[]>(systems.map((s) => [s.label, []]));
  for (let round = 0; round < ROUNDS[ctx.size]; round++) {
    for (const s of systems) {
      ctx.progress.start(`checks: round ${round + 1}, ${s.label}`);
      const task: ChecksTask = { kind: 'checks', size: ctx.size, label: s.label, coreEntry: s.coreEntry, options: OPTIONS };
      try {
        rounds.get(s.label)!.push(await runInChild<ChecksResult>(task, (phase, done, total) => ctx.progress.update(phase, done, total)));
      } finally {
        ctx.progress.stop();
      }
    }
  }
  const summaries: Summary[] = systems.map(({ label }) => {
    const rs = rounds.get(label)!;
    return {
      label,
      addPerSecond: median(rs.map((r) => r.addPerSecond)),
      openSeconds: median(rs.map((r) => r.openSeconds)),
      queryP50Ms: median(rs.map((r) => r.queryP50Ms)),
      queryP95Ms: median(rs.map((r) => r.queryP95Ms)),
      rounds: rs,
    };
  });
  const [before, withChecks] = summaries as [Summary, Summary, Summary];
  const sameAnswers = (s: Summary) => {
    const a = before.rounds[0]!.answers;
    const b = s.rounds[0]!.answers;
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i]!.join() === b[i]!.join()) same++;
    return same / a.length;
  };
  const first = before.rounds[0]!;
  ctx.log(
    `\n## the cost of the read checks: GloVe-100, ${count(first.n)} items in batches of 10,000, ${first.queries} held-out queries (k=10), ${ROUNDS[ctx.size]} interleaved rounds (medians)\n`,
  );
  ctx.log(`options: ${JSON.stringify(OPTIONS)}; load average at start ${ctx.run.loadAverageAtStart.map((x) => x.toFixed(1)).join(' ')}\n`);
  const rows = summaries.map((s) => [
    s.label,
    count(s.addPerSecond),
    fixed(s.addPerSecond / before.addPerSecond, 3),
    fixed(s.queryP50Ms, 3),
    fixed(s.queryP50Ms / before.queryP50Ms, 3),
    fixed(s.queryP95Ms, 3),
    fixed(s.openSeconds, 2),
    `${(100 * sameAnswers(s)).toFixed(1)}%`,
  ]);
  ctx.log(markdownTable(['build', 'add vec/s', 'add / before', 'query p50 ms', 'p50 / before', 'query p95 ms', 'open s', 'same top-10 as before'], rows));
  const addCost = 1 - withChecks.addPerSecond / before.addPerSecond;
  const queryCost = withChecks.queryP50Ms / before.queryP50Ms - 1;
  const verdict = (x: number) => (x <= CHECKS_BUDGET ? 'within' : '**over**');
  ctx.log(
    `\nThe checks alone (${WITH_COMMIT} against ${BEFORE_COMMIT}): add rate ${(100 * addCost).toFixed(1)}% lower, query p50 ${(100 * queryCost).toFixed(1)}% higher: ${verdict(addCost)} / ${verdict(queryCost)} the ${100 * CHECKS_BUDGET}% budget.`,
  );
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Cost of the read checks, relative to the build before them',
      subtitle: `red rule: the ${100 * CHECKS_BUDGET}% budget; medians of ${ROUNDS[ctx.size]} interleaved rounds`,
    },
    config: baseConfig,
    width: 420,
    layer: [
      {
        data: {
          values: summaries.slice(1).flatMap((s) => [
            { build: s.label, measure: 'add time per vector', ratio: before.addPerSecond / s.addPerSecond },
            { build: s.label, measure: 'query p50', ratio: s.queryP50Ms / before.queryP50Ms },
            { build: s.label, measure: 'query p95', ratio: s.queryP95Ms / before.queryP95Ms },
          ]),
        },
        mark: 'bar',
        encoding: {
          y: { field: 'measure', type: 'nominal', title: null },
          yOffset: { field: 'build' },
          color: { field: 'build', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'vertical' } },
          x: { field: 'ratio', type: 'quantitative', title: 'ratio to the build before the checks (lower is better)' },
        },
      },
      {
        data: { values: [{ t: 1 + CHECKS_BUDGET }] },
        mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] },
        encoding: { x: { field: 't', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
  await writeSvg(join(ctx.outDir, 'checks.svg'), spec);
  const file = writeResult(ctx.outDir, 'checks', ctx.run, {
    method: `fresh child process per build and round, rounds interleaved; SemanticRoutingMemory.open({ d: 100, path: tmp, ...options }); fit(first 20k rows); add(every base row, batches of 10k) timed; close; open timed; ${100} warm-up queries, then every held-out query timed`,
    options: OPTIONS,
    commits: { before: BEFORE_COMMIT, with: WITH_COMMIT },
    budget: CHECKS_BUDGET,
    results: summaries.map(({ rounds: rs, ...s }) => ({ ...s, rounds: rs.map(({ answers: _answers, ...r }) => r) })),
  });
  ctx.log(`\nwrote ${file}`);
}
