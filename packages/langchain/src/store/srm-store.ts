/**
 * LangGraph long-term memory (`BaseStore`) over a SemanticRoutingMemory.
 */
import { BaseStore } from '@langchain/langgraph-checkpoint';
import type { GetOperation, Item, Operation, OperationResults, PutOperation, SearchItem, SearchOperation } from '@langchain/langgraph-checkpoint';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { DimensionMismatchError, InvalidConfigError, SemanticRoutingMemory } from '@srm/core';
import type { MemoryItem, SRMOptions, StorageBackend } from '@srm/core';
import { checkIndexConfig, extractIndexTexts } from './index-fields.js';
import { compareNamespaces, decodeNamespace, encodeNamespace, matchesCondition, validateWriteNamespace } from './namespace.js';
import { NamespaceIndex } from './namespace-index.js';
import { prepareOperations } from './operations.js';
import type { PreparedGet, PreparedList, PreparedOperation, PreparedPut, PreparedSearch } from './operations.js';
import { checkPutBytes, planPuts, putsById } from './put-plan.js';
import { mainRecordId, mainRecordIdOf, readPayload, recordIdsOf, toItem } from './records.js';
import { MAIN_RECORDS, SCAN_PAGE, and, listItems, rankItems } from './search.js';
import type { StoreRecordPayload } from './records.js';
import { expiryOf, isExpired, liveAt, resolveTtlConfig } from './ttl.js';
import type { ResolvedTtlConfig, SRMStoreTtlConfig } from './ttl.js';

/** Semantic index of an {@link SRMStore}; the same shape as LangGraph's `IndexConfig`. */
export interface SRMStoreIndexConfig {
  /** Embedding dimension; must equal the memory's `d`. */
  dims: number;
  /** The model that embeds item texts and queries. */
  embeddings: EmbeddingsInterface;
  /**
   * Paths of the texts to embed, e.g. `["text"]`, `["title", "tags[*]"]`.
   * Default `["$"]`: the whole value as JSON. A put's own `index` array overrides it.
   */
  fields?: string[];
}

/** Options of {@link SRMStore}. All optional. */
export interface SRMStoreOptions {
  /** Semantic index. Without it, items are stored and listed but `search` ignores `query`. */
  index?: SRMStoreIndexConfig;
  /**
   * A memory to store items in. Its `d` must equal `index.dims` (or be 1 without an index).
   * The store does not close an injected memory. Give the store its own memory: it keeps a
   * namespace cache that writes by others would make stale.
   */
  memory?: SemanticRoutingMemory;
  /** Directory of an embedded, durable memory; created if missing. Default: in memory. */
  path?: string;
  /** A storage backend of `@srm/core` (embedded or Qdrant) for the memory; not closed by the store. Exclusive with `path`. */
  storage?: StorageBackend;
  /** Name of the memory inside the backend. Default `"langgraph-store"`, so a vector store's `"default"` memory can share the backend. */
  name?: string;
  /** Options of the memory the store creates (ignored with `memory`). `d` comes from `index.dims`. */
  srm?: Omit<SRMOptions, 'd'>;
  /**
   * Time to live of items, as LangGraph's PostgresStore has it: `{ defaultTtl, refreshOnRead,
   * sweepIntervalMinutes }` (minutes). Default: items never expire. See {@link SRMStoreTtlConfig}.
   */
  ttl?: SRMStoreTtlConfig;
  /** The clock, in ms since the epoch, for TTLs and timestamps. Default `Date.now`; tests inject one. */
  clock?: () => number;
}

/** A get that may say whether to refresh the item's TTL (LangGraph's `refresh_ttl`). */
export type SRMGetOperation = GetOperation & { refreshTtl?: boolean };
/** A search that may say whether to refresh the returned items' TTL. */
export type SRMSearchOperation = SearchOperation & { refreshTtl?: boolean };
/** A put that may give its own TTL in minutes (`null`: never expires). */
export type SRMPutOperation = PutOperation & { ttl?: number | null };

/** Name of the store's memory inside its backend, unless `name` is given. */
export const DEFAULT_STORE_NAME = 'langgraph-store';

