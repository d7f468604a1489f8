/**
 * The row writes of an embedded SRM store's `write`, run inside its transaction: deletes by id
 * and multi-row inserts, with reused parameter arrays (writes run one at a time).
 */
import type Database from 'better-sqlite3';
import type { PreparedUpserts } from './item-rows.js';

type Statement = Database.Statement<unknown[], unknown>;
type WriteParam = string | number | Float32Array | null;

/** Ids per `DELETE ... IN (...)` statement of a write. */
const WRITE_ROWS = 256;
/** Rows per multi-row `INSERT` of a write (7 parameters each, far below SQLite's limit of 32766). */
const INSERT_ROWS = 64;

/** Deletes and inserts the rows of one write batch. */
export class ItemWriter {
  /** Parameter arrays by length. */
  private readonly writeParamsByLength = new Map<number, WriteParam[]>();

  constructor(
    private readonly stmt: (key: string, sql: () => string) => Statement,
    private readonly table: string,
  ) {}

  /**
   * Deletes the rows of `deletes` and of the upserts' ids, `WRITE_ROWS` ids per statement
   * (padded with NULL, which matches nothing), and appends the slots they held to `freed`.
   * One statement per chunk rather than per id: each call into SQLite costs more than the
   * index probe it runs.
   */
  removeIds(deletes: readonly string[], upserts: PreparedUpserts, freed: number[]): void {
    const { ids } = upserts;
    const total = deletes.length + ids.length;
    if (total === 0) return;
    const del = this.stmt(
      'deleteIds',
      () => `DELETE FROM ${this.table} WHERE id IN (${new Array<string>(WRITE_ROWS).fill('?').join(', ')}) RETURNING slot`,
    ).pluck(true);
    const params = this.writeParams(WRITE_ROWS);
    for (let start = 0; start < total; start += WRITE_ROWS) {
      const end = Math.min(total, start + WRITE_ROWS);
      for (let i = start; i < end; i++) params[i - start] = i < deletes.length ? deletes[i]! : ids[i - deletes.length]!;
      params.fill(null, end - start);
      for (const slot of del.all(params) as number[]) freed.push(slot);
    }
  }

  /**
   * Inserts the upserts' rows, `INSERT_ROWS` rows per statement and the rest one by one. A vector
   * is bound as it is: better-sqlite3 stores a typed array's bytes as a blob, with no Buffer per row.
   */
  insertRows(upserts: PreparedUpserts): void {
    const { ids, slots, buckets, vectors, payloadJson, vectorCrc, recordCrc } = upserts;
    const cols = `INSERT INTO ${this.table} (slot, id, bucket, vector, payload, vector_crc, record_crc) VALUES `;
    const many = this.stmt('insertMany', () => cols + new Array<string>(INSERT_ROWS).fill('(?, ?, ?, ?, ?, ?, ?)').join(', '));
    const one = this.stmt('insert', () => `${cols}(?, ?, ?, ?, ?, ?, ?)`);
    const params = this.writeParams(INSERT_ROWS * 7);
    let i = 0;
    for (; i + INSERT_ROWS <= ids.length; i += INSERT_ROWS) {
      for (let j = 0; j < INSERT_ROWS; j++) {
        const at = j * 7;
        params[at] = slots[i + j]!;
        params[at + 1] = ids[i + j]!;
        params[at + 2] = buckets[i + j]!;
        params[at + 3] = vectors[i + j]!;
        params[at + 4] = payloadJson[i + j]!;
        params[at + 5] = vectorCrc[i + j]!;
        params[at + 6] = recordCrc[i + j]!;
      }
      many.run(params);
    }
    for (; i < ids.length; i++) one.run(slots[i], ids[i], buckets[i], vectors[i], payloadJson[i], vectorCrc[i], recordCrc[i]);
    params.fill(null);
  }

  /** A reused parameter array of `length` for the write statements (writes run one at a time). */
  private writeParams(length: number): WriteParam[] {
    let params = this.writeParamsByLength.get(length);
    if (params === undefined) this.writeParamsByLength.set(length, (params = new Array<WriteParam>(length).fill(null)));
    return params;
  }
}
