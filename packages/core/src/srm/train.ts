/**
 * Training a routing layer: the training samples, k-means and quantizer training, and routing
 * stored items into the new layer's lists. A fit and a refit both build their layer here, off to
 * the side of the live one, which keeps answering queries meanwhile.
 */
import { readStoredVectors } from '../storage/read-vectors.js';
import type { SRMItemStore } from '../storage/types.js';
import { Rng } from '../util/rng.js';
import { Yielder } from '../util/rw-lock.js';
import { InvertedBuckets } from './buckets.js';
import { Codebook } from './codebook.js';
import type { VectorCodec } from './codecs/codec.js';
import { createCodec } from './codecs/index.js';
import type { SRMConfig } from './config.js';
import { layerConfig } from './layer-shape.js';
import { prepareStored, RoutingLayer } from './routing-layer.js';
import type { ProgressCallback } from './types.js';
import { warmUpQueries } from './warm-up.js';
import { WORK_CHECK_MASK, WORK_SLICE_MS } from './work-slice.js';
import type { LayerTrainer, RoutedPage, Sample, TrainedParts, TrainPhases } from './layer-trainer.js';
import { ClosedError, InvalidInputError } from '../errors.js';

/** Vectors are read from the store, and routed, this many at a time. */
export const STORE_PAGE = 4096;
/** Background work reads stored vectors this many at a time: one read is work that cannot yield. */
const WORK_PAGE = 512;

/** At most `max` rows of `data`, drawn with `seed` (all of them when there are no more). */
export function subsample(data: Float32Array, n: number, d: number, max: number, seed: number): Sample {
  if (n <= max) return { data, n };
  const pick = new Rng(seed).sample(n, max);
  const out = new Float32Array(max * d);
  pick.forEach((src, i) => out.set(data.subarray(src * d, src * d + d), i * d));
  return { data: out, n: max };
}

/**
 * The rows of a batch that have a vector (all of them when `present` is null), with their buckets
 * when given: what training, drift tracking and the adaptive update see of it.
 */
export function presentRows(
  data: Float32Array,
  n: number,
  d: number,
  present: Uint8Array | null,
  buckets?: Int32Array,
): { data: Float32Array; n: number; buckets?: Int32Array } {
  if (!present) return { data, n, ...(buckets ? { buckets } : {}) };
  const keep: number[] = [];
  present.forEach((p, i) => p && keep.push(i));
  const out = new Float32Array(keep.length * d);
  keep.forEach((src, i) => out.set(data.subarray(src * d, (src + 1) * d), i * d));
  return { data: out, n: keep.length, ...(buckets ? { buckets: Int32Array.from(keep, (i) => buckets[i]!) } : {}) };
}

/**
 * The training sample of an automatic fit: the stored items with a vector (before the fit they are
 * all in the flat list in RAM) plus the incoming batch's, at most the trainSize of a layer for them all.
 */
export function flatTrainingSample(config: SRMConfig, layer: RoutingLayer, batch: Float32Array, n: number): Sample {
  const { d } = config;
  const live = layer.buckets.sizeOf(0);
  const all = new Float32Array((live + n) * d);
  const rows = layer.buckets.rowsOf(0);
  let row = 0;
  for (; row < live; row++) layer.codec.decode(rows, row, all.subarray(row * d, (row + 1) * d));
  all.set(batch, row * d);
  return subsample(all, live + n, d, layerConfig(config, live + n).trainSize, config.seed);
}

/** The training sample of an explicit fit on the `n` rows of `data`, in a memory of `live` items: at most the trainSize of its layer. */
export function givenSample(config: SRMConfig, data: Float32Array, n: number, live: number): Sample {
  return subsample(data, n, config.d, layerConfig(config, Math.max(live, n), n).trainSize, config.seed);
}

/** The training sample of a refit: at most `max` stored items, drawn with the memory's seed, read by slot. */
export async function sampleStored(config: SRMConfig, source: RoutingLayer, store: SRMItemStore, slots: readonly number[], max: number): Promise<Sample> {
  const chosen = slots.length <= max ? slots : Array.from(new Rng(config.seed).sample(slots.length, max), (i) => slots[i]!);
  return { data: await vectorsOfSlots(config, source, store, chosen), n: chosen.length };
}

/** `x - c(x)` for each of `n` rows: the training data of residual codes. It yields, as k-means does. */
export async function residuals(codebook: Codebook, data: Float32Array, n: number): Promise<Float32Array> {
  const d = codebook.d;
  const out = new Float32Array(n * d);
  const yielder = new Yielder(WORK_SLICE_MS);
  const buckets = new Int32Array(n);
  for (let from = 0; from < n; from += WORK_CHECK_MASK + 1) {
    await yielder.maybe();
    const to = Math.min(n, from + WORK_CHECK_MASK + 1);
    codebook.route(data, from, to, buckets);
    for (let i = from; i < to; i++) {
      const b = buckets[i]!;
      for (let j = 0; j < d; j++) out[i * d + j] = data[i * d + j]! - codebook.centroids[b * d + j]!;
    }
  }
  return out;
}

