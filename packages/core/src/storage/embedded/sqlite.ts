/**
 * Opening the embedded SQLite database: file creation, pragmas, the format
 * version, the integrity check, and the translation of SQLite errors into
 * {@link SRMError}s.
 *
 * On-disk layout of a memory directory (format version 2):
 *
 * ```
 * <dir>/memory.sqlite       the database (WAL mode)
 * <dir>/memory.sqlite-wal   committed writes not yet checkpointed into memory.sqlite
 * <dir>/memory.ack          the acknowledged-commit watermark (moment.ts)
 * <dir>/vectors-<n>.f32     SRM store n's vectors by slot for the rerank: a cache of the
 *                           database, rebuilt when missing or not vouched for (vector-file.ts)
 * <dir>/LOCK                pid, host and start time of the process that has the directory open
 * ```
 *
 * The `meta` table holds `format_version`; SQLite's `application_id` header
 * field marks the file as an SRM database. Version 2 added the `moment` row (database id and
 * commit counter) and the checksum columns of the SRM items tables; a version 1 database is
 * migrated when opened (its rows keep no checksum until rewritten: see srm-store.ts).
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CorruptDataError, SRMError, StorageUnavailableError } from '../../errors.js';

/** A better-sqlite3 connection. */
export type SqliteDatabase = Database.Database;

/** Format version of the embedded database that this build writes and reads. */
export const EMBEDDED_FORMAT_VERSION = 2;

/** Format versions this build opens; older ones are migrated to {@link EMBEDDED_FORMAT_VERSION} on open. */
const READABLE_FORMAT_VERSIONS = new Set([1, EMBEDDED_FORMAT_VERSION]);

/** SQLite `application_id` of SRM databases: ASCII "SRM1". */
export const SRM_APPLICATION_ID = 0x53524d31;

/** File name of the database inside a memory directory. */
export const DATABASE_FILE = 'memory.sqlite';

/**
 * How hard a commit is pushed to disk.
 * - `process`: WAL with `synchronous=NORMAL`. A commit is in the OS page cache when the call
 *   resolves: it survives a crash or kill of the process, not a power loss or kernel panic
 *   (the last commits may be lost then, but the file stays consistent). Fast.
 * - `power`: WAL with `synchronous=FULL`. The WAL is fsynced at every commit: a resolved write
 *   survives power loss too. Each write pays one fsync (0.1 to 10 ms depending on the disk).
 */
export type Durability = 'process' | 'power';

/** Settings applied when the database is opened (defaults applied). */
export interface SqliteSettings {
  durability: Durability;
  /** Page cache, MiB. */
  cacheSizeMiB: number;
  /** Memory-mapped I/O window, MiB (0 disables). */
  mmapSizeMiB: number;
  /** Run `PRAGMA integrity_check` on open. */
  integrityCheck: boolean;
}

const CORRUPT_CODES = /^SQLITE_(CORRUPT|NOTADB)/;
const UNAVAILABLE_CODES = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|PERM|NOMEM|PROTOCOL|AUTH)/;

/** The better-sqlite3 error code of `err`, if it is a SQLite error. */
export function sqliteCode(err: unknown): string | undefined {
  return err instanceof Database.SqliteError ? err.code : undefined;
}

/**
 * A better-sqlite3 connection. Its native binary loads with the first connection: when it is
 * missing (install scripts skipped) or built for another Node.js, the error says how to rebuild it.
 *
 * @throws StorageUnavailableError naming `npm rebuild better-sqlite3` when the binary cannot be loaded.
 */
function connect(file: string, options?: Database.Options): SqliteDatabase {
  try {
    return new Database(file, options);
  } catch (err) {
    if (!isNativeBindingFailure(err)) throw err;
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new StorageUnavailableError(
      'open',
      file,
      `the native binary of better-sqlite3 could not be loaded (${detail}); rebuild it for this Node.js ${process.version} with \`npm rebuild better-sqlite3\` in the app (its install script builds it; it must not be denied in allowScripts or skipped with --ignore-scripts)`,
      { cause: err },
    );
  }
}

/** A missing `better_sqlite3.node`, or one compiled for another Node.js ABI or platform. */
function isNativeBindingFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return /Could not locate the bindings file|better_sqlite3\.node|NODE_MODULE_VERSION/.test(err.message) || code === 'ERR_DLOPEN_FAILED';
}

