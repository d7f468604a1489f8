/**
 * The embedded storage backend: one SQLite database in a directory the user
 * names, no server. The default backend of both memories.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClosedError, DimensionMismatchError, InvalidConfigError, InvalidInputError, StorageUnavailableError } from '../../errors.js';
import { Limits } from '../../limits.js';
import { hasLoneSurrogate } from '../../util/unicode.js';
import type { GlossaryStore, SRMItemStoreSpec, StorageBackend } from '../types.js';
import { EmbeddedGlossaryStore } from './glossary-store.js';
import { CommitLog } from './moment.js';
import { acquireDirectoryLock, type DirectoryLock } from './lock.js';
import { DATABASE_FILE, openDatabase, toSrmError, type Durability, type SqliteDatabase, type SqliteSettings } from './sqlite.js';
import { EmbeddedItemStore } from './srm-store.js';

/** Options of {@link EmbeddedStorage}. Everything is optional. */
export interface EmbeddedStorageOptions {
  /**
   * How hard each acknowledged write is pushed to disk. Default `"process"`.
   * - `"process"`: WAL with `synchronous=NORMAL`. A resolved write survives a crash or
   *   `kill -9` of the process. A power loss or kernel panic may lose the last writes
   *   (never corrupting the file). No fsync per write: fastest.
   * - `"power"`: WAL with `synchronous=FULL`. The WAL is fsynced at every commit, so a
   *   resolved write survives power loss too, at the price of one fsync per write
   *   (0.1 ms on NVMe to ~10 ms on spinning or network disks).
   *
   * Ignored by in-memory backends.
   */
  durability?: Durability;
  /**
   * SQLite page cache, in MiB. Default 2, SQLite's own default. Range 1 to a few thousand. It
   * counts towards the process's memory, bounded by this value. The rerank reads its vectors from
   * each SRM store's vector file, not through this cache, and the operating system's file cache
   * already keeps recently read pages, so a larger cache mostly saves system calls and costs
   * resident memory (docs/benchmarks/serve-rss.md). Raise it when the operating system cannot
   * cache the file.
   */
  cacheSizeMiB?: number;
  /**
   * Memory-mapped I/O window of the database, in MiB. Default 0 (off). It speeds up reads of a
   * warm store by skipping a copy per page, but an I/O error or a file truncated by another
   * program while mapped kills the process with SIGBUS instead of raising an error, so it is
   * off unless you opt in.
   */
  mmapSizeMiB?: number;
  /**
   * Run SQLite's `PRAGMA integrity_check` when opening, so that a damaged file (a damaged index
   * included) is refused with a {@link CorruptDataError} up front instead of failing on some later
   * read. Default true. It reads the whole file once, so opening costs time in proportion to its size. Turn it off for very
   * large memories that are reopened often; damage is then still reported as
   * `CorruptDataError` by the operation that meets it.
   */
  integrityCheck?: boolean;
  /**
   * Open a database that is older than its acknowledged-commit watermark (`memory.ack`), as it
   * is. Default false: such a database lost writes that were acknowledged (its write-ahead log
   * was lost or damaged, or an older copy of `memory.sqlite` was put back), and opening it is a
   * {@link CorruptDataError} that says how many commits are missing. Set it to true to accept
   * that loss knowingly, e.g. after restoring a backup on purpose: the watermark is then reset to
   * the database as it is. Ignored by in-memory backends.
   */
  acceptRollback?: boolean;
}

/** Default values of {@link EmbeddedStorageOptions}. */
export const defaultEmbeddedStorageOptions: Readonly<Required<EmbeddedStorageOptions>> = Object.freeze({
  durability: 'process',
  cacheSizeMiB: 2,
  mmapSizeMiB: 0,
  integrityCheck: true,
  acceptRollback: false,
});

