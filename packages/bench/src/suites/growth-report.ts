/** Tables, target checks and the plot of the growth suite. */
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { GrowthOrder } from '../data/growth.js';
import { count, fixed, formatBytes, markdownTable, ratio } from '../report/format.js';
import { baseConfig, writeSvg } from '../report/plot.js';
import type { GrowthRun, GrowthStage, QueryPass } from './growth-task.js';

/** A query pass scored against the ground truth (the ids are dropped). */
export type ScoredPass = Omit<QueryPass, 'ids'> & { recall: number };
export type ScoredStage = Omit<GrowthStage, 'afterAdds' | 'settled' | 'settledEveryRefine'> & {
  afterAdds: ScoredPass;
  settled: ScoredPass;
  settledEveryRefine?: ScoredPass;
  denseFloat32Bytes: number;
};
export type ScoredRun = Omit<GrowthRun, 'stages'> & { stages: ScoredStage[] };

/** The issue's targets for SRM's defaults in arrival order. */
export const GROWTH_TARGETS = { recall: 0.95, orderGap: 0.01, p95Ms: 5, p95OverP50: 3, p50OverHnsw: 1.5, hotShare: 0.1, addPerSecond: 50_000 } as const;

const SYSTEM_NAMES: Record<GrowthRun['system'], string> = { srm: 'SRM default', hnswlib: 'hnswlib', lancedb: 'LanceDB' };
const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(1)}%`);
const find = (runs: readonly ScoredRun[], system: GrowthRun['system'], order: GrowthOrder) => runs.find((r) => r.system === system && r.order === order);

/** "yes, 412 of 1000 queries" / "no": whether a refit ran during a pass. */
function refitNote(run: ScoredRun, p: ScoredPass): string {
  if (run.system !== 'srm') return '-';
  if (!p.busyAtStart && p.busyQueries === 0) return 'no refit running';
  return `${p.busyAtStart ? 'yes' : 'no at start'}, during ${p.busyQueries}/${p.queries}`;
}

function stageTable(runs: readonly ScoredRun[], order: GrowthOrder): string {
  const ref = find(runs, 'hnswlib', order);
  const rows: string[][] = [];
  const stages = Math.max(0, ...runs.filter((r) => r.order === order).map((r) => r.stages.length));
  for (let s = 0; s < stages; s++) {
    for (const run of runs.filter((r) => r.order === order)) {
      const st = run.stages[s];
      if (!st) continue;
      const h = ref?.stages[s];
      rows.push([
        `${(25 * (s + 1)).toFixed(0)}%`,
        count(st.items),
        SYSTEM_NAMES[run.system],
        count(st.addPerSecond),
        `${fixed(st.whileGrowing.p50Ms, 2)} / ${fixed(st.whileGrowing.p95Ms, 2)}${st.whileGrowing.busyQueries > 0 ? ` (${st.whileGrowing.busyQueries}/${st.whileGrowing.queries} in a refit)` : ''}`,
        refitNote(run, st.afterAdds),
        fixed(st.afterAdds.recall, 3),
        fixed(st.afterAdds.p50Ms, 2),
        fixed(st.afterAdds.p95Ms, 2),
        fixed(st.settle.seconds, 1),
        fixed(st.settled.recall, 3),
        fixed(st.settled.p50Ms, 2),
        fixed(st.settled.p95Ms, 2),
        `${ratio(st.afterAdds.p50Ms, h?.settled.p50Ms)} / ${ratio(st.settled.p50Ms, h?.settled.p50Ms)}`,
        `${ratio(st.afterAdds.p95Ms, h?.settled.p95Ms)} / ${ratio(st.settled.p95Ms, h?.settled.p95Ms)}`,
      ]);
    }
  }
  return markdownTable(
    [
      'stage',
      'items',
      'system',
      'add vec/s',
      'growing p50 / p95 ms',
      'after adds: refit?',
      'recall',
      'p50 ms',
      'p95 ms',
      'settle s',
      'settled: recall',
      'p50 ms',
      'p95 ms',
      'p50 / hnswlib (after / settled)',
      'p95 / hnswlib',
    ],
    rows,
  );
}

function memoryTable(runs: readonly ScoredRun[]): string {
  const rows = runs
    .filter((r) => r.system === 'srm')
    .flatMap((run) =>
      run.stages.map((st) => [
        run.order,
        `${(25 * (st.stage + 1)).toFixed(0)}%`,
        count(st.items),
        formatBytes(st.hotBytes),
        pct(st.hotBytes === null ? null : st.hotBytes / st.denseFloat32Bytes),
        formatBytes(st.heapGrowthBytes),
        pct(st.heapGrowthBytes / st.denseFloat32Bytes),
        ratio(st.heapGrowthBytes, st.hotBytes),
        formatBytes(st.rssGrowthBytes),
        `${String(st.facts.fitted)} / ${String(st.facts.K)}`,
      ]),
    );
  return markdownTable(
    ['order', 'stage', 'items', 'hot bytes', 'hot / dense f32', 'heap growth', 'heap / dense f32', 'heap / hot', 'RSS growth', 'fitted / K'],
    rows,
  );
}

function orderTable(runs: readonly ScoredRun[]): string {
  const file = find(runs, 'srm', 'file');
  const shuffled = find(runs, 'srm', 'shuffled');
  const rows = (file?.stages ?? []).map((a, s) => {
    const b = shuffled?.stages[s];
    return [
      `${25 * (s + 1)}%`,
      count(a.items),
      fixed(a.afterAdds.recall, 3),
      fixed(b?.afterAdds.recall, 3),
      fixed(b ? a.afterAdds.recall - b.afterAdds.recall : null, 3),
      fixed(a.settled.recall, 3),
      fixed(b?.settled.recall, 3),
      fixed(b ? a.settled.recall - b.settled.recall : null, 3),
    ];
  });
  return markdownTable(
    ['stage', 'items', 'file order: after adds', 'shuffled: after adds', 'difference', 'file order: settled', 'shuffled: settled', 'difference'],
    rows,
  );
}

/** SRM settled, with the rerank's early stop (the default) and re-scoring every refine candidate, on the same queries. */
function earlyStopTable(runs: readonly ScoredRun[]): string {
  const rows = runs
    .filter((r) => r.system === 'srm')
    .flatMap((run) =>
      run.stages.flatMap((st) => {
        const all = st.settledEveryRefine;
        if (!all) return [];
        return [
          [
            run.order,
            `${(25 * (st.stage + 1)).toFixed(0)}%`,
            count(st.items),
            `${fixed(st.settled.recall, 3)} / ${fixed(all.recall, 3)}`,
            `${fixed(st.settled.p50Ms, 2)} / ${fixed(all.p50Ms, 2)}`,
            `${fixed(st.settled.p95Ms, 2)} / ${fixed(all.p95Ms, 2)}`,
            ratio(st.settled.p50Ms, all.p50Ms),
          ],
        ];
      }),
    );
  return markdownTable(['order', 'stage', 'items', 'recall: early stop / every', 'p50 ms', 'p95 ms', 'p50 early / every'], rows);
}

/** The issue's targets for SRM's defaults in arrival (file) order, with what this run measured. */
export function targetRows(runs: readonly ScoredRun[]): string[][] {
  const srm = find(runs, 'srm', 'file');
  const shuffled = find(runs, 'srm', 'shuffled');
  const hnsw = find(runs, 'hnswlib', 'file');
  if (!srm) return [];
  const t = GROWTH_TARGETS;
  const st = srm.stages;
  const passes = st.flatMap((s) => [s.afterAdds, s.settled]);
  const minRecall = Math.min(...passes.map((p) => p.recall));
  const gaps = shuffled
    ? st.flatMap((s, i) => [s.afterAdds.recall - shuffled.stages[i]!.afterAdds.recall, s.settled.recall - shuffled.stages[i]!.settled.recall])
    : [];
  const maxGap = gaps.length ? Math.max(...gaps.map(Math.abs)) : NaN;
  // Every timed pass, named, so a missed target says where it was missed.
  const timed = st.flatMap((s) => [
    { where: `stage ${s.stage + 1} while growing`, p: s.whileGrowing },
    { where: `stage ${s.stage + 1} after the adds`, p: s.afterAdds },
    { where: `stage ${s.stage + 1} settled`, p: s.settled },
  ]);
  const worst = (score: (p: (typeof timed)[number]['p']) => number) => timed.reduce((a, b) => (score(b.p) > score(a.p) ? b : a));
  const worstP95 = worst((p) => p.p95Ms);
  const worstTail = worst((p) => p.p95Ms / p.p50Ms);
  const last = st[st.length - 1]!;
  const hnswLast = hnsw?.stages[st.length - 1];
  const hnswRatio = hnswLast ? last.settled.p50Ms / hnswLast.settled.p50Ms : NaN;
  const hnswRatios = hnsw ? st.map((s, i) => s.settled.p50Ms / hnsw.stages[i]!.settled.p50Ms) : [];
  const hotShare = (last.hotBytes ?? NaN) / last.denseFloat32Bytes;
  const hotShares = st.map((s) => (s.hotBytes ?? NaN) / s.denseFloat32Bytes);
  const minAdd = Math.min(...st.map((s) => s.addPerSecond));
  const met = (ok: boolean) => (ok ? 'met' : '**missed**');
  return [
    [`recall@10 >= ${t.recall} after the adds and settled, every stage`, `min ${fixed(minRecall, 3)}`, met(minRecall >= t.recall)],
    [
      `arrival order within ${t.orderGap} of shuffled`,
      Number.isNaN(maxGap) ? 'no shuffled run' : `max gap ${fixed(maxGap, 3)}`,
      Number.isNaN(maxGap) ? '-' : met(maxGap <= t.orderGap),
    ],
    [`p95 <= ${t.p95Ms} ms every stage, during refits too`, `max ${fixed(worstP95.p.p95Ms, 2)} ms (${worstP95.where})`, met(worstP95.p.p95Ms <= t.p95Ms)],
    [
      `p95 <= ${t.p95OverP50}x p50, every stage`,
      `max ${fixed(worstTail.p.p95Ms / worstTail.p.p50Ms, 1)}x (${worstTail.where})`,
      met(worstTail.p.p95Ms / worstTail.p.p50Ms <= t.p95OverP50),
    ],
    [
      `settled p50 <= ${t.p50OverHnsw}x hnswlib's at 100%`,
      Number.isNaN(hnswRatio) ? 'no hnswlib run' : `${fixed(hnswRatio, 2)}x (stages: ${hnswRatios.map((r) => fixed(r, 2)).join(', ')})`,
      Number.isNaN(hnswRatio) ? '-' : met(hnswRatio <= t.p50OverHnsw),
    ],
    [`hot bytes <= ${100 * t.hotShare}% of dense float32 at 100%`, `${pct(hotShare)} (stages: ${hotShares.map(pct).join(', ')})`, met(hotShare <= t.hotShare)],
    ['stats().hotBytes agrees with the heap growth', `heap / hot at 100%: ${ratio(last.heapGrowthBytes, last.hotBytes)}`, '-'],
    [`add >= ${count(t.addPerSecond)} vectors/s in 10k batches`, `min ${count(minAdd)}/s`, met(minAdd >= t.addPerSecond)],
  ];
}

