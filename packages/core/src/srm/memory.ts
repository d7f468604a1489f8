/**
 * SemanticRoutingMemory: a dense vector memory whose RAM holds a k-means codebook, compact
 * per-bucket slot lists (the routing layer) and compact rerank codes; full vectors, ids and
 * payloads live in the store. A query probes the `m` nearest buckets and reranks exactly.
 */
import { ClosedError, InvalidInputError, LimitExceededError, NotFoundError } from '../errors.js';
import { normalizeFilter, type FilterInput } from '../filter.js';
import { Limits } from '../limits.js';
import { openDefaultBackend } from '../storage/default-backend.js';
import type { SRMItemStore, StorageBackend } from '../storage/types.js';
import { adaptLayer } from './adapt.js';
import { commitLayer } from './commit.js';
import { checkOpenOptions, optionsOfConfig, resolveConfig, type SRMConfig } from './config.js';
import { layerStats, verifyLayer } from './diagnostics.js';
import { emptyLayer, openMemory, saveCheckpoint, storedDimension } from './open.js';
import { BackgroundRefit, type RefitHost, type RefitOptions } from './refit.js';
import type { RoutingLayer } from './routing-layer.js';
import { ScratchPool } from './search-index.js';
import { runQuery } from './search.js';
import type { Sample } from './layer-trainer.js';
import { fitLayer, flatTrainingSample, givenSample, presentRows } from './train.js';
import { checkItemsOptions, checkQueryIds, memoryItemOf, queryWithin, resolveQueryParams, scanItems, selectForDelete } from './selection.js';
import type {
  AddOptions,
  ItemsOptions,
  MemoryItem,
  PayloadItem,
  ProgressCallback,
  QueryHit,
  QueryOptions,
  SRMOpenOptions,
  SRMOptions,
  SRMStats,
  VectorBatch,
  VectorLike,
} from './types.js';
import { claimStore, releaseStore } from './open-stores.js';
import { MemoryLock } from './memory-lock.js';
import { countsAfter, freshIds, insertBatch, type Batch } from './writes.js';
import { checkId, checkIds, checkK, checkOptions, checkWriteInput, guardProgress, toMatrix, toQuery } from './validate.js';

/**
 * A dense memory that stays small in RAM.
 *
 * @example
 * ```ts
 * const memory = await SemanticRoutingMemory.open({ path: './memory', d: 384 });
 * const [id] = await memory.add([embedding], { payloads: [{ text: 'hello' }] });
 * const hits = await memory.query(queryEmbedding, { k: 5 }); // [{ id, score, payload }]
 * await memory.close();
 * ```
 */
export class SemanticRoutingMemory {
  /** The validated, defaults-applied configuration. */
  config: Readonly<SRMConfig>;

  private store!: SRMItemStore;
  private ownedStorage: StorageBackend | undefined;
  private readonly ready: Promise<void>;
  /** What queries read; fit, refit and adaptive update replace it whole, after their commit. */
  private layer: RoutingLayer;
  /** Counts the layers installed by a fit or refit, so a refit knows when one superseded it. */
  private epoch = 0;
  private readonly lock = new MemoryLock();
  private readonly refits: BackgroundRefit;
  private closed = false;
  /** Set when close() begins: no background refit may start after that. */
  private closing = false;
  private readonly queryScratch = new ScratchPool();
  private openedFrom: SRMStats['openedFrom'] = { source: 'scan', reason: 'not opened yet' };
  /** Checksums of the bucket lists the store's checkpoint holds (null: none known), so a checkpoint rewrites only changed lists. */
  private checkpointChecksums: Uint32Array | null = null;
  /** Set once setUp() opened the store: only then is there a routing layer worth checkpointing. */
  private attached = false;
  /** Frees this memory's store for another open in this process (see `open-stores.ts`); set once the store is claimed. */
  private releaseClaim: () => void = () => undefined;

