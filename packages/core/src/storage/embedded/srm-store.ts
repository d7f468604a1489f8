/**
 * The embedded cold store of one SemanticRoutingMemory: one SQLite table of
 * items plus one row of index state.
 *
 * Items table (`srm_items_<store_id>`; the store id comes from the `stores`
 * registry, so user-chosen names never reach SQL text):
 *
 * | column  | type                | meaning                                             |
 * | ------- | ------------------- | --------------------------------------------------- |
 * | slot    | INTEGER PRIMARY KEY | uint32 handle in the in-RAM index (the SQLite rowid) |
 * | id      | TEXT UNIQUE         | the user's id                                       |
 * | bucket  | INTEGER             | routing code, -1 before the codebook is fitted       |
 * | vector  | BLOB                | `dim` float32 values, little-endian                  |
 * | payload | TEXT                | JSON object                                         |
 *
 * The slot is the rowid rather than a secondary unique index because the
 * query path reads by slot: one B-tree descent per record instead of two
 * (measured ~20% faster for `fetchSlots` of 100 vectors at d=100 in a 100k store).
 */
import { ClosedError, CorruptDataError, DimensionMismatchError, InvalidInputError, LimitExceededError } from '../../errors.js';
import { Limits } from '../../limits.js';
import type Database from 'better-sqlite3';
import type { FetchWants, Payload, SrmRecord, SrmRecordView, SrmStore, SrmStoreSpec } from '../types.js';
import { sqliteCode, toSrmError, type SqliteDatabase } from './sqlite.js';

type Statement = Database.Statement<unknown[], unknown>;
type Row = unknown[];

const MAX_UINT32 = 0xffff_ffff;
const MAX_INT32 = 0x7fff_ffff;
/** Most parameters of one `IN (...)` lookup; longer inputs are split into chunks of this size. */
const IN_CHUNK = 256;
/** Smallest `IN (...)` arity prepared; shorter lists are padded with NULL (which matches nothing). */
const IN_MIN = 8;
/** Default page size of {@link EmbeddedSrmStore.scan}. */
const DEFAULT_SCAN_PAGE = 1000;

/** A validated upsert, with its payload already serialised. */
interface PreparedUpsert {
  id: string;
  slot: number;
  bucket: number;
  vector: Buffer;
  payload: string;
}

/**
 * Embedded (SQLite) implementation of {@link SrmStore}. Obtain one from
 * `EmbeddedStorage.openSrmStore`; the constructor is internal.
 *
 * Semantics beyond the interface:
 * - `write` validates the whole batch before touching the database, then applies the deletes
 *   first and the upserts after them, in one transaction: a slot freed by a delete (or left by
 *   an upserted id that moves) can be taken by an upsert of the same batch, and an id both
 *   deleted and upserted ends up stored. An upsert onto a slot held by an id outside the batch
 *   is an {@link InvalidInputError}, and nothing is written.
 * - Deleting an id that is not stored is not an error. Reads and deletes of ids that
 *   could never be stored (empty, too long, lone surrogates) find nothing.
 * - `setBuckets` skips slots that hold no item (an item deleted while a refit ran).
 * - `scan` reads one page per step (keyset on slot). Writes made while a scan is paused show
 *   up if their slot is still ahead; an id moved to a higher slot meanwhile can be seen twice.
 *   Scan when no writes run (e.g. at open) for an exact snapshot.
 * - Vectors returned are fresh `Float32Array`s owned by the caller.
 * - `searchBuckets` is not implemented: the memory scores candidates itself.
 *
 * @example
 * ```ts
 * const storage = await EmbeddedStorage.open('./my-memory');
 * const store = await storage.openSrmStore({ name: 'default', dim: 3, metric: 'cosine' });
 * await store.write({ upserts: [{ id: 'a', slot: 0, bucket: -1, vector: new Float32Array([1, 0, 0]), payload: {} }] });
 * const [rec] = await store.fetchSlots([0], { id: true, vector: true });
 * ```
 */
