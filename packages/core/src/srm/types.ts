/**
 * Public types of {@link SemanticRoutingMemory}.
 */
import type { FilterInput } from '../filter.js';
import type { Durability } from '../storage/embedded/sqlite.js';
import type { StorageBackend } from '../storage/types.js';
import type { Payload, ProgressCallback } from '../vocabulary.js';

export type { ProgressCallback, ProgressEvent } from '../vocabulary.js';

/**
 * How full vectors are kept for the exact rerank of candidates.
 * - `float32`: every vector in RAM (4·d bytes/item). Fastest, biggest.
 * - `float16`: every vector in RAM at half precision (2·d bytes/item), reranked directly.
 * - `int8`: scalar-quantised codes in RAM (d bytes/item) score the candidates; the best `refine` are re-scored exactly from the store.
 * - `pq`: product-quantised codes in RAM (`pqSubvectors` bytes/item) score the candidates; the best `refine` are re-scored exactly from the store.
 * - `sq4`: 4-bit codes per dimension in RAM (d/2 bytes/item, as many as `pq` with its default sub-vectors), scored 32 at a time by a WebAssembly SIMD
 *   kernel (faiss's "fast scan"); the best `refine` are re-scored exactly from the store. Same recall as `pq`, much faster scan.
 * - `pq4`: 4-bit codes per pair of dimensions in RAM (d/4 bytes/item, half of `sq4`), scanned like `sq4`; coarser, so the best
 *   `refine` (default 256) are re-scored exactly from the store. The default: the smallest hot memory that still scores candidates in RAM
 *   (under 10% of the dense float32 matrix).
 * - `none`: nothing in RAM but the routing layer; every candidate is re-scored from the store (slowest, smallest).
 */
export type RerankMode = 'float32' | 'float16' | 'int8' | 'pq' | 'sq4' | 'pq4' | 'none';

/** Similarity used for routing and reranking. */
export type Metric = 'cosine' | 'dot';

/** A vector: a Float32Array or a plain array of numbers. */
export type VectorLike = Float32Array | readonly number[];

/**
 * A batch of vectors: an array of vectors, or one flat Float32Array of `n * d` values. In the
 * array that `add` and `addAndDelete` take, `null` stands for an item stored without a vector
 * (its payload only). Such an item is in no bucket: `get`, `items`, `has`, `delete` and
 * `deleteWhere` see it, `query` never returns it, and it costs no rerank row in RAM. `fit`
 * takes vectors only.
 */
export type VectorBatch = readonly (VectorLike | null)[] | Float32Array;

/**
 * Configuration of a {@link SemanticRoutingMemory}. Everything but `d` is optional.
 */
