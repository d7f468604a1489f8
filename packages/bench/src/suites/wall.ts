/**
 * The memory wall, in the Python SRM's three-line form: dense float32 bytes,
 * SRM routing-layer bytes and SRM total hot bytes, 1k to 1M items at d=768
 * on synthetic data, plus measured RSS of SRM and of peers where run.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { BenchSize } from '../config.js';
import { WALL_DATA } from '../data/synthetic.js';
import { runInChild } from '../harness/fork.js';
import { count, fixed, formatBytes, markdownTable } from '../report/format.js';
import { baseConfig, writeSvg } from '../report/plot.js';
import { writeResult } from '../report/results.js';
import type { SystemSpec } from '../systems/types.js';
import type { SuiteContext } from './context.js';
import type { WallPointResult, WallRestartResult, WallRestartTask, WallTask } from './wall-task.js';

/** The restart of an SRM point, when it was measured. */
function restartOf(r: WallPointResult | undefined): WallRestartResult | undefined {
  return r?.restart && !('error' in r.restart) ? r.restart : undefined;
}

/** The Python SRM's packed routing layer at 1M x 768 (README: "~4.57 MB"), our ceiling. */
export const ROUTING_LAYER_CEILING_BYTES = 4.6 * 2 ** 20;

const SIZES: Record<BenchSize, { srm: number[]; pq4: number[]; peers: number }> = {
  quick: { srm: [1_000, 10_000], pq4: [10_000], peers: 10_000 },
  full: { srm: [1_000, 10_000, 100_000, 1_000_000], pq4: [100_000, 1_000_000], peers: 100_000 },
};

/** Queries a restarted SRM serves before its RSS is taken. */
const RESTART_QUERIES = 500;

const PEERS: SystemSpec[] = [
  { kind: 'hnswlib', label: 'hnswlib HNSW', M: 16, efConstruction: 100, sweep: [] },
  { kind: 'usearch', label: 'usearch HNSW i8', quantization: 'i8', connectivity: 16, expansionAdd: 64, sweep: [] },
  { kind: 'lancedb', label: 'LanceDB IVF_PQ', index: 'ivf_pq', sweep: [] },
];

/** The log-log figure of the wall (exported so a saved wall.json can be re-rendered). */
export function wallSpec(
  ns: readonly number[],
  srm: readonly WallPointResult[],
  peers: readonly WallPointResult[],
  pq4: readonly WallPointResult[] = [],
): TopLevelSpec {
  const { d } = WALL_DATA;
  const values = [
    ...ns.map((n) => ({ n, series: 'dense float32 (n x d x 4)', source: 'accounted bytes', mib: (n * d * 4) / 2 ** 20 })),
    ...srm.flatMap((r) => [
      { n: r.n, series: 'SRM routing layer', source: 'accounted bytes', mib: r.stats!.hotBytes.routingLayer / 2 ** 20 },
      { n: r.n, series: 'SRM total hot', source: 'accounted bytes', mib: r.stats!.hotBytes.total / 2 ** 20 },
      { n: r.n, series: 'SRM process RSS growth', source: 'measured RSS growth', mib: Math.max(r.rssGrowthBytes, 1) / 2 ** 20 },
      ...(r.peakRssGrowthBytes ? [{ n: r.n, series: 'SRM peak RSS growth (build)', source: 'measured RSS growth', mib: r.peakRssGrowthBytes / 2 ** 20 }] : []),
      ...(restartOf(r)
        ? [{ n: r.n, series: 'SRM RSS after a restart, serving', source: 'measured RSS growth', mib: Math.max(restartOf(r)!.rssServingBytes, 1) / 2 ** 20 }]
        : []),
    ]),
    ...pq4.flatMap((r) => [
      { n: r.n, series: 'SRM pq4 total hot', source: 'accounted bytes', mib: r.stats!.hotBytes.total / 2 ** 20 },
      ...(restartOf(r)
        ? [{ n: r.n, series: 'SRM pq4 RSS after a restart, serving', source: 'measured RSS growth', mib: Math.max(restartOf(r)!.rssServingBytes, 1) / 2 ** 20 }]
        : []),
    ]),
    ...peers.map((r) => ({ n: r.n, series: `${r.system} RSS growth`, source: 'measured RSS growth', mib: Math.max(r.rssGrowthBytes, 1) / 2 ** 20 })),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'The memory wall: hot bytes against items (d = 768, synthetic)',
      subtitle: [
        'solid: accounted bytes (n x d x 4; stats().hotBytes.routingLayer = codebook + one uint32 per item; stats().hotBytes.total)',
        'dashed: RSS growth measured in a fresh child process per point',
      ],
    },
    width: 560,
    height: 380,
    config: baseConfig,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'n', type: 'quantitative', scale: { type: 'log' }, title: 'items (log)' },
      y: { field: 'mib', type: 'quantitative', scale: { type: 'log' }, title: 'MiB (log)' },
      color: { field: 'series', type: 'nominal', title: null, scale: { scheme: 'tableau10' } },
      strokeDash: { field: 'source', type: 'nominal', title: null, legend: null },
    },
  } as TopLevelSpec;
}

