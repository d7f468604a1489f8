/**
 * The embedded glossary store: entries in a SQLite table (the durable side)
 * and a {@link SparseIndex} in memory (the BM25 engine), rebuilt from the
 * table when the store opens. A write commits to SQLite first and updates the
 * index only after the commit, so the index never holds what the disk lacks.
 *
 * Schema (store format version 2), one table per glossary store:
 *
 * ```
 * glossary_stores (name TEXT PRIMARY KEY, table_id INTEGER UNIQUE, format_version INTEGER)
 * glossary_entries_<table_id> (
 *   id TEXT PRIMARY KEY, agent_id, key, key_lower, category, value,
 *   aliases TEXT (JSON array), description,
 *   terms BLOB (u32 n, then n u32 term ids, then n f32 weights; little-endian),
 *   updated_at INTEGER (ms since epoch),
 *   text_crc INTEGER, terms_crc INTEGER (checksums.ts; checked on every read))
 * ```
 *
 * Version 1 lacked the two checksums: opening such a store adds them to every row, once.
 *
 * The user's store name never reaches SQL text: it is a bound value in
 * `glossary_stores`, and the entries table is named by the integer `table_id`.
 */
import type { Database, Statement } from 'better-sqlite3';
import { ClosedError, CorruptDataError, InvalidInputError } from '../../errors.js';
import { packSparse, SparseIndex, type PackedSparse } from '../../sparse/sparse-index.js';
import type { GlossaryHit, GlossaryHitEntry, GlossaryStore, SparseVector, StoredGlossaryEntry, TermStats } from '../types.js';
import { glossaryTermsChecksum, glossaryTextChecksum } from './checksums.js';
import type { CommitLog } from './moment.js';
import { decodeTerms, encodeTerms } from './glossary-terms.js';
import { RECOVERY_HINT, toSrmError } from './sqlite.js';

/** Format version of a glossary store's table; opening migrates version 1 and refuses any other. */
export const GLOSSARY_STORE_FORMAT_VERSION = 2;

interface EntryRow {
  id: string;
  agent_id: string;
  key: string;
  category: string;
  value: string;
  aliases: string;
  description: string;
  terms: Buffer;
  updated_at: number;
  text_crc: number;
  terms_crc: number;
}

/** A row as search reads it: without the terms blob (see {@link GlossaryHitEntry}). */
type HitRow = Omit<EntryRow, 'terms' | 'terms_crc'>;

/** The columns of a {@link HitRow}. */
const HIT_COLUMNS = 'id, agent_id, key, category, value, aliases, description, updated_at, text_crc';

interface PreparedEntry {
  entry: StoredGlossaryEntry;
  packed: PackedSparse;
  blob: Buffer;
  aliases: string;
}

/** Largest number of bound parameters used in one `IN (...)` list. */
const IN_CHUNK = 500;
/** Up to this many ids are read one by one with a cached statement (no statement to prepare per call). */
const ONE_BY_ONE_MAX = 64;

/**
 * Embedded {@link GlossaryStore}. Open it through `EmbeddedStorage.openGlossaryStore(name)`.
 *
 * - IDF statistics (N, n_t) cover the whole store, every agent (like a Qdrant collection);
 *   results, lists and counts are always scoped to one agent.
 * - `upsert` and `delete` cost one SQLite transaction plus the entry's terms in the index
 *   (no rebuild); opening costs one scan of the table.
 *
 * @example
 * ```ts
 * const storage = await EmbeddedStorage.open('./memory');
 * const store = await storage.openGlossaryStore('glossary');
 * const hits = await store.search({ indices: [42], values: [1] }, { agentId: 'bot', limit: 5 });
 * ```
 */
export class EmbeddedGlossaryStore implements GlossaryStore {
  /** The database file (`":memory:"` for an in-memory backend). */
  readonly location: string;
  /** The store's name in its backend. */
  readonly name: string;

  private readonly db: Database;
  private readonly table: string;
  private readonly index = new SparseIndex();
  private readonly stmts = new Map<string, Statement>();
  private readonly upsertTxn: (rows: readonly PreparedEntry[]) => void;
  private readonly deleteTxn: (ids: readonly string[]) => string[];