type ResultValue = Item | SearchItem[] | string[][] | null | undefined;

/**
 * LangGraph long-term memory backed by {@link SemanticRoutingMemory}: namespaced
 * `put` / `get` / `delete`, semantic `search` with filters, and `listNamespaces`.
 * Works as `createAgent({ store })` and `graph.compile({ store })`.
 *
 * - **Namespaces** are encoded as JSON label arrays, so no label (with `:`, `/`,
 *   quotes, ...) can make one namespace read another's items.
 * - **Indexing** follows LangGraph's InMemoryStore: each text at the index
 *   `fields` is embedded, and an item scores as its best text. Items put with
 *   `index: false`, or without an index config, are stored without a vector (in
 *   no bucket, so they never crowd a search): `get` and listings see them, semantic
 *   search ranks them after every scored item (with `score` undefined), as InMemoryStore does.
 * - **Batches** run in order, as if each operation ran alone: a `get` after a
 *   `put` of the same key in one batch sees the new value. Consecutive puts are
 *   embedded together and written in one durable step. Every operation is
 *   validated, and every text embedded, before anything is written.
 * - **Values** are stored as JSON (dates become strings).
 * - **Filters**: equality (`{ kind: "note" }`), LangGraph's operators
 *   (`$eq $ne $gt $gte $lt $lte $in $nin`, plus `$exists $contains`, `$and $or $not`),
 *   or the core filter AST, on the item's value.
 * - **TTL** as LangGraph's PostgresStore: `ttl: { defaultTtl, refreshOnRead, sweepIntervalMinutes }`
 *   (minutes), a put's own `ttl`, a read's `refreshTtl`. Expired items are invisible to `get`,
 *   `search` and `listNamespaces` at once, and deleted by `sweepExpiredItems()` or the sweeper.
 * - **Ties**: items with exactly the same score come in insertion order (an overwritten item
 *   keeps its place), as in InMemoryStore; stable across runs and restarts.
 * - **Writes**: each run of consecutive puts is one transaction of the memory, whatever records
 *   it adds and removes; one put may write at most `MAX_PUT_BYTES`.
 * - **Errors**: a bad namespace is LangGraph's `InvalidNamespaceError` (an
 *   `SRMInvalidNamespaceError`, also an `InvalidInputError`).
 *
 * @example
 * ```ts
 * const store = new SRMStore({ index: { dims: 100, embeddings: new GloveEmbeddings(), fields: ['text'] } });
 * await store.put(['users', 'alice'], 'pref-1', { text: 'likes dark roast coffee' });
 * const hits = await store.search(['users', 'alice'], { query: 'what does she drink?' });
 * ```
 */
