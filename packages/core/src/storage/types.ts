/**
 * The storage contract. One interface, two implementations (embedded SQLite,
 * Qdrant), one behavioural contract suite run against both.
 *
 * The memories own their in-RAM index; a store is the durable "cold" side:
 * full vectors, payloads, routing codes, glossary entries. Every method that
 * resolves has made its write durable (embedded: committed to the WAL;
 * Qdrant: `wait: true`). Every failure is an {@link SRMError}.
 */
import type { FilterInput, PayloadFilter } from '../filter.js';
import type { Payload, SparseVector, StoredGlossaryEntry } from '../vocabulary.js';

// The domain types moved to vocabulary.ts; re-exported for the backends that import them from here.
export type { GlossaryEntry, Payload, SparseVector, StoredGlossaryEntry } from '../vocabulary.js';

/** Which columns a fetch should return; `slot` is always returned. */
export interface FetchWants {
  id?: boolean;
  bucket?: boolean;
  vector?: boolean;
  payload?: boolean;
}

/** Options of {@link SRMItemStore.scan}. */
export interface ScanOptions {
  /** Records per page; default 1000. */
  pageSize?: number;
  /** Only the records whose payload matches (the AST or the equality shorthand; checked). */
  filter?: FilterInput;
}

/**
 * Routing code of a record stored without a vector (a payload-only item): it takes a slot but is
 * in no bucket, so no query probes it. Its stored vector is all zeros.
 */
export const NO_VECTOR_BUCKET = -2;

/** One SRM item as stored: the user id, its slot in the in-RAM index, its bucket, vector and payload. */
export interface SRMRecord {
  id: string;
  /** Dense handle of the item in the in-RAM routing layer (uint32). */
  slot: number;
  /**
   * Routing code: index of the item's bucket (centroid); `-1` before the codebook is fitted;
   * {@link NO_VECTOR_BUCKET} for an item without a vector (whose `vector` is then all zeros).
   */
  bucket: number;
  vector: Float32Array;
  payload: Payload;
}

/** A partial record: `slot` plus whatever {@link FetchWants} asked for. */
export interface SRMRecordView {
  slot: number;
  id?: string;
  bucket?: number;
  vector?: Float32Array;
  payload?: Payload;
}

/** How an SRM store is laid out. */
export interface SRMItemStoreSpec {
  /** Name of the memory inside the backend (Qdrant: part of the collection name). */
  name: string;
  /** Vector dimension. */
  dim: number;
  /** Similarity used by server-side scoring. */
  metric: 'cosine' | 'dot';
}

/** Cold store of a {@link SemanticRoutingMemory}. */
export interface SRMItemStore {
  readonly spec: SRMItemStoreSpec;
  /** Location for error messages: a file path or a collection name. */
  readonly location: string;
  /** The persisted index state (config, codebook, quantizer), or null for a new memory. */
  readState(): Promise<Uint8Array | null>;
  /** Replaces the persisted index state durably. */
  writeState(state: Uint8Array): Promise<void>;
  /**
   * Applies upserts (insert or replace by id) and deletes in one durable step.
   * Embedded: one transaction. Qdrant: one ordered batch with `wait: true`.
   * Deletes apply first, then upserts: a slot freed by a delete may be reused in the same
   * batch, and an id both deleted and upserted ends up stored. Deleting an unknown id is
   * not an error. An invalid batch (wrong dimension, non-finite value, duplicate id or slot,
   * slot held by an id outside the batch) throws and writes nothing.
   */
  write(batch: { upserts?: readonly SRMRecord[]; deleteIds?: readonly string[] }): Promise<void>;
  /** Slots of the given ids; ids that are not stored are absent from the map. */
  slotsOf(ids: readonly string[]): Promise<Map<string, number>>;
  /** Records by slot, aligned with the input; `undefined` where no item has that slot. */
  fetchSlots(slots: ArrayLike<number>, want: FetchWants): Promise<(SRMRecordView | undefined)[]>;
  /**
   * Optional fast path of `fetchSlots(slots, { vector: true })`, for the rerank: writes the
   * vector of `slots[i]` into row i of `out` (`slots.length` x `dim`) and returns a mask, 1
   * where the slot holds an item. Rows of slots not stored are left as they were.
   */
  readVectors?(slots: Uint32Array, out: Float32Array): Promise<Uint8Array>;
  /** Records by id, aligned with the input; `undefined` where the id is not stored. */
  fetchIds(ids: readonly string[], want: FetchWants): Promise<(SRMRecordView | undefined)[]>;
  /**
   * Rewrites routing codes after a refit or an adaptive update (`slots[i]` gets `buckets[i]`).
   * Slots that hold no item are skipped (an item deleted while a refit ran).
   */
  setBuckets(slots: Uint32Array, buckets: Int32Array): Promise<void>;
  /**
   * Every record, in ascending slot order, in pages of at most `pageSize` (a number is the page
   * size). With `filter`, only the records whose payload matches it, with the semantics of
   * `matchesFilter`: the backend evaluates it where it can (embedded: SQL on the payload column;
   * Qdrant: its native filter) and re-checks in process what it cannot evaluate exactly. Pages
   * of a filtered scan may be shorter than `pageSize`; none is empty.
   */
  scan(want: FetchWants, options?: number | ScanOptions): AsyncIterable<SRMRecordView[]>;
  /** Exact number of stored items. */
  count(): Promise<number>;
  /**
   * Optional server-side scoring (Qdrant): exact top-`k` among the items whose
   * bucket is in `buckets` and whose payload matches `filter`.
   */
  searchBuckets?(query: Float32Array, buckets: readonly number[], k: number, filter?: PayloadFilter): Promise<{ slot: number; score: number }[]>;
  /** Deletes every item and the state. */
  clear(): Promise<void>;
  /**
   * Optional: a persisted copy of the memory's in-RAM routing layer, so that a reopen reads
   * its hot bytes instead of every stored vector. Absent on backends that cannot keep one
   * (Qdrant, an in-memory database); the memory then rebuilds from a scan.
   */
  readonly checkpoints?: RoutingCheckpointStore;
  /**
   * Optional deep check of the stored bytes, for `SemanticRoutingMemory.verify({ deep: true })`
   * (embedded: SQLite's `integrity_check`, every record's checksums, the vector file against the
   * database). Read-only. `unchecked` counts records stored without checksums.
   */
  verifyStorage?(): Promise<{ problems: string[]; unchecked: number }>;
}