  private constructor(
    db: Database,
    name: string,
    location: string,
    tableId: number,
    private readonly log: CommitLog,
  ) {
    this.db = db;
    this.name = name;
    this.location = location;
    this.table = `glossary_entries_${tableId}`;
    this.upsertTxn = db.transaction((rows: readonly PreparedEntry[]) => {
      const st = this.stmt(
        'upsert',
        `INSERT OR REPLACE INTO ${this.table} (id, agent_id, key, key_lower, category, value, aliases, description, terms, updated_at, text_crc, terms_crc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const { entry: e, blob, aliases } of rows) {
        const text = {
          id: e.id,
          agent_id: e.agentId,
          key: e.key,
          category: e.category,
          value: e.value,
          aliases,
          description: e.description,
          updated_at: e.updatedAt,
        };
        st.run(
          e.id,
          e.agentId,
          e.key,
          e.key.toLowerCase(),
          e.category,
          e.value,
          aliases,
          e.description,
          blob,
          e.updatedAt,
          glossaryTextChecksum(text),
          glossaryTermsChecksum(e.id, e.agentId, blob),
        );
      }
    });
    this.deleteTxn = db.transaction((ids: readonly string[]) => {
      const st = this.stmt('delete', `DELETE FROM ${this.table} WHERE id = ?`);
      const deleted: string[] = [];
      for (const id of ids) if (st.run(id).changes > 0) deleted.push(id);
      return deleted;
    });
  }

  /**
   * Opens (creating on first use) the glossary store `name` in `db`, and rebuilds its
   * in-memory index from the table.
   *
   * @param db an open better-sqlite3 database (owned by the caller, usually `EmbeddedStorage`)
   * @param name the store's name; any non-empty string (it is only ever a bound SQL value)
   * @param location what error messages name: the database file
   * @param log the database's commit log: every write transaction goes through it (moment.ts)
   * @throws CorruptDataError when the store has an unknown format version or a damaged row.
   * @throws StorageUnavailableError when SQLite fails.
   */
  static async open(db: Database, name: string, location: string, log: CommitLog): Promise<EmbeddedGlossaryStore> {
    if (typeof name !== 'string' || name.length === 0)
      throw new InvalidInputError(`glossary store name must be a non-empty string, got ${JSON.stringify(name)}`);
    if (!db.open) throw new ClosedError(`embedded glossary store "${name}" (${location})`);
    let tableId: number;
    try {
      tableId = db.transaction(() => {
        db.exec(
          `CREATE TABLE IF NOT EXISTS glossary_stores (
             name TEXT PRIMARY KEY,
             table_id INTEGER NOT NULL UNIQUE,
             format_version INTEGER NOT NULL
           )`,
        );
        const row = db.prepare('SELECT table_id, format_version FROM glossary_stores WHERE name = ?').get(name) as
          | { table_id: number; format_version: number }
          | undefined;
        let id: number;
        if (row) {
          if (row.format_version === 1) {
            addChecksums(db, `glossary_entries_${row.table_id}`);
            db.prepare('UPDATE glossary_stores SET format_version = ? WHERE name = ?').run(GLOSSARY_STORE_FORMAT_VERSION, name);
          } else if (row.format_version !== GLOSSARY_STORE_FORMAT_VERSION) {
            throw new CorruptDataError(
              location,
              `glossary store "${name}" has format version ${row.format_version}; this build reads version ${GLOSSARY_STORE_FORMAT_VERSION}`,
            );
          }
          id = row.table_id;
        } else {
          const next = db.prepare('SELECT COALESCE(MAX(table_id), 0) + 1 AS id FROM glossary_stores').get() as { id: number };
          id = next.id;
          db.prepare('INSERT INTO glossary_stores (name, table_id, format_version) VALUES (?, ?, ?)').run(name, id, GLOSSARY_STORE_FORMAT_VERSION);
        }
        const table = `glossary_entries_${id}`;
        db.exec(
          `CREATE TABLE IF NOT EXISTS ${table} (
             id TEXT PRIMARY KEY,
             agent_id TEXT NOT NULL,
             key TEXT NOT NULL,
             key_lower TEXT NOT NULL,
             category TEXT NOT NULL,
             value TEXT NOT NULL,
             aliases TEXT NOT NULL,
             description TEXT NOT NULL,
             terms BLOB NOT NULL,
             updated_at INTEGER NOT NULL,
             text_crc INTEGER NOT NULL,
             terms_crc INTEGER NOT NULL
           ) WITHOUT ROWID;
           CREATE INDEX IF NOT EXISTS ${table}_agent ON ${table} (agent_id, key_lower);`,
        );
        return id;
      })();
    } catch (err) {
      throw toSrmError(err, location, `glossary.open("${name}")`);
    }
    const store = new EmbeddedGlossaryStore(db, name, location, tableId, log);
    store.rebuildIndex();
    return store;
  }

  /** Names of the glossary stores in `db` (empty when none was ever opened), sorted. */
  static listNames(db: Database): string[] {
    const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'glossary_stores'").get();
    if (!exists) return [];
    return (db.prepare('SELECT name FROM glossary_stores ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  }

  async upsert(entries: readonly StoredGlossaryEntry[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(entries)) throw new InvalidInputError(`upsert expects an array of entries, got ${typeof entries}`);
    const rows = entries.map((e, i) => prepareEntry(e, i));
    this.guard('upsert', () => this.log.commit(() => this.upsertTxn(rows)));
    // Committed: now the index. Later duplicates of an id win, as in the table.
    for (const { entry, packed } of rows) this.index.upsert(entry.id, entry.agentId, packed);
  }

  async delete(ids: readonly string[]): Promise<number> {
    this.assertOpen();
    checkIds(ids, 'delete');
    const unique = [...new Set(ids)];
    const deleted = this.guard('delete', () => this.log.commit(() => this.deleteTxn(unique)));
    for (const id of deleted) this.index.remove(id);
    return deleted.length;
  }

  async get(ids: readonly string[]): Promise<(StoredGlossaryEntry | undefined)[]> {
    this.assertOpen();
    checkIds(ids, 'get');
    const found = this.fetchByIds(ids);
    return ids.map((id) => found.get(id));
  }

  async list(agentId: string, opts: { category?: string } = {}): Promise<StoredGlossaryEntry[]> {
    this.assertOpen();
    checkAgent(agentId);
    const category = opts?.category;
    if (category !== undefined && typeof category !== 'string') throw new InvalidInputError(`category must be a string, got ${typeof category}`);
    const rows = this.guard('list', () =>
      category === undefined
        ? (this.stmt('listAgent', `SELECT * FROM ${this.table} WHERE agent_id = ?`).all(agentId) as EntryRow[])
        : (this.stmt('listAgentCategory', `SELECT * FROM ${this.table} WHERE agent_id = ? AND category = ?`).all(agentId, category) as EntryRow[]),
    );
    const entries = rows.map((r) => this.toEntry(r));
    // JS code-unit order (SQLite's BINARY collation orders by UTF-8 bytes, which differs for astral characters).
    return entries.sort(compareByKey);
  }

  async count(agentId: string): Promise<number> {
    this.assertOpen();
    checkAgent(agentId);
    const row = this.guard('count', () => this.stmt('count', `SELECT COUNT(*) AS n FROM ${this.table} WHERE agent_id = ?`).get(agentId) as { n: number });
    return row.n;
  }

  async search(query: SparseVector, opts: { agentId: string; limit: number; scoreThreshold?: number }): Promise<GlossaryHit[]> {
    this.assertOpen();
    packSparse(query, 'search query');
    checkAgent(opts?.agentId);
    const { limit, scoreThreshold } = opts;
    if (!Number.isInteger(limit) || limit < 0) throw new InvalidInputError(`search limit must be a non-negative integer, got ${String(limit)}`);
    if (scoreThreshold !== undefined && (typeof scoreThreshold !== 'number' || Number.isNaN(scoreThreshold))) {
      throw new InvalidInputError(`scoreThreshold must be a number, got ${String(scoreThreshold)}`);
    }
    const hits = this.index.search(query, opts.agentId, limit, scoreThreshold);
    if (hits.length === 0) return [];
    const found = new Map<string, GlossaryHitEntry>();
    for (const row of this.fetchRows<HitRow>(
      hits.map((h) => h.id),
      HIT_COLUMNS,
    ))
      found.set(row.id, this.toHitEntry(row));
    const out: GlossaryHit[] = [];
    for (const h of hits) {
      const entry = found.get(h.id);
      // The index mirrors committed rows; a miss means the table changed behind our back.
      if (entry === undefined) throw new CorruptDataError(this.location, `glossary "${this.name}": indexed entry ${h.id} has no row`);
      out.push({ entry, score: h.score });
    }
    return out;
  }

  async termStats(termIds: readonly number[]): Promise<TermStats> {
    this.assertOpen();
    if (!Array.isArray(termIds)) throw new InvalidInputError(`termStats expects an array of term ids, got ${typeof termIds}`);
    return { docCount: this.index.docCount, docFreqs: termIds.map((t) => this.index.docFreq(t)) };
  }

  /** Every entry of every agent, in pages ordered by id (for export and migration). */
  async *scanAll(pageSize = 256): AsyncIterable<StoredGlossaryEntry[]> {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new InvalidInputError(`scanAll: pageSize must be a positive integer, got ${String(pageSize)}`);
    let after = '';
    for (;;) {
      this.assertOpen();
      const rows = this.guard(
        'scanAll',
        () => this.stmt('scanPage', `SELECT * FROM ${this.table} WHERE id > ? ORDER BY id LIMIT ?`).all(after, pageSize) as EntryRow[],
      );
      if (rows.length === 0) return;
      yield rows.map((r) => this.toEntry(r));
      after = rows[rows.length - 1]!.id;
    }
  }

  async clear(): Promise<void> {
    this.assertOpen();
    this.guard('clear', () => this.log.commit(() => this.stmt('clear', `DELETE FROM ${this.table}`).run()));
    this.index.clear();
  }

  // --- internals ---

  private rebuildIndex(): void {
    const rows = this.guard(
      'open',
      () =>
        this.db.prepare(`SELECT id, agent_id, terms, terms_crc FROM ${this.table}`).iterate() as IterableIterator<
          Pick<EntryRow, 'id' | 'agent_id' | 'terms' | 'terms_crc'>
        >,
    );
    try {
      for (const r of rows) this.index.upsert(r.id, r.agent_id, this.checkedTerms(r));
    } catch (err) {
      throw toSrmError(err, this.location, `glossary.open("${this.name}")`);
    }
  }

  private fetchByIds(ids: readonly string[]): Map<string, StoredGlossaryEntry> {
    const found = new Map<string, StoredGlossaryEntry>();
    for (const row of this.fetchRows<EntryRow>(ids, '*')) found.set(row.id, this.toEntry(row));
    return found;
  }

  /** The rows of `ids` that exist (any order), with `columns`. */
  private fetchRows<R extends HitRow>(ids: readonly string[], columns: string): R[] {
    const unique = [...new Set(ids)];
    return this.guard('get', () => {
      const rows: R[] = [];
      if (unique.length <= ONE_BY_ONE_MAX) {
        const st = this.stmt(`getOne:${columns}`, `SELECT ${columns} FROM ${this.table} WHERE id = ?`);
        for (const id of unique) {
          const row = st.get(id) as R | undefined;
          if (row) rows.push(row);
        }
        return rows;
      }
      for (let i = 0; i < unique.length; i += IN_CHUNK) {
        const chunk = unique.slice(i, i + IN_CHUNK);
        rows.push(...(this.db.prepare(`SELECT ${columns} FROM ${this.table} WHERE id IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as R[]));
      }
      return rows;
    });
  }

  /** The terms of a row, once their checksum matched. */
  private checkedTerms(r: Pick<EntryRow, 'id' | 'agent_id' | 'terms' | 'terms_crc'>): PackedSparse {
    if (!Buffer.isBuffer(r.terms) || r.terms_crc !== glossaryTermsChecksum(r.id, r.agent_id, r.terms)) {
      throw new CorruptDataError(this.location, `glossary "${this.name}": the terms of entry ${r.id} do not match their checksum; ${RECOVERY_HINT}`);
    }
    return decodeTerms(r.terms, this.location, r.id);
  }

  private toEntry(r: EntryRow): StoredGlossaryEntry {
    const packed = this.checkedTerms(r);
    return { ...this.toHitEntry(r), terms: { indices: Array.from(packed.indices), values: Array.from(packed.values) } };
  }

  private toHitEntry(r: HitRow): GlossaryHitEntry {
    if (r.text_crc !== glossaryTextChecksum(r)) {
      throw new CorruptDataError(this.location, `glossary "${this.name}": entry ${r.id} does not match its checksum; ${RECOVERY_HINT}`);
    }
    let aliases: unknown;
    try {
      aliases = JSON.parse(r.aliases);
    } catch (cause) {
      throw new CorruptDataError(this.location, `glossary "${this.name}": entry ${r.id} has unreadable aliases`, { cause });
    }
    if (!Array.isArray(aliases) || !aliases.every((a) => typeof a === 'string')) {
      throw new CorruptDataError(this.location, `glossary "${this.name}": entry ${r.id} aliases are not an array of strings`);
    }
    return {
      id: r.id,
      agentId: r.agent_id,
      key: r.key,
      value: r.value,
      category: r.category,
      aliases: aliases as string[],
      description: r.description,
      updatedAt: r.updated_at,
    };
  }

  private assertOpen(): void {
    if (!this.db.open) throw new ClosedError(`embedded glossary store "${this.name}" (${this.location})`);
  }

  private guard<T>(operation: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toSrmError(err, this.location, `glossary.${operation}("${this.name}")`);
    }
  }

  private stmt(key: string, sql: string): Statement {
    let st = this.stmts.get(key);
    if (st === undefined) {
      st = this.db.prepare(sql);
      this.stmts.set(key, st);
    }
    return st;
  }
}