/** A trained codebook, with its inertia and each bucket's share of the sample. */
export interface TrainedCodebook {
  codebook: Codebook;
  inertia: number;
  shares: Float64Array;
}

/** k-means on `sample` with the memory's settings (`seed` differs between fit and refit). */
export function trainCodebook(config: SRMConfig, sample: Sample, seed: number, onProgress?: ProgressCallback, phase?: string): Promise<TrainedCodebook> {
  const { d, K, kmeansIterations, normalize } = config;
  return Codebook.train(sample.data, sample.n, d, {
    K,
    iterations: kmeansIterations,
    seed,
    spherical: normalize,
    onProgress,
    ...(phase ? { phase } : {}),
  });
}

/** A new codec of the memory's rerank mode, trained on `sample` (its residuals from `codebook` for residual codecs). */
export async function trainCodec(
  config: SRMConfig,
  codebook: Codebook,
  sample: Sample,
  onProgress?: ProgressCallback,
  phase = 'fit:quantizer',
): Promise<VectorCodec> {
  const { d, rerank, pqSubvectors, seed } = config;
  const codec = createCodec(rerank, d, pqSubvectors);
  const data = codec.residual ? await residuals(codebook, sample.data, sample.n) : sample.data;
  await codec.train(data, sample.n, seed, (done, total) => onProgress?.({ phase, done, total }));
  return codec;
}

/** A codec of the memory's rerank mode with the parameters `params` (from {@link VectorCodec.paramsToBytes}) of a trained one. */
export function codecFromParams(config: SRMConfig, params: Uint8Array, where: string): VectorCodec {
  const codec = createCodec(config.rerank, config.d, config.pqSubvectors);
  codec.paramsFromBytes(params, where);
  return codec;
}

/**
 * Routes rows `[from, to)` of `vectors` with `codebook`: each one's bucket into `out.buckets[i]`
 * and its row, encoded by `codec` (as its residual from its centroid for residual codecs), as item
 * `i` of `out.rows` (laid out by `codec`, which sizes `out.rows` with `bytesFor`).
 */
export function encodeRoutedRows(codebook: Codebook, codec: VectorCodec, vectors: Float32Array, from: number, to: number, out: RoutedPage): void {
  const { d, centroids } = codebook;
  const residual = codec.residual ? new Float32Array(d) : null;
  codebook.route(vectors, from, to, out.buckets);
  for (let i = from; i < to; i++) {
    const off = i * d;
    const b = out.buckets[i]!;
    if (!residual) {
      codec.encode(vectors, off, out.rows, i);
      continue;
    }
    for (let j = 0; j < d; j++) residual[j] = vectors[off + j]! - centroids[b * d + j]!;
    codec.encode(residual, 0, out.rows, i);
  }
}

/** Empty lists for a layer of `codebook` and `codec`, sized for `n` items by the training shares. */
export function presizedLists(codebook: Codebook, codec: VectorCodec, shares: Float64Array, n: number): InvertedBuckets {
  return InvertedBuckets.presized(codebook.K, codec, shares, n);
}

/**
 * Exact vectors of the given slots, row-major: before the fit from the flat list of `source` in
 * RAM (at `flat` positions when given), after it from the store.
 */
export async function vectorsOfSlots(
  config: SRMConfig,
  source: RoutingLayer,
  store: SRMItemStore,
  slots: readonly number[],
  flat?: Map<number, number>,
): Promise<Float32Array> {
  const { d, normalize } = config;
  const out = new Float32Array(slots.length * d);
  if (!source.codebook) {
    source.decodeFlat(slots, out, flat);
    return out;
  }
  const yielder = new Yielder(WORK_SLICE_MS);
  for (let start = 0; start < slots.length; start += WORK_PAGE) {
    await yielder.maybe();
    const page = Uint32Array.from(slots.slice(start, start + WORK_PAGE));
    const rows = out.subarray(start * d, (start + page.length) * d);
    const found = await readStoredVectors(store, page, rows);
    found.forEach((f, i) => {
      if (f) prepareStored(normalize, d, rows, i * d);
    });
  }
  return out;
}

/** Where a route reads its vectors: the layer that lists them now (the flat list before the fit) and the store. */
export interface RouteSource {
  config: SRMConfig;
  layer: RoutingLayer;
  store: SRMItemStore;
}

/**
 * Routes the given stored items into `target` with `trainer` (which trained `target`'s codebook
 * and codec), and records each one's bucket in `bucketOf` (indexed by slot) when given. Vectors
 * are read a page at a time on this thread; the trainer routes and encodes them (in a worker
 * thread, or in-process in slices), and each routed page goes straight into its lists, so a fit
 * or refit of a large memory holds the old lists and the new ones: never the dense matrix (1M x
 * 768 would be 3 GB), nor a flat copy of the new rows. One page is read while the previous one
 * is routed.
 */
