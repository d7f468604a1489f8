/**
 * The systems under test, as plain data (they cross a process boundary) and
 * as the small interface the child-process harness drives.
 */

/** Reports progress of a long step (build, add) to the parent's progress bar. */
export type StepProgress = (phase: string, done: number, total: number) => void;

/** One query-time setting of a system (an ef, an m, an nprobes...). */
export interface SweepPoint {
  /** Short label, e.g. `"ef=64"` or `"m=8 refine=64"`. */
  label: string;
  /** Parameters the system understands. */
  params: Record<string, number | undefined>;
}

/** SemanticRoutingMemory (ours), through the published `@srm/core` entry. */
export interface SrmSpec {
  kind: 'srm';
  label: string;
  /** SRMOptions except `d`. Empty = the defaults. */
  options: Record<string, unknown>;
  /** `explicit`: `fit(base)` then `add`; `auto`: only `add`, the memory fits itself as a user's would. */
  fit: 'explicit' | 'auto';
  sweep: SweepPoint[];
}

/** hnswlib-node HNSW. */
export interface HnswlibSpec {
  kind: 'hnswlib';
  label: string;
  M: number;
  efConstruction: number;
  sweep: SweepPoint[];
}

/** usearch HNSW with a scalar type for the stored vectors. */
export interface UsearchSpec {
  kind: 'usearch';
  label: string;
  quantization: 'f32' | 'f16' | 'i8';
  connectivity: number;
  expansionAdd: number;
  sweep: SweepPoint[];
}

/** LanceDB (embedded, on local disk) with an IVF index. */
export interface LanceSpec {
  kind: 'lancedb';
  label: string;
  index: 'ivf_flat' | 'ivf_pq';
  numPartitions?: number;
  numSubVectors?: number;
  sweep: SweepPoint[];
}

/** Exact brute-force scan over a Float32Array (the latency floor of exactness). */
export interface BruteSpec {
  kind: 'brute';
  label: string;
  sweep: SweepPoint[];
}

export type SystemSpec = SrmSpec | HnswlibSpec | UsearchSpec | LanceSpec | BruteSpec;

/** What `build` measured. */
export interface BuildInfo {
  /** Wall time from empty to queryable, seconds. */
  buildSeconds: number;
  /** Codebook / quantizer training, when the system has a separate step. */
  fitSeconds?: number;
  /** Time spent adding vectors (after any fit), seconds. */
  addSeconds: number;
  /** Vectors per second of the add step. */
  addPerSecond: number;
  /** Anything else worth keeping (threads used, index creation time...). */
  notes?: Record<string, unknown>;
}

/** A built index the harness can query. Queries are given once, then referred to by row. */
export interface DenseSystem {
  build(base: Float32Array, d: number, progress: StepProgress): Promise<BuildInfo>;
  /**
   * Makes the built index durable in its own on-disk form and hands it over: returns the
   * directory it lives in, which the caller deletes (close() no longer does).
   */
  persist(): Promise<string>;
  /** Opens what {@link persist} wrote, instead of building: what a restarted process does. */
  open(dir: string, d: number): Promise<void>;
  /** Converts the query matrix to whatever the system takes, outside the timed loop. */
  prepareQueries(queries: Float32Array, d: number): void;
  /** Applies a sweep point before its queries run. */
  configure(point: SweepPoint): Promise<void> | void;
  /** Top-k base row indices for query row `q`, best first. */
  search(q: number, k: number): Promise<ArrayLike<number>> | ArrayLike<number>;
  /** Bytes of the index itself (serialized size, or SRM's hot bytes); null when not meaningful. */
  indexBytes(): Promise<{ bytes: number; what: string } | null>;
  /** Extra facts for the JSON (SRM stats, library versions). */
  details(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}