export interface SRMOptions {
  /** Embedding dimension. Required; 1 to `Limits.maxDimension`. */
  d: number;
  /**
   * Codebook size (number of buckets), the same for every fit and refit. Default: it follows the
   * item count, so buckets stay a bounded size as the memory grows: each fit and refit trains the
   * power of two nearest 2·sqrt(items), at least 256 (and a sample of at least 40 items per centroid).
   */
  K?: number;
  /**
   * Buckets probed per query (multi-probe; faiss's nprobe), 1 to K. Default 24: on real embeddings
   * a handful of probes misses too many true neighbours (docs/benchmarks/dense.md); 64 once a
   * default K has grown past 256. Left to the default, it also widens on a small layer (to cover
   * about 16,384 candidates, up to K/2) and on one holding twice the items its fit stood for
   * (up to 4x and K/4); `stats().m` is the count in use (docs/concepts.md, "Probes"). More probes:
   * higher recall, linearly more candidates to scan.
   */
  m?: number;
  /** Default number of results of `query`. Default 10. */
  topK?: number;
  /** Most candidates scored per query: buckets are taken best centroid first and the boundary bucket is trimmed by item score, never by position. Default: no budget. */
  maxCandidates?: number;
  /** Similarity. Default `"cosine"`. */
  metric?: Metric;
  /** L2-normalise vectors on the way in. Default: true for cosine, false for dot. */
  normalize?: boolean;
  /** How vectors are kept for reranking. Default `"pq4"`. */
  rerank?: RerankMode;
  /** For `int8`/`pq`/`sq4`/`pq4`: how many approximately-best candidates are re-scored exactly from the store. Default 64, 256 for `pq4` (at least k). */
  refine?: number;
  /**
   * For `int8`/`pq`/`sq4`/`pq4` on a local store: re-score the `refine` candidates best first, a
   * few at a time, and stop once the next one's approximate score, corrected by the error this
   * query's approximate scores have shown so far (their mean error plus 3.5 standard deviations),
   * is below the k-th exact score. Fewer reads from the store at about the same recall
   * (docs/concepts.md, "Early stop"). On a server (Qdrant) every candidate is re-scored: a round
   * there is a round trip. Default true; a memory created before this option re-scores every
   * candidate, so its answers do not change, until reopened with `true`.
   */
  refineEarlyStop?: boolean;
  /** Number of PQ sub-vectors (bytes per item) for `rerank: "pq"`; must divide d. Default: the divisor of d nearest d/2 (1/8 of float32). */
  pqSubvectors?: number;
  /** Online centroid update on add. Default false (static routing). */
  adaptiveUpdate?: boolean;
  /**
   * Adaptive update: only an item whose squared L2 distance to its centroid is above tau moves
   * that centroid (towards itself, by `eta`). 0 to 4 (the range of the squared distance between
   * unit vectors). Default 0.5.
   */
  tau?: number;
  /** Adaptive update: learning rate of the centroid move. Default 0.05. */
  eta?: number;
  /** Seed of every random choice (k-means++ seeding, sampling). Default 42. */
  seed?: number;
  /** Items at which the codebook is fitted automatically; before that, queries are exact scans. Default max(40·K, 1000); `0` disables auto-fit. */
  autoFitAt?: number;
  /** Largest training sample for k-means. Default max(64·K, 10000); with a default K, at least 40 per centroid of each layer. */
  trainSize?: number;
  /** Lloyd iterations of k-means. Default 10. */
  kmeansIterations?: number;
  /** Start a background refit when the recent quantisation error exceeds the fitted one by this factor. Default 1.5; `0` disables. */
  driftRefitRatio?: number;
  /**
   * Start a background refit once the memory holds this many times the items
   * it had at the last fit. An auto-fit trains on the first `autoFitAt` items,
   * which rarely represent what comes later; retraining as the memory grows
   * keeps the buckets balanced. Default 2 (refits at 2x, 4x, 8x ... the first fit cost
   * O(n) in all); `0` disables.
   */
  growthRefitRatio?: number;
}

/**
 * Options of `SemanticRoutingMemory.open`. `d` may be left out to reopen an existing memory:
 * it is then read from the store, and a memory that does not exist yet is an error.
 */
export interface SRMOpenOptions extends Omit<SRMOptions, 'd'> {
  /** The embedding dimension. Required to create a memory; read from the store when reopening one. */
  d?: number;
  /** Directory of the embedded store; created if missing. Ignored when `storage` is given. */
  path?: string;
  /**
   * What a resolved write survives in the embedded store opened at `path`: `"process"` (default)
   * a crash of the process, `"power"` a power loss too (an fsync per commit). See
   * `EmbeddedStorageOptions.durability`. Refused with `InvalidConfigError` without `path` or with
   * `storage`, where it could not be kept.
   */
  durability?: Durability;
  /** A storage backend (e.g. Qdrant). Default: embedded at `path`, or in memory without `path`. */
  storage?: StorageBackend;
  /** Name of the memory inside the backend. Default `"default"`. */
  name?: string;
  /**
   * Rebuild the routing layer from a scan of every stored vector, ignoring the routing
   * checkpoint: the recovery step if `verify()` ever finds the restored layer wrong. Default false.
   */
  rebuild?: boolean;
}