  /**
   * Creates a memory. Without `storage` it lives in memory (nothing on disk);
   * use {@link SemanticRoutingMemory.open} for a durable one. Construction is
   * synchronous; the first call awaits the setup.
   *
   * @param options - the configuration; only `d` is required.
   * @param storage - a backend to keep the memory in (default: in-memory SQLite, owned and closed by this memory).
   * @param name - the memory's name inside the backend (default `"default"`).
   * @param rebuild - rebuild the routing layer from a scan even when the store has a routing checkpoint (see {@link SRMOpenOptions.rebuild}).
   */
  constructor(options: SRMOptions, storage?: StorageBackend, name = 'default', rebuild = false) {
    this.config = resolveConfig(options);
    this.layer = emptyLayer(this.config);
    this.refits = new BackgroundRefit(this.refitHost());
    // A given backend is claimed now, so a second open of the same store fails at once; the default one is made in setup.
    if (storage) this.claim(storage, name);
    this.ready = this.setUp(storage, name, options, rebuild);
    // Setup errors surface on the first call; do not also report them as unhandled. A failed setup frees the store.
    this.ready.catch(() => this.releaseClaim());
  }

  /** Marks `backend`'s store `name` as this memory's until close (see `open-stores.ts`). */
  private claim(backend: StorageBackend, name: string): void {
    claimStore(backend, name, this);
    this.releaseClaim = () => releaseStore(backend, name, this);
  }

  /** Opens the default in-memory backend when none was given, then the store, its state and routing layer (from a checkpoint or a scan). */
  private async setUp(storage: StorageBackend | undefined, name: string, options: SRMOptions, rebuild: boolean): Promise<void> {
    if (!storage) this.claim((this.ownedStorage = await openDefaultBackend()), name);
    const opened = await openMemory(storage ?? this.ownedStorage!, name, this.config, options, rebuild);
    this.store = opened.store;
    this.config = opened.config;
    this.layer = opened.layer;
    this.openedFrom = opened.openedFrom;
    this.checkpointChecksums = opened.checkpointChecksums;
    this.attached = true;
  }

  /**
   * Opens (or creates) a memory on a storage backend: the embedded store at
   * `path`, a given `storage` (e.g. Qdrant), or memory. Reopening restores
   * the codebook and routing layer without retraining and answers the same.
   */
  static async open(options: SRMOpenOptions): Promise<SemanticRoutingMemory> {
    checkOpenOptions(options);
    const { path, storage, name, rebuild, durability, ...rest } = options;
    // Without d the options can only be checked once the stored d is known.
    if (rest.d !== undefined) resolveConfig(rest as SRMOptions);
    const owned = storage ? undefined : path !== undefined ? await openDefaultBackend({ path, durability }) : undefined;
    try {
      const backend = storage ?? owned;
      const d = rest.d ?? (await storedDimension(backend, name ?? 'default'));
      const memory = new SemanticRoutingMemory({ ...rest, d }, backend, name ?? 'default', rebuild ?? false);
      if (owned) memory.ownedStorage = owned;
      await memory.ready;
      return memory;
    } catch (err) {
      await owned?.close();
      throw err;
    }
  }

  /** The memory as its background refit sees it. */
  private refitHost(): RefitHost {
    // Getters: the host reads the live fields, which attach, fit and refit replace.
    const memory = this;
    // prettier-ignore
    return {
      get config() { return memory.config; },
      get store() { return memory.store; },
      lock: this.lock,
      get layer() { return memory.layer; },
      get epoch() { return memory.epoch; },
      get closing() { return memory.closing; },
      install: (next, placed) => this.install(next, placed),
      fitStored: (onProgress) => this.fitLocked(flatTrainingSample(this.config, this.layer, new Float32Array(0), 0), this.layer.slots.routed, onProgress),
    };
  }

  /**
   * Saves the routing layer (bucket lists and rerank rows) as the store's routing checkpoint,
   * so that the next open reads these hot bytes instead of scanning every stored vector.
   * `close()` does it too; long-running processes that may be killed can call it after bulk
   * writes. Any later write makes the checkpoint stale (the next open then scans). Waits for
   * a background refit first.
   *
   * @returns whether a checkpoint was written: false when the current one is still fresh, or
   * there is nothing to keep (an unfitted memory, a backend without checkpoints such as Qdrant
   * or an in-memory store, a big-endian host).
   */
  async checkpoint(): Promise<boolean> {
    await this.ensureOpen();
    await this.idle();
    return this.lock.write(() => this.checkpointLocked());
  }