/**
 * Embedded {@link StorageBackend}: every store of a memory directory lives in one SQLite
 * database, `<dir>/memory.sqlite`, in WAL mode. Without a directory it is an in-memory
 * database that disappears on close.
 *
 * **Durability.** A write that resolved is committed to the WAL; see
 * {@link EmbeddedStorageOptions.durability}.
 *
 * **One process per directory.** Opening takes `<dir>/LOCK` (pid, host, start time). Another
 * process opening the same directory gets a {@link StorageLockedError} naming the pid that holds
 * it; a lock left by a process that died is taken over. Within one process a directory can be
 * open once: a second `open` of the same path is also refused with `StorageLockedError`. Share
 * the open instance instead (both memories accept a `storage` option): two handles on one
 * database in one process would only duplicate caches and hide ownership. The lock is released
 * by {@link EmbeddedStorage.close} and on normal process exit.
 *
 * **Damage and recovery.** Opening refuses, with a {@link CorruptDataError} whose `.file` names
 * the database, a file that is not SQLite, truncated, empty, failing `integrity_check`, of an unknown
 * format version, missing while its WAL exists, or older than its acknowledged-commit watermark
 * (`memory.ack`: a lost or damaged WAL, an older copy put back; see
 * {@link EmbeddedStorageOptions.acceptRollback}). It never opens such a file as an empty memory.
 * To recover, restore the directory from a copy or re-import an `srm export` into a new
 * directory. When copying a memory, copy the whole directory (or close the memory first:
 * closing folds the WAL into the database and removes it).
 *
 * @example
 * ```ts
 * const storage = await EmbeddedStorage.open('./agent-memory', { durability: 'power' });
 * const store = await storage.openSrmStore({ name: 'default', dim: 384, metric: 'cosine' });
 * // ... give `storage` to the memories ...
 * await storage.close();
 * ```
 */
export class EmbeddedStorage implements StorageBackend {
  readonly kind = 'embedded';
  /** The memory directory, resolved; undefined for an in-memory backend. */
  readonly path: string | undefined;
  /** The database file, or `":memory:"`. */
  readonly file: string;
  /** The options in force, defaults applied. */
  readonly options: Readonly<Required<EmbeddedStorageOptions>>;

  private readonly db: SqliteDatabase;
  private readonly lock: DirectoryLock | undefined;
  private readonly log: CommitLog;
  private readonly srmStores = new Map<string, EmbeddedItemStore>();
  private readonly glossaryStores = new Map<string, Promise<GlossaryStore>>();
  private isClosed = false;

  private constructor(
    db: SqliteDatabase,
    log: CommitLog,
    path: string | undefined,
    file: string,
    lock: DirectoryLock | undefined,
    options: Required<EmbeddedStorageOptions>,
  ) {
    this.db = db;
    this.log = log;
    this.path = path;
    this.file = file;
    this.lock = lock;
    this.options = Object.freeze({ ...options });
  }

  /**
   * Opens the memory directory `path` (created if missing), or an in-memory database when
   * `path` is undefined.
   * @throws StorageLockedError when another process, or this one, has the directory open.
   * @throws CorruptDataError when `memory.sqlite` is damaged or of an unknown format version.
   * @throws InvalidInputError when `path` exists and is not a directory.
   * @throws InvalidConfigError when an option is out of range.
   */
  static async open(path?: string, options: EmbeddedStorageOptions = {}): Promise<EmbeddedStorage> {
    if (path === undefined) return EmbeddedStorage.inMemory(options);
    const settings = resolveOptions(options);
    if (typeof path !== 'string' || path.length === 0) throw new InvalidInputError(`path must be a non-empty string, got ${String(path)}`);
    const dir = resolve(path);
    ensureDirectory(dir);
    const lock = acquireDirectoryLock(dir);
    const file = join(dir, DATABASE_FILE);
    let db: SqliteDatabase | undefined;
    try {
      db = openDatabase(file, toSqliteSettings(settings));
      const log = CommitLog.open(db, file, settings.durability, settings.acceptRollback);
      return new EmbeddedStorage(db, log, dir, file, lock, settings);
    } catch (err) {
      db?.close();
      lock.release();
      throw toSrmError(err, file, 'open');
    }
  }

