/**
 * The streams of the growth suite, each in the order an agent would add it:
 * - `file`: GloVe-100 in the file's own (frequency) order, the dense suite's split;
 * - `shuffled`: the same words in a seeded random order (the reference for arrival order);
 * - `drift`: the drift suite's stream (GloVe along its first principal component).
 * Row i of a stream gets id `String(i)`; the held-out queries are never added.
 */
import { Rng } from '@srm/core/datasets';
import type { BenchSize } from '../config.js';
import { benchCacheDir } from './paths.js';
import { loadDriftData } from './drift.js';
import { loadGloveDataset } from './glove.js';
import type { GroundTruth } from '../ground-truth.js';
import { cachedStageTruths } from './growth-truth.js';
import { sampleIndices } from '../rng.js';
import { stageEnds } from '../suites/growth-plan.js';
import { gatherRows } from '../vectors.js';

export const GROWTH_ORDERS = ['file', 'shuffled', 'drift'] as const;
export type GrowthOrder = (typeof GROWTH_ORDERS)[number];

/** Seed of the shuffled order. */
export const GROWTH_SHUFFLE_SEED = 7;

/** recall@k of the suite. */
export const GROWTH_K = 10;

/** GloVe words streamed and held-out queries used, per size (the drift stream has its own sizes). */
export const GROWTH_GLOVE_SIZES: Record<BenchSize, { words: number | 'all'; queries: number }> = {
  quick: { words: 40_000, queries: 200 },
  full: { words: 'all', queries: 1_000 },
};

export interface GrowthData {
  name: string;
  description: string;
  d: number;
  /** Items in arrival order. */
  stream: Float32Array;
  /** Item count at the end of each stage (25 / 50 / 75 / 100 %). */
  stageEnds: number[];
  /** Held-out queries. */
  queries: Float32Array;
  /** Queries that belong to each stage: the first `stageQueryEnds[s]` rows (all of them, except for drift). */
  stageQueryEnds: number[];
}

export async function loadGrowthData(order: GrowthOrder, size: BenchSize): Promise<GrowthData> {
  if (order === 'drift') {
    const drift = await loadDriftData(size);
    const phases = drift.phaseEnds.length;
    // The drift stream's phases come in multiples of 4: its quarters are phase ends.
    const perStage = phases / 4;
    if (!Number.isInteger(perStage)) throw new RangeError(`the drift stream has ${phases} phases, not a multiple of 4`);
    const at = (ends: readonly number[]) => [1, 2, 3, 4].map((s) => ends[s * perStage - 1]!);
    return {
      name: `growth-drift-${size}`,
      description: `drifting topics: ${drift.description}; queries of the phases added so far`,
      d: drift.d,
      stream: drift.stream,
      stageEnds: at(drift.phaseEnds),
      queries: drift.queries,
      stageQueryEnds: at(drift.queryPhaseEnds),
    };
  }
  const glove = await loadGloveDataset('full');
  const { d } = glove;
  const spec = GROWTH_GLOVE_SIZES[size];
  const total = glove.base.length / d;
  const n = spec.words === 'all' ? total : Math.min(spec.words, total);
  const fileOrder = glove.base.subarray(0, n * d);
  const stream = order === 'file' ? fileOrder : gatherRows(fileOrder, d, sampleIndices(n, n, new Rng(GROWTH_SHUFFLE_SEED)));
  const nq = Math.min(spec.queries, glove.queries.length / d);
  const how = order === 'file' ? "in the file's (frequency) order" : `in a seeded random order (seed ${GROWTH_SHUFFLE_SEED})`;
  return {
    name: `growth-${order}-${size}`,
    description: `GloVe 100-d, the ${n.toLocaleString('en-US')} most frequent indexed words of the dense suite's split ${how}; ${nq} held-out query words`,
    d,
    stream,
    stageEnds: stageEnds(n),
    queries: glove.queries.slice(0, nq * d),
    stageQueryEnds: [nq, nq, nq, nq],
  };
}

/** Exact top-k of every stage's queries over the items that arrived by the end of that stage (cached on disk). */
export function growthTruths(data: GrowthData, onProgress?: (stage: number, done: number, total: number) => void): GroundTruth[] {
  return cachedStageTruths(data, GROWTH_K, benchCacheDir(), onProgress);
}
