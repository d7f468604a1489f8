/**
 * `@srm/core`: Semantic Routing Memory (a VQ-routed dense memory that stays
 * small in RAM) and SemanticMemory (a BM25 glossary), with embedded and
 * Qdrant storage. Imports no agent framework.
 *
 * This root entry point holds what an application uses: the memories, the
 * storages, filters, errors, limits and the option and stats types. The rest
 * has its own subpath:
 *
 * - `@srm/core/storage`: the interfaces a storage backend implements, the
 *   built-in backends' stores, and migration between storages;
 * - `@srm/core/glossary`: the tokenizers and BM25 building blocks;
 * - `@srm/core/datasets`: GloVe vectors, dictd dictionaries, FOLDOC query sets
 *   and retrieval metrics, for examples and benchmarks.
 *
 * @packageDocumentation
 */

// --- errors and limits ---
export {
  ErrorCodes,
  SRMError,
  InvalidInputError,
  InvalidConfigError,
  DimensionMismatchError,
  NotFoundError,
  StorageUnavailableError,
  StorageLockedError,
  CorruptDataError,
  LimitExceededError,
  TokenizerError,
  ClosedError,
  BackgroundWorkError,
  SRM_ERROR_CLASS,
} from './errors.js';
export type { ErrorCode } from './errors.js';
export { Limits } from './limits.js';

// --- payloads and filters ---
export { normalizeFilter, matchesFilter } from './filter.js';
export type { FilterOp, FilterScalar, FieldCondition, PayloadFilter, FilterInput } from './filter.js';
export type { Payload, StorageBackend } from './storage/types.js';

// --- storages ---
export { EmbeddedStorage, defaultEmbeddedStorageOptions } from './storage/embedded/embedded-storage.js';
export type { EmbeddedStorageOptions } from './storage/embedded/embedded-storage.js';
export type { Durability } from './storage/embedded/sqlite.js';
export { QdrantStorage } from './storage/qdrant/qdrant-storage.js';
export type { QdrantStorageOptions, QdrantCollectionSettings, QdrantClientInstance } from './storage/qdrant/options.js';

// --- SemanticRoutingMemory ---
export { SemanticRoutingMemory } from './srm/memory.js';
export type { RefitOptions } from './srm/refit.js';
export { defaultSRMOptions, resolveConfig } from './srm/config.js';
export type { SRMConfig } from './srm/config.js';
export type {
  RerankMode,
  Metric,
  ProgressEvent,
  ProgressCallback,
  VectorLike,
  VectorBatch,
  SRMOptions,
  SRMOpenOptions,
  QueryOptions,
  QueryHit,
  MemoryItem,
  ItemsOptions,
  PayloadItem,
  AddOptions,
  SRMStats,
} from './srm/types.js';

// --- SemanticMemory (BM25 glossary) ---
export { SemanticMemory } from './glossary/semantic-memory.js';
export type { SemanticMemoryOptions, RecallOptions, RecalledEntry, MemorizedEntry } from './glossary/semantic-memory.js';
export { DEFAULT_CATEGORY } from './glossary/validation.js';
export type { MemorizeInput } from './glossary/validation.js';