  private async checkpointLocked(): Promise<boolean> {
    if (this.refits.running) return false;
    const saved = await saveCheckpoint(this.store, this.layer, this.checkpointChecksums);
    if (!saved) return false;
    this.checkpointChecksums = saved;
    return true;
  }

  private async ensureOpen(): Promise<void> {
    if (this.closed) throw new ClosedError('SemanticRoutingMemory');
    await this.ready;
  }

  /** Number of items stored. */
  get size(): number {
    return this.layer.slots.live;
  }

  /**
   * The options that open a memory like this one (e.g. a copy elsewhere): its configuration, without
   * K and m where they follow the item count, so that they go on following it.
   */
  get options(): SRMOptions {
    return optionsOfConfig(this.config);
  }

  /** Whether the codebook is trained (before that, queries are exact scans). */
  get isFitted(): boolean {
    return this.layer.codebook !== null;
  }

  /** Where the memory lives: a file path, a collection name, or ":memory:". */
  get location(): string {
    return this.store?.location ?? ':memory:';
  }

  /**
   * Adds vectors; re-adding an existing id replaces its vector and payload
   * (upsert). Resolves with the ids once the write is durable. A `null` row stores an item
   * without a vector (its payload only; see {@link VectorBatch}): in no bucket, never a query hit.
   *
   * @throws DimensionMismatchError, InvalidInputError (NaN/Infinity, empty batch, duplicate ids in the batch, bad payload), LimitExceededError. A rejected batch changes nothing.
   */
  async add(vectors: VectorBatch, opts: AddOptions = {}): Promise<string[]> {
    return (await this.write(vectors, opts, [], false)).ids;
  }

  /**
   * Adds (upserts) `vectors` as {@link add} does and deletes the items `deleteIds`, in one
   * durable step of the store: after a crash either all of it happened or none of it. For a
   * replacement that drops items, such as a document now split into fewer chunks, where
   * `add` then `delete` could leave the dropped items behind if the process died between them.
   * `vectors` may be empty (`[]`) when there is only something to delete. Ids in
   * `deleteIds` that are not stored are ignored.
   *
   * @returns the ids of the added vectors, and how many items were deleted.
   * @throws as {@link add}; InvalidInputError when an id is both added and deleted. A rejected call changes nothing.
   *
   * @example
   * ```ts
   * // Replace doc-1's three chunks by two.
   * await memory.addAndDelete([v0, v1], { ids: ['doc-1#0', 'doc-1#1'], payloads, deleteIds: ['doc-1#2'] });
   * ```
   */
  async addAndDelete(vectors: VectorBatch, opts: AddOptions & { deleteIds: readonly string[] }): Promise<{ ids: string[]; deleted: number }> {
    return this.write(vectors, opts, opts?.deleteIds, true);
  }

  /** {@link add} and {@link addAndDelete}: one store write of upserts and deletes. */
  private async write(
    vectors: VectorBatch,
    optsIn: AddOptions,
    deleteIdsIn: readonly string[] | undefined,
    allowEmpty: boolean,
  ): Promise<{ ids: string[]; deleted: number }> {
    const opts = checkOptions(optsIn, allowEmpty ? 'addAndDelete' : 'add');
    const onProgress = guardProgress(opts.onProgress, allowEmpty ? 'addAndDelete' : 'add');
    await this.ensureOpen();
    const { data, n, present, ids, payloads, deleteIds } = checkWriteInput(vectors, opts, deleteIdsIn, allowEmpty, this.config);
    return this.lock
      .write(async () => {
        const finalIds = ids ?? (await freshIds(this.store, n));
        let existing = this.refits.withLiveBuckets(await this.store.fetchIds(finalIds, { bucket: true }));
        let doomed = this.refits.withLiveBuckets(await this.store.fetchIds(deleteIds, { bucket: true }));
        const { live, routed, deleted } = countsAfter(this.layer.slots, existing, doomed, present);
        if (live > Limits.maxItems) throw new LimitExceededError('items per memory', Limits.maxItems, live);
        if (n > 0 && !this.layer.codebook && this.config.autoFitAt > 0 && routed >= this.config.autoFitAt) {
          const rows = presentRows(data, n, this.config.d, present);
          await this.fitLocked(flatTrainingSample(this.config, this.layer, rows.data, rows.n), this.layer.slots.routed + rows.n, onProgress);
          // The fit re-routed every stored item: read the buckets again.
          existing = this.refits.withLiveBuckets(await this.store.fetchIds(finalIds, { bucket: true }));
          doomed = this.refits.withLiveBuckets(await this.store.fetchIds(deleteIds, { bucket: true }));
        }
        const removals = deleteIds.flatMap((id, i) => (doomed[i] ? [{ id, slot: doomed[i]!.slot, bucket: doomed[i]!.bucket }] : []));
        await this.insertLocked({ data, n, present, ids: finalIds, payloads, existing, removals }, onProgress);
        return { ids: finalIds, deleted };
      })
      .then((result) => {
        this.refits.maybeStart();
        return result;
      });
  }

