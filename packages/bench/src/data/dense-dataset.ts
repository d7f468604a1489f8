/** A real-vector dataset split into an indexed base and held-out queries. */

/** Every row of `base` and `queries` is unit length, so dot product = cosine. */
export interface DenseDataset {
  /** Stable name used in results and cache keys, e.g. `"glove-100"`. */
  name: string;
  /** One line on where the vectors come from and how they were split. */
  description: string;
  d: number;
  /** `n * d` indexed vectors. */
  base: Float32Array;
  /** `nq * d` query vectors, none of which is in `base`. */
  queries: Float32Array;
  /** Label of each base row (a word, a document chunk id). */
  baseLabels: string[];
  /** Label of each query row. */
  queryLabels: string[];
}

/** Number of rows of `dataset.base`. */
export function baseSize(dataset: DenseDataset): number {
  return dataset.base.length / dataset.d;
}

/** Number of rows of `dataset.queries`. */
export function querySize(dataset: DenseDataset): number {
  return dataset.queries.length / dataset.d;
}
