/**
 * The items table of an embedded SRM store (its columns are described in srm-store.ts) and the
 * triggers that keep the routing checkpoint and the vector file from being read back stale.
 */
import { InvalidInputError } from '../../errors.js';
import type { SqliteDatabase } from './sqlite.js';

/** Creates the items table of store `storeId` if it does not exist (inside the caller's transaction). */
export function createItemsTable(db: SqliteDatabase, storeId: number): void {
  if (!Number.isSafeInteger(storeId) || storeId < 0) throw new InvalidInputError(`store id must be a non-negative integer, got ${storeId}`);
  db.exec(
    `CREATE TABLE IF NOT EXISTS srm_items_${storeId} (
       slot INTEGER PRIMARY KEY,
       id TEXT NOT NULL UNIQUE,
       bucket INTEGER NOT NULL,
       vector BLOB NOT NULL,
       payload TEXT NOT NULL,
       vector_crc INTEGER,
       record_crc INTEGER
     )`,
  );
  // A table of format version 1 gains the checksum columns, NULL on its rows (see the module comment).
  const have = new Set((db.prepare(`PRAGMA table_info(srm_items_${storeId})`).all() as { name: string }[]).map((c) => c.name));
  for (const column of ['vector_crc', 'record_crc']) if (!have.has(column)) db.exec(`ALTER TABLE srm_items_${storeId} ADD COLUMN ${column} INTEGER`);
  // Any write to the items makes the routing checkpoint stale, in the same transaction; any
  // write of a vector does the same to the vector file (a bucket update leaves it alone).
  for (const [suffix, event] of [
    ['ins', 'INSERT'],
    ['upd', 'UPDATE'],
    ['del', 'DELETE'],
  ] as const) {
    db.exec(
      `CREATE TRIGGER IF NOT EXISTS srm_items_${storeId}_stales_checkpoint_${suffix} AFTER ${event} ON srm_items_${storeId}
         BEGIN DELETE FROM srm_checkpoint_head WHERE store_id = ${storeId}; END`,
    );
  }
  for (const [suffix, event] of [
    ['ins', 'INSERT'],
    ['upd', 'UPDATE OF slot, vector'],
    ['del', 'DELETE'],
  ] as const) {
    db.exec(
      `CREATE TRIGGER IF NOT EXISTS srm_items_${storeId}_stales_vector_file_${suffix} AFTER ${event} ON srm_items_${storeId}
         BEGIN DELETE FROM srm_vector_files WHERE store_id = ${storeId}; END`,
    );
  }
}
