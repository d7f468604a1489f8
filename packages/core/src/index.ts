/**
 * `@srm/core`: Semantic Routing Memory (a VQ-routed dense memory that stays
 * small in RAM) and SemanticMemory (a BM25 glossary), with embedded and
 * Qdrant storage. Imports no agent framework.
 *
 * @packageDocumentation
 */

// --- errors and limits ---
export {
  ErrorCodes,
  SrmError,
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

// --- payload filters ---
export { normalizeFilter, matchesFilter, compileFilter, readField } from './filter.js';
export type { FilterOp, FilterScalar, FieldCondition, PayloadFilter, FilterInput } from './filter.js';

// --- storage contract ---
export type {
  Payload,
  FetchWants,
  ScanOptions,
  SrmRecord,
  SrmRecordView,
  SrmStoreSpec,
  SrmStore,
  RoutingCheckpointStore,
  CheckpointList,
  IndexedCheckpointList,
  SparseVector,
  GlossaryEntry,
  StoredGlossaryEntry,
  GlossaryHit,
  GlossaryHitEntry,
  TermStats,
  GlossaryStore,
  StorageBackend,
} from './storage/types.js';

// --- embedded storage (SQLite) ---
export { EmbeddedStorage, defaultEmbeddedStorageOptions } from './storage/embedded/embedded-storage.js';
export type { EmbeddedStorageOptions } from './storage/embedded/embedded-storage.js';
export { EmbeddedSrmStore } from './storage/embedded/srm-store.js';
export { EMBEDDED_FORMAT_VERSION } from './storage/embedded/sqlite.js';
export type { Durability } from './storage/embedded/sqlite.js';

// --- Qdrant storage ---
export { QdrantStorage } from './storage/qdrant/qdrant-storage.js';
export { QdrantSrmStore } from './storage/qdrant/srm-store.js';
export { QdrantGlossaryStore } from './storage/qdrant/glossary-store.js';
export { defaultQdrantStorageOptions } from './storage/qdrant/options.js';
export type { QdrantStorageOptions, QdrantCollectionSettings, QdrantClientInstance } from './storage/qdrant/options.js';
export { toQdrantFilter, isQdrantTranslatable, untranslatableReason, qdrantKey } from './storage/qdrant/filter-translation.js';
export type { QdrantFilter, QdrantCondition, QdrantFieldCondition, FilterTranslationOptions } from './storage/qdrant/filter-translation.js';
export { migrateStorage, DEFAULT_MIGRATION_BATCH } from './storage/migrate.js';
export type { MigrateStorageOptions, MigrationReport } from './storage/migrate.js';

// --- SemanticRoutingMemory ---
export { SemanticRoutingMemory } from './srm/memory.js';
export type { RefitOptions } from './srm/memory.js';
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
export { formatGlossaryEntry } from './glossary/entry-text.js';
export type { GlossaryEntryTextOptions } from './glossary/entry-text.js';
export { DEFAULT_CATEGORY } from './glossary/validation.js';
export type { MemorizeInput } from './glossary/validation.js';
export { WordTokenizer, defaultWordTokenizerOptions } from './glossary/tokenizer.js';
export type { GlossaryTokenizer, WordTokenizerOptions } from './glossary/tokenizer.js';
export { HfTokenizer } from './glossary/hf-tokenizer.js';
export {
  defaultBm25Options,
  resolveBm25Options,
  documentVector,
  queryVector,
  nameToken,
  maxAttainableScore,
} from './glossary/bm25.js';
export { idf } from './sparse/idf.js';
export type { Bm25Options, WeightedTokens } from './glossary/bm25.js';
export { ENGLISH_STOP_WORDS, withoutStopWords } from './glossary/stop-words.js';
export { termId, murmur3 } from './glossary/term-hash.js';
export { GLOSSARY_NAMESPACE, glossaryId, glossaryIdName } from './glossary/ids.js';
export { SparseIndex, packSparse } from './sparse/sparse-index.js';
export type { PackedSparse, IndexHit } from './sparse/sparse-index.js';
export {
  loadFoldocGlossary,
  headwordQueries,
  unstatedAliasQueries,
  jargonQueries,
  shingleOverlap,
  plainDictText,
  meanReciprocalRank,
} from './glossary/foldoc.js';
export type { FoldocGlossary, FoldocGlossaryOptions, LabeledQuery, JargonQueryOptions } from './glossary/foldoc.js';

// --- embeddings and datasets ---
export { GloveEmbedder, loadGloveVectors } from './embeddings/glove.js';
export type { GloveVectors, GloveLoadOptions, GloveEmbedderOptions } from './embeddings/glove.js';
export { readDictd, DICTD_DIR } from './datasets/dictd.js';
export type { DictdEntry } from './datasets/dictd.js';
export { Rng } from './util/rng.js';
