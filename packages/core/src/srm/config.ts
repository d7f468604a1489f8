/**
 * SRM configuration: public options (everything optional but `d`), the
 * defaults, and the validated, defaults-applied config the memory runs on.
 */
import { InvalidConfigError } from '../errors.js';
import { Limits } from '../limits.js';
import { defaultPqSubvectors } from './codecs/pq.js';
import type { Metric, RerankMode, SRMOptions } from './types.js';

/** The defaults-applied configuration. */
export interface SRMConfig {
  d: number;
  K: number;
  m: number;
  topK: number;
  maxCandidates: number;
  metric: Metric;
  normalize: boolean;
  rerank: RerankMode;
  refine: number;
  pqSubvectors: number;
  adaptiveUpdate: boolean;
  tau: number;
  eta: number;
  seed: number;
  autoFitAt: number;
  trainSize: number;
  kmeansIterations: number;
  driftRefitRatio: number;
  growthRefitRatio: number;
}

/** Defaults shared by every memory; `d`-dependent ones are derived in {@link resolveConfig}. */
export const defaultSRMOptions = {
  K: 256,
  // The Python SRM defaults to m=8. On real GloVe-100 vectors (340k, K=256, sq4) m=8 reaches
  // recall@10 0.869, m=24 0.965 and m=32 0.978 at 1.2x m=24's latency (docs/benchmarks/dense.md), so we
  // probe 24 buckets by default.
  m: 24,
  topK: 10,
  maxCandidates: Infinity,
  metric: 'cosine' as Metric,
  // pq4 keeps d/4 bytes per item: under 10% of the dense float32 matrix with the routing layer (sq4's
  // d/2 bytes make ~14%). On a GloVe-100 memory grown in arrival order (340k words, K=256, m=24) pq4
  // with its refine of 256 reached recall@10 0.959 against sq4's 0.941 at refine 64
  // (packages/bench/scratch, one process): the default mode. See PQ4_REFINE.
  rerank: 'pq4' as RerankMode,
  // Refine of the other modes. Re-scoring 64, 200 or 500 candidates exactly gives the same recall@10 on
  // GloVe with sq4 (0.939 at m=16, docs/benchmarks/dense.md); each one more is a read from the store.
  refine: 64,
  adaptiveUpdate: false,
  tau: 0.5,
  eta: 0.05,
  seed: 42,
  kmeansIterations: 15,
  driftRefitRatio: 1.5,
  growthRefitRatio: 2,
} as const;

/**
 * Default `refine` of rerank mode `pq4`. Its candidate ranking is coarser than sq4's: on GloVe-100
 * (340k, K=256, m=24) recall@10 after re-scoring 64 / 128 / 256 / 512 candidates was
 * 0.900 / 0.941 / 0.959 / 0.964, against sq4's 0.965 at 64 (`npm run bench -- --size full --suite
 * dense`, docs/benchmarks/dense.md). Grown in arrival order, 192 gave 0.953 and 256 0.959: 256 keeps
 * a margin above 0.95.
 */
export const PQ4_REFINE = 256;

const RERANK_MODES: readonly RerankMode[] = ['float32', 'float16', 'int8', 'pq', 'sq4', 'pq4', 'none'];
const METRICS: readonly Metric[] = ['cosine', 'dot'];
const KNOWN_KEYS = new Set([
  'd', 'K', 'm', 'topK', 'maxCandidates', 'metric', 'normalize', 'rerank', 'refine', 'pqSubvectors',
  'adaptiveUpdate', 'tau', 'eta', 'seed', 'autoFitAt', 'trainSize', 'kmeansIterations', 'driftRefitRatio', 'growthRefitRatio',
  // open() options, validated there
  'path', 'storage', 'name', 'durability',
]);