export class EmbeddedSrmStore implements SrmStore {
  readonly spec: SrmStoreSpec;
  /** The database file (`":memory:"` for an in-memory backend). */
  readonly location: string;

  private readonly db: SqliteDatabase;
  private readonly table: string;
  private readonly storeId: number;
  private readonly isOpen: () => boolean;
  private readonly stmts = new Map<string, Statement>();
  private readonly writeTxn: (deletes: readonly string[], upserts: readonly PreparedUpsert[]) => void;
  private readonly setBucketsTxn: (slots: Uint32Array, buckets: Int32Array) => void;
  private readonly clearTxn: () => void;

  /**
   * @internal Use `EmbeddedStorage.openSrmStore`. `storeId` names the items table
   * (`srm_items_<storeId>`), which must exist.
   */
  constructor(db: SqliteDatabase, storeId: number, spec: SrmStoreSpec, location: string, isOpen: () => boolean) {
    if (!Number.isSafeInteger(storeId) || storeId < 0) throw new InvalidInputError(`store id must be a non-negative integer, got ${storeId}`);
    this.db = db;
    this.storeId = storeId;
    this.table = `srm_items_${storeId}`;
    this.spec = Object.freeze({ ...spec });
    this.location = location;
    this.isOpen = isOpen;

    this.writeTxn = db.transaction((deletes: readonly string[], upserts: readonly PreparedUpsert[]) => {
      const del = this.stmt('delete', () => `DELETE FROM ${this.table} WHERE id = ?`);
      for (const id of deletes) del.run(id);
      // Removing every upserted id first makes the batch order-independent: an id may move
      // to a slot that another id of the same batch leaves.
      for (const u of upserts) del.run(u.id);
      const ins = this.stmt('insert', () => `INSERT INTO ${this.table} (slot, id, bucket, vector, payload) VALUES (?, ?, ?, ?, ?)`);
      for (const u of upserts) ins.run(u.slot, u.id, u.bucket, u.vector, u.payload);
    });
    this.setBucketsTxn = db.transaction((slots: Uint32Array, buckets: Int32Array) => {
      const st = this.stmt('setBucket', () => `UPDATE ${this.table} SET bucket = ? WHERE slot = ?`);
      for (let i = 0; i < slots.length; i++) st.run(buckets[i], slots[i]);
    });
    this.clearTxn = db.transaction(() => {
      this.stmt('clearItems', () => `DELETE FROM ${this.table}`).run();
      this.stmt('clearState', () => 'DELETE FROM srm_state WHERE store_id = ?').run(this.storeId);
    });
  }

  /** Creates the items table of store `storeId` if it does not exist (inside the caller's transaction). */
  static createTable(db: SqliteDatabase, storeId: number): void {
    if (!Number.isSafeInteger(storeId) || storeId < 0) throw new InvalidInputError(`store id must be a non-negative integer, got ${storeId}`);
    db.exec(
      `CREATE TABLE IF NOT EXISTS srm_items_${storeId} (
         slot INTEGER PRIMARY KEY,
         id TEXT NOT NULL UNIQUE,
         bucket INTEGER NOT NULL,
         vector BLOB NOT NULL,
         payload TEXT NOT NULL
       )`,
    );
  }

  async readState(): Promise<Uint8Array | null> {
    return this.guard('readState', () => {
      const buf = this.stmt('readState', () => 'SELECT state FROM srm_state WHERE store_id = ?')
        .pluck(true)
        .get(this.storeId) as Buffer | undefined;
      return buf === undefined ? null : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    });
  }