export function logGrowthTables(
  log: (line?: string) => void,
  runs: readonly ScoredRun[],
  descriptions: Record<string, string>,
  params: { batch: number; queriesPerBatch: number; warmup: number },
): void {
  log(
    `\n## growth: adds of ${count(params.batch)}, ${params.queriesPerBatch} timed queries after each batch; each stage measured right after its adds and once settled\n`,
  );
  const labels = [...new Map(runs.map((r) => [r.system, r.label])).entries()];
  for (const [system, label] of labels) log(`- ${SYSTEM_NAMES[system]}: ${label}`);
  log('\nTargets of issue 20 (SRM defaults, file order; ratios within this run):\n');
  log(markdownTable(['target', 'measured', ''], targetRows(runs)));
  const orders = [...new Set(runs.map((r) => r.order))];
  for (const order of orders) {
    log(`\n### ${order} order: ${descriptions[order] ?? ''}\n`);
    log(
      'recall@10 against exact search over the items added so far; "growing": the queries between batches; ratios to hnswlib\'s settled p50 / p95 at the same stage:\n',
    );
    log(stageTable(runs, order));
  }
  if (find(runs, 'srm', 'shuffled')) {
    log('\n### SRM: arrival (file) order against the same words shuffled, recall@10\n');
    log(orderTable(runs));
  }
  if (runs.some((r) => r.stages.some((s) => s.settledEveryRefine))) {
    log("\n### SRM settled: the rerank's early stop (default) against re-scoring every refine candidate, same queries\n");
    log(earlyStopTable(runs));
  }
  log('\n### SRM memory: stats().hotBytes.total against the measured heap growth (settled, after a full GC)\n');
  log(memoryTable(runs));
}