/** Per-call query options; they override the memory's defaults. */
export interface QueryOptions {
  /** Number of results. Default: config `topK`. */
  k?: number;
  /** Buckets to probe. Default: the memory's `m` (widened as its option says when left to the default). */
  m?: number;
  /** Payload filter; a function filter runs in process only. */
  filter?: FilterInput | ((payload: Payload) => boolean);
  /** Candidate budget. Default: config `maxCandidates`. */
  maxCandidates?: number;
  /** Exact re-scoring budget for int8/pq/sq4/pq4. Default: config `refine`. */
  refine?: number;
  /** Stop re-scoring early, as the option of the same name says. Default: config `refineEarlyStop`. */
  refineEarlyStop?: boolean;
  /**
   * Return each hit's stored vector (as `get` returns it) in {@link QueryHit.vector}, read in the
   * same fetch as the payload: for MMR and other re-ranking that needs the vectors. Default false.
   */
  withVectors?: boolean;
  /**
   * Score exactly within these ids only (like Qdrant's `has_id`): every stored item among them
   * that passes `filter` is scored from its stored vector, and the best `k` are returned. No
   * bucket is probed, so `m`, `maxCandidates` and `refine` do not apply. Ids not stored are
   * left out; at most `Limits.maxBatchSize` ids.
   */
  ids?: readonly string[];
}

/** One query result. */
export interface QueryHit {
  id: string;
  /** Cosine similarity (metric cosine) or dot product (metric dot); higher is closer. */
  score: number;
  payload: Payload;
  /** The stored vector, when the query asked for it with `withVectors`. */
  vector?: Float32Array;
}

/** A stored item read without its vector (`items({ withVectors: false })`). */
export interface PayloadItem {
  id: string;
  payload: Payload;
}

/** Options of `items`. */
export interface ItemsOptions {
  /** Items per page. Default 1000. */
  pageSize?: number;
  /**
   * Only the items whose payload matches. The store evaluates it (embedded: SQL on the payload
   * column; Qdrant: its native filter), so the items that do not match are not decoded.
   */
  filter?: FilterInput;
  /** Read the vectors too. Default true; false yields {@link PayloadItem}s and reads less. */
  withVectors?: boolean;
}

/** One stored item. */
export interface MemoryItem {
  id: string;
  /** Null for an item added without a vector (a `null` row of `add`). */
  vector: Float32Array | null;
  payload: Payload;
}

/** Options of `add`. */
export interface AddOptions {
  /** One id per vector; generated (UUID v4) when omitted. Re-adding an id replaces it. */
  ids?: readonly string[];
  /** One payload per vector. Default `{}`. */
  payloads?: readonly Payload[];
  onProgress?: ProgressCallback;
}

/** What `stats()` reports; the numbers the memory-wall benchmark prints. */
export interface SRMStats {
  /** Items stored, with a vector or without. */
  items: number;
  /** Items stored without a vector (in no bucket; `denseFloat32Bytes` and the bucket sizes leave them out). */
  withoutVector: number;
  d: number;
  /** Buckets of the layer in use (the configured K before the first fit). */
  K: number;
  /** Default probes of a query on the layer in use. */
  m: number;
  fitted: boolean;
  rerank: RerankMode;
  refitting: boolean;
  buckets: {
    count: number;
    empty: number;
    min: number;
    max: number;
    mean: number;
    p50: number;
    p95: number;
  };
  /** Mean squared distance of items to their centroid, at fit time and over recent adds (null before fit). */
  quantizationError: { fit: number | null; recent: number | null };
  /** Bytes held in RAM by each part of the index (allocated capacity, not just used). */
  hotBytes: {
    /** K x d float32 centroids. */
    codebook: number;
    /** Bucket lists: one uint32 slot per item. Codebook + routing = the routing layer. */
    routing: number;
    /** Slot bookkeeping (free-slot stack); ids themselves live in the store. */
    idMaps: number;
    /** Per-item rerank data in RAM (vectors or codes) plus quantizer tables. */
    rerank: number;
    /** codebook + routing. */
    routingLayer: number;
    /** Sum of all parts. */
    total: number;
  };
  /** What a dense float32 matrix of the same items would take: items x d x 4. */
  denseFloat32Bytes: number;
  /**
   * How this open built the routing layer: from the store's routing checkpoint (reading the
   * hot bytes), or from a scan of every stored vector, with the reason the checkpoint was not
   * used (none yet, stale after an unclean exit, a backend without checkpoints...).
   */
  openedFrom: { source: 'checkpoint' | 'scan'; reason?: string };
  /** Message of the last background refit that failed, if any. */
  lastRefitError?: string;
}