/**
 * Migration of a version 1 table: adds the checksum columns and fills them for every row (a
 * one-time pass in the open's transaction; a row damaged before this is vouched for, as every
 * unchecked write was).
 */
function addChecksums(db: Database, table: string): void {
  db.exec(`ALTER TABLE ${table} ADD COLUMN text_crc INTEGER; ALTER TABLE ${table} ADD COLUMN terms_crc INTEGER`);
  const update = db.prepare(`UPDATE ${table} SET text_crc = ?, terms_crc = ? WHERE id = ?`);
  for (const r of db.prepare(`SELECT * FROM ${table}`).all() as EntryRow[]) {
    update.run(glossaryTextChecksum(r), glossaryTermsChecksum(r.id, r.agent_id, Buffer.isBuffer(r.terms) ? r.terms : Buffer.alloc(0)), r.id);
  }
}

/** Sort order of `list`: code-unit order of the lowercased key, then of the key. */
export function compareByKey(a: { key: string }, b: { key: string }): number {
  const la = a.key.toLowerCase();
  const lb = b.key.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function checkAgent(agentId: unknown): void {
  if (typeof agentId !== 'string' || agentId.length === 0)
    throw new InvalidInputError(`agentId must be a non-empty string, got ${JSON.stringify(agentId) ?? typeof agentId}`);
}

function checkIds(ids: unknown, op: string): asserts ids is string[] {
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new InvalidInputError(`${op} expects an array of string ids`);
}

function prepareEntry(e: StoredGlossaryEntry, i: number): PreparedEntry {
  const where = `upsert entry ${i}`;
  if (e === null || typeof e !== 'object') throw new InvalidInputError(`${where} must be an object, got ${String(e)}`);
  for (const f of ['id', 'agentId', 'key', 'value', 'category', 'description'] as const) {
    if (typeof e[f] !== 'string') throw new InvalidInputError(`${where}: ${f} must be a string, got ${typeof e[f]}`);
  }
  if (e.id.length === 0 || e.agentId.length === 0) throw new InvalidInputError(`${where}: id and agentId must be non-empty`);
  if (!Array.isArray(e.aliases) || !e.aliases.every((a) => typeof a === 'string')) throw new InvalidInputError(`${where}: aliases must be an array of strings`);
  if (typeof e.updatedAt !== 'number' || !Number.isFinite(e.updatedAt)) throw new InvalidInputError(`${where}: updatedAt must be a finite number`);
  const packed = packSparse(e.terms, `${where} terms`);
  return { entry: e, packed, blob: encodeTerms(packed), aliases: JSON.stringify(e.aliases) };
}
