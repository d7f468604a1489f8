/**
 * Dense memory against peers on real vectors (GloVe-100, fiori MiniLM):
 * recall@10 against latency, hot memory, build time and add throughput.
 * Each system builds and queries in its own child process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { DenseDataset } from '../data/dense-dataset.js';
import {
  loadDenseDataset,
  type DenseDatasetName,
  type DenseSystemResult,
  type DenseTask,
  type PointResult,
  type RestartSummary,
} from '../harness/dense-task.js';
import type { RestartResult, RestartTask } from '../harness/restart-task.js';
import { recallAtK } from '../recall.js';
import { runInChild } from '../harness/fork.js';
import { benchCacheDir } from '../data/paths.js';
import { cachedGroundTruth } from '../ground-truth.js';
import { count, fixed, formatBytes, markdownTable, ratio } from '../report/format.js';
import { baseConfig, writeSvg } from '../report/plot.js';
import { writeResult } from '../report/results.js';
import type { SuiteContext } from './context.js';
import { denseSpecs, queryBudgetMs } from './dense-specs.js';

/** recall@k of the suite. */
export const K_NEIGHBOURS = 10;
/** The recall the headline table looks for: "HNSW-class". */
export const TARGET_RECALL = 0.95;

/** The point a system is quoted at: its fastest point with recall >= target, else its most accurate point. */
export function headlinePoint(points: readonly PointResult[], target = TARGET_RECALL): PointResult | undefined {
  const good = points.filter((p) => p.recall >= target).sort((a, b) => a.p50Ms - b.p50Ms);
  if (good.length > 0) return good[0];
  return [...points].sort((a, b) => b.recall - a.recall || a.p50Ms - b.p50Ms)[0];
}

/** Everything measured on one dataset (the shape of `datasets[]` in dense.json). */
export interface DatasetReport {
  dataset: string;
  description: string;
  n: number;
  d: number;
  queries: number;
  denseFloat32Bytes: number;
  systems: DenseSystemResult[];
  failures: { label: string; error: string }[];
  targets?: Record<string, unknown>;
}