  async writeState(state: Uint8Array): Promise<void> {
    if (!(state instanceof Uint8Array)) throw new InvalidInputError(`state must be a Uint8Array, got ${describe(state)}`);
    // A view is enough: the statement runs before writeState() yields, and SQLite copies bound blobs.
    const bytes = Buffer.from(state.buffer, state.byteOffset, state.byteLength);
    this.guard('writeState', () => {
      this.stmt(
        'writeState',
        () => 'INSERT INTO srm_state (store_id, state) VALUES (?, ?) ON CONFLICT (store_id) DO UPDATE SET state = excluded.state',
      ).run(this.storeId, bytes);
    });
  }

  async write(batch: { upserts?: readonly SrmRecord[]; deleteIds?: readonly string[] }): Promise<void> {
    this.assertOpen();
    if (typeof batch !== 'object' || batch === null) throw new InvalidInputError(`write expects { upserts?, deleteIds? }, got ${describe(batch)}`);
    const deletes = this.prepareDeletes(batch.deleteIds);
    const upserts = this.prepareUpserts(batch.upserts);
    if (deletes.length === 0 && upserts.length === 0) return;
    this.guard('write', () => {
      try {
        this.writeTxn(deletes, upserts);
      } catch (err) {
        if (sqliteCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw this.slotClash(upserts, deletes, err);
        throw err;
      }
    });
  }

  async slotsOf(ids: readonly string[]): Promise<Map<string, number>> {
    checkIdList(ids, 'slotsOf');
    return this.guard('slotsOf', () => {
      const out = new Map<string, number>();
      const st = this.stmt('slotOf', () => `SELECT slot FROM ${this.table} WHERE id = ?`).pluck(true);
      for (const id of ids) {
        if (!isStorableId(id) || out.has(id)) continue;
        const slot = st.get(id) as number | undefined;
        if (slot !== undefined) out.set(id, slot);
      }
      return out;
    });
  }

  async fetchSlots(slots: ArrayLike<number>, want: FetchWants): Promise<(SrmRecordView | undefined)[]> {
    if (slots === null || typeof slots !== 'object' || typeof slots.length !== 'number') {
      throw new InvalidInputError(`fetchSlots expects an array of slots, got ${describe(slots)}`);
    }
    const keys: number[] = [];
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i] as number;
      if (!isSlot(s)) throw new InvalidInputError(`slot at index ${i} must be an integer in [0, ${MAX_UINT32}], got ${describe(s)}`);
      keys.push(s);
    }
    return this.guard('fetchSlots', () => this.lookup('slot', keys, wantMask(want)));
  }

  async fetchIds(ids: readonly string[], want: FetchWants): Promise<(SrmRecordView | undefined)[]> {
    checkIdList(ids, 'fetchIds');
    return this.guard('fetchIds', () => {
      // Unstorable ids are looked up as NULL, which matches nothing.
      const keys = ids.map((id) => (isStorableId(id) ? id : null));
      return this.lookup('id', keys, wantMask(want));
    });
  }

  async setBuckets(slots: Uint32Array, buckets: Int32Array): Promise<void> {
    if (!(slots instanceof Uint32Array)) throw new InvalidInputError(`setBuckets: slots must be a Uint32Array, got ${describe(slots)}`);
    if (!(buckets instanceof Int32Array)) throw new InvalidInputError(`setBuckets: buckets must be an Int32Array, got ${describe(buckets)}`);
    if (slots.length !== buckets.length) {
      throw new InvalidInputError(`setBuckets: ${slots.length} slots but ${buckets.length} buckets; expected equal lengths`);
    }
    for (let i = 0; i < buckets.length; i++) {
      if ((buckets[i] as number) < -1) throw new InvalidInputError(`setBuckets: bucket at index ${i} is ${buckets[i]}, expected >= -1`);
    }
    if (slots.length === 0) return;
    this.guard('setBuckets', () => this.setBucketsTxn(slots, buckets));
  }

  async *scan(want: FetchWants, pageSize = DEFAULT_SCAN_PAGE): AsyncIterable<SrmRecordView[]> {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new InvalidInputError(`scan: pageSize must be a positive integer, got ${describe(pageSize)}`);
    const mask = wantMask(want);
    let after = -1;
    for (;;) {
      const page = this.guard('scan', () => {
        const st = this.stmt(`scan:${mask}`, () => `SELECT ${columns(mask)} FROM ${this.table} WHERE slot > ? ORDER BY slot LIMIT ?`).raw(true);
        return (st.all(after, pageSize) as Row[]).map((row) => this.toView(row, mask));
      });
      if (page.length === 0) return;
      after = (page[page.length - 1] as SrmRecordView).slot;
      yield page;
      if (page.length < pageSize) return;
    }
  }

  async count(): Promise<number> {
    return this.guard('count', () => this.stmt('count', () => `SELECT count(*) FROM ${this.table}`).pluck(true).get() as number);
  }

  async clear(): Promise<void> {
    this.guard('clear', () => this.clearTxn());
  }

  // --- internals ---

  private assertOpen(): void {
    if (!this.isOpen()) throw new ClosedError(`embedded SRM store "${this.spec.name}" (${this.location})`);
  }

  /** Runs `fn` on an open store; SQLite errors become SrmErrors naming the file and the operation. */
  private guard<T>(operation: string, fn: () => T): T {
    this.assertOpen();
    try {
      return fn();
    } catch (err) {
      throw toSrmError(err, this.location, `srm.${operation}("${this.spec.name}")`);
    }
  }

  private stmt(key: string, sql: () => string): Statement {
    let st = this.stmts.get(key);
    if (st === undefined) {
      st = this.db.prepare(sql());
      this.stmts.set(key, st);
    }
    return st;
  }

  /**
   * Records whose `keyColumn` equals each key, aligned with `keys`. Keys are looked up
   * with `IN (...)` in chunks of at most {@link IN_CHUNK}, padded with NULL to a power of
   * two so that few statements are prepared (measured ~2x faster than one query per key).
   */
  private lookup(keyColumn: 'slot' | 'id', keys: readonly (number | string | null)[], mask: number): (SrmRecordView | undefined)[] {
    const out = new Array<SrmRecordView | undefined>(keys.length).fill(undefined);
    if (keys.length === 0) return out;
    const found = new Map<number | string, SrmRecordView>();
    const cols = keyColumn === 'id' ? `id, ${columns(mask)}` : columns(mask);
    for (let start = 0; start < keys.length; start += IN_CHUNK) {
      const chunk = keys.slice(start, start + IN_CHUNK);
      let arity = IN_MIN;
      while (arity < chunk.length) arity *= 2;
      while (chunk.length < arity) chunk.push(null);
      const st = this.stmt(`by-${keyColumn}:${mask}:${arity}`, () => {
        const params = new Array<string>(arity).fill('?').join(', ');
        return `SELECT ${cols} FROM ${this.table} WHERE ${keyColumn} IN (${params})`;
      }).raw(true);
      for (const row of st.all(...chunk) as Row[]) {
        if (keyColumn === 'id') {
          const id = row[0] as string;
          found.set(id, this.toView(row.slice(1), mask));
        } else {
          const view = this.toView(row, mask);
          found.set(view.slot, view);
        }
      }
    }
    const handedOut = new Set<number | string>();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === null || key === undefined) continue;
      const view = found.get(key);
      if (view === undefined) continue;
      // A key asked twice gets two objects, so that callers may mutate one safely.
      out[i] = handedOut.has(key) ? cloneView(view) : view;
      handedOut.add(key);
    }
    return out;
  }

  private toView(row: Row, mask: number): SrmRecordView {
    let c = 0;
    const view: SrmRecordView = { slot: row[c++] as number };
    if (mask & WANT_ID) view.id = row[c++] as string;
    if (mask & WANT_BUCKET) view.bucket = row[c++] as number;
    if (mask & WANT_VECTOR) view.vector = this.decodeVector(row[c++] as Buffer, view.slot);
    if (mask & WANT_PAYLOAD) view.payload = this.decodePayload(row[c++] as string, view.slot);
    return view;
  }

  private decodeVector(buf: Buffer, slot: number): Float32Array {
    if (buf.byteLength !== this.spec.dim * 4) {
      throw new CorruptDataError(this.location, `vector of slot ${slot} in store "${this.spec.name}" has ${buf.byteLength} bytes, expected ${this.spec.dim * 4}`);
    }
    // better-sqlite3 hands each blob over in its own ArrayBuffer: a view over it aliases nothing.
    if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.byteLength) return new Float32Array(buf.buffer, 0, this.spec.dim);
    const out = new Float32Array(this.spec.dim);
    new Uint8Array(out.buffer).set(buf);
    return out;
  }

  private decodePayload(text: string, slot: number): Payload {
    try {
      return JSON.parse(text) as Payload;
    } catch (cause) {
      throw new CorruptDataError(this.location, `payload of slot ${slot} in store "${this.spec.name}" is not valid JSON`, { cause });
    }
  }

  private prepareDeletes(deleteIds: readonly string[] | undefined): string[] {
    if (deleteIds === undefined) return [];
    checkIdList(deleteIds, 'write: deleteIds');
    return deleteIds.filter(isStorableId);
  }

  private prepareUpserts(upserts: readonly SrmRecord[] | undefined): PreparedUpsert[] {
    if (upserts === undefined) return [];
    if (!Array.isArray(upserts)) throw new InvalidInputError(`write: upserts must be an array of records, got ${describe(upserts)}`);
    const { dim } = this.spec;
    const ids = new Set<string>();
    const slots = new Set<number>();
    const out: PreparedUpsert[] = [];
    for (let i = 0; i < upserts.length; i++) {
      const rec = upserts[i] as SrmRecord;
      const at = `upserts[${i}]`;
      if (typeof rec !== 'object' || rec === null) throw new InvalidInputError(`write: ${at} must be a record, got ${describe(rec)}`);
      const { id, slot, bucket, vector, payload } = rec;
      checkStorableId(id, `write: ${at}.id`);
      if (!isSlot(slot)) throw new InvalidInputError(`write: ${at}.slot must be an integer in [0, ${MAX_UINT32}], got ${describe(slot)}`);
      if (!Number.isInteger(bucket) || bucket < -1 || bucket > MAX_INT32) {
        throw new InvalidInputError(`write: ${at}.bucket must be an integer in [-1, ${MAX_INT32}], got ${describe(bucket)}`);
      }
      if (!(vector instanceof Float32Array)) throw new InvalidInputError(`write: ${at}.vector must be a Float32Array, got ${describe(vector)}`);
      if (vector.length !== dim) throw new DimensionMismatchError(dim, vector.length, `write: vector of id ${JSON.stringify(id)}`);
      for (let j = 0; j < dim; j++) {
        if (!Number.isFinite(vector[j])) {
          throw new InvalidInputError(`write: vector of id ${JSON.stringify(id)} has ${vector[j]} at index ${j}; expected finite numbers`);
        }
      }
      if (ids.has(id)) throw new InvalidInputError(`write: id ${JSON.stringify(id)} appears twice in one batch`);
      if (slots.has(slot)) throw new InvalidInputError(`write: slot ${slot} appears twice in one batch`);
      ids.add(id);
      slots.add(slot);
      out.push({
        id,
        slot,
        bucket,
        // A view, not a copy: the transaction runs before write() yields, and SQLite copies bound blobs.
        vector: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength),
        payload: serialisePayload(payload, id),
      });
    }
    return out;
  }

  /** The error for an upsert whose slot is held by another id (the transaction has rolled back). */
  private slotClash(upserts: readonly PreparedUpsert[], deletes: readonly string[], cause: unknown): InvalidInputError {
    const leaving = new Set([...deletes, ...upserts.map((u) => u.id)]);
    const holderOf = this.stmt('idOfSlot', () => `SELECT id FROM ${this.table} WHERE slot = ?`).pluck(true);
    for (const u of upserts) {
      const holder = holderOf.get(u.slot) as string | undefined;
      if (holder !== undefined && !leaving.has(holder)) {
        return new InvalidInputError(
          `write: slot ${u.slot} of id ${JSON.stringify(u.id)} is already held by id ${JSON.stringify(holder)}; nothing was written`,
          { cause },
        );
      }
    }
    return new InvalidInputError('write: two records of the batch end up on one slot; nothing was written', { cause });
  }
}

