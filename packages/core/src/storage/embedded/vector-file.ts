/**
 * The rerank's copy of an embedded SRM store's vectors: a flat file next to the database,
 * `<dir>/vectors-<storeId>.f32`, where a vector is found by its slot with one positioned read
 * into a reused buffer. SQLite stays the only source of truth; this file is a cache of it that
 * is trusted only when a marker row in the database vouches for it, and is rebuilt from the
 * database otherwise.
 *
 * Why: the rerank reads a few hundred random vectors per query. Through SQLite each one costs
 * 4 to 5 µs and leaves a blob or a hex string for the garbage collector; positioned reads allocate
 * nothing, and 100 random vectors take p50 120 to 137 µs against 329 to 361 µs for `fetchSlots`
 * (`test-fixtures/bench-fetch-slots.mjs` at 100k and 340k x 100).
 *
 * Layout: a 64-byte header (magic `SRMVECS1`, `dim` as uint32 LE, 16 random bytes naming this
 * build of the file), then one row per slot at `64 + slot * (4 + 4 * dim)`: a uint32 tag (1 when
 * the slot holds an item, 0 or a hole when not, 2 when the database's vector has the wrong size)
 * and the vector as float32 LE. Slots far apart leave holes, which sparse files do not store.
 *
 * When the file is trusted: the marker row `srm_vector_files(store_id, generation)` holds the
 * header's random bytes. Triggers on the items table delete the marker in the transaction of any
 * write of a vector, and the first write of a session commits with `synchronous=FULL`, so that
 * the deletion is on disk before this file changes. Writing a routing checkpoint and closing the
 * storage fsync the file and put the marker back. A process that dies after writes since its last
 * checkpoint therefore leaves no marker, and the next open rebuilds the file from the database
 * (0.6 s for 340k x 100 in `test-fixtures/bench-fetch-slots.mjs`). A missing, truncated or
 * foreign file is rebuilt the same way.
 */
import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from './sqlite.js';

const MAGIC = Buffer.from('SRMVECS1', 'latin1');
/** Bytes before slot 0's row. */
export const HEADER_BYTES = 64;
const GENERATION_AT = 16;
const GENERATION_BYTES = 16;
const PRESENT = 1;
/** Tag of a slot whose stored vector has the wrong size: the database reports the damage. */
const DAMAGED = 2;
/** Bytes staged per write call while rebuilding or writing runs of consecutive slots (at least one row: d ≤ 8192). */
const STAGE_BYTES = 256 * 1024;
/** Rows read per page while rebuilding. */
const REBUILD_PAGE = 4096;

/** One row to write: a slot and its vector's bytes (`dim` float32 LE). */
export interface VectorRow {
  slot: number;
  vector: Uint8Array;
}

/** File name of store `storeId`'s vector file inside a memory directory. */
export function vectorFileName(storeId: number): string {
  return `vectors-${storeId}.f32`;
}

/** Whether `err` came from the operating system (a failed read, write or open), as opposed to SQLite or a bug. */
export function isFileSystemError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * A store's vector file, open for reading and writing. Every method is synchronous, as SQLite
 * calls are, so a read never sees half of a write.
 */
