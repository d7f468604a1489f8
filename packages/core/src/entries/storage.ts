/**
 * `@srm/core/storage`: for authors of a storage backend. The interfaces a
 * backend implements (the item store of a dense memory, the glossary store,
 * the routing checkpoint store), the record types they exchange, the stores
 * of the two built-in backends, Qdrant filter translation, the filter
 * evaluation a backend uses where it cannot push a filter down, and migration
 * between two storages.
 *
 * @packageDocumentation
 */

export type {
  FetchWants,
  SRMRecord,
  SRMRecordView,
  SRMItemStoreSpec,
  SRMItemStore,
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
} from '../storage/types.js';
export { NO_VECTOR_BUCKET } from '../storage/types.js';
export { compileFilter, readField } from '../filter.js';

// --- the built-in backends' stores ---
export { EmbeddedItemStore } from '../storage/embedded/srm-store.js';
export { EMBEDDED_FORMAT_VERSION } from '../storage/embedded/sqlite.js';
export { QdrantItemStore } from '../storage/qdrant/srm-store.js';
export { QdrantGlossaryStore } from '../storage/qdrant/glossary-store.js';
export { toQdrantFilter, isQdrantTranslatable, untranslatableReason, qdrantKey } from '../storage/qdrant/filter-translation.js';
export type { QdrantFilter, QdrantCondition, QdrantFieldCondition, FilterTranslationOptions } from '../storage/qdrant/filter-translation.js';
export { defaultQdrantStorageOptions } from '../storage/qdrant/options.js';

// --- migration ---
export { migrateStorage, DEFAULT_MIGRATION_BATCH } from '../storage/migrate.js';
export type { MigrateStorageOptions, MigrationReport } from '../storage/migrate.js';
