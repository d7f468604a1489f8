/**
 * How many centroids a fit or refit trains, on how large a sample, and how many of them a query
 * probes by default. With `K` left to the default, K follows the item count: every fit and refit
 * picks it from the items it routes, so buckets stay a bounded size as the memory grows and a
 * query scans a bounded number of candidates, instead of K staying at the first fit's value while
 * every bucket grows with the memory. An explicit `K` is kept for every layer.
 */
import type { SRMConfig } from './config.js';

/** The largest K a layer may have (the `K` option's upper bound). */
export const MAX_LAYER_K = 65_536;
/** Centroids per square root of the item count when K follows the item count (IVF practice: a few). */
const K_PER_SQRT_ITEMS = 2;
/** The least training items per centroid the automatic K keeps (k-means is poorly determined below ~40). */
const MIN_ITEMS_PER_CENTROID = 40;
/**
 * Training sample per centroid of a layer grown past the configured K (whose default trainSize,
 * 64·K, stays the floor). k-means is well determined from ~40 per centroid on, and a refit's
 * training time is proportional to its sample: a growing memory is re-routed sooner
 * (docs/benchmarks.md, Growth).
 */
const SAMPLE_PER_CENTROID = 40;

/** What a layer is trained with: its K and the largest training sample. */
export interface LayerShape {
  K: number;
  trainSize: number;
}

/** The power of two nearest to `x` on a log scale. */
function nearestPowerOfTwo(x: number): number {
  return 2 ** Math.round(Math.log2(Math.max(1, x)));
}

/**
 * K and training-sample size of a layer fitted for `items` items, trained on at most
 * `trainItems` of them (an explicit fit may give fewer). With a fixed K (`config.growK` false):
 * the configured ones. Else the power of two nearest `K_PER_SQRT_ITEMS·sqrt(items)`, never below
 * the configured K (the minimum), nor above what `trainItems` can train (`MIN_ITEMS_PER_CENTROID`
 * each), with a sample of at least `SAMPLE_PER_CENTROID` per centroid (the configured trainSize
 * is a floor).
 */
export function layerShape(config: Pick<SRMConfig, 'K' | 'growK' | 'trainSize'>, items: number, trainItems = items): LayerShape {
  const { K, trainSize } = config;
  if (!config.growK) return { K, trainSize };
  const wanted = nearestPowerOfTwo(K_PER_SQRT_ITEMS * Math.sqrt(items));
  // The largest power of two the training items determine.
  const trainable = 2 ** Math.floor(Math.log2(Math.max(1, Math.min(items, trainItems) / MIN_ITEMS_PER_CENTROID)));
  const layerK = Math.max(K, Math.min(wanted, trainable, MAX_LAYER_K));
  return { K: layerK, trainSize: Math.max(trainSize, SAMPLE_PER_CENTROID * layerK) };
}

/** `config` with the K and training sample of a layer fitted for `items` items (see {@link layerShape}). */
export function layerConfig(config: SRMConfig, items: number, trainItems = items): SRMConfig {
  const shape = layerShape(config, items, trainItems);
  return shape.K === config.K && shape.trainSize === config.trainSize ? config : { ...config, ...shape };
}

/**
 * Default probes of a layer whose K grew past the configured one. Its buckets are finer, so a
 * query's true neighbours spread over more of them than over the first layer's, but a fixed count
 * probes a smaller share of the memory as it grows (IVF practice: nlist grows with sqrt(n),
 * nprobe stays). Fewer left recall@10 of GloVe words added in frequency order below the growth
 * suite's target at K 512 and 1024 (issue 20).
 */
const GROWN_LAYER_PROBES = 64;

/**
 * Candidates (items of the probed buckets, at the layer's mean bucket size) a default probe count
 * covers at least. A small layer's buckets hold few items each, and a fixed count of them leaves
 * many of a query's true neighbours unprobed, while scanning codes costs little next to the
 * refine's reads from the store (the measurements are in docs/concepts.md, "Probes").
 */
const TARGET_CANDIDATES = 16_384;

/**
 * Growth since the fit past which a layer is overdue for a refit (the default growth trigger),
 * and the most its default probe count widens then. The items routed since the fit were placed
 * by centroids that never saw them: in arrival order (an agent meets common things first, rarer
 * ones later) they crowd into the centroids nearest their region, and a query's true neighbours
 * spread over more buckets than at the fit. A layer that has outgrown its fit this far (its refit
 * is late: it runs longer than the memory takes to double) probes in proportion to the growth,
 * until a refit installs centroids trained on those items.
 */
const OVERDUE_GROWTH = 2;
const MAX_PROBE_WIDENING = 4;
/**
 * The largest share of the buckets a default probe count widens to: to cover the candidate
 * target (which bounds the work by itself; past half of K a query is close to a scan of every
 * code), and on an overdue layer, whose buckets grew with it (past a quarter of K the growth
 * suite's queries right after the adds got much slower and no more of them reached its recall
 * target).
 */
const MAX_COVERING_SHARE = 0.5;
const MAX_OVERDUE_SHARE = 0.25;

/** What the default probe count of a layer depends on. */
export interface ProbeBasis {
  /** The layer's centroids. */
  K: number;
  /** Items routed into it (those with a vector). */
  routed: number;
  /** How many times the items its fit stood for it holds (1 right after the fit). */
  growth: number;
}

/**
 * The default probe count of a layer. With an explicit `m`: that m. Else the configured m at the
 * configured K (or a fixed K), {@link GROWN_LAYER_PROBES} (at least the configured m) once K has
 * grown: the base. It widens to cover {@link TARGET_CANDIDATES} candidates (never past
 * {@link MAX_COVERING_SHARE} of K), and on an overdue layer (growth at least
 * {@link OVERDUE_GROWTH}) to the base times the growth (at most {@link MAX_PROBE_WIDENING} times
 * and {@link MAX_OVERDUE_SHARE} of K). Never above K, never below the base.
 */
export function defaultProbes(config: Pick<SRMConfig, 'K' | 'm' | 'growK' | 'growM'>, layer: ProbeBasis): number {
  const { K, routed, growth } = layer;
  if (!config.growM) return Math.min(config.m, K);
  const base = !config.growK || K <= config.K ? config.m : Math.max(config.m, GROWN_LAYER_PROBES);
  const covering = Math.ceil((TARGET_CANDIDATES * K) / Math.max(1, routed));
  const overdue = growth >= OVERDUE_GROWTH ? Math.round(base * Math.min(MAX_PROBE_WIDENING, growth)) : base;
  const widened = Math.max(Math.min(covering, Math.round(MAX_COVERING_SHARE * K)), Math.min(overdue, Math.round(MAX_OVERDUE_SHARE * K)));
  return Math.min(K, Math.max(base, widened));
}
