/**
 * SRM configuration: public options (everything optional but `d`), the
 * defaults, and the validated, defaults-applied config the memory runs on.
 */
import { InvalidConfigError } from '../errors.js';
import { Limits } from '../limits.js';
import { defaultPqSubvectors } from './codecs/pq.js';
import type { Metric, RerankMode, SRMOpenOptions, SRMOptions } from './types.js';

/** The defaults-applied configuration. */
export interface SRMConfig {
  d: number;
  /** The K of every layer when `growK` is false; else the least K (see layer-shape.ts). */
  K: number;
  /** The default probe count; with `growM` it is that of a layer of K centroids, and grows with a layer's K. */
  m: number;
  /** K was left to the default: each fit and refit picks K from the item count (see layer-shape.ts). */
  growK: boolean;
  /** m was left to the default: it follows the layer's K when K does. */
  growM: boolean;
  topK: number;
  maxCandidates: number;
  metric: Metric;
  normalize: boolean;
  rerank: RerankMode;
  refine: number;
  refineEarlyStop: boolean;
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
  // Real embeddings spread a query's true neighbours over many buckets: 8 probes miss too many of
  // them, while past 24 recall grows slowly and latency linearly (docs/benchmarks/dense.md).
  m: 24,
  topK: 10,
  maxCandidates: Infinity,
  metric: 'cosine' as Metric,
  // pq4 keeps d/4 bytes per item, half of sq4, so the hot memory stays a small fraction of the dense
  // float32 matrix; its coarser ranking is made up by re-scoring more candidates (see PQ4_REFINE).
  rerank: 'pq4' as RerankMode,
  // Refine of the other modes: past a few dozen, re-scoring more candidates exactly no longer lifts
  // recall (docs/benchmarks/dense.md), and each one more is a read from the store.
  refine: 64,
  // Most queries find their top k well before the last refine candidate; the stop test leaves
  // the rest unread (see stored-scores.ts).
  refineEarlyStop: true,
  adaptiveUpdate: false,
  tau: 0.5,
  eta: 0.05,
  seed: 42,
  // 10 Lloyd iterations routed a growing memory as well as 15, within the growth suite's run-to-run
  // noise, and each one more adds a tenth to a refit's training, while the older layer serves.
  kmeansIterations: 10,
  driftRefitRatio: 1.5,
  growthRefitRatio: 2,
} as const;

/**
 * Default `refine` of rerank mode `pq4`. Its candidate ranking is coarser than sq4's, so the true
 * neighbours sit deeper in its candidate list and more of them must be re-scored exactly to reach
 * sq4's recall; 256 is where the gain levels off (docs/benchmarks/dense.md).
 */
export const PQ4_REFINE = 256;

const RERANK_MODES: readonly RerankMode[] = ['float32', 'float16', 'int8', 'pq', 'sq4', 'pq4', 'none'];
const METRICS: readonly Metric[] = ['cosine', 'dot'];
const KNOWN_KEYS = new Set([
  'd',
  'K',
  'm',
  'topK',
  'maxCandidates',
  'metric',
  'normalize',
  'rerank',
  'refine',
  'refineEarlyStop',
  'pqSubvectors',
  'adaptiveUpdate',
  'tau',
  'eta',
  'seed',
  'autoFitAt',
  'trainSize',
  'kmeansIterations',
  'driftRefitRatio',
  'growthRefitRatio',
  // open() options, validated there
  'path',
  'storage',
  'name',
  'durability',
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
    throw new InvalidConfigError(
      'options',
      `expected an object with at least { d } (or { path } / { storage } to reopen), got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
}

/** Checks the options only `open` takes; the rest are checked by {@link resolveConfig}. */
export function checkOpenOptions(options: SRMOpenOptions): void {
  checkOptionsObject(options);
  const { path, storage, name, rebuild, durability } = options;
  if (rebuild !== undefined && typeof rebuild !== 'boolean') throw new InvalidConfigError('rebuild', `expected a boolean, got ${JSON.stringify(rebuild)}`);
  if (name !== undefined && (typeof name !== 'string' || name.length === 0))
    throw new InvalidConfigError('name', `expected a non-empty string, got ${JSON.stringify(name)}`);
  if (path !== undefined && (typeof path !== 'string' || path.length === 0))
    throw new InvalidConfigError('path', `expected a non-empty string, got ${JSON.stringify(path)}`);
  // Durability is a property of the embedded store this call opens at `path`; anywhere else it would be a promise nobody keeps.
  if (durability !== undefined && (storage !== undefined || path === undefined)) {
    const where =
      storage !== undefined ? 'a given `storage` keeps its own (set it when opening that backend)' : 'a memory without `path` keeps nothing on disk';
    throw new InvalidConfigError('durability', `applies only to the embedded store opened at \`path\`; ${where}`);
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
    throw new InvalidConfigError(
      'autoFitAt',
      `must be 0 (off) or >= K (${c.K}): the automatic fit trains K centroids on the first autoFitAt items; got ${c.autoFitAt}`,
    );
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
  if (o.normalize !== undefined && typeof o.normalize !== 'boolean')
    throw new InvalidConfigError('normalize', `expected a boolean, got ${JSON.stringify(o.normalize)}`);
  const normalize = o.metric === 'cosine' ? true : (o.normalize ?? false);
  const refine = int('refine', options.refine === undefined && o.rerank === 'pq4' ? PQ4_REFINE : o.refine, 1, Limits.maxK * 10);
  if (typeof o.refineEarlyStop !== 'boolean') throw new InvalidConfigError('refineEarlyStop', `expected a boolean, got ${JSON.stringify(o.refineEarlyStop)}`);
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
  if (growthRefitRatio !== 0 && growthRefitRatio < 1.5)
    throw new InvalidConfigError('growthRefitRatio', `expected 0 (off) or a ratio >= 1.5, got ${growthRefitRatio}`);
  checkDependentOptions({ K, m, autoFitAt, trainSize });
  return {
    d,
    K,
    m,
    growK: options.K === undefined,
    growM: options.m === undefined,
    topK,
    maxCandidates,
    metric: o.metric,
    normalize,
    rerank: o.rerank,
    refine,
    refineEarlyStop: o.refineEarlyStop,
    pqSubvectors,
    adaptiveUpdate: o.adaptiveUpdate,
    tau,
    eta,
    seed,
    autoFitAt,
    trainSize,
    kmeansIterations,
    driftRefitRatio,
    growthRefitRatio,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The options that open a memory of configuration `config` (e.g. a copy of a memory elsewhere):
 * its fields, without K and m where they followed the item count, so they go on following it.
 */
export function optionsOfConfig(config: SRMConfig): SRMOptions {
  const { growK, growM, K, m, ...rest } = config;
  return { ...rest, ...(growK ? {} : { K }), ...(growM ? {} : { m }) };
}