/** One bucket list of a routing checkpoint: its slots (uint32, host byte order) and its rerank rows. */
export interface CheckpointList {
  slots: Uint8Array;
  rows: Uint8Array;
}

/** A bucket list to write, with its index. */
export interface IndexedCheckpointList extends CheckpointList {
  list: number;
}

/**
 * Where a memory keeps its routing checkpoint. The store guarantees only freshness: any
 * write to the items or to the state after {@link write} makes the checkpoint stale, in the
 * same transaction as that write, so a stale checkpoint is never read back. The memory owns
 * the content and validates it (checksums, sizes) before trusting it.
 */
export interface RoutingCheckpointStore {
  /** The checkpoint's header and lists (in list order), or null when there is none or it is stale. */
  read(): Promise<{ header: Uint8Array; lists: CheckpointList[] } | null>;
  /**
   * Writes a checkpoint in one durable step: the new header, the given lists (replacing those
   * stored under the same index), the stored lists not given kept as they are, and any stored
   * list at or past `listCount` dropped.
   */
  write(header: Uint8Array, listCount: number, lists: Iterable<IndexedCheckpointList>): Promise<void>;
  /** Whether a checkpoint exists that no later write has made stale. */
  isCurrent(): Promise<boolean>;
}

/**
 * A stored entry as a search returns it: everything but its term vector. A hit is read to be shown,
 * never re-indexed, and decoding every hit's vector was most of a recall's allocations (and so of
 * its garbage-collection pauses). `get`, `list` and `scanAll` still return the terms.
 */
export type GlossaryHitEntry = Omit<StoredGlossaryEntry, 'terms'>;

/** A scored glossary hit. */
export interface GlossaryHit {
  entry: GlossaryHitEntry;
  /** Raw BM25 score: sum over query terms of query weight x document weight x IDF. */
  score: number;
}

/** Corpus statistics used by IDF and by the normalised threshold. */
export interface TermStats {
  /** Number of entries in the whole glossary collection (all agents). */
  docCount: number;
  /** Document frequency of each requested term id, aligned with the input. */
  docFreqs: number[];
}

/** Cold store of a {@link SemanticMemory}; also the BM25 engine (embedded) or its proxy (Qdrant). */
export interface GlossaryStore {
  /** Location for error messages: a file path or a collection name. */
  readonly location: string;
  /** Inserts or replaces entries by id, durably. */
  upsert(entries: readonly StoredGlossaryEntry[]): Promise<void>;
  /** Deletes by id; resolves to how many existed. */
  delete(ids: readonly string[]): Promise<number>;
  /** Entries by id, aligned with the input; `undefined` where absent. */
  get(ids: readonly string[]): Promise<(StoredGlossaryEntry | undefined)[]>;
  /** Every entry of one agent (optionally one category), sorted by key (code-unit order of the lowercased key, then key). */
  list(agentId: string, opts?: { category?: string }): Promise<StoredGlossaryEntry[]>;
  /** Exact number of entries of one agent. */
  count(agentId: string): Promise<number>;
  /**
   * BM25 search within one agent: score = sum over query terms t of
   * `query.values[t] * doc.terms[t] * idf(t)`, with
   * `idf(t) = ln(1 + (N - n_t + 0.5) / (n_t + 0.5))` over the whole collection (Qdrant's `idf` modifier).
   * Results best first, ties by id; only hits with score >= `scoreThreshold`.
   */
  search(query: SparseVector, opts: { agentId: string; limit: number; scoreThreshold?: number }): Promise<GlossaryHit[]>;
  /** N and n_t as the `idf` modifier sees them. */
  termStats(termIds: readonly number[]): Promise<TermStats>;
  /**
   * Every entry of every agent, in pages of at most `pageSize` (any stable
   * order). Not scoped to an agent: for migration and backups
   * (`migrateStorage`, `srm export`).
   */
  scanAll(pageSize?: number): AsyncIterable<StoredGlossaryEntry[]>;
  /** Deletes every entry. */
  clear(): Promise<void>;
}

/** A storage backend: opens named stores of both kinds. */
export interface StorageBackend {
  /** `"embedded"` or `"qdrant"`. */
  readonly kind: string;
  openSrmStore(spec: SRMItemStoreSpec): Promise<SRMItemStore>;
  openGlossaryStore(name: string): Promise<GlossaryStore>;
  /** Names of the stores that exist, by kind. */
  listStores(): Promise<{ srm: string[]; glossary: string[] }>;
  /**
   * The spec an existing SRM store was created with, or `undefined` when no
   * store has that name. Lets `migrateStorage` and the CLI open a store knowing only its name.
   */
  describeSrmStore(name: string): Promise<SRMItemStoreSpec | undefined>;
  close(): Promise<void>;
}