export async function runWallSuite(ctx: SuiteContext): Promise<void> {
  const { d } = WALL_DATA;
  const srm: WallPointResult[] = [];
  const srmPq4: WallPointResult[] = [];
  const peers: WallPointResult[] = [];
  const failures: { system: string; n: number; error: string }[] = [];
  const run = async (task: WallTask, title: string, into: WallPointResult[]) => {
    ctx.progress.start(title);
    try {
      into.push(await runInChild<WallPointResult>(task, (phase, done, total) => ctx.progress.update(phase, done, total)));
    } catch (error) {
      failures.push({ system: typeof task.system === 'string' ? task.system : task.system.label, n: task.n, error: String(error) });
    } finally {
      ctx.progress.stop();
    }
  };
  const { srm: ns, pq4: pq4Ns, peers: peerMax } = SIZES[ctx.size];
  const restart = async (point: WallPointResult) => {
    const dir = point.persistedDir;
    delete point.persistedDir;
    if (!dir) return;
    ctx.progress.start(`wall: ${point.system} n=${count(point.n)} restart`);
    try {
      const task: WallRestartTask = { kind: 'wall-restart', n: point.n, dir, queries: RESTART_QUERIES };
      point.restart = await runInChild<WallRestartResult>(task, (phase, done, total) => ctx.progress.update(phase, done, total));
    } catch (error) {
      failures.push({ system: `${point.system} (restart)`, n: point.n, error: String(error) });
      point.restart = { error: String(error).split('\n')[0]! };
    } finally {
      rmSync(dir, { recursive: true, force: true });
      ctx.progress.stop();
    }
  };
  for (const n of ns) {
    await run({ kind: 'wall', n, system: 'srm' }, `wall: SRM n=${count(n)}`, srm);
    const point = srm.find((r) => r.n === n);
    if (point) await restart(point);
    if (n <= peerMax) for (const spec of PEERS) await run({ kind: 'wall', n, system: spec }, `wall: ${spec.label} n=${count(n)}`, peers);
  }
  for (const n of pq4Ns) {
    await run({ kind: 'wall', n, system: 'srm', rerank: 'pq4' }, `wall: SRM pq4 n=${count(n)}`, srmPq4);
    const point = srmPq4.find((r) => r.n === n);
    if (point) await restart(point);
  }
  /** `bytes` as a share of the dense float32 matrix of `n` items. */
  const ofDense = (bytes: number | undefined, n: number) => (bytes === undefined ? '-' : `${((100 * bytes) / (n * d * 4)).toFixed(1)}%`);
  const servingShare = (s: WallPointResult | undefined) => (s ? ofDense(restartOf(s)?.rssServingBytes, s.n) : '-');

  const rows = ns.map((n) => {
    const s = srm.find((r) => r.n === n);
    const hot = s?.stats?.hotBytes;
    const peerRss = PEERS.map((p) => formatBytes(peers.find((r) => r.n === n && r.system === p.label)?.rssGrowthBytes));
    return [
      count(n),
      formatBytes(n * d * 4),
      formatBytes(hot?.codebook),
      formatBytes(hot?.routing),
      formatBytes(hot?.routingLayer),
      formatBytes(hot?.total),
      ofDense(hot?.total, n),
      formatBytes(s?.rssGrowthBytes),
      formatBytes(s?.peakRssGrowthBytes ?? undefined),
      ...peerRss,
      fixed(s?.buildSeconds, 1),
      fixed(s?.closeSeconds, 2),
      fixed(restartOf(s)?.openSeconds, 2),
      fixed(restartOf(s)?.rebuildOpenSeconds, 2),
      formatBytes(restartOf(s)?.rssServingBytes),
      servingShare(s),
    ];
  });
  ctx.log(`\n## memory wall (synthetic: ${WALL_DATA.clusters} Gaussian clusters, d=${d}, seed ${WALL_DATA.seed}; SRM default config)\n`);
  ctx.log(
    markdownTable(
      [
        'items',
        'dense float32',
        'codebook',
        'routing lists',
        'SRM routing layer',
        'SRM total hot',
        'hot / dense',
        'SRM RSS growth',
        'SRM peak RSS growth',
        ...PEERS.map((p) => `${p.label} RSS`),
        'SRM build s',
        'SRM close s (checkpoint)',
        'SRM reopen s',
        'SRM reopen s without checkpoint',
        'SRM RSS after reopen, serving',
        'serving / dense',
      ],
      rows,
    ),
  );
  ctx.log(`\n## the same with rerank pq4 (SemanticRoutingMemory.open({ d, path, rerank: 'pq4' }))\n`);
  ctx.log(
    markdownTable(
      [
        'items',
        'dense float32',
        'SRM total hot',
        'hot / dense',
        'SRM RSS growth',
        'SRM peak RSS growth',
        'SRM build s',
        'SRM reopen s',
        'SRM RSS after reopen, serving',
        'serving / dense',
      ],
      pq4Ns.map((n) => {
        const s = srmPq4.find((r) => r.n === n);
        const hot = s?.stats?.hotBytes;
        return [
          count(n),
          formatBytes(n * d * 4),
          formatBytes(hot?.total),
          ofDense(hot?.total, n),
          formatBytes(s?.rssGrowthBytes),
          formatBytes(s?.peakRssGrowthBytes ?? undefined),
          fixed(s?.buildSeconds, 1),
          fixed(restartOf(s)?.openSeconds, 2),
          formatBytes(restartOf(s)?.rssServingBytes),
          servingShare(s),
        ];
      }),
    ),
  );
  const at1M = srm.find((r) => r.n === 1_000_000)?.stats?.hotBytes.routingLayer;
  const ceiling =
    at1M === undefined ? undefined : { routingLayerBytes: at1M, ceilingBytes: ROUTING_LAYER_CEILING_BYTES, pass: at1M <= ROUTING_LAYER_CEILING_BYTES };
  if (ceiling) ctx.log(`\nrouting layer at 1M: ${formatBytes(at1M)} (ceiling 4.6 MiB): ${ceiling.pass ? 'PASS' : 'FAIL'}`);
  for (const f of failures) ctx.log(`\nFAILED: ${f.system} n=${f.n}: ${f.error.split('\n').slice(0, 6).join('\n')}`);

  const spec = wallSpec(ns, srm, peers, srmPq4);
  await writeSvg(join(ctx.outDir, 'wall.svg'), spec);
  const file = writeResult(ctx.outDir, 'wall', ctx.run, {
    data: `synthetic unit vectors: ${WALL_DATA.clusters} Gaussian clusters in ${d}-d, noise ${WALL_DATA.spread}, seed ${WALL_DATA.seed}`,
    srmConfig: 'defaults (SemanticRoutingMemory.open({ d: 768, path })) on the embedded on-disk store; fit on the first trainSize items, then add all',
    routingLayerCounts: 'stats().hotBytes.routingLayer = codebook (K x d float32) + routing (bucket lists: one uint32 slot per item, allocated capacity)',
    routingLayerCeiling: ceiling ?? null,
    peakRssDefinition: "VmHWM of the point's child process minus its RSS at the baseline: the most memory the build held at once, garbage included",
    restartDefinition: `a fresh child process opens the closed memory (reading its routing checkpoint) and serves ${RESTART_QUERIES} queries from the same stream; RSS growth over its baseline (library loaded, queries in memory), after a full GC`,
    peersUpTo: SIZES[ctx.size].peers,
    srm,
    srmPq4,
    peers,
    failures,
  });
  ctx.log(`\nwrote ${file}`);
}
