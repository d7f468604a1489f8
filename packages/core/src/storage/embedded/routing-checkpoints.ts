/**
 * The routing checkpoint of one embedded SRM store: one row of `srm_checkpoint_head` and one row
 * per bucket list in `srm_checkpoint_lists` (see srm-store.ts for the triggers that make it stale).
 */
import { CorruptDataError, InvalidInputError } from '../../errors.js';
import { describe } from '../srm-record-checks.js';
import type { CheckpointList, IndexedCheckpointList, RoutingCheckpointStore } from '../types.js';
import type { CommitLog } from './moment.js';
import type { SqliteDatabase } from './sqlite.js';

/** The routing checkpoint of one embedded store (see the module comment). */
export class EmbeddedCheckpoints implements RoutingCheckpointStore {
  private readonly writeTxn: (header: Buffer, listCount: number, lists: Iterable<IndexedCheckpointList>) => void;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly storeId: number,
    private readonly location: string,
    private readonly log: CommitLog,
    private readonly guard: <T>(operation: string, fn: () => T) => T,
    private readonly afterWrite: () => void,
  ) {
    this.writeTxn = db.transaction((header: Buffer, listCount: number, lists: Iterable<IndexedCheckpointList>) => {
      db.prepare('DELETE FROM srm_checkpoint_lists WHERE store_id = ? AND list >= ?').run(storeId, listCount);
      const put = db.prepare(
        'INSERT INTO srm_checkpoint_lists (store_id, list, slots, rows) VALUES (?, ?, ?, ?) ON CONFLICT (store_id, list) DO UPDATE SET slots = excluded.slots, rows = excluded.rows',
      );
      for (const l of lists) {
        if (!Number.isSafeInteger(l.list) || l.list < 0 || l.list >= listCount)
          throw new InvalidInputError(`checkpoint list index must be an integer in [0, ${listCount}), got ${describe(l.list)}`);
        put.run(storeId, l.list, asBuffer(l.slots), asBuffer(l.rows));
      }
      db.prepare('INSERT INTO srm_checkpoint_head (store_id, header) VALUES (?, ?) ON CONFLICT (store_id) DO UPDATE SET header = excluded.header').run(
        storeId,
        header,
      );
    });
  }

  async read(): Promise<{ header: Uint8Array; lists: CheckpointList[] } | null> {
    return this.guard('checkpoints.read', () =>
      this.db.transaction(() => {
        const header = this.db.prepare('SELECT header FROM srm_checkpoint_head WHERE store_id = ?').pluck(true).get(this.storeId) as Buffer | undefined;
        if (header === undefined) return null;
        if (!Buffer.isBuffer(header)) throw this.corrupt('its header is not a blob');
        const rows = this.db.prepare('SELECT list, slots, rows FROM srm_checkpoint_lists WHERE store_id = ? ORDER BY list').raw(true).all(this.storeId) as [
          number,
          unknown,
          unknown,
        ][];
        const lists: CheckpointList[] = [];
        for (const [list, slots, rowBytes] of rows) {
          // A gap would shift every later list onto the wrong bucket.
          if (list !== lists.length) throw this.corrupt(`it has no list ${lists.length}`);
          if (!Buffer.isBuffer(slots) || !Buffer.isBuffer(rowBytes)) throw this.corrupt(`list ${list} is not a blob`);
          lists.push({ slots, rows: rowBytes });
        }
        return { header, lists };
      })(),
    );
  }

  private corrupt(detail: string): CorruptDataError {
    return new CorruptDataError(this.location, `routing checkpoint of SRM store ${this.storeId}: ${detail}`);
  }

  async write(header: Uint8Array, listCount: number, lists: Iterable<IndexedCheckpointList>): Promise<void> {
    if (!(header instanceof Uint8Array)) throw new InvalidInputError(`checkpoint header must be a Uint8Array, got ${describe(header)}`);
    if (!Number.isSafeInteger(listCount) || listCount < 0)
      throw new InvalidInputError(`checkpoint list count must be a non-negative integer, got ${describe(listCount)}`);
    this.guard('checkpoints.write', () => this.log.commit(() => this.writeTxn(asBuffer(header), listCount, lists)));
    this.afterWrite();
  }

  async isCurrent(): Promise<boolean> {
    return this.guard(
      'checkpoints.isCurrent',
      () => this.db.prepare('SELECT 1 FROM srm_checkpoint_head WHERE store_id = ?').pluck(true).get(this.storeId) !== undefined,
    );
  }
}

/** A Buffer view of bytes (SQLite copies bound blobs, so no copy is needed here). */
function asBuffer(bytes: Uint8Array): Buffer {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError(`checkpoint lists must hold Uint8Arrays, got ${describe(bytes)}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