export class SRMStore extends BaseStore {
  private readonly indexConfig_: (SRMStoreIndexConfig & { fields: string[] }) | undefined;
  private readonly d: number;
  private readonly ownsMemory: boolean;
  private readonly options: SRMStoreOptions;
  private readonly ttl: ResolvedTtlConfig;
  private readonly clock: () => number;
  private memoryPromise: Promise<SemanticRoutingMemory> | undefined;
  /** Live items per namespace; loaded by the first listNamespaces, then kept up to date. */
  private namespaces: NamespaceIndex | undefined;
  /** Batches and sweeps run one at a time, in arrival order. */
  private tail: Promise<unknown> = Promise.resolve();
  /** The last insertion order given out (see {@link nextOrder}). */
  private lastOrder = 0;
  private sweepTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: SRMStoreOptions = {}) {
    super();
    this.options = options;
    const { index } = options;
    if (index !== undefined) this.indexConfig_ = checkIndexConfig(index);
    this.ttl = resolveTtlConfig(options.ttl);
    if (options.clock !== undefined && typeof options.clock !== 'function')
      throw new InvalidConfigError('clock', 'expected a function returning ms since the epoch');
    this.clock = options.clock ?? Date.now;
    // Without an index no item has a vector, so one dimension is enough.
    this.d = index?.dims ?? 1;
    if (options.path !== undefined && options.storage !== undefined) {
      throw new InvalidConfigError('storage', 'give either `path` (an embedded memory the store opens) or `storage`, not both');
    }
    this.ownsMemory = options.memory === undefined;
    if (options.memory) {
      if (options.memory.config.d !== this.d) {
        throw new InvalidConfigError(
          'memory',
          `the memory has d=${options.memory.config.d}, the store needs d=${this.d}${index ? ' (index.dims)' : ' (no index)'}`,
        );
      }
      this.memoryPromise = Promise.resolve(options.memory);
    }
  }

  /**
   * Creates a store and opens its memory now, so that a bad path or a
   * dimension mismatch shows here rather than at the first operation.
   */
  static async open(options: SRMStoreOptions = {}): Promise<SRMStore> {
    const store = new SRMStore(options);
    await store.start();
    return store;
  }

  /** The index configuration, with `fields` defaulted; undefined without one. */
  get indexConfig(): Readonly<SRMStoreIndexConfig & { fields: string[] }> | undefined {
    return this.indexConfig_;
  }

  /** The TTL configuration, defaults applied (`defaultTtl` and `sweepIntervalMinutes` null when not set). */
  get ttlConfig(): Readonly<ResolvedTtlConfig> {
    return this.ttl;
  }

  /** The underlying memory (opened on first use; the TTL sweeper, if configured, starts then). */
  async memory(): Promise<SemanticRoutingMemory> {
    if (!this.memoryPromise) {
      const srm: SRMOptions = this.indexConfig_
        ? { ...this.options.srm, d: this.d }
        : // No item has a vector. These are the options such stores were created with when their
          // items held a placeholder vector: a reopen must ask for the same structure.
          { rerank: 'float32', ...this.options.srm, d: 1, K: 1, m: 1 };
      const name = this.options.name ?? DEFAULT_STORE_NAME;
      const opening = this.options.path
        ? SemanticRoutingMemory.open({ ...srm, name, path: this.options.path })
        : this.options.storage
          ? SemanticRoutingMemory.open({ ...srm, name, storage: this.options.storage })
          : Promise.resolve(new SemanticRoutingMemory(srm));
      this.memoryPromise = opening.then((memory) => {
        if (memory.config.d !== this.d) {
          void memory.close();
          throw new InvalidConfigError('path', `the memory at ${this.options.path} has d=${memory.config.d}, the store needs d=${this.d}`);
        }
        this.startSweeper();
        return memory;
      });
      this.memoryPromise.catch(() => {
        this.memoryPromise = undefined;
      });
    }
    return this.memoryPromise;
  }

  /**
   * Opens the memory and starts the TTL sweeper if `ttl.sweepIntervalMinutes` is set (LangGraph
   * calls this). The sweeper also starts when the memory first opens; after {@link stop}, only `start` restarts it.
   */
  override async start(): Promise<void> {
    await this.memory();
    this.startSweeper();
  }

  /** Stops the TTL sweeper; the store stays usable (LangGraph calls this). */
  override stop(): void {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** Stops the sweeper and closes the memory if this store created it. The store cannot be used afterwards. */
  async close(): Promise<void> {
    this.stop();
    await this.tail;
    if (this.ownsMemory && this.memoryPromise) await (await this.memoryPromise).close();
  }

  private startSweeper(): void {
    const minutes = this.ttl.sweepIntervalMinutes;
    if (minutes === null || this.sweepTimer !== undefined) return;
    this.sweepTimer = setInterval(() => {
      // As LangGraph's sweeper: a failed sweep is logged and retried at the next interval;
      // expired items stay invisible meanwhile.
      this.sweepExpiredItems().catch((err: unknown) => console.error('SRMStore: TTL sweep failed:', err));
    }, minutes * 60_000);
    // The sweeper alone never keeps the process alive.
    this.sweepTimer.unref?.();
  }

  /**
   * Deletes every expired item (all its records, in one transaction) from storage, as
   * PostgresStore's `sweepExpiredItems`. Runs after the batches before it.
   * @returns how many items were deleted.
   */
  async sweepExpiredItems(): Promise<number> {
    const run = this.tail.then(async () => this.sweep(await this.memory(), this.clock()));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async sweep(memory: SemanticRoutingMemory, now: number): Promise<number> {
    const expired: { id: string; p: StoreRecordPayload }[] = [];
    const filter = and(MAIN_RECORDS, { field: 'expiresAt', op: 'lte', value: now });
    for await (const page of memory.items({ filter, withVectors: false, pageSize: SCAN_PAGE })) {
      for (const it of page) {
        const p = readPayload(it);
        if (isExpired(p.expiresAt ?? null, now)) expired.push({ id: it.id, p });
      }
    }
    if (expired.length === 0) return 0;
    const doomed = expired.flatMap(({ id, p }) => recordIdsOf(id, p));
    await memory.delete(doomed, { ignoreMissing: true });
    for (const { p } of expired) this.namespaces?.remove(p.ns, p.expiresAt ?? null);
    return expired.length;
  }

  /**
   * Stores `value` under `namespace` and `key` (see the class notes for `index`).
   * @param options.ttl minutes the item lives (refreshed by reads when `refreshOnRead`); `null`: never
   *   expires; default the store's `ttl.defaultTtl`.
   * @throws SRMInvalidNamespaceError (LangGraph's InvalidNamespaceError) for a bad namespace;
   *   InvalidInputError for a bad key, value or ttl; LimitExceededError past `MAX_PUT_BYTES`.
   */
  override async put(
    namespace: string[],
    key: string,
    value: Record<string, unknown>,
    index?: false | string[],
    options?: { ttl?: number | null },
  ): Promise<void> {
    validateWriteNamespace(namespace);
    const op: SRMPutOperation = { namespace, key, value, index };
    if (options?.ttl !== undefined) op.ttl = options.ttl;
    await this.batch([op]);
  }

  /**
   * The item, or null when it does not exist or has expired.
   * @param options.refreshTtl refresh the item's TTL; default the store's `ttl.refreshOnRead`.
   */
  override async get(namespace: string[], key: string, options?: { refreshTtl?: boolean }): Promise<Item | null> {
    const op: SRMGetOperation = { namespace, key };
    if (options?.refreshTtl !== undefined) op.refreshTtl = options.refreshTtl;
    return ((await this.batch([op])) as [Item | null])[0];
  }

  /**
   * Items under `namespacePrefix`, ranked by `query` when there is one (see the class notes).
   * @param options.refreshTtl refresh the TTL of the returned items; default the store's `ttl.refreshOnRead`.
   */
  override async search(
    namespacePrefix: string[],
    options: { filter?: Record<string, unknown>; limit?: number; offset?: number; query?: string; refreshTtl?: boolean } = {},
  ): Promise<SearchItem[]> {
    return ((await this.batch([{ namespacePrefix, ...options } as SRMSearchOperation])) as [SearchItem[]])[0];
  }

  /**
   * Runs a batch of get / search / put / listNamespaces operations in order. Operations may
   * carry `refreshTtl` (get, search) and `ttl` (put), as LangGraph's `GetOp`, `SearchOp` and `PutOp` do.
   * @throws InvalidInputError / LimitExceededError / SRMInvalidNamespaceError for a malformed operation
   *   (nothing is written); DimensionMismatchError when the embeddings return vectors of the wrong size
   *   (nothing is written); core storage errors unchanged.
   */
  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const run = this.tail.then(() => this.runBatch(operations));
    this.tail = run.catch(() => undefined);
    return run as Promise<OperationResults<Op>>;
  }

  private async runBatch(operations: readonly Operation[]): Promise<ResultValue[]> {
    const prepared = prepareOperations(operations);
    prepared.forEach((op, i) => {
      if (op.kind === 'put') checkPutBytes(op, this.textsOf(op).length, `operation ${i}`);
    });
    const memory = await this.memory();
    const vectors = await this.embedAll(prepared);
    const now = this.clock();
    const results: ResultValue[] = new Array(prepared.length);
    let puts: PreparedPut[] = [];
    const flush = async () => {
      if (puts.length > 0) await this.applyPuts(memory, puts, vectors.documents, now);
      puts = [];
    };
    for (let i = 0; i < prepared.length; i++) {
      const op = prepared[i]!;
      if (op.kind === 'put') {
        puts.push(op);
        results[i] = undefined;
        continue;
      }
      await flush();
      if (op.kind === 'get') results[i] = await this.getOne(memory, op, now);
      else if (op.kind === 'search') results[i] = await this.searchOne(memory, op, op.query ? vectors.queries.get(op.query) : undefined, now);
      else results[i] = await this.listNamespacesOne(memory, op, now);
    }
    await flush();
    return results;
  }

  /** The texts each put should embed: none without an index or with `index: false`. */
  private textsOf(op: PreparedPut) {
    if (op.value === null || op.index === false || !this.indexConfig_) return [];
    return extractIndexTexts(op.value, op.index ?? this.indexConfig_.fields);
  }

  /** Embeds every put text and query of the batch, and checks the dimensions, before any write. */
  private async embedAll(ops: readonly PreparedOperation[]) {
    const documents = new Map<string, Float32Array>();
    const queries = new Map<string, Float32Array>();
    const index = this.indexConfig_;
    if (!index) return { documents, queries };
    const docTexts = new Set<string>();
    const queryTexts = new Set<string>();
    for (const op of ops) {
      if (op.kind === 'put') for (const t of this.textsOf(op)) docTexts.add(t.text);
      if (op.kind === 'search' && op.query) queryTexts.add(op.query);
    }
    const check = (v: number[], text: string): Float32Array => {
      if (!Array.isArray(v) || v.length !== this.d) {
        throw new DimensionMismatchError(this.d, Array.isArray(v) ? v.length : 0, `embedding of ${JSON.stringify(text.slice(0, 40))}`);
      }
      return Float32Array.from(v);
    };
    if (docTexts.size > 0) {
      const texts = [...docTexts];
      const embedded = await index.embeddings.embedDocuments(texts);
      texts.forEach((t, i) => documents.set(t, check(embedded[i]!, t)));
    }
    for (const q of queryTexts) queries.set(q, check(await index.embeddings.embedQuery(q), q));
    return { documents, queries };
  }

  /** A new insertion order: the clock in microseconds, strictly increasing within the process. */
  private nextOrder(): number {
    this.lastOrder = Math.max(Math.floor(this.clock()) * 1000, this.lastOrder + 1);
    return this.lastOrder;
  }

  private async getOne(memory: SemanticRoutingMemory, op: PreparedGet, now: number): Promise<Item | null> {
    const [found] = await memory.get([mainRecordId(op.namespace, op.key)], { ignoreMissing: true });
    if (!found) return null;
    const p = readPayload(found);
    if (isExpired(p.expiresAt ?? null, now)) return null;
    await this.refresh(memory, [p], op.refreshTtl, now);
    return toItem(p);
  }

  /**
   * Gives the items read their whole TTL again from `now` (when `refreshTtl`, else the store's
   * `refreshOnRead`, says so), rewriting all their records in one write. Items without a TTL are left alone.
   */
  private async refresh(memory: SemanticRoutingMemory, items: readonly StoreRecordPayload[], refreshTtl: boolean | undefined, now: number): Promise<void> {
    if (!(refreshTtl ?? this.ttl.refreshOnRead)) return;
    const targets = items.filter((p) => p.ttl !== undefined && p.ttl !== null);
    if (targets.length === 0) return;
    const ids = targets.flatMap((p) => recordIdsOf(mainRecordIdOf(p.ns, p.key), p));
    const records = (await memory.get(ids, { ignoreMissing: true })).filter((r): r is MemoryItem => r !== undefined);
    if (records.length === 0) return;
    const payloads = records.map((r) => {
      const p = readPayload(r);
      return { ...p, expiresAt: expiryOf(p.ttl ?? null, now) };
    });
    const vectors = records.map((r) => r.vector);
    await memory.add(vectors, { ids: records.map((r) => r.id), payloads });
    for (const p of targets) {
      this.namespaces?.remove(p.ns, p.expiresAt ?? null);
      this.namespaces?.add(p.ns, expiryOf(p.ttl ?? null, now));
    }
  }

  /** Applies consecutive puts: every upsert and delete they imply in one transaction of the memory. */
  private async applyPuts(memory: SemanticRoutingMemory, ops: PreparedPut[], embedded: Map<string, Float32Array>, now: number): Promise<void> {
    const puts = putsById(ops);
    const ids = [...puts.keys()];
    const existing = await memory.get(ids, { ignoreMissing: true });
    const stored = new Map<string, StoreRecordPayload>();
    existing.forEach((it, i) => {
      if (it) stored.set(ids[i]!, readPayload(it));
    });
    const plan = planPuts({
      puts,
      stored,
      textsOf: (op) => this.textsOf(op),
      embedded,
      now,
      defaultTtl: this.ttl.defaultTtl,
      nextOrder: () => this.nextOrder(),
    });
    if (plan.ids.length === 0 && plan.deleteIds.length === 0) return;
    await memory.addAndDelete(plan.vectors, { ids: plan.ids, payloads: plan.payloads, deleteIds: plan.deleteIds });
    for (const change of plan.changes) {
      if (change.before !== undefined) this.namespaces?.remove(change.namespace, change.before);
      if (change.after !== undefined) this.namespaces?.add(change.namespace, change.after);
    }
  }

  private async searchOne(memory: SemanticRoutingMemory, op: PreparedSearch, queryVector: Float32Array | undefined, now: number): Promise<SearchItem[]> {
    if (op.limit === 0) return [];
    const scope = and(op.prefix.length > 0 ? { field: 'nsPrefixes', op: 'contains', value: encodeNamespace(op.prefix) } : undefined, op.filter);
    if (!queryVector) {
      const items = (await listItems(memory, scope, now)).slice(op.offset, op.offset + op.limit);
      await this.refresh(memory, items, op.refreshTtl, now);
      return items.map((p) => toItem(p));
    }
    const want = op.offset + op.limit;
    const indexedScope = and(scope, { field: 'indexed', op: 'eq', value: true }, liveAt(now));
    const ranked = await rankItems(memory, queryVector, indexedScope, want);
    const page = ranked.slice(op.offset, want);
    // Read the value from the main record: it is the authority for the item.
    const pageIds = page.map((r) => r.id);
    const mains = await memory.get(pageIds, { ignoreMissing: true });
    const found: { p: StoreRecordPayload; score: number | undefined }[] = [];
    page.forEach((r, i) => {
      if (mains[i]) found.push({ p: readPayload(mains[i]!), score: r.score });
    });
    if (ranked.length < want) {
      // Scored items ran out: unscored items (never embedded) follow, as in InMemoryStore.
      const unscored = await listItems(memory, and(scope, { field: 'indexed', op: 'eq', value: false }), now);
      const skip = Math.max(0, op.offset - ranked.length);
      for (const p of unscored.slice(skip, skip + op.limit - found.length)) found.push({ p, score: undefined });
    }
    const payloads = found.map((f) => f.p);
    await this.refresh(memory, payloads, op.refreshTtl, now);
    return found.map(({ p, score }) => ({ ...toItem(p), score }));
  }

  private async loadNamespaceIndex(memory: SemanticRoutingMemory): Promise<NamespaceIndex> {
    if (!this.namespaces) {
      const index = new NamespaceIndex();
      for await (const page of memory.items({ filter: MAIN_RECORDS, withVectors: false, pageSize: SCAN_PAGE })) {
        for (const it of page) {
          const p = readPayload(it);
          index.add(p.ns, p.expiresAt ?? null);
        }
      }
      this.namespaces = index;
    }
    return this.namespaces;
  }

  private async listNamespacesOne(memory: SemanticRoutingMemory, op: PreparedList, now: number): Promise<string[][]> {
    const index = await this.loadNamespaceIndex(memory);
    const found = new Map<string, string[]>();
    for (const encoded of index.live(now)) {
      const ns = decodeNamespace(encoded);
      if (!op.conditions.every((c) => matchesCondition(ns, c))) continue;
      const cut = op.maxDepth === undefined ? ns : ns.slice(0, op.maxDepth);
      found.set(encodeNamespace(cut), cut);
    }
    return [...found.values()].sort(compareNamespaces).slice(op.offset, op.offset + op.limit);
  }
}
