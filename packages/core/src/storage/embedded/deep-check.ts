/**
 * The deep check of one embedded SRM store (`SemanticRoutingMemory.verify({ deep: true })`):
 * SQLite's `PRAGMA integrity_check` (as at open, unless the open skipped it),
 * each id stored once, every record against its checksums,
 * and every row of the vector file against the database. Read-only; it reads the whole store.
 */
import { recordChecksum, vectorChecksum } from './checksums.js';
import type { SqliteDatabase } from './sqlite.js';
import type { VectorFile } from './vector-file.js';

/** What the deep check found: problems (at most `MAX_PROBLEMS`), and the rows written before checksums existed. */
export interface DeepCheckReport {
  problems: string[];
  /** Rows without checksums (written by format version 1 and not rewritten since). */
  unchecked: number;
}

const MAX_PROBLEMS = 100;
/** Rows compared with the vector file per read. */
const PAGE = 256;

/** Runs the deep check of the items table `table` (vectors of `dim` floats) and its vector file, if any. */
export function deepCheck(db: SqliteDatabase, table: string, dim: number, file: VectorFile | undefined): DeepCheckReport {
  const problems: string[] = [];
  const report = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  for (const row of db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]) {
    if (row.integrity_check !== 'ok') report(`integrity_check: ${row.integrity_check}`);
  }
  // NOT INDEXED: a damaged id index must not hide a duplicate from the check meant to find it.
  const dupes = db.prepare(`SELECT id, count(*) FROM ${table} NOT INDEXED GROUP BY id HAVING count(*) > 1`).raw(true).all() as [unknown, number][];
  for (const [id, n] of dupes) report(`id ${JSON.stringify(id)} is stored ${n} times`);

  let unchecked = 0;
  const slots = new Uint32Array(PAGE);
  const fromFile = new Float32Array(PAGE * dim);
  const fileBytes = new Uint8Array(fromFile.buffer);
  const found = new Uint8Array(PAGE);
  const dbVectors: (Buffer | undefined)[] = new Array(PAGE);
  let n = 0;
  const compareWithFile = () => {
    if (file === undefined || n === 0) return;
    found.fill(0);
    const damaged = file.read(slots.subarray(0, n), fromFile.subarray(0, n * dim), found.subarray(0, n));
    if (damaged >= 0) report(`vector file row of slot ${damaged} is damaged`);
    else {
      for (let i = 0; i < n; i++) {
        const v = dbVectors[i];
        if (v === undefined) continue;
        if (!found[i]) report(`vector file has no row for slot ${slots[i]}`);
        else if (!v.equals(fileBytes.subarray(i * dim * 4, (i + 1) * dim * 4))) report(`vector file row of slot ${slots[i]} differs from the database`);
      }
    }
    n = 0;
  };
  const rows = db.prepare(`SELECT slot, id, payload, record_crc, vector, vector_crc FROM ${table} ORDER BY slot`).raw(true);
  for (const [slot, id, payload, recordCrc, vector, vectorCrc] of rows.iterate() as IterableIterator<
    [number, unknown, unknown, number | null, unknown, number | null]
  >) {
    if (recordCrc === null || vectorCrc === null) unchecked++;
    if (typeof id !== 'string' || typeof payload !== 'string') report(`slot ${slot}: id or payload is not text`);
    else if (recordCrc !== null && recordCrc !== recordChecksum(slot, id, payload)) report(`slot ${slot}: id and payload do not match their checksum`);
    const intact = Buffer.isBuffer(vector) && vector.byteLength === dim * 4 && (vectorCrc === null || vectorCrc === vectorChecksum(slot, vector));
    if (!intact) report(`slot ${slot}: vector does not match its checksum or size`);
    slots[n] = slot;
    dbVectors[n] = intact ? (vector as Buffer) : undefined;
    n++;
    if (n === PAGE) compareWithFile();
  }
  compareWithFile();
  return { problems, unchecked };
}
