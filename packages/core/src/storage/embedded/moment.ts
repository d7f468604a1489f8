/**
 * Which moment a memory directory is at, so that no file from another moment is trusted.
 *
 * - **Commit counter.** The `moment` row of the database holds a random database id and a
 *   counter that every write transaction of the embedded stores bumps, inside the transaction.
 * - **Watermark.** `<dir>/memory.ack` holds the database id and the counter of the last commit
 *   that was acknowledged to a caller, written after each commit at the strength the storage's
 *   `durability` promises (page cache for `"process"`, fsynced for `"power"`). A database whose
 *   counter is below its watermark lost acknowledged commits (a WAL lost or damaged after a
 *   kill, an older copy of `memory.sqlite` put back) and is refused at open with a
 *   {@link CorruptDataError} that says how many commits are missing, unless the caller accepts
 *   the rollback (`EmbeddedStorageOptions.acceptRollback`).
 * - The vector files bind their build to the counter (see vector-file.ts).
 *
 * Watermark layout (format version 1, 44 bytes, little-endian): magic `SRMACK01`, the format
 * version (uint32), 4 zero bytes, the database id (16 bytes), the counter (uint64), and a
 * CRC-32 of the 40 bytes before it.
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { CorruptDataError } from '../../errors.js';
import { MOMENT_SCHEMA, RECOVERY_HINT, type Durability, type SqliteDatabase } from './sqlite.js';

/** File name of the watermark inside a memory directory. */
export const WATERMARK_FILE = 'memory.ack';
/** Format version of the watermark file. */
export const WATERMARK_FORMAT_VERSION = 1;

const MAGIC = Buffer.from('SRMACK01', 'latin1');
const BYTES = 44;
const ID_AT = 16;
const COUNTER_AT = 32;
const CRC_AT = 40;

/** The database's side of its moment: its id and its commit counter. */
export interface DatabaseMoment {
  databaseId: Buffer;
  commits: number;
}

/** Reads the `moment` row (created by the schema, so it exists once the database is open). */
export function readMoment(db: SqliteDatabase): DatabaseMoment {
  const row = db.prepare('SELECT database_id, commits FROM moment WHERE id = 0').get() as { database_id: unknown; commits: unknown } | undefined;
  if (
    row === undefined ||
    !Buffer.isBuffer(row.database_id) ||
    row.database_id.byteLength !== 16 ||
    !Number.isSafeInteger(row.commits) ||
    (row.commits as number) < 0
  ) {
    throw new CorruptDataError(db.name, `the database's moment row is missing or malformed; ${RECOVERY_HINT}`);
  }
  return { databaseId: row.database_id, commits: row.commits as number };
}

/**
 * The commit counter of one open database and, in a memory directory, its watermark file.
 * Every write transaction of the embedded stores runs through {@link CommitLog.commit}.
 */
export class CommitLog {
  private readonly bump: () => number;
  private readonly record = Buffer.alloc(BYTES);
  private fd: number;

  private constructor(
    private readonly db: SqliteDatabase,
    readonly databaseId: Buffer,
    private readonly durability: Durability,
    fd: number,
  ) {
    this.fd = fd;
    const st = db.prepare('UPDATE moment SET commits = commits + 1 WHERE id = 0 RETURNING commits').pluck(true);
    this.bump = () => st.get() as number;
    MAGIC.copy(this.record, 0);
    this.record.writeUInt32LE(WATERMARK_FORMAT_VERSION, 8);
    databaseId.copy(this.record, ID_AT);
  }

  /** A commit log without a watermark (an in-memory database: nothing outlives the process). */
  static inMemory(db: SqliteDatabase): CommitLog {
    db.exec(MOMENT_SCHEMA);
    return new CommitLog(db, readMoment(db).databaseId, 'process', -1);
  }

