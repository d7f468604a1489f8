/**
 * What a fit or refit asks of the thread that does its compute: train a codebook and a quantizer
 * on a sample, then route pages of vectors with them (nearest centroid, encoded row). The
 * main-thread reads from the store and the swaps stay with the caller. `InProcessTrainer`
 * (train.ts) does the work on the main thread in slices; `WorkerTrainer` (training-worker.ts)
 * runs the same functions in a worker thread, so queries never wait for it.
 */
import type { Codebook } from './codebook.js';
import type { VectorCodec } from './codecs/codec.js';
import type { ProgressCallback } from './types.js';

/** Row-major training vectors. */
export interface Sample {
  data: Float32Array;
  n: number;
}

/** A trained codebook and quantizer, with the codebook's inertia and each bucket's share of the sample. */
export interface TrainedParts {
  codebook: Codebook;
  codec: VectorCodec;
  inertia: number;
  shares: Float64Array;
}

/** A routed page: row `i`'s bucket, and its row encoded as item `i` of `rows` (in the codec's layout). */
export interface RoutedPage {
  buckets: Int32Array;
  rows: Uint8Array;
}

/** Progress phase names of the two training steps. */
export interface TrainPhases {
  kmeans: string;
  quantizer: string;
}

/** Trains a layer's codebook and quantizer, then routes vectors with them. */
export interface LayerTrainer {
  /** True when the work runs in a worker thread. */
  readonly inWorker: boolean;
  /**
   * Trains on `sample` (k-means with `seed`, then the quantizer on the same rows). `sample.data`
   * may be handed over to another thread: the caller must not use it afterwards.
   */
  train(sample: Sample, seed: number, phases: TrainPhases, onProgress?: ProgressCallback): Promise<TrainedParts>;
  /**
   * Routes the `n` rows of `vectors` with what {@link train} trained. `vectors` may be handed
   * over to another thread: the caller must not use it afterwards.
   */
  route(vectors: Float32Array, n: number): Promise<RoutedPage>;
  /** Stops: a worker is terminated, and pending and later calls reject with `ClosedError`. */
  close(): void;
}