export class VectorFile {
  /** Bytes of one row: the tag and the vector. */
  private readonly stride: number;
  /** Rows staged for one read or write call, and a float view of them. */
  private stage = Buffer.alloc(0);
  private stageFloats = new Float32Array(0);
  /** Whether this session has changed the file since it was vouched for. */
  private changed = false;

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly storeId: number,
    dim: number,
    readonly path: string,
    private fd: number,
    private readonly generation: Buffer,
  ) {
    this.stride = 4 + dim * 4;
  }

  /**
   * Opens the vector file of store `storeId` of the database `databaseFile`, rebuilding it from
   * the items table `table` unless the marker row vouches for it.
   * @throws what SQLite throws, and what the file system throws ({@link isFileSystemError}).
   */
  static open(db: SqliteDatabase, databaseFile: string, storeId: number, table: string, dim: number): VectorFile {
    const path = join(dirname(databaseFile), vectorFileName(storeId));
    const marker = db.prepare('SELECT generation FROM srm_vector_files WHERE store_id = ?').pluck(true).get(storeId) as Buffer | undefined;
    const maxSlot = db.prepare(`SELECT max(slot) FROM ${table}`).pluck(true).get() as number | null;
    const trusted = marker !== undefined && vouchedFor(path, dim, marker, maxSlot);
    if (!trusted) rebuild(db, path, storeId, table, dim);
    const generation = trusted ? marker : readHeader(path)!.generation;
    return new VectorFile(db, storeId, dim, path, fs.openSync(path, 'r+'), generation);
  }

  /**
   * Reads the vectors of `slots` into `out` (row i, `dim` floats, for `slots[i]`) and sets `found[i]` to 1 for
   * the slots that hold an item; other rows of `out` are left as they were. Returns a slot whose
   * stored vector is damaged, for the caller to report, or -1. The caller chunks long lists: the
   * staging buffer grows to one call's rows.
   */
  read(slots: Uint32Array, out: Float32Array, found: Uint8Array): number {
    const { stride } = this;
    const dim = stride / 4 - 1;
    const stage = this.staging(slots.length * stride);
    // A float view of the staged rows (all 4-byte aligned): copying element by element allocates
    // nothing, where Buffer#copy makes a view per call (a quarter of a query's garbage with pq4).
    const floats = this.stageFloats;
    for (let i = 0; i < slots.length; i++) {
      const at = i * stride;
      const got = fs.readSync(this.fd, stage, at, stride, HEADER_BYTES + slots[i]! * stride);
      if (got !== stride) continue;
      const tag = stage.readUInt32LE(at);
      if (tag === DAMAGED) return slots[i]!;
      if (tag !== PRESENT) continue;
      const from = at / 4 + 1;
      const to = i * dim;
      for (let k = 0; k < dim; k++) out[to + k] = floats[from + k]!;
      found[i] = 1;
    }
    return -1;
  }

  /**
   * Applies a committed write: clears the rows of `freed` slots that no upsert took again, then
   * writes `rows`. Runs of consecutive slots go out in one call each.
   */
  write(freed: readonly number[], rows: readonly VectorRow[]): void {
    this.changed = true;
    const zero = Buffer.alloc(4);
    // An upsert usually keeps its slot: its row is about to be overwritten anyway.
    const retaken = freed.length === 0 ? undefined : new Set(rows.map((r) => r.slot));
    for (const slot of freed) if (!retaken!.has(slot)) fs.writeSync(this.fd, zero, 0, 4, HEADER_BYTES + slot * this.stride);
    const stage = this.staging(Math.min(STAGE_BYTES, rows.length * this.stride));
    const perStage = Math.max(1, Math.floor(stage.byteLength / this.stride));
    let runStart = 0;
    for (let i = 1; i <= rows.length; i++) {
      const endsRun = i === rows.length || rows[i]!.slot !== rows[i - 1]!.slot + 1 || i - runStart === perStage;
      if (!endsRun) continue;
      for (let j = runStart; j < i; j++) {
        const at = (j - runStart) * this.stride;
        stage.writeUInt32LE(PRESENT, at);
        stage.set(rows[j]!.vector, at + 4);
      }
      fs.writeSync(this.fd, stage, 0, (i - runStart) * this.stride, HEADER_BYTES + rows[runStart]!.slot * this.stride);
      runStart = i;
    }
  }

  /** Empties the file after the items were deleted. */
  clear(): void {
    this.changed = true;
    fs.ftruncateSync(this.fd, HEADER_BYTES);
  }

  /** Whether the file has not been changed since the database last vouched for it. */
  get vouched(): boolean {
    return !this.changed;
  }

  /**
   * Makes the next open trust the file as it is now: after changes, fsyncs it and puts the marker
   * row back (without changes the marker is still in place). The next write withdraws it again.
   */
  vouch(): void {
    if (!this.changed) return;
    fs.fsyncSync(this.fd);
    putMarker(this.db, this.storeId, this.generation);
    this.changed = false;
  }

  /** Vouches for the file, then closes it. */
  close(): void {
    const fd = this.fd;
    try {
      this.vouch();
    } finally {
      this.fd = -1;
      fs.closeSync(fd);
    }
  }

  /**
   * Closes the file and withdraws the marker: after a failed read or write, the next open
   * rebuilds the file.
   */
  abandon(): void {
    const fd = this.fd;
    this.fd = -1;
    try {
      this.db.prepare('DELETE FROM srm_vector_files WHERE store_id = ?').run(this.storeId);
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  private staging(bytes: number): Buffer {
    if (this.stage.byteLength < bytes) {
      this.stage = Buffer.allocUnsafeSlow(bytes);
      this.stageFloats = new Float32Array(this.stage.buffer, this.stage.byteOffset, this.stage.byteLength >> 2);
    }
    return this.stage;
  }
}

/** The header of the file at `path`, or undefined when it is missing, short or foreign. */
function readHeader(path: string): { dim: number; generation: Buffer; size: number } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    if (fs.readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    return { dim: header.readUInt32LE(8), generation: header.subarray(GENERATION_AT, GENERATION_AT + GENERATION_BYTES), size: fs.fstatSync(fd).size };
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether the file at `path` is the one the marker names, of `dim`, and long enough for slot `maxSlot`. */
function vouchedFor(path: string, dim: number, marker: Buffer, maxSlot: number | null): boolean {
  const header = readHeader(path);
  if (header === undefined || header.dim !== dim || !header.generation.equals(marker)) return false;
  return maxSlot === null || header.size >= HEADER_BYTES + (maxSlot + 1) * (4 + dim * 4);
}

/**
 * Writes a new file from the items table under a temporary name, fsyncs it, renames it into
 * place and vouches for it (it matches the database at this moment).
 */
function rebuild(db: SqliteDatabase, path: string, storeId: number, table: string, dim: number): void {
  const stride = 4 + dim * 4;
  const tmp = `${path}.build`;
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(dim, 8);
  const generation = randomBytes(GENERATION_BYTES);
  generation.copy(header, GENERATION_AT);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, header, 0, HEADER_BYTES, 0);
    const page: Database.Statement<unknown[], unknown> = db.prepare(`SELECT slot, vector FROM ${table} WHERE slot > ? ORDER BY slot LIMIT ?`).raw(true);
    const stage = Buffer.alloc(Math.max(stride, Math.floor(STAGE_BYTES / stride) * stride));
    let runSlot = -1;
    let staged = 0;
    const flush = () => {
      if (staged > 0) fs.writeSync(fd, stage, 0, staged * stride, HEADER_BYTES + runSlot * stride);
      staged = 0;
    };
    let after = -1;
    for (;;) {
      const rows = page.all(after, REBUILD_PAGE) as [number, Buffer][];
      for (const [slot, vector] of rows) {
        if (staged > 0 && (slot !== runSlot + staged || (staged + 1) * stride > stage.byteLength)) flush();
        if (staged === 0) runSlot = slot;
        // Damage is reported by the read that meets it, as without the file.
        const intact = Buffer.isBuffer(vector) && vector.byteLength === dim * 4;
        stage.writeUInt32LE(intact ? PRESENT : DAMAGED, staged * stride);
        if (intact) vector.copy(stage, staged * stride + 4);
        staged++;
      }
      if (rows.length < REBUILD_PAGE) break;
      after = rows[rows.length - 1]![0];
    }
    flush();
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, path);
  putMarker(db, storeId, generation);
}

/** Records in the database that the file of build `generation` holds store `storeId`'s vectors as they are now. */
function putMarker(db: SqliteDatabase, storeId: number, generation: Buffer): void {
  db.prepare('INSERT OR REPLACE INTO srm_vector_files (store_id, generation) VALUES (?, ?)').run(storeId, generation);
}