function int(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidConfigError(field, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function num(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max) {
    throw new InvalidConfigError(field, `expected a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Refuses options that are not an object (`open(null)`), before any field is read. */
export function checkOptionsObject(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidConfigError('options', `expected an object with at least { d } (or { path } / { storage } to reopen), got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
}

/**
 * Checks the options that constrain each other, on the final configuration (at creation,
 * and at a reopen where the stored K meets the caller's overrides): each alone may be in
 * range while together they fail later, e.g. `autoFitAt < K` makes every add fail once
 * the memory reaches `autoFitAt` items, since k-means needs at least K of them.
 */
export function checkDependentOptions(c: Pick<SRMConfig, 'K' | 'm' | 'autoFitAt' | 'trainSize'>): void {
  if (c.m > c.K) throw new InvalidConfigError('m', `must be <= K (${c.K}), got ${c.m}`);
  if (c.autoFitAt !== 0 && c.autoFitAt < c.K) {
    throw new InvalidConfigError('autoFitAt', `must be 0 (off) or >= K (${c.K}): the automatic fit trains K centroids on the first autoFitAt items; got ${c.autoFitAt}`);
  }
  if (c.trainSize < c.K) throw new InvalidConfigError('trainSize', `must be >= K (${c.K}), got ${c.trainSize}`);
}

/** Validates options and applies defaults. Every problem names its field. */
export function resolveConfig(options: SRMOptions): SRMConfig {
  checkOptionsObject(options);
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) throw new InvalidConfigError(key, 'unknown option');
  }
  const o = { ...defaultSRMOptions, ...stripUndefined(options) } as SRMOptions & typeof defaultSRMOptions;
  if (o.d === undefined) throw new InvalidConfigError('d', 'is required (the embedding dimension)');
  const d = int('d', o.d, 1, Limits.maxDimension);
  const K = int('K', o.K, 1, 65_536);
  // The default m adapts to a small K; an explicit m > K is an error.
  const m = options.m === undefined ? Math.min(defaultSRMOptions.m, K) : int('m', o.m, 1, Number.MAX_SAFE_INTEGER);
  if (m > K) throw new InvalidConfigError('m', `must be <= K (${K}), got ${m}`);
  const topK = int('topK', o.topK, 1, Limits.maxK);
  const maxCandidates = o.maxCandidates === Infinity ? Infinity : int('maxCandidates', o.maxCandidates, 1, Number.MAX_SAFE_INTEGER);
  if (!METRICS.includes(o.metric)) throw new InvalidConfigError('metric', `expected one of ${METRICS.join(', ')}, got ${JSON.stringify(o.metric)}`);
  if (!RERANK_MODES.includes(o.rerank)) throw new InvalidConfigError('rerank', `expected one of ${RERANK_MODES.join(', ')}, got ${JSON.stringify(o.rerank)}`);
  // Cosine is computed as the dot product of unit vectors, so cosine always normalises.
  if (o.metric === 'cosine' && o.normalize === false) {
    throw new InvalidConfigError('normalize', 'metric "cosine" always normalises vectors; use metric "dot" for raw dot products');
  }
  if (o.normalize !== undefined && typeof o.normalize !== 'boolean') throw new InvalidConfigError('normalize', `expected a boolean, got ${JSON.stringify(o.normalize)}`);
  const normalize = o.metric === 'cosine' ? true : (o.normalize ?? false);
  const refine = int('refine', options.refine === undefined && o.rerank === 'pq4' ? PQ4_REFINE : o.refine, 1, Limits.maxK * 10);
  const pqSubvectors = int('pqSubvectors', o.pqSubvectors ?? defaultPqSubvectors(d), 1, d);
  if (d % pqSubvectors !== 0) throw new InvalidConfigError('pqSubvectors', `must divide d=${d}, got ${pqSubvectors}`);
  if (typeof o.adaptiveUpdate !== 'boolean') throw new InvalidConfigError('adaptiveUpdate', `expected a boolean, got ${JSON.stringify(o.adaptiveUpdate)}`);
  const tau = num('tau', o.tau, 0, 4);
  const eta = num('eta', o.eta, 0, 1);
  const seed = int('seed', o.seed, 0, 0xffffffff);
  // Below ~40 points per centroid k-means is poorly determined (faiss warns at 39).
  const autoFitAt = int('autoFitAt', o.autoFitAt ?? Math.max(40 * K, 1000), 0, Limits.maxItems);
  const trainSize = int('trainSize', o.trainSize ?? Math.max(64 * K, 10_000), K, Limits.maxItems);
  const kmeansIterations = int('kmeansIterations', o.kmeansIterations, 1, 1000);
  const driftRefitRatio = num('driftRefitRatio', o.driftRefitRatio, 0, 1000);
  if (driftRefitRatio !== 0 && driftRefitRatio < 1) throw new InvalidConfigError('driftRefitRatio', `expected 0 (off) or a ratio >= 1, got ${driftRefitRatio}`);
  const growthRefitRatio = num('growthRefitRatio', o.growthRefitRatio, 0, 1000);
  if (growthRefitRatio !== 0 && growthRefitRatio < 1.5) throw new InvalidConfigError('growthRefitRatio', `expected 0 (off) or a ratio >= 1.5, got ${growthRefitRatio}`);
  checkDependentOptions({ K, m, autoFitAt, trainSize });
  return {
    d, K, m, topK, maxCandidates, metric: o.metric, normalize, rerank: o.rerank, refine, pqSubvectors,
    adaptiveUpdate: o.adaptiveUpdate, tau, eta, seed, autoFitAt, trainSize, kmeansIterations, driftRefitRatio, growthRefitRatio,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
