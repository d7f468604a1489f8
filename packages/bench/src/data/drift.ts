/**
 * A drifting stream of real vectors: GloVe words ordered along the first
 * principal component of the vocabulary, cut into phases. The codebook is
 * fitted on phase 0 (one end of the space); every later phase lands further
 * away from it. Within a phase the order is shuffled. A seeded sample of each
 * phase is held out as that phase's queries.
 */
import { loadGloveVectors, Rng } from '@srm/core/datasets';
import type { BenchSize } from '../config.js';
import { sampleIndices } from '../rng.js';
import { normalizeRows } from '../vectors.js';

export const DRIFT_SEED = 99;

export const DRIFT_SIZES: Record<BenchSize, { words: number; phases: number; queriesPerPhase: number }> = {
  quick: { words: 40_000, phases: 4, queriesPerPhase: 50 },
  full: { words: 200_000, phases: 8, queriesPerPhase: 100 },
};

export interface DriftData {
  name: string;
  description: string;
  d: number;
  /** Items in insertion order (row i gets id `String(i)`). */
  stream: Float32Array;
  /** Cumulative item count at the end of each phase. */
  phaseEnds: number[];
  /** Held-out queries, phase by phase. */
  queries: Float32Array;
  /** Cumulative query count at the end of each phase. */
  queryPhaseEnds: number[];
}

/** Unit first principal direction of the rows (power iteration on the centred covariance). */
export function firstPrincipalDirection(x: Float32Array, d: number, iterations = 25, seed = DRIFT_SEED): Float64Array {
  const n = x.length / d;
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j]! += x[i * d + j]!;
  for (let j = 0; j < d; j++) mu[j]! /= n;
  const rng = new Rng(seed);
  let v = Float64Array.from({ length: d }, () => rng.normal());
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      let p = 0;
      for (let j = 0; j < d; j++) p += (x[i * d + j]! - mu[j]!) * v[j]!;
      for (let j = 0; j < d; j++) next[j]! += p * (x[i * d + j]! - mu[j]!);
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += next[j]! * next[j]!;
    norm = Math.sqrt(norm);
    for (let j = 0; j < d; j++) next[j]! /= norm;
    v = next;
  }
  return v;
}

export async function loadDriftData(size: BenchSize): Promise<DriftData> {
  const glove = await loadGloveVectors();
  const d = glove.dim;
  const { words, phases, queriesPerPhase } = DRIFT_SIZES[size];
  const n = Math.min(words, glove.words.length);
  const x = normalizeRows(glove.vectors.slice(0, n * d), d);
  const pc = firstPrincipalDirection(x, d);
  const proj = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let p = 0;
    for (let j = 0; j < d; j++) p += x[i * d + j]! * pc[j]!;
    proj[i] = p;
  }
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => proj[a]! - proj[b]! || a - b);
  const rng = new Rng(DRIFT_SEED);
  const stream = new Float32Array((n - phases * queriesPerPhase) * d);
  const queries = new Float32Array(phases * queriesPerPhase * d);
  const phaseEnds: number[] = [];
  const queryPhaseEnds: number[] = [];
  let s = 0;
  let q = 0;
  for (let p = 0; p < phases; p++) {
    const lo = Math.floor((p * n) / phases);
    const hi = Math.floor(((p + 1) * n) / phases);
    const rows = order.subarray(lo, hi);
    const shuffled = sampleIndices(rows.length, rows.length, rng);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[shuffled[i]!]!;
      const src = x.subarray(row * d, row * d + d);
      if (i < queriesPerPhase) queries.set(src, q++ * d);
      else stream.set(src, s++ * d);
    }
    phaseEnds.push(s);
    queryPhaseEnds.push(q);
  }
  return {
    name: `drift-glove-${size}`,
    description: `the ${n.toLocaleString('en-US')} most frequent GloVe words, ordered along the vocabulary's first principal component, in ${phases} phases (shuffled within a phase); ${queriesPerPhase} held-out words per phase as queries`,
    d,
    stream,
    phaseEnds,
    queries,
    queryPhaseEnds,
  };
}