/**
 * Translates whatever a SQLite call threw into an {@link SRMError}:
 * corruption (`SQLITE_CORRUPT*`, `SQLITE_NOTADB`) into {@link CorruptDataError} naming `file`,
 * everything else into {@link StorageUnavailableError} naming the operation. `SRMError`s pass through.
 */
export function toSrmError(err: unknown, file: string, operation: string): SRMError {
  if (err instanceof SRMError) return err;
  const code = sqliteCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (code !== undefined && CORRUPT_CODES.test(code)) {
    return new CorruptDataError(file, `${detail} (${code} during ${operation}); ${RECOVERY_HINT}`, { cause: err });
  }
  const why = code !== undefined && UNAVAILABLE_CODES.test(code) ? `${detail} (${code})` : `${detail}${code ? ` (${code})` : ''}`;
  return new StorageUnavailableError(operation, file, why, { cause: err });
}

/** Where a user goes when the database is damaged; repeated in every corruption error. */
export const RECOVERY_HINT = 'restore the memory directory from a copy or re-import an `srm export`; keep memory.sqlite-wal next to memory.sqlite when copying';

/**
 * Opens (or creates) the database of a memory directory, or an in-memory database when
 * `file` is `":memory:"`, and checks it.
 *
 * A new database file is built under a temporary name and renamed into place once its
 * `meta` table is written, so an existing `memory.sqlite` that is empty or has no `meta`
 * table is damaged, never "new": it is refused instead of being read as an empty memory.
 *
 * @throws CorruptDataError naming the file when it is not SQLite, truncated, fails
 *   `integrity_check`, is not an SRM database, has an unknown format version, or is missing
 *   while its WAL file exists.
 * @throws StorageUnavailableError when the file cannot be opened (permissions, disk full).
 */
export function openDatabase(file: string, settings: SqliteSettings): SqliteDatabase {
  if (file === ':memory:') {
    const db = connect(':memory:');
    initialiseSchema(db);
    return db;
  }
  if (!existsSync(file)) {
    const wal = `${file}-wal`;
    if (existsSync(wal) && statSync(wal).size > 0) {
      throw new CorruptDataError(file, `the database file is missing but its write-ahead log ${wal} exists; ${RECOVERY_HINT}`);
    }
    createDatabaseFile(file);
  } else if (statSync(file).size === 0) {
    throw new CorruptDataError(file, `the file is empty (truncated); ${RECOVERY_HINT}`);
  }

  let db: SqliteDatabase | undefined;
  try {
    db = connect(file, { fileMustExist: true });
    // Exclusive locking: a process that bypassed the LOCK file still cannot write
    // concurrently, and WAL needs no shared-memory file.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    applyPragmas(db, settings);
    if (settings.integrityCheck) integrityCheck(db, file);
    checkFormat(db, file);
    return db;
  } catch (err) {
    db?.close();
    throw toSrmError(err, file, 'open');
  }
}