  /** Writes a validated batch and places it in the live layer, then tracks drift and adapts. Caller holds the write lock. */
  private async insertLocked(batch: Batch, onProgress?: ProgressCallback): Promise<void> {
    const layer = this.layer;
    const { buckets, errSum } = await insertBatch(this.store, this.config, layer, batch, (slot) => this.refits.noteWrite(slot), onProgress);
    if (!layer.codebook) return;
    const rows = presentRows(batch.data, batch.n, this.config.d, batch.present, buckets);
    if (rows.n === 0) return;
    this.refits.policy.track(errSum, rows.n);
    // An adaptive commit would clear the store's pending mark while a refit's buckets are still being written.
    if (this.config.adaptiveUpdate && !this.refits.bucketsLag) await this.adaptLocked(rows.data, rows.n, rows.buckets!);
  }

  /** Applies the adaptive update of `n` new rows: builds the moved layer, commits it, then swaps it in. */
  private async adaptLocked(data: Float32Array, n: number, buckets: Int32Array): Promise<void> {
    const adapted = await adaptLayer(this.config, this.layer, this.store, data, n, buckets);
    if (!adapted) return;
    await commitLayer(this.store, this.config, adapted.layer, adapted.placed, () => {
      this.layer = adapted.layer;
    });
  }

  /**
   * The `k` nearest items to `vector`: probe the `m` nearest buckets, score
   * their items, rerank exactly, break ties by id. With a filter, probing
   * widens until `k` matching items are found or every bucket is probed, so a
   * filter never returns fewer than `k` hits when `k` matching items exist. With `ids`, scores
   * exactly within those items; with `withVectors`, each hit carries its stored vector.
   */
  async query(vector: VectorLike, opts: QueryOptions = {}): Promise<QueryHit[]> {
    opts = checkOptions(opts, 'query');
    await this.ensureOpen();
    const q = toQuery(vector, this.config.d, this.config.normalize);
    const params = resolveQueryParams(opts, this.config, this.layer);
    const ids = checkQueryIds(opts.ids);
    if (ids) return this.lock.read(() => queryWithin(this.store, this.config, q, ids, params));
    return this.lock.read(() => runQuery(this.layer.searchIndex(this.config.normalize, this.store, this.queryScratch, !this.refits.bucketsLag), q, params));
  }

  /**
   * Items by id, aligned with `ids`.
   * @throws NotFoundError listing unknown ids, unless `ignoreMissing` (then `undefined` in their place).
   */
  async get(ids: readonly string[], opts: { ignoreMissing?: boolean } = {}): Promise<(MemoryItem | undefined)[]> {
    opts = checkOptions(opts, 'get');
    await this.ensureOpen();
    const list = checkIds(ids, 'ids', false);
    const recs = await this.lock.read(() => this.store.fetchIds(list, { id: true, bucket: true, vector: true, payload: true }));
    const missing = list.filter((_, i) => recs[i] === undefined);
    if (missing.length > 0 && !opts.ignoreMissing) throw new NotFoundError('SRM item', missing);
    return recs.map((r) => (r ? memoryItemOf(r) : undefined));
  }

