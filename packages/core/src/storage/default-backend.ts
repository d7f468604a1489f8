/**
 * The one place that picks the backend a memory opens when its caller gives none: the embedded
 * SQLite store at a path, or in memory. It is imported on first use, so a process whose memories
 * all run on a given backend (Qdrant) never loads the embedded backend or better-sqlite3.
 */
import type { Durability } from './embedded/sqlite.js';
import type { StorageBackend } from './types.js';

/** Where the default backend keeps its data. */
export interface DefaultBackendOptions {
  /** Directory of the embedded store, created if missing; in memory without one. */
  path?: string;
  /** What a resolved write survives (see `EmbeddedStorageOptions.durability`). Only with `path`. */
  durability?: Durability;
}

/**
 * Opens the default backend; the caller owns it and closes it.
 * @throws InvalidConfigError on a bad `durability`; StorageLockedError / CorruptDataError / StorageUnavailableError from the store.
 */
export async function openDefaultBackend(options: DefaultBackendOptions = {}): Promise<StorageBackend> {
  const { EmbeddedStorage } = await import('./embedded/embedded-storage.js');
  return EmbeddedStorage.open(options.path, { durability: options.durability });
}