function applyPragmas(db: SqliteDatabase, settings: SqliteSettings): void {
  db.pragma(`synchronous = ${settings.durability === 'power' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`cache_size = ${-Math.round(settings.cacheSizeMiB * 1024)}`);
  db.pragma(`mmap_size = ${Math.round(settings.mmapSizeMiB * 1024 * 1024)}`);
  db.pragma('temp_store = MEMORY');
  // Truncate the WAL back to 64 MiB after checkpoints so a burst of writes does not leave a huge file.
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
}

/**
 * `integrity_check` rather than `quick_check`: it also checks every index against its table, so
 * that a damaged id index cannot hide an item or let an id be stored twice, for about a third
 * more time.
 */
function integrityCheck(db: SqliteDatabase, file: string): void {
  const rows = db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
  const problems = rows.map((r) => r.integrity_check).filter((s) => s !== 'ok');
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join('; ').replace(/\s+/g, ' ');
    throw new CorruptDataError(file, `integrity check failed: ${shown}; ${RECOVERY_HINT}`);
  }
}

function checkFormat(db: SqliteDatabase, file: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").get() !== undefined;
  if (appId !== SRM_APPLICATION_ID || !hasMeta) {
    throw new CorruptDataError(file, `not an SRM memory database (application_id ${appId}, meta table ${hasMeta ? 'present' : 'missing'})`);
  }
  const row = db.prepare("SELECT value FROM meta WHERE key = 'format_version'").get() as { value: string } | undefined;
  const version = row === undefined ? NaN : Number(row.value);
  if (!READABLE_FORMAT_VERSIONS.has(version)) {
    throw new CorruptDataError(
      file,
      `unknown format version ${row === undefined ? '(missing)' : JSON.stringify(row.value)}; this build of @srm/core reads versions ${[...READABLE_FORMAT_VERSIONS].join(' and ')}`,
    );
  }
  // Migrating version 1 only adds (the moment row here, checksum columns as each SRM store opens).
  db.transaction(() => {
    initialiseSchema(db);
    if (version !== EMBEDDED_FORMAT_VERSION) db.prepare("UPDATE meta SET value = ? WHERE key = 'format_version'").run(String(EMBEDDED_FORMAT_VERSION));
  })();
}

/** The `moment` table: one row with the database id and the commit counter (format version 2). */
export const MOMENT_SCHEMA = `
    CREATE TABLE IF NOT EXISTS moment (id INTEGER PRIMARY KEY CHECK (id = 0), database_id BLOB NOT NULL, commits INTEGER NOT NULL);
    INSERT OR IGNORE INTO moment (id, database_id, commits) VALUES (0, randomblob(16), 0);`;

/**
 * Creates the tables that do not exist yet. The routing-checkpoint tables, the vector-file
 * markers and their triggers came later within version 1: they only add, and because the
 * triggers live in the file, writes made by an older build still make a checkpoint or a vector
 * file stale. The `moment` row (version 2) starts at commit 0 under a new random database id.
 */
function initialiseSchema(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT OR IGNORE INTO meta (key, value) VALUES ('format_version', '${EMBEDDED_FORMAT_VERSION}');
    CREATE TABLE IF NOT EXISTS stores (
      store_id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL,
      name TEXT NOT NULL,
      spec TEXT NOT NULL,
      UNIQUE (kind, name)
    );
    CREATE TABLE IF NOT EXISTS srm_state (store_id INTEGER PRIMARY KEY, state BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS srm_checkpoint_head (store_id INTEGER PRIMARY KEY, header BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS srm_checkpoint_lists (
      store_id INTEGER NOT NULL,
      list INTEGER NOT NULL,
      slots BLOB NOT NULL,
      rows BLOB NOT NULL,
      PRIMARY KEY (store_id, list)
    );
    CREATE TABLE IF NOT EXISTS srm_vector_files (store_id INTEGER PRIMARY KEY, generation BLOB NOT NULL);
    CREATE TRIGGER IF NOT EXISTS srm_state_stales_checkpoint_ins AFTER INSERT ON srm_state
      BEGIN DELETE FROM srm_checkpoint_head WHERE store_id = NEW.store_id; END;
    CREATE TRIGGER IF NOT EXISTS srm_state_stales_checkpoint_upd AFTER UPDATE ON srm_state
      BEGIN DELETE FROM srm_checkpoint_head WHERE store_id = NEW.store_id; END;
    CREATE TRIGGER IF NOT EXISTS srm_state_stales_checkpoint_del AFTER DELETE ON srm_state
      BEGIN DELETE FROM srm_checkpoint_head WHERE store_id = OLD.store_id; END;
  `);
  db.exec(MOMENT_SCHEMA);
  if (db.pragma('application_id', { simple: true }) !== SRM_APPLICATION_ID) db.pragma(`application_id = ${SRM_APPLICATION_ID}`);
}

/** Builds a new database under a temporary name, then renames it into place (both fsynced). */
function createDatabaseFile(file: string): void {
  const tmp = `${file}.init`;
  rmSync(tmp, { force: true });
  rmSync(`${tmp}-wal`, { force: true });
  rmSync(`${tmp}-shm`, { force: true });
  try {
    const db = connect(tmp);
    try {
      db.pragma('journal_mode = WAL');
      initialiseSchema(db);
    } finally {
      db.close(); // checkpoints and removes the WAL: everything is in `tmp`
    }
    fsyncPath(tmp);
    renameSync(tmp, file);
    fsyncPath(dirname(file));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw toSrmError(err, file, 'create');
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