async function runDataset(ctx: SuiteContext, name: DenseDatasetName): Promise<DatasetReport> {
  const data = await loadDenseDataset(name, ctx.size);
  const n = data.base.length / data.d;
  const nq = data.queries.length / data.d;
  ctx.progress.start(`${data.name}: exact ground truth`);
  // Computed (or read from cache) once here, so every child reads the cache.
  cachedGroundTruth(data.name, data.base, data.queries, data.d, K_NEIGHBOURS, benchCacheDir(), (done, total) =>
    ctx.progress.update('ground truth', done, total),
  );
  ctx.progress.stop();

  const systems: DenseSystemResult[] = [];
  const failures: { label: string; error: string }[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'srm-bench-dense-'));
  const queriesFile = join(scratch, 'queries.f32');
  writeFileSync(queriesFile, new Uint8Array(data.queries.buffer, data.queries.byteOffset, data.queries.byteLength));
  const reportError = (label: string, error: unknown) => failures.push({ label, error: error instanceof Error ? error.message : String(error) });
  try {
    for (const spec of denseSpecs(name, ctx.size)) {
      ctx.progress.start(`${data.name}: ${spec.label}`);
      const task: DenseTask = { kind: 'dense', dataset: name, size: ctx.size, spec, k: K_NEIGHBOURS, budgetMs: queryBudgetMs(ctx.size) };
      let result: DenseSystemResult;
      try {
        result = await runInChild<DenseSystemResult>(task, (phase, done, total) => ctx.progress.update(phase, done, total));
      } catch (error) {
        // One broken system must not sink the others; it is reported, never hidden.
        reportError(spec.label, error);
        ctx.progress.stop();
        continue;
      }
      try {
        result.restart = await measureRestart(ctx, data, result, queriesFile);
      } catch (error) {
        reportError(`${spec.label} (restart)`, error);
        result.restart = { error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
      } finally {
        if (result.persistedDir) rmSync(result.persistedDir, { recursive: true, force: true });
        delete result.persistedDir;
        ctx.progress.stop();
      }
      systems.push(result);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { dataset: data.name, description: data.description, n, d: data.d, queries: nq, denseFloat32Bytes: n * data.d * 4, systems, failures };
}

/**
 * Reopens the index a build child persisted in a fresh child, serves every query at the
 * system's headline point, and scores the results here (the parent has the base vectors).
 */
async function measureRestart(ctx: SuiteContext, data: DenseDataset, built: DenseSystemResult, queriesFile: string): Promise<RestartSummary> {
  const point = headlinePoint(built.points);
  if (!built.persistedDir || !point) throw new Error('nothing to restart: no persisted index or no sweep point');
  const sweepPoint = built.spec.sweep.find((p) => p.label === point.label)!;
  const task: RestartTask = { kind: 'restart', spec: built.spec, dir: built.persistedDir, queriesFile, d: data.d, k: K_NEIGHBOURS, point: sweepPoint };
  const run = await runInChild<RestartResult>(task, (phase, done, total) => ctx.progress.update(phase, done, total));
  const gt = cachedGroundTruth(data.name, data.base, data.queries, data.d, K_NEIGHBOURS, benchCacheDir());
  const recall = recallAtK(run.results, gt, data.base, data.queries, data.d, K_NEIGHBOURS).mean;
  return {
    point: run.point,
    openSeconds: run.openSeconds,
    rss: run.rss,
    recall,
    p50Ms: run.latency.p50Ms,
    p95Ms: run.latency.p95Ms,
    queries: run.results.length,
    ...(run.openedFrom ? { openedFrom: run.openedFrom } : {}),
    ...(run.rebuildOpenSeconds !== undefined ? { rebuildOpenSeconds: run.rebuildOpenSeconds } : {}),
  };
}

/** The restart summary of a system, when its restart was measured. */
function restartOf(s: DenseSystemResult): RestartSummary | undefined {
  return s.restart && !('error' in s.restart) ? s.restart : undefined;
}

function hnswReference(report: DatasetReport): { point: PointResult; system: DenseSystemResult } | undefined {
  const system = report.systems.find((s) => s.kind === 'hnswlib');
  const point = system && headlinePoint(system.points);
  return system && point ? { point, system } : undefined;
}

/** One row per system at its headline point, with ratios to hnswlib's headline point. */
export function headlineTable(report: DatasetReport): string {
  const ref = hnswReference(report);
  const rows = report.systems.map((s) => {
    const p = headlinePoint(s.points);
    return [
      s.label,
      p?.label ?? '-',
      fixed(p?.recall, 3),
      fixed(p?.p50Ms, 3),
      fixed(p?.p95Ms, 3),
      ratio(p?.p50Ms, ref?.point.p50Ms),
      formatBytes(s.rss.growthBytes),
      ratio(s.rss.growthBytes, ref?.system.rss.growthBytes),
      s.indexBytes ? formatBytes(s.indexBytes.bytes) : '-',
      fixed(s.build.buildSeconds, 1),
      count(s.build.addPerSecond),
    ];
  });
  return markdownTable(
    ['system', 'point', 'recall@10', 'p50 ms', 'p95 ms', 'p50 / hnswlib', 'RSS growth', 'RSS / hnswlib', 'index bytes', 'build s', 'add vec/s'],
    rows,
  );
}

/** After a restart: open time and the RSS of serving, per system, with ratios to hnswlib's. */
export function restartTable(report: DatasetReport): string {
  const ref = report.systems.find((s) => s.kind === 'hnswlib');
  const refRestart = ref && restartOf(ref);
  const rows = report.systems.map((s) => {
    const r = restartOf(s);
    if (!r) return [s.label, '-', '-', '-', '-', '-', '-', '-', '-', '-'];
    return [
      s.label,
      r.point,
      fixed(r.recall, 3),
      fixed(r.p50Ms, 3),
      fixed(r.openSeconds, 2),
      fixed(r.rebuildOpenSeconds, 2),
      ratio(r.openSeconds, refRestart?.openSeconds),
      formatBytes(r.rss.afterOpenBytes - r.rss.baselineBytes),
      formatBytes(r.rss.growthBytes),
      ratio(r.rss.growthBytes, refRestart?.rss.growthBytes),
    ];
  });
  return markdownTable(
    [
      'system',
      'point',
      'recall@10',
      'p50 ms',
      'open s',
      'SRM open s without checkpoint',
      'open / hnswlib',
      'RSS after open',
      'RSS serving',
      'RSS serving / hnswlib',
    ],
    rows,
  );
}

/** Every sweep point of every system. */
export function sweepTable(report: DatasetReport): string {
  const rows: string[][] = [];
  for (const s of report.systems) {
    for (const p of s.points) rows.push([s.label, p.label, fixed(p.recall, 3), fixed(p.p50Ms, 3), fixed(p.p95Ms, 3), String(p.queries)]);
  }
  return markdownTable(['system', 'point', 'recall@10', 'p50 ms', 'p95 ms', 'queries'], rows);
}

function srmHotTable(report: DatasetReport): string {
  const rows = report.systems
    .filter((s) => s.kind === 'srm')
    .map((s) => {
      const stats = (s.details as { stats?: { hotBytes: Record<string, number>; K: number; rerank: string } }).stats;
      const hot = stats?.hotBytes;
      return [
        s.label,
        String(stats?.K ?? '-'),
        stats?.rerank ?? '-',
        formatBytes(hot?.routingLayer),
        formatBytes(hot?.rerank),
        formatBytes(hot?.total),
        hot ? `${((100 * hot.total!) / report.denseFloat32Bytes).toFixed(1)}%` : '-',
        fixed(s.build.fitSeconds, 1),
        count(s.build.addPerSecond),
      ];
    });
  return markdownTable(['SRM config', 'K', 'rerank', 'routing layer', 'rerank data', 'hot total', 'hot / dense f32', 'fit s', 'add vec/s'], rows);
}

/** The brief's target for the default config, checked on GloVe. */
function checkTargets(report: DatasetReport): Record<string, unknown> | undefined {
  const def = report.systems.find((s) => s.label === 'SRM default');
  const p = def?.points[0];
  const hot = (def?.details as { stats?: { hotBytes: { total: number } } } | undefined)?.stats?.hotBytes.total;
  if (!def || !p || hot === undefined) return undefined;
  const hotShare = hot / report.denseFloat32Bytes;
  return {
    recall: { value: p.recall, target: '>= 0.95', pass: p.recall >= 0.95 },
    p50Ms: { value: p.p50Ms, target: '<= 2', pass: p.p50Ms <= 2 },
    hotShareOfDenseFloat32: { value: hotShare, target: '<= 0.15', pass: hotShare <= 0.15 },
  };
}

function curveSpec(report: DatasetReport, title: string, include: (s: DenseSystemResult) => boolean): TopLevelSpec {
  const values = report.systems
    .filter(include)
    .flatMap((s) => s.points.map((p) => ({ system: s.label, point: p.label, recall: p.recall, p50: Math.max(p.p50Ms, 1e-3) })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: `${count(report.n)} x ${report.d}, ${report.queries} held-out queries; one point per sweep setting` },
    width: 620,
    height: 380,
    config: baseConfig,
    data: { values },
    // Recall below 0.5 (LanceDB IVF_PQ with its default single sub-vector at d=100) is clipped; the tables have it.
    mark: { type: 'line', point: { filled: true, size: 45 }, strokeWidth: 1.6, clip: true },
    encoding: {
      x: { field: 'p50', type: 'quantitative', scale: { type: 'log' }, title: 'p50 latency per query, ms (log, single thread)' },
      y: { field: 'recall', type: 'quantitative', scale: { domain: [0.5, 1] }, title: 'recall@10 (axis from 0.5)' },
      color: { field: 'system', type: 'nominal', title: 'system', scale: { scheme: 'tableau20' } },
      order: { field: 'p50', type: 'quantitative' },
      tooltip: [{ field: 'system' }, { field: 'point' }, { field: 'recall' }, { field: 'p50' }],
    },
  };
}

function memorySpec(report: DatasetReport): TopLevelSpec {
  const values = report.systems.flatMap((s) => {
    const restart = restartOf(s);
    return [
      { system: s.label, what: 'RSS growth, build + queries', mib: Math.max(s.rss.growthBytes, 1024) / 2 ** 20 },
      ...(restart ? [{ system: s.label, what: 'RSS growth, restart + queries', mib: Math.max(restart.rss.growthBytes, 1024) / 2 ** 20 }] : []),
      ...(s.indexBytes ? [{ system: s.label, what: `index bytes (SRM: hot bytes)`, mib: Math.max(s.indexBytes.bytes, 1024) / 2 ** 20 }] : []),
    ];
  });
  // A dot plot: bars cannot start at zero on a log axis.
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `Hot memory on ${report.dataset} (${count(report.n)} x ${report.d})`,
      subtitle: `dashed red rule: the dense float32 matrix, ${formatBytes(report.denseFloat32Bytes)}; SRM index bytes = stats().hotBytes.total`,
    },
    config: baseConfig,
    width: 520,
    layer: [
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          y: { field: 'system', type: 'nominal', sort: null, title: null },
          x: { field: 'mib', type: 'quantitative', scale: { type: 'log' }, title: 'MiB (log)' },
          color: { field: 'what', type: 'nominal', title: null },
          shape: { field: 'what', type: 'nominal', title: null },
          tooltip: [{ field: 'system' }, { field: 'what' }, { field: 'mib', format: '.2f' }],
        },
      },
      {
        data: { values: [{ dense: report.denseFloat32Bytes / 2 ** 20 }] },
        mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] },
        encoding: { x: { field: 'dense', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}

function buildSpec(report: DatasetReport): TopLevelSpec {
  const values = report.systems.flatMap((s) => [
    { system: s.label, what: 'build (empty to queryable)', seconds: Math.max(s.build.buildSeconds, 1e-3) },
    ...(s.build.fitSeconds !== undefined ? [{ system: s.label, what: 'of which fit / index training', seconds: Math.max(s.build.fitSeconds, 1e-3) }] : []),
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `Build time on ${report.dataset} (${count(report.n)} vectors)`, subtitle: 'peers on one thread; SRM on the embedded on-disk store' },
    config: baseConfig,
    width: 520,
    data: { values },
    mark: { type: 'point', filled: true, size: 90 },
    encoding: {
      y: { field: 'system', type: 'nominal', sort: null, title: null },
      x: { field: 'seconds', type: 'quantitative', scale: { type: 'log' }, title: 'seconds (log)' },
      color: { field: 'what', type: 'nominal', title: null },
      shape: { field: 'what', type: 'nominal', title: null },
      tooltip: [{ field: 'system' }, { field: 'what' }, { field: 'seconds', format: '.2f' }],
    },
  };
}

/** Renders the four figures of one dataset (also usable to re-render from a saved dense.json). */
export async function writeDensePlots(outDir: string, prefix: string, report: DatasetReport): Promise<void> {
  await writeSvg(
    join(outDir, `${prefix}-recall-latency.svg`),
    curveSpec(report, `recall@10 vs latency, ${report.dataset}: SRM against peers`, (s) => s.kind !== 'srm' || /default|float32|pq|sq4/.test(s.label)),
  );
  await writeSvg(
    join(outDir, `${prefix}-srm-modes.svg`),
    curveSpec(report, `recall@10 vs latency, ${report.dataset}: SRM rerank modes and K`, (s) => s.kind === 'srm'),
  );
  await writeSvg(join(outDir, `${prefix}-memory.svg`), memorySpec(report));
  await writeSvg(join(outDir, `${prefix}-build.svg`), buildSpec(report));
}

export async function runDenseSuite(ctx: SuiteContext): Promise<void> {
  const reports: DatasetReport[] = [];
  for (const name of ['glove', 'fiori'] as const) {
    const report = await runDataset(ctx, name);
    if (name === 'glove') {
      const targets = checkTargets(report);
      if (targets) report.targets = targets;
    }
    reports.push(report);
    const prefix = name === 'glove' ? 'dense-glove' : 'dense-fiori';
    ctx.log(`\n## dense: ${report.dataset} (${count(report.n)} x ${report.d}, ${report.queries} queries)\n${report.description}\n`);
    ctx.log(headlineTable(report));
    ctx.log(`\nAfter a restart (a fresh process opens the persisted index and serves every query at the headline point):\n`);
    ctx.log(restartTable(report));
    ctx.log(`\nSRM hot memory (dense float32 = ${formatBytes(report.denseFloat32Bytes)}):\n`);
    ctx.log(srmHotTable(report));
    ctx.log('\nAll sweep points:\n');
    ctx.log(sweepTable(report));
    if (report.targets) ctx.log(`\nTargets of the default config: ${JSON.stringify(report.targets)}`);
    for (const f of report.failures) ctx.log(`\nFAILED: ${f.label}: ${f.error.split('\n').slice(0, 6).join('\n')}`);
    await writeDensePlots(ctx.outDir, prefix, report);
  }
  const file = writeResult(ctx.outDir, 'dense', ctx.run, {
    k: K_NEIGHBOURS,
    recallDefinition: 'a returned id counts when its exact cosine to the query is >= the 10th exact cosine - 1e-5 (ties count)',
    latencyDefinition:
      'wall time of one query call, sequential, one thread (native peers pinned to 1 thread); p50/p95 over the timed queries after 50 warm-up queries',
    rssDefinition:
      'resident set size of a fresh child process after build (and after queries, whichever is larger) minus its RSS once the dataset was loaded; both after a full GC',
    restartDefinition:
      'a second fresh child process loads the library and the queries (RSS baseline), opens the index the build child persisted in its own on-disk form (open s), and serves every query at the headline point; RSS serving = max(after open, after queries) minus the baseline, after a full GC',
    datasets: reports,
  });
  ctx.log(`\nwrote ${file}`);
}