  /**
   * Checks the database `db` of `databaseFile` against its watermark and opens the watermark
   * for writing. A missing watermark (a new directory, or one written before watermarks existed)
   * is created from the database.
   * @throws CorruptDataError when the database is behind its watermark, the watermark names
   *   another database, or the watermark is damaged, unless `acceptRollback` is true: then the
   *   watermark is reset to the database as it is.
   */
  static open(db: SqliteDatabase, databaseFile: string, durability: Durability, acceptRollback: boolean): CommitLog {
    const path = join(dirname(databaseFile), WATERMARK_FILE);
    const moment = readMoment(db);
    const mark = readWatermark(path);
    if (!acceptRollback && mark !== undefined) {
      const accept = 'open it with `acceptRollback: true` to use it as it is';
      if (mark === 'damaged') {
        throw new CorruptDataError(
          path,
          `the acknowledged-commit watermark is damaged, so whether memory.sqlite lost acknowledged writes cannot be told; ${accept}, or ${RECOVERY_HINT}`,
        );
      }
      if (!mark.databaseId.equals(moment.databaseId)) {
        throw new CorruptDataError(
          databaseFile,
          `memory.sqlite is not the database its watermark ${WATERMARK_FILE} was written for (another memory's file?); ${accept}, or ${RECOVERY_HINT}`,
        );
      }
      if (mark.commits > moment.commits) {
        const behind = mark.commits - moment.commits;
        throw new CorruptDataError(
          databaseFile,
          `memory.sqlite is ${behind} acknowledged commit(s) behind its watermark (database at commit ${moment.commits}, acknowledged ${mark.commits}): ` +
            `its write-ahead log was lost or damaged, or an older copy was put back; ${accept}, or ${RECOVERY_HINT}`,
        );
      }
    }
    const log = new CommitLog(db, moment.databaseId, durability, -1);
    if (mark === undefined || mark === 'damaged' || !mark.databaseId.equals(moment.databaseId) || mark.commits !== moment.commits) {
      log.replaceWatermark(path, moment.commits);
    }
    log.fd = openSync(path, 'r+');
    return log;
  }

  /**
   * Runs `txn` in one transaction that also bumps the commit counter, then acknowledges the
   * commit in the watermark. `txn` may itself be a better-sqlite3 transaction (it nests).
   */
  commit<T>(txn: () => T): T {
    let commits = 0;
    const result = this.db.transaction(() => {
      const r = txn();
      commits = this.bump();
      return r;
    })();
    this.acknowledge(commits);
    return result;
  }

  /** Closes the watermark file. */
  close(): void {
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0) closeSync(fd);
  }

  private acknowledge(commits: number): void {
    if (this.fd < 0) return;
    encodeCounter(this.record, commits);
    writeSync(this.fd, this.record, 0, BYTES, 0);
    if (this.durability === 'power') fdatasyncSync(this.fd);
  }

  /** Writes a new watermark under a temporary name, fsyncs it and renames it into place. */
  private replaceWatermark(path: string, commits: number): void {
    encodeCounter(this.record, commits);
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, this.record, 0, BYTES, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}

function encodeCounter(record: Buffer, commits: number): void {
  record.writeBigUInt64LE(BigInt(commits), COUNTER_AT);
  record.writeUInt32LE(crc32(record.subarray(0, CRC_AT)), CRC_AT);
}

/** The watermark at `path`: undefined when there is none, 'damaged' when it cannot be read as one. */
function readWatermark(path: string): DatabaseMoment | 'damaged' | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (bytes.byteLength !== BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC) || bytes.readUInt32LE(CRC_AT) !== crc32(bytes.subarray(0, CRC_AT)))
    return 'damaged';
  if (bytes.readUInt32LE(8) !== WATERMARK_FORMAT_VERSION) return 'damaged';
  const commits = bytes.readBigUInt64LE(COUNTER_AT);
  if (commits > BigInt(Number.MAX_SAFE_INTEGER)) return 'damaged';
  return { databaseId: Buffer.from(bytes.subarray(ID_AT, ID_AT + 16)), commits: Number(commits) };
}
