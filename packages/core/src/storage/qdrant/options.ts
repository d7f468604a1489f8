/**
 * Options of the Qdrant backend, MiniSearch-style: a public type where all is
 * optional but the server address, a defaults constant, and a resolved twin.
 */
import { InvalidConfigError } from '../../errors.js';

/**
 * A `QdrantClient` of `@qdrant/js-client-rest`. Declared by shape, not imported, so that the
 * published declarations type-check in apps without that optional package; every client fits.
 */
export interface QdrantClientInstance {
  getCollections(): Promise<unknown>;
}

/** Options of {@link QdrantStorage.connect}. */
export interface QdrantStorageOptions {
  /** Server URL, e.g. `http://localhost:6333`. Required unless `client` is given. */
  url?: string;
  /** API key (Qdrant Cloud or `QDRANT__SERVICE__API_KEY`). Default: none. */
  apiKey?: string;
  /**
   * First part of every collection name this backend creates
   * (`{prefix}-srm-{name}`, `{prefix}-glossary-{name}`, `{prefix}-srmstate`), so
   * several applications or test runs can share one server. Letters, digits and
   * `_`, starting with a letter or digit. Default `"srm"`.
   */
  collectionPrefix?: string;
  /**
   * Timeout of one HTTP request, in milliseconds. A request that takes longer
   * is aborted and counts as a failed attempt. Default 5 000, sized for an
   * agent waiting on its memory: with the default retries, a server that never
   * answers fails a call in about 15 s. Range 100 to 600 000. Raise it for very
   * large batches on a busy cluster (`srm migrate` uses 30 000).
   */
  timeoutMs?: number;
  /**
   * How many times a failed request is retried (every request this backend
   * sends is idempotent: reads, upserts and deletes by id). Only transient
   * failures are retried: refused or reset connections, timeouts, HTTP 429
   * and 5xx. Default 2; range 0 to 10. Worst-case latency of a failing call
   * is about `(retries + 1) * timeoutMs` plus the backoff.
   */
  retries?: number;
  /** Delay before the first retry, in ms; doubles each retry (bounded exponential backoff). Default 100; range 0 to 60 000. */
  backoffMs?: number;
  /** Upper bound of one backoff delay, in ms. Default 2 000; at least `backoffMs`. */
  maxBackoffMs?: number;
  /**
   * Most points in one write request. Larger batches are split into several
   * requests, applied in order. Default 256; range 1 to 10 000. Qdrant refuses
   * request bodies over 32 MiB by default: at d = 1536 a point is about 20 KB of JSON.
   */
  writeBatchSize?: number;
  /**
   * A client to use instead of creating one from `url`/`apiKey`/`timeoutMs`
   * (for custom headers, TLS or tests). Its own timeout applies.
   */
  client?: QdrantClientInstance;
  /**
   * Settings used when this backend creates a collection (never applied to an
   * existing one). See docs/backends.md for what they do at scale.
   */
  collectionSettings?: QdrantCollectionSettings;
}

/** Scale knobs applied when a collection is created. All optional; Qdrant's defaults apply otherwise. */
export interface QdrantCollectionSettings {
  /** Shards per collection (spread over the cluster's nodes). Qdrant default: 1 (standalone) or the node count. */
  shardNumber?: number;
  /** Copies of each shard. 2 or more survives a node loss. Qdrant default 1. */
  replicationFactor?: number;
  /** Replicas that must acknowledge a write. Qdrant default 1; at most `replicationFactor`. */
  writeConsistencyFactor?: number;
  /** Keep dense SRM vectors on disk (memory-mapped) instead of RAM. Qdrant default false. */
  onDiskVectors?: boolean;
  /** Keep payloads on disk. Qdrant default true since 1.x for new collections; set explicitly here. */
  onDiskPayload?: boolean;
  /** HNSW graph degree `m` for SRM vectors. Qdrant default 16; 0 disables the graph (exact search only). */
  hnswM?: number;
  /** HNSW `ef_construct`. Qdrant default 100. */
  hnswEfConstruct?: number;
}

/** Defaults of {@link QdrantStorageOptions}. */
export const defaultQdrantStorageOptions = {
  collectionPrefix: 'srm',
  timeoutMs: 5_000,
  retries: 2,
  backoffMs: 100,
  maxBackoffMs: 2_000,
  writeBatchSize: 256,
} as const;

/** {@link QdrantStorageOptions} with defaults applied and values checked. */
export interface ResolvedQdrantOptions {
  url: string | undefined;
  apiKey: string | undefined;
  collectionPrefix: string;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  writeBatchSize: number;
  client: QdrantClientInstance | undefined;
  collectionSettings: QdrantCollectionSettings;
}

const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_]{0,63}$/;

function intIn(field: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new InvalidConfigError(field, `expected an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
}

/** Applies defaults and validates; throws {@link InvalidConfigError} naming the field. */
export function resolveQdrantOptions(options: QdrantStorageOptions): ResolvedQdrantOptions {
  const d = defaultQdrantStorageOptions;
  if (options.client === undefined) {
    if (typeof options.url !== 'string' || !/^https?:\/\//.test(options.url)) {
      throw new InvalidConfigError('url', `expected an http:// or https:// URL (or a client), got ${JSON.stringify(options.url)}`);
    }
  }
  const collectionPrefix = options.collectionPrefix ?? d.collectionPrefix;
  if (!PREFIX.test(collectionPrefix)) {
    throw new InvalidConfigError(
      'collectionPrefix',
      `expected 1 to 64 letters, digits or "_" starting with a letter or digit, got ${JSON.stringify(collectionPrefix)}`,
    );
  }
  const backoffMs = intIn('backoffMs', options.backoffMs ?? d.backoffMs, 0, 60_000);
  const s = options.collectionSettings ?? {};
  if (s.shardNumber !== undefined) intIn('collectionSettings.shardNumber', s.shardNumber, 1, 65_536);
  if (s.replicationFactor !== undefined) intIn('collectionSettings.replicationFactor', s.replicationFactor, 1, 1024);
  if (s.writeConsistencyFactor !== undefined) intIn('collectionSettings.writeConsistencyFactor', s.writeConsistencyFactor, 1, 1024);
  if (s.hnswM !== undefined) intIn('collectionSettings.hnswM', s.hnswM, 0, 1024);
  if (s.hnswEfConstruct !== undefined) intIn('collectionSettings.hnswEfConstruct', s.hnswEfConstruct, 4, 65_536);
  return {
    url: options.url,
    apiKey: options.apiKey,
    collectionPrefix,
    timeoutMs: intIn('timeoutMs', options.timeoutMs ?? d.timeoutMs, 100, 600_000),
    retries: intIn('retries', options.retries ?? d.retries, 0, 10),
    backoffMs,
    maxBackoffMs: intIn('maxBackoffMs', options.maxBackoffMs ?? Math.max(d.maxBackoffMs, backoffMs), backoffMs, 600_000),
    writeBatchSize: intIn('writeBatchSize', options.writeBatchSize ?? d.writeBatchSize, 1, 10_000),
    client: options.client,
    collectionSettings: { ...s },
  };
}
