/**
 * The rerank's copy of an embedded SRM store's vectors: a flat file next to the database,
 * `<dir>/vectors-<storeId>.f32`, where a vector is found by its slot with one positioned read
 * into a reused buffer. SQLite stays the only source of truth; this file is a cache of it that
 * is trusted only when a marker row in the database vouches for it, and is rebuilt from the
 * database otherwise.
 *
 * Why: the rerank reads a few hundred random vectors per query. Through SQLite each one walks a
 * B-tree and leaves a blob or a hex string for the garbage collector; a positioned read at a
 * computed offset walks nothing and allocates nothing.
 *
 * Layout (format version 2): a 64-byte header (magic `SRMVECS2`, `dim` as uint32 LE, 16 random
 * bytes naming this build of the file, and the database's commit counter when the file was last
 * vouched for, uint64 LE, all ones while it is being changed), then one row per slot at
 * `64 + slot * (4 + 4 * dim)`: a uint32 tag (0 or a hole when the slot holds no item, 2 when the
 * database's vector was damaged, else a checksum of the slot and the row: checksums.ts) and the
 * vector as float32 LE. Slots far apart leave holes, which sparse files do not store. A row read
 * back whose tag does not match it, or holding a value that is not finite, is reported as
 * damaged, and the store reads from the database instead.
 *
 * When the file is trusted: the marker row `srm_vector_files(store_id, generation)` holds the
 * header's build bytes and commit counter. Triggers on the items table delete the marker in the
 * transaction of any write of a vector, and the first write of a session commits with
 * `synchronous=FULL`, so that the deletion is on disk before this file changes; that first change
 * also overwrites the header's counter with all ones. Writing a routing checkpoint and closing
 * the storage fsync the file and bind it to the database's commit counter of that moment, in the
 * header and in the marker. A process that dies after writes since its last checkpoint therefore
 * leaves no marker, and the next open rebuilds the file from the database (0.6 s for 340k x 100
 * in `test/fixtures/embedded/bench-fetch-slots.mjs`). A missing, truncated or foreign file is rebuilt the
 * same way, and so is a file from another moment: an older copy of the file, or a file next to
 * an older or newer copy of the database, carries another counter than the marker (moment.ts).
 */
import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { finishTag, rowTag, TAG_DAMAGED, TAG_EMPTY, TAG_SEED, vectorChecksum } from './checksums.js';
import type { SqliteDatabase } from './sqlite.js';