  /** A new in-memory backend (nothing persists; no lock). Synchronous, for constructors. */
  static inMemory(options: EmbeddedStorageOptions = {}): EmbeddedStorage {
    const settings = resolveOptions(options);
    const db = openDatabase(':memory:', toSqliteSettings(settings));
    return new EmbeddedStorage(db, CommitLog.inMemory(db), undefined, ':memory:', undefined, settings);
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Opens the SRM store `spec.name`, creating it on first use. Opening it again returns the
   * same instance.
   * @throws DimensionMismatchError when the store exists with another `dim`.
   * @throws InvalidConfigError when the store exists with another `metric`, or the spec is invalid.
   */
  async openSrmStore(spec: SRMItemStoreSpec): Promise<EmbeddedItemStore> {
    this.assertOpen();
    checkSpec(spec);
    const existing = this.srmStores.get(spec.name);
    if (existing) {
      checkSameSpec(existing.spec, spec);
      return existing;
    }
    const storeId = this.guard('openSrmStore', () =>
      this.db.transaction(() => {
        const row = this.db.prepare("SELECT store_id, spec FROM stores WHERE kind = 'srm' AND name = ?").get(spec.name) as
          | { store_id: number; spec: string }
          | undefined;
        if (row) {
          checkSameSpec(JSON.parse(row.spec) as SRMItemStoreSpec, spec);
          EmbeddedItemStore.createTable(this.db, row.store_id);
          return row.store_id;
        }
        const stored: SRMItemStoreSpec = { name: spec.name, dim: spec.dim, metric: spec.metric };
        const id = Number(this.db.prepare("INSERT INTO stores (kind, name, spec) VALUES ('srm', ?, ?)").run(spec.name, JSON.stringify(stored)).lastInsertRowid);
        EmbeddedItemStore.createTable(this.db, id);
        return id;
      })(),
    );
    const store = new EmbeddedItemStore(this.db, storeId, { name: spec.name, dim: spec.dim, metric: spec.metric }, this.file, () => !this.isClosed, this.log);
    this.srmStores.set(spec.name, store);
    return store;
  }

  /**
   * Opens the glossary store `name`, creating it on first use; opening it again returns the
   * same instance. The store itself is `EmbeddedGlossaryStore` (see `glossary-store.ts`).
   */
  async openGlossaryStore(name: string): Promise<GlossaryStore> {
    this.assertOpen();
    checkStoreName(name);
    let pending = this.glossaryStores.get(name);
    if (!pending) {
      const opening: Promise<GlossaryStore> = EmbeddedGlossaryStore.open(this.db, name, this.file, this.log).then((store: GlossaryStore) => {
        this.guard('openGlossaryStore', () => this.db.prepare("INSERT OR IGNORE INTO stores (kind, name, spec) VALUES ('glossary', ?, '{}')").run(name));
        return store;
      });
      this.glossaryStores.set(name, opening);
      opening.catch(() => this.glossaryStores.delete(name));
      pending = opening;
    }
    return pending;
  }

  /** The spec an SRM store was created with, or undefined when no store has that name. */
  async describeSrmStore(name: string): Promise<SRMItemStoreSpec | undefined> {
    const row = this.guard(
      'describeSrmStore',
      () => this.db.prepare("SELECT spec FROM stores WHERE kind = 'srm' AND name = ?").get(name) as { spec: string } | undefined,
    );
    return row ? (JSON.parse(row.spec) as SRMItemStoreSpec) : undefined;
  }

  async listStores(): Promise<{ srm: string[]; glossary: string[] }> {
    this.assertOpen();
    const rows = this.guard('listStores', () => this.db.prepare('SELECT kind, name FROM stores').all() as { kind: string; name: string }[]);
    const pick = (kind: string) =>
      rows
        .filter((r) => r.kind === kind)
        .map((r) => r.name)
        .sort();
    return { srm: pick('srm'), glossary: pick('glossary') };
  }

  /**
   * Closes the database (folding the WAL into `memory.sqlite`) and releases the directory
   * lock. Idempotent. Every later call on this backend or its stores throws {@link ClosedError}.
   */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    try {
      // Each vector file is vouched for in the database, so they close first; one that fails
      // is rebuilt at the next open, and must not keep the database open.
      let failed: unknown;
      for (const store of this.srmStores.values()) {
        try {
          store.closeVectorFile();
        } catch (err) {
          failed ??= err;
        }
      }
      this.db.close();
      this.log.close();
      if (failed !== undefined) throw failed;
    } catch (err) {
      throw toSrmError(err, this.file, 'close');
    } finally {
      this.lock?.release();
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw new ClosedError(`embedded storage (${this.file})`);
  }

  private guard<T>(operation: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toSrmError(err, this.file, operation);
    }
  }
}