export async function routeInto(
  target: RoutingLayer,
  from: RouteSource,
  slots: readonly number[],
  phase: string,
  trainer: LayerTrainer,
  onProgress?: ProgressCallback,
  bucketOf?: Int32Array,
): Promise<void> {
  const flat = from.layer.codebook ? undefined : from.layer.flatPositions();
  let inFlight: { page: readonly number[]; routed: Promise<RoutedPage> } | null = null;
  const apply = async (done: { page: readonly number[]; routed: Promise<RoutedPage> }) => {
    const { buckets, rows } = await done.routed;
    done.page.forEach((slot, i) => {
      if (bucketOf) bucketOf[slot] = buckets[i]!;
      target.placeEncoded(slot, buckets[i]!, rows, i);
    });
  };
  for (let start = 0; start < slots.length; start += WORK_PAGE) {
    const page = slots.slice(start, start + WORK_PAGE);
    const vectors = await vectorsOfSlots(from.config, from.layer, from.store, page, flat);
    onProgress?.({ phase, done: start, total: slots.length });
    const next = { page, routed: trainer.route(vectors, page.length) };
    // Handled from the start: when the page before it fails (close() fails every request of the
    // worker), this one is never awaited, and its rejection must not go unhandled.
    next.routed.catch(() => undefined);
    if (inFlight) await apply(inFlight);
    inFlight = next;
  }
  if (inFlight) await apply(inFlight);
}

/**
 * A new layer with a codebook and quantizer trained on `sample`, every item of the live layer
 * routed and encoded into it; the live layer is left as it is. `represents` is how many items the
 * training data stands for (the baseline of the growth-triggered refit).
 */
export async function fitLayer(
  from: RouteSource,
  sample: Sample,
  represents: number,
  onProgress?: ProgressCallback,
  trainer?: LayerTrainer,
): Promise<RoutingLayer> {
  // K may follow the item count (layer-shape.ts), within what the sample can train.
  const config = layerConfig(from.config, represents, sample.n);
  const { layer: current } = from;
  const { d, K, seed } = config;
  trainer ??= new InProcessTrainer(config);
  if (sample.n < K) throw new InvalidInputError(`fitting K=${K} centroids needs at least ${K} vectors, got ${sample.n}`);
  const { codebook, codec, inertia, shares } = await trainer.train(sample, seed, FIT_PHASES, onProgress);
  const slots = current.codebook ? current.allSlots() : [...current.buckets.slotsOf(0)];
  const next = new RoutingLayer(d, codebook, codec, presizedLists(codebook, codec, shares, slots.length), current.slots, {
    fitError: inertia,
    sizeAtFit: represents,
  });
  await routeInto(next, from, slots, 'fit:route', trainer, onProgress);
  next.buckets.shrinkToFit();
  if (!current.codebook) await warmUpQueries(next, from.store, from.config, sample);
  return next;
}

/** Progress phases of a fit's training. */
export const FIT_PHASES = { kmeans: 'fit:kmeans', quantizer: 'fit:quantizer' } as const;

/** Rows routed between looks at the clock on the main thread: as many as k-means checks. */
const ROUTE_CHUNK = WORK_CHECK_MASK + 1;

/**
 * The trainer that works on the main thread, in slices that give queries a turn (see
 * work-slice.ts): where no worker thread can start, and for the first fit, which holds the write
 * lock anyway.
 */
export class InProcessTrainer implements LayerTrainer {
  readonly inWorker = false;
  private parts: TrainedParts | null = null;
  private closed = false;

  constructor(private readonly config: SRMConfig) {}

  async train(sample: Sample, seed: number, phases: TrainPhases, onProgress?: ProgressCallback): Promise<TrainedParts> {
    this.checkOpen();
    const { codebook, inertia, shares } = await trainCodebook(this.config, sample, seed, onProgress, phases.kmeans);
    this.checkOpen();
    const codec = await trainCodec(this.config, codebook, sample, onProgress, phases.quantizer);
    this.checkOpen();
    this.parts = { codebook, codec, inertia, shares };
    return this.parts;
  }

  async route(vectors: Float32Array, n: number): Promise<RoutedPage> {
    this.checkOpen();
    if (!this.parts) throw new InvalidInputError('route before train');
    const { codebook, codec } = this.parts;
    const out = { buckets: new Int32Array(n), rows: new Uint8Array(codec.bytesFor(n)) };
    const yielder = new Yielder(WORK_SLICE_MS);
    for (let from = 0; from < n; from += ROUTE_CHUNK) {
      await yielder.maybe();
      this.checkOpen();
      encodeRoutedRows(codebook, codec, vectors, from, Math.min(n, from + ROUTE_CHUNK), out);
    }
    return out;
  }

  close(): void {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('memory');
  }
}