  /** Whether an item with this id is stored. */
  async has(id: string): Promise<boolean> {
    await this.ensureOpen();
    checkId(id, 'id');
    const [rec] = await this.store.fetchIds([id], {});
    return rec !== undefined;
  }

  /**
   * Deletes items by id; resolves with how many were deleted.
   * @throws NotFoundError (and deletes nothing) when an id is unknown, unless `ignoreMissing`.
   */
  async delete(ids: readonly string[], opts: { ignoreMissing?: boolean } = {}): Promise<number> {
    opts = checkOptions(opts, 'delete');
    await this.ensureOpen();
    const list = [...new Set(checkIds(ids, 'ids', false))];
    if (list.length === 0) return 0;
    return this.lock.write(async () => {
      const recs = this.refits.withLiveBuckets(await this.store.fetchIds(list, { bucket: true }));
      const missing = list.filter((_, i) => recs[i] === undefined);
      if (missing.length > 0 && !opts.ignoreMissing) throw new NotFoundError('SRM item', missing);
      return this.deleteLocked(list.flatMap((id, i) => (recs[i] ? [{ id, slot: recs[i]!.slot, bucket: recs[i]!.bucket! }] : [])));
    });
  }

  /**
   * Deletes every item whose payload matches `filter`, in one durable write; resolves with how
   * many were deleted. The store evaluates the filter (embedded: SQL on the payload column;
   * Qdrant: its native filter), so the cost follows the matches, not the memory's size.
   * @throws InvalidInputError for a bad filter (nothing is deleted).
   */
  async deleteWhere(filter: FilterInput): Promise<number> {
    const ast = normalizeFilter(filter);
    await this.ensureOpen();
    return this.lock.write(async () => this.deleteLocked(await selectForDelete(this.store, ast, (slot, b) => this.refits.liveBucket(slot, b))));
  }

  /** Deletes stored items from the store, then from the live layer. Caller holds the write lock. */
  private async deleteLocked(doomed: readonly { id: string; slot: number; bucket: number }[]): Promise<number> {
    if (doomed.length === 0) return 0;
    await this.store.write({ deleteIds: doomed.map((r) => r.id) });
    const layer = this.layer;
    for (const r of doomed) {
      layer.unplace(r.slot, r.bucket);
      layer.slots.release(r.slot);
      this.refits.noteWrite(r.slot);
    }
    layer.slots.live -= doomed.length;
    return doomed.length;
  }

  /**
   * Trains the codebook on `vectors` (k-means++ then Lloyd; deterministic for
   * the seed) and routes every stored item. Optional: the memory fits itself
   * once it holds `autoFitAt` items.
   */
  async fit(vectors: readonly VectorLike[] | Float32Array, opts: { onProgress?: ProgressCallback } = {}): Promise<void> {
    const onProgress = guardProgress(checkOptions(opts, 'fit').onProgress, 'fit');
    await this.ensureOpen();
    const { d, normalize, K } = this.config;
    const { data, n } = toMatrix(vectors, d, normalize, Limits.maxItems);
    if (n < K) throw new InvalidInputError(`fit needs at least K=${K} vectors, got ${n}`);
    await this.lock.write(() => this.fitLocked(givenSample(this.config, data, n, this.layer.slots.routed), Math.max(this.layer.slots.routed, n), onProgress));
  }

  /**
   * Trains codebook and quantizer, then routes and re-encodes every stored
   * item into a new layer, commits it and swaps it in. `represents` is how many items the
   * training data stands for (the baseline of the growth-triggered refit). Caller holds the write lock.
   */
  private async fitLocked(sample: Sample, represents: number, onProgress?: ProgressCallback): Promise<void> {
    const next = await fitLayer({ config: this.config, layer: this.layer, store: this.store }, sample, represents, onProgress);
    await this.install(next, next.buckets.assignments());
    const routed = next.slots.live;
    onProgress?.({ phase: 'fit:route', done: routed, total: routed });
  }