/** growth.svg: recall@10 and p95 against items, one row of two charts per stream. */
export async function writeGrowthPlot(outDir: string, runs: readonly ScoredRun[]): Promise<void> {
  const values = runs.flatMap((run) =>
    run.stages.flatMap((st) =>
      (['afterAdds', 'settled'] as const).map((when) => ({
        order: run.order,
        system: SYSTEM_NAMES[run.system],
        when: when === 'afterAdds' ? 'right after the adds' : 'settled',
        items: st.items,
        recall: st[when].recall,
        p95Ms: st[when].p95Ms,
      })),
    ),
  );
  const chart = (order: string, field: 'recall' | 'p95Ms', title: string, log: boolean) => ({
    width: 300,
    height: 200,
    title: `${order} order: ${title}`,
    transform: [{ filter: { field: 'order', equal: order } }],
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'items', type: 'quantitative' as const, title: 'items added' },
      y: { field, type: 'quantitative' as const, scale: log ? { type: 'log' as const } : { zero: false }, title },
      color: { field: 'system', type: 'nominal' as const, sort: Object.values(SYSTEM_NAMES) },
      strokeDash: {
        field: 'when',
        type: 'nominal' as const,
        title: 'measured',
        scale: {
          domain: ['settled', 'right after the adds'],
          range: [
            [1, 0],
            [4, 3],
          ],
        },
      },
    },
  });
  const orders = [...new Set(runs.map((r) => r.order))];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Growth: recall@10 and p95 latency while the memory grows (SRM defaults against peers)',
      subtitle: "dashed: right after the stage's adds; solid: settled",
    },
    config: baseConfig,
    data: { values },
    vconcat: orders.map((order) => ({ hconcat: [chart(order, 'recall', 'recall@10', false), chart(order, 'p95Ms', 'p95 ms (log)', true)] })),
  } as TopLevelSpec;
  await writeSvg(join(outDir, 'growth.svg'), spec);
}