const WANT_ID = 1;
const WANT_BUCKET = 2;
const WANT_VECTOR = 4;
const WANT_PAYLOAD = 8;

function wantMask(want: FetchWants): number {
  if (typeof want !== 'object' || want === null) throw new InvalidInputError(`want must be an object like { id: true }, got ${describe(want)}`);
  return (want.id ? WANT_ID : 0) | (want.bucket ? WANT_BUCKET : 0) | (want.vector ? WANT_VECTOR : 0) | (want.payload ? WANT_PAYLOAD : 0);
}

function columns(mask: number): string {
  const cols = ['slot'];
  if (mask & WANT_ID) cols.push('id');
  if (mask & WANT_BUCKET) cols.push('bucket');
  if (mask & WANT_VECTOR) cols.push('vector');
  if (mask & WANT_PAYLOAD) cols.push('payload');
  return cols.join(', ');
}

function cloneView(v: SrmRecordView): SrmRecordView {
  const c: SrmRecordView = { ...v };
  if (v.vector) c.vector = v.vector.slice();
  if (v.payload) c.payload = structuredClone(v.payload);
  return c;
}

function isSlot(s: unknown): s is number {
  return typeof s === 'number' && Number.isInteger(s) && s >= 0 && s <= MAX_UINT32;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `s` is well-formed UTF-16 (`String.prototype.isWellFormed`, which ES2022 typings lack). */
function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** An id that can be stored and read back unchanged (SQLite stores UTF-8: lone surrogates would be mangled). */
function isStorableId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= Limits.maxIdLength && isWellFormed(id);
}

