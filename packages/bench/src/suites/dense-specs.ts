/**
 * The systems and parameter sweeps of the dense suite, by dataset and size.
 * Kept apart from the runner so the configuration reads as one table.
 */
import type { BenchSize } from '../config.js';
import type { DenseDatasetName } from '../harness/dense-task.js';
import type { SweepPoint, SystemSpec } from '../systems/types.js';

const points = (name: string, values: readonly number[], extra: Record<string, number> = {}): SweepPoint[] =>
  values.map((v) => ({
    label: `${name}=${v}${Object.entries(extra)
      .map(([k, x]) => ` ${k}=${x}`)
      .join('')}`,
    params: { [name]: v, ...extra },
  }));

/** SRM rerank modes, cheapest RAM last. */
export const RERANK_MODES = ['float32', 'float16', 'int8', 'pq', 'sq4', 'pq4', 'none'] as const;

function srmSweeps(K: number, rerank: (typeof RERANK_MODES)[number], size: BenchSize): SweepPoint[] {
  const ms = size === 'quick' ? [4, 16] : K <= 256 ? [2, 4, 8, 16, 24, 32] : [4, 8, 16, 32, 40, 48, 64, 128];
  // Without RAM rerank data every candidate is read from the store: probe fewer buckets.
  const mList = rerank === 'none' && size === 'full' ? ms.filter((m) => m <= (K <= 256 ? 16 : 64)) : ms;
  const sweep = points('m', mList);
  if ((rerank === 'int8' || rerank === 'pq' || rerank === 'sq4') && size === 'full') {
    const m = K <= 256 ? 16 : 64;
    sweep.push(...points('m', [m], { refine: 200 }), ...points('m', [m], { refine: 500 }));
  }
  // pq4 re-scores 256 by default: show what fewer and more cost and give at the default m.
  if (rerank === 'pq4' && size === 'full' && K <= 256) sweep.push(...[64, 128, 512].flatMap((refine) => points('m', [24], { refine })));
  return sweep;
}

function gloveSpecs(size: BenchSize): SystemSpec[] {
  const quick = size === 'quick';
  // sqrt of the indexed count (20k quick, ~340k full).
  const sqrtN = quick ? 141 : 584;
  const Ks = quick ? [256] : [256, 1024];
  const srm: SystemSpec[] = [{ kind: 'srm', label: 'SRM default', options: {}, fit: 'auto', sweep: [{ label: 'default', params: {} }] }];
  for (const K of Ks) {
    // At K=1024 only the default mode: the K=256 rows already compare the modes at equal routing, and each K=1024 fit costs minutes.
    for (const rerank of K > 256 ? (['sq4'] as const) : RERANK_MODES) {
      srm.push({ kind: 'srm', label: `SRM ${rerank} K=${K}`, options: { K, rerank }, fit: 'explicit', sweep: srmSweeps(K, rerank, size) });
    }
  }
  const efs = quick ? [20, 80] : [10, 20, 40, 80, 160, 320];
  const usearchEfs = quick ? [32, 128] : [16, 32, 64, 128, 256];
  const quants = quick ? (['f32', 'i8'] as const) : (['f32', 'f16', 'i8'] as const);
  return [
    { kind: 'brute', label: 'brute force (exact)', sweep: [{ label: 'exact', params: {} }] },
    ...srm,
    { kind: 'hnswlib', label: 'hnswlib HNSW', M: 16, efConstruction: 200, sweep: points('ef', efs) },
    ...quants.map(
      (q): SystemSpec => ({
        kind: 'usearch',
        label: `usearch HNSW ${q}`,
        quantization: q,
        connectivity: 16,
        expansionAdd: 128,
        sweep: points('ef', usearchEfs),
      }),
    ),
    // LanceDB's own defaults (few partitions at this size; PQ with 1 sub-vector when d=100 is not a multiple of 8)...
    ...(quick
      ? []
      : ([
          { kind: 'lancedb', label: 'LanceDB IVF_FLAT (defaults)', index: 'ivf_flat', sweep: points('nprobes', [1, 2, 5, 10, 20]) },
          {
            kind: 'lancedb',
            label: 'LanceDB IVF_PQ (defaults)',
            index: 'ivf_pq',
            sweep: [...points('nprobes', [20]), ...points('nprobes', [20], { refineFactor: 10 })],
          },
        ] satisfies SystemSpec[])),
    // ...and tuned: sqrt(n) partitions as its docs advise, PQ with 25 one-byte codes per vector.
    {
      kind: 'lancedb',
      label: 'LanceDB IVF_FLAT sqrt(n)',
      index: 'ivf_flat',
      numPartitions: sqrtN,
      sweep: points('nprobes', quick ? [10, 40] : [5, 10, 20, 40, 80]),
    },
    {
      kind: 'lancedb',
      label: 'LanceDB IVF_PQ sqrt(n) 25x8b',
      index: 'ivf_pq',
      numPartitions: sqrtN,
      numSubVectors: 25,
      sweep: quick
        ? [...points('nprobes', [20]), ...points('nprobes', [20], { refineFactor: 10 })]
        : [...points('nprobes', [20, 80]), ...points('nprobes', [20, 80], { refineFactor: 10 }), ...points('nprobes', [80], { refineFactor: 50 })],
    },
  ];
}

function fioriSpecs(): SystemSpec[] {
  return [
    { kind: 'brute', label: 'brute force (exact)', sweep: [{ label: 'exact', params: {} }] },
    { kind: 'srm', label: 'SRM default', options: {}, fit: 'auto', sweep: [{ label: 'default', params: {} }] },
    { kind: 'srm', label: 'SRM float32 K=16', options: { K: 16, rerank: 'float32' }, fit: 'explicit', sweep: points('m', [1, 2, 4, 8]) },
    { kind: 'srm', label: 'SRM pq K=16', options: { K: 16, rerank: 'pq' }, fit: 'explicit', sweep: points('m', [1, 2, 4, 8]) },
    { kind: 'hnswlib', label: 'hnswlib HNSW', M: 16, efConstruction: 200, sweep: points('ef', [10, 20, 40]) },
    { kind: 'usearch', label: 'usearch HNSW f32', quantization: 'f32', connectivity: 16, expansionAdd: 128, sweep: points('ef', [16, 32, 64]) },
    { kind: 'lancedb', label: 'LanceDB IVF_FLAT', index: 'ivf_flat', numPartitions: 16, sweep: points('nprobes', [1, 2, 4, 8]) },
    {
      kind: 'lancedb',
      label: 'LanceDB IVF_PQ',
      index: 'ivf_pq',
      numPartitions: 16,
      numSubVectors: 48,
      sweep: [...points('nprobes', [4]), ...points('nprobes', [4], { refineFactor: 10 })],
    },
  ];
}

/** The systems run on `dataset` at `size`. */
export function denseSpecs(dataset: DenseDatasetName, size: BenchSize): SystemSpec[] {
  return dataset === 'glove' ? gloveSpecs(size) : fioriSpecs();
}

/** Time budget of timed queries per sweep point (the query set may be cut short, never below 100 queries). */
export function queryBudgetMs(size: BenchSize): number {
  return size === 'quick' ? 3_000 : 20_000;
}