  /** Commits `next` (a fitted or refitted layer) and makes it the live one (see {@link commitLayer} for a commit that fails). */
  private async install(next: RoutingLayer, placed: { slots: Uint32Array; buckets: Int32Array } | null): Promise<void> {
    await commitLayer(this.store, this.config, next, placed, () => {
      this.layer = next;
      this.epoch++;
      this.refits.policy.reset();
    });
  }

  /**
   * Trains a new codebook on a sample of the stored items and re-routes every
   * item. Queries keep answering during the training and routing passes;
   * writes made meanwhile are re-routed before the swap, so no item is lost
   * or orphaned. The quantizer (int8, pq, sq4 or pq4) is retrained with the codebook.
   */
  async refit(opts: RefitOptions = {}): Promise<void> {
    opts = checkOptions(opts, 'refit');
    const onProgress = guardProgress(opts.onProgress, 'refit');
    if (opts.worker !== undefined && typeof opts.worker !== 'boolean')
      throw new InvalidInputError(`refit: worker must be a boolean, got ${JSON.stringify(opts.worker)}`);
    opts = { ...opts, ...(onProgress ? { onProgress } : {}) };
    await this.ensureOpen();
    return this.refits.start(opts);
  }

  /** Resolves when a background refit (if any) has finished. */
  async idle(): Promise<void> {
    await this.refits.idle();
  }

  /**
   * Every stored item, or with `filter` those whose payload matches (evaluated by the store), in
   * pages, ascending slot order. A number is the page size (default 1000). With
   * `withVectors: false` the items come without their vectors.
   * @throws InvalidInputError for a bad page size, filter or option.
   */
  items(opts?: number | (ItemsOptions & { withVectors?: true })): AsyncIterable<MemoryItem[]>;
  items(opts: ItemsOptions & { withVectors: false }): AsyncIterable<PayloadItem[]>;
  items(opts?: number | ItemsOptions): AsyncIterable<(MemoryItem | PayloadItem)[]>;
  async *items(opts?: number | ItemsOptions): AsyncIterable<(MemoryItem | PayloadItem)[]> {
    const checked = checkItemsOptions(opts);
    await this.ensureOpen();
    yield* scanItems(this.store, checked);
  }

  /**
   * Checks the routing layer against the store: every stored item is in
   * exactly one bucket list (the one its routing code names), no list holds a
   * slot twice or a slot without an item, and the size matches. With `deep`, the store's own
   * deep check runs too (embedded: SQLite's `integrity_check` and every stored checksum), which
   * reads everything. Read-only; meant for tests, debugging (`srm stats --verify`) and after a crash.
   */
  async verify(opts?: { deep?: boolean }): Promise<{ ok: boolean; items: number; problems: string[] }> {
    const { deep } = checkOptions(opts, 'verify');
    if (deep !== undefined && typeof deep !== 'boolean') throw new InvalidInputError(`verify: deep must be a boolean, got ${typeof deep}`);
    await this.ensureOpen();
    // Stored buckets lag the live layer while a refit writes them back: check once they are written.
    await this.refits.bucketsWritten();
    return this.lock.read(() => verifyLayer(this.layer, this.store, deep === true));
  }

  /** Item counts, bucket-size distribution, quantisation error and hot bytes by part. */
  stats(): SRMStats {
    return layerStats(this.layer, {
      config: this.config,
      refitting: this.refits.running,
      recentError: this.refits.policy.recentError,
      openedFrom: this.openedFrom,
      lastRefitError: this.refits.lastError,
    });
  }

  /**
   * Stops a running refit's training or routing (the layer in use stays; a refit already
   * swapped in finishes writing its buckets), saves a routing checkpoint (see {@link checkpoint}), then
   * closes the storage this memory opened. Idempotent. A checkpoint that cannot be written
   * (a full disk) loses nothing: the next open scans instead.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    // A running refit stops (its worker thread ends) rather than finish: the live layer serves on.
    this.refits.abort();
    await this.ready.catch(() => undefined);
    await this.idle();
    await this.lock.write(async () => {
      if (this.attached) await this.checkpointLocked().catch(() => false);
      this.closed = true;
    });
    this.releaseClaim();
    await this.ownedStorage?.close();
  }
}