function checkStorableId(id: unknown, where: string): asserts id is string {
  if (typeof id !== 'string') throw new InvalidInputError(`${where} must be a string, got ${describe(id)}`);
  if (id.length === 0) throw new InvalidInputError(`${where} must not be empty`);
  if (id.length > Limits.maxIdLength) throw new LimitExceededError('id length', Limits.maxIdLength, id.length);
  if (!isWellFormed(id)) throw new InvalidInputError(`${where} ${JSON.stringify(id)} contains a lone surrogate; expected well-formed UTF-16`);
}

function checkIdList(ids: unknown, where: string): asserts ids is readonly string[] {
  if (!Array.isArray(ids)) throw new InvalidInputError(`${where} expects an array of ids, got ${describe(ids)}`);
  for (let i = 0; i < ids.length; i++) {
    if (typeof ids[i] !== 'string') throw new InvalidInputError(`${where}: id at index ${i} must be a string, got ${describe(ids[i])}`);
  }
}

function serialisePayload(payload: unknown, id: string): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidInputError(`write: payload of id ${JSON.stringify(id)} must be a JSON object, got ${describe(payload)}`);
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (cause) {
    throw new InvalidInputError(`write: payload of id ${JSON.stringify(id)} is not JSON-serialisable (${(cause as Error).message})`, { cause });
  }
  if (typeof text !== 'string' || !text.startsWith('{')) {
    throw new InvalidInputError(`write: payload of id ${JSON.stringify(id)} does not serialise to a JSON object`);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > Limits.maxPayloadBytes) throw new LimitExceededError('payload bytes', Limits.maxPayloadBytes, bytes);
  return text;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  if (typeof x === 'object') return `an object (${Object.prototype.toString.call(x)})`;
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x);
  return String(x);
}