function resolveOptions(options: EmbeddedStorageOptions): Required<EmbeddedStorageOptions> {
  if (typeof options !== 'object' || options === null) throw new InvalidInputError(`options must be an object, got ${String(options)}`);
  const o = { ...defaultEmbeddedStorageOptions, ...stripUndefined(options) };
  if (o.durability !== 'process' && o.durability !== 'power') {
    throw new InvalidConfigError('durability', `expected "process" or "power", got ${JSON.stringify(o.durability)}`);
  }
  if (typeof o.cacheSizeMiB !== 'number' || !Number.isFinite(o.cacheSizeMiB) || o.cacheSizeMiB < 1 || o.cacheSizeMiB > 1_048_576) {
    throw new InvalidConfigError('cacheSizeMiB', `expected a number of MiB in [1, 1048576], got ${String(o.cacheSizeMiB)}`);
  }
  if (typeof o.mmapSizeMiB !== 'number' || !Number.isFinite(o.mmapSizeMiB) || o.mmapSizeMiB < 0 || o.mmapSizeMiB > 1_048_576) {
    throw new InvalidConfigError('mmapSizeMiB', `expected a number of MiB in [0, 1048576], got ${String(o.mmapSizeMiB)}`);
  }
  if (typeof o.integrityCheck !== 'boolean') throw new InvalidConfigError('integrityCheck', `expected a boolean, got ${String(o.integrityCheck)}`);
  if (typeof o.acceptRollback !== 'boolean') throw new InvalidConfigError('acceptRollback', `expected a boolean, got ${String(o.acceptRollback)}`);
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function toSqliteSettings(o: Required<EmbeddedStorageOptions>): SqliteSettings {
  return { durability: o.durability, cacheSizeMiB: o.cacheSizeMiB, mmapSizeMiB: o.mmapSizeMiB, integrityCheck: o.integrityCheck };
}

function ensureDirectory(dir: string): void {
  let isDir: boolean | undefined;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = undefined;
  }
  if (isDir === false) throw new InvalidInputError(`memory path "${dir}" exists and is not a directory; expected a directory`);
  if (isDir === undefined) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new StorageUnavailableError('open', dir, `cannot create the memory directory: ${(err as Error).message}`, { cause: err });
    }
  }
}

function checkStoreName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidConfigError('name', `expected a non-empty string, got ${JSON.stringify(name)}`);
  if (name.length > Limits.maxIdLength) throw new InvalidConfigError('name', `expected at most ${Limits.maxIdLength} characters, got ${name.length}`);
  if (hasLoneSurrogate(name)) throw new InvalidConfigError('name', `${JSON.stringify(name)} contains a lone surrogate; expected well-formed UTF-16`);
}

function checkSpec(spec: SRMItemStoreSpec): void {
  if (typeof spec !== 'object' || spec === null) throw new InvalidInputError(`openSrmStore expects { name, dim, metric }, got ${String(spec)}`);
  checkStoreName(spec.name);
  if (!Number.isInteger(spec.dim) || spec.dim < 1 || spec.dim > Limits.maxDimension) {
    throw new InvalidConfigError('dim', `expected an integer in [1, ${Limits.maxDimension}], got ${String(spec.dim)}`);
  }
  if (spec.metric !== 'cosine' && spec.metric !== 'dot')
    throw new InvalidConfigError('metric', `expected "cosine" or "dot", got ${JSON.stringify(spec.metric)}`);
}

function checkSameSpec(stored: SRMItemStoreSpec, asked: SRMItemStoreSpec): void {
  if (stored.dim !== asked.dim) throw new DimensionMismatchError(stored.dim, asked.dim, `the spec of existing SRM store "${asked.name}"`);
  if (stored.metric !== asked.metric) {
    throw new InvalidConfigError('metric', `SRM store "${asked.name}" was created with metric "${stored.metric}", opened with "${asked.metric}"`);
  }
}
