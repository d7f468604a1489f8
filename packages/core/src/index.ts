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
  SrmRecord,
  SrmRecordView,
  SrmStoreSpec,
  SrmStore,
  SparseVector,
  GlossaryEntry,
  StoredGlossaryEntry,
  GlossaryHit,
  TermStats,
  GlossaryStore,
  StorageBackend,
} from './storage/types.js';

// --- embedded storage (SQLite) ---

// --- Qdrant storage ---

// --- SemanticRoutingMemory ---

// --- SemanticMemory (BM25 glossary) ---

// --- embeddings and datasets ---
export { GloveEmbedder, loadGloveVectors } from './embeddings/glove.js';
export type { GloveVectors, GloveLoadOptions, GloveEmbedderOptions } from './embeddings/glove.js';
export { readDictd, DICTD_DIR } from './datasets/dictd.js';
export type { DictdEntry } from './datasets/dictd.js';