const MAGIC = Buffer.from('SRMVECS2', 'latin1');
/** Bytes before slot 0's row. */
export const HEADER_BYTES = 64;
const GENERATION_AT = 16;
/** The build's random bytes and the commit counter it is bound to: what the marker row holds. */
const GENERATION_BYTES = 24;
const BOUND_AT = 32;
/** The header's counter while the file is being changed: no marker ever holds it. */
const UNBOUND = 0xffff_ffff_ffff_ffffn;
/** Bytes staged per write call while rebuilding or writing runs of consecutive slots (at least one row: d ≤ 8192). */
const STAGE_BYTES = 256 * 1024;
/** Rows read per page while rebuilding. */
const REBUILD_PAGE = 4096;

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
  private stageWords = new Uint32Array(0);
  /** Whether this session has changed the file since it was vouched for. */
  private changed = false;
  /** The header's build bytes and bound counter (`GENERATION_BYTES`), as the marker row holds them. */
  private readonly generation: Buffer;

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly storeId: number,
    dim: number,
    readonly path: string,
    private fd: number,
    generation: Buffer,
  ) {
    this.generation = Buffer.from(generation);
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
   * row is damaged (its tag says so or does not match it, or a value is not finite), or -1. The caller chunks long lists: the
   * staging buffer grows to one call's rows.
   */
  read(slots: Uint32Array, out: Float32Array, found: Uint8Array): number {
    const { stride } = this;
    const dim = stride / 4 - 1;
    const stage = this.staging(slots.length * stride);
    // A float view of the staged rows (all 4-byte aligned): copying element by element allocates
    // nothing, where Buffer#copy makes a view per call (a quarter of a query's garbage with pq4).
    const floats = this.stageFloats;
    const words = this.stageWords;
    // All reads first, then all checks: a query's reads back to back cost less each than reads
    // between row checks.
    for (let first = 0; first < slots.length; ) {
      // A run of consecutive slots is one read: a refit reads every item in slot order, a query
      // its candidates one by one.
      let end = first + 1;
      while (end < slots.length && slots[end] === slots[end - 1]! + 1) end++;
      const got = fs.readSync(this.fd, stage, first * stride, (end - first) * stride, HEADER_BYTES + slots[first]! * stride);
      // Rows past the end of the file are not stored: marked empty, the checks skip them.
      for (let i = first + Math.floor(got / stride); i < end; i++) words[(i * stride) / 4] = TAG_EMPTY;
      first = end;
    }
    for (let i = 0; i < slots.length; i++) {
      const at = i * stride;
      const slot = slots[i]!;
      const tag = words[at / 4]!;
      if (tag === TAG_EMPTY) continue;
      const from = at / 4 + 1;
      const to = i * dim;
      // One pass: copy, check finiteness (x - x is NaN for NaN and the infinities) and sum the
      // words as rowTag does.
      let a = slot ^ TAG_SEED;
      let b = 0;
      let finite = true;
      for (let k = 0; k < dim; k++) {
        const x = floats[from + k]!;
        finite &&= x - x === 0;
        out[to + k] = x;
        a = (a + words[from + k]!) | 0;
        b = (b + a) | 0;
      }
      if (!finite || tag !== finishTag(a, b)) return slot;
      found[i] = 1;
    }
    return -1;
  }

  /**
   * Applies a committed write: clears the rows of `freed` slots that no upsert took again, then
   * writes `vectors[i]` at `slots[i]`. Runs of consecutive slots go out in one call each.
   */
  write(freed: readonly number[], slots: Uint32Array, vectors: readonly Float32Array[]): void {
    this.startChanging();
    const zero = Buffer.alloc(4);
    // An upsert usually keeps its slot: its row is about to be overwritten anyway.
    const retaken = freed.length === 0 ? undefined : new Set(slots);
    for (const slot of freed) if (!retaken!.has(slot)) fs.writeSync(this.fd, zero, 0, 4, HEADER_BYTES + slot * this.stride);
    const stage = this.staging(Math.min(STAGE_BYTES, slots.length * this.stride));
    const perStage = Math.max(1, Math.floor(stage.byteLength / this.stride));
    let runStart = 0;
    for (let i = 1; i <= slots.length; i++) {
      const endsRun = i === slots.length || slots[i] !== slots[i - 1]! + 1 || i - runStart === perStage;
      if (!endsRun) continue;
      const words = this.stageWords;
      const dim = this.stride / 4 - 1;
      for (let j = runStart; j < i; j++) {
        const at = ((j - runStart) * this.stride) / 4;
        this.stageFloats.set(vectors[j]!, at + 1);
        words[at] = rowTag(slots[j]!, words, at + 1, dim);
      }
      fs.writeSync(this.fd, stage, 0, (i - runStart) * this.stride, HEADER_BYTES + slots[runStart]! * this.stride);
      runStart = i;
    }
  }

  /** Empties the file after the items were deleted. */
  clear(): void {
    this.startChanging();
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
    this.bind(currentCommits(this.db));
    fs.fsyncSync(this.fd);
    putMarker(this.db, this.storeId, this.generation);
    this.changed = false;
  }

  /** Before the first change since the file was vouched for: no marker can match its header any more. */
  private startChanging(): void {
    if (this.changed) return;
    this.changed = true;
    this.bind(UNBOUND);
  }

  /** Writes `commits` as the header's bound counter. */
  private bind(commits: bigint): void {
    this.generation.writeBigUInt64LE(commits, BOUND_AT - GENERATION_AT);
    fs.writeSync(this.fd, this.generation, 0, GENERATION_BYTES, GENERATION_AT);
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
      this.stageWords = new Uint32Array(this.stage.buffer, this.stage.byteOffset, this.stage.byteLength >> 2);
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
  if (header.generation.readBigUInt64LE(BOUND_AT - GENERATION_AT) === UNBOUND) return false;
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
  const generation = Buffer.alloc(GENERATION_BYTES);
  randomBytes(BOUND_AT - GENERATION_AT).copy(generation, 0);
  generation.writeBigUInt64LE(currentCommits(db), BOUND_AT - GENERATION_AT);
  generation.copy(header, GENERATION_AT);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, header, 0, HEADER_BYTES, 0);
    const page: Database.Statement<unknown[], unknown> = db
      .prepare(`SELECT slot, vector, vector_crc FROM ${table} WHERE slot > ? ORDER BY slot LIMIT ?`)
      .raw(true);
    const stage = Buffer.alloc(Math.max(stride, Math.floor(STAGE_BYTES / stride) * stride));
    const words = new Uint32Array(stage.buffer, stage.byteOffset, stage.byteLength >> 2);
    let runSlot = -1;
    let staged = 0;
    const flush = () => {
      if (staged > 0) fs.writeSync(fd, stage, 0, staged * stride, HEADER_BYTES + runSlot * stride);
      staged = 0;
    };
    let after = -1;
    for (;;) {
      const rows = page.all(after, REBUILD_PAGE) as [number, Buffer, number | null][];
      for (const [slot, vector, crc] of rows) {
        if (staged > 0 && (slot !== runSlot + staged || (staged + 1) * stride > stage.byteLength)) flush();
        if (staged === 0) runSlot = slot;
        // Damage is reported by the read that meets it, as without the file. A row written before
        // checksums existed (crc NULL) is taken as it is.
        const intact = Buffer.isBuffer(vector) && vector.byteLength === dim * 4 && (crc === null || crc === vectorChecksum(slot, vector));
        const at = staged * stride;
        if (intact) {
          vector.copy(stage, at + 4);
          words[at / 4] = rowTag(slot, words, at / 4 + 1, dim);
        } else words[at / 4] = TAG_DAMAGED;
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

/** The database's commit counter (moment.ts). */
function currentCommits(db: SqliteDatabase): bigint {
  return BigInt(db.prepare('SELECT commits FROM moment WHERE id = 0').pluck(true).get() as number);
}

/** Records in the database that the file of build `generation` holds store `storeId`'s vectors as they are now. */
function putMarker(db: SqliteDatabase, storeId: number, generation: Buffer): void {
  db.prepare('INSERT OR REPLACE INTO srm_vector_files (store_id, generation) VALUES (?, ?)').run(storeId, generation);
}
