/**
 * SemanticRoutingMemory: a dense vector memory whose RAM holds a k-means
 * codebook and compact per-bucket slot lists (the routing layer), plus
 * optional compact rerank codes; full vectors, ids and payloads live in the
 * store. A query probes the `m` nearest buckets and reranks their items
 * exactly.
 */
import { randomUUID } from 'node:crypto';
import { ClosedError, CorruptDataError, InvalidConfigError, InvalidInputError, LimitExceededError, NotFoundError } from '../errors.js';
import { matchesFilter, normalizeFilter, type PayloadFilter } from '../filter.js';
import { Limits } from '../limits.js';
import { EmbeddedStorage } from '../storage/embedded/embedded-storage.js';
import { readStoredVectors } from '../storage/read-vectors.js';
import type { Payload, SrmRecord, SrmStore, StorageBackend } from '../storage/types.js';
import { Rng } from '../util/rng.js';
import { RwLock, Yielder } from '../util/rw-lock.js';
import { normalizeInPlace } from '../util/vector-math.js';
import { InvertedBuckets } from './buckets.js';
import { CheckpointRejected, CHECKPOINTS_SUPPORTED, checkpointOf, restoreCheckpoint } from './checkpoint.js';
import { Codebook } from './codebook.js';
import { createCodec, type VectorCodec } from './codes.js';
import { resolveConfig, type SRMConfig } from './config.js';
import { runQuery, ScratchPool, type SearchIndex } from './search.js';
import { decodeState, encodeState } from './state.js';
import type {
  AddOptions,
  MemoryItem,
  ProgressCallback,
  QueryHit,
  QueryOptions,
  SRMOpenOptions,
  SRMOptions,
  SRMStats,
  VectorBatch,
  VectorLike,
} from './types.js';
import { checkId, checkIds, checkK, checkPayload, toMatrix, toQuery } from './validate.js';

/** Options that control one refit. */
export interface RefitOptions {
  onProgress?: ProgressCallback;
}

const STORE_PAGE = 4096;
/**
 * A refit catches up on the writes made while it routed, without the lock, until at most this
 * many are left for the swap (which holds the write lock), in at most this many rounds.
 */
const REFIT_CATCH_UP_DONE = 1024;
const REFIT_CATCH_UP_ROUNDS = 8;

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

  private store!: SrmStore;
  private ownedStorage: StorageBackend | undefined;
  private readonly ready: Promise<void>;
  private codebook: Codebook | null = null;
  /** One list before the fit (flat, exact search), K after. */
  private buckets: InvertedBuckets;
  /** Encodes the rerank rows kept in the bucket lists (float32 before the fit). */
  private codec: VectorCodec;
  private slotEnd = 0;
  private freeSlots: number[] = [];
  private live = 0;
  private fitError: number | null = null;
  private recentError: number | null = null;
  private addsSinceFit = 0;
  private sizeAtFit = 0;
  private readonly lock = new RwLock();
  private refitTask: Promise<void> | null = null;
  private refitDirty: Set<number> | null = null;
  private lastRefitError: unknown = null;
  private closed = false;
  /** Set when close() begins: no background refit may start after that. */
  private closing = false;
  private residualScratch = new Float32Array(0);
  private readonly queryScratch = new ScratchPool();
  private openedFrom: SRMStats['openedFrom'] = { source: 'scan', reason: 'not opened yet' };
  /** Checksums of the bucket lists the store's checkpoint holds (null: none known), so a checkpoint rewrites only changed lists. */
  private checkpointChecksums: Uint32Array | null = null;
  /** Set once attach() succeeded: only then is there a routing layer worth checkpointing. */
  private attached = false;

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
    this.residualScratch = new Float32Array(this.config.d);
    this.codec = createCodec('float32', this.config.d, this.config.pqSubvectors);
    this.buckets = new InvertedBuckets(1, this.codec);
    const backend = storage ?? EmbeddedStorage.inMemory();
    if (!storage) this.ownedStorage = backend;
    this.ready = this.attach(backend, name, options, rebuild);
    // Setup errors surface on the first call; do not also report them as unhandled.
    this.ready.catch(() => undefined);
  }

  /**
   * Opens (or creates) a memory on a storage backend: the embedded store at
   * `path`, a given `storage` (e.g. Qdrant), or memory. Reopening restores
   * the codebook and routing layer without retraining and answers the same.
   */
  static async open(options: SRMOpenOptions): Promise<SemanticRoutingMemory> {
    const { path, storage, name, rebuild, ...rest } = options;
    if (rebuild !== undefined && typeof rebuild !== 'boolean') throw new InvalidConfigError('rebuild', `expected a boolean, got ${JSON.stringify(rebuild)}`);
    if (name !== undefined && (typeof name !== 'string' || name.length === 0)) throw new InvalidConfigError('name', `expected a non-empty string, got ${JSON.stringify(name)}`);
    if (path !== undefined && (typeof path !== 'string' || path.length === 0)) throw new InvalidConfigError('path', `expected a non-empty string, got ${JSON.stringify(path)}`);
    // Without d the options can only be checked once the stored d is known.
    if (rest.d !== undefined) resolveConfig(rest as SRMOptions);
    const owned = storage ? undefined : path !== undefined ? await EmbeddedStorage.open(path) : undefined;
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

  /** Opens the store, restores the state and rebuilds the routing layer from a scan. */
  private async attach(backend: StorageBackend, name: string, options: SRMOptions, rebuild: boolean): Promise<void> {
    this.store = await backend.openSrmStore({ name, dim: this.config.d, metric: this.config.metric });
    const raw = await this.store.readState();
    let pendingReroute = false;
    let sizeAtFit: number | null = null;
    if (raw) {
      const state = decodeState(raw, this.store.location);
      if (state.config.d !== this.config.d) {
        throw new InvalidConfigError('d', `the memory at ${this.store.location} has d=${state.config.d}, the options say d=${this.config.d}`);
      }
      // Structural fields come from the stored state: asking for other values is an error, not a silent override.
      for (const key of ['K', 'metric', 'normalize', 'rerank', 'pqSubvectors', 'seed'] as const) {
        if (options[key] !== undefined && options[key] !== state.config[key]) {
          throw new InvalidConfigError(key, `the memory at ${this.store.location} was created with ${key}=${JSON.stringify(state.config[key])}; reopen without ${key} or with that value (or refit into a new memory)`);
        }
      }
      // Per-query defaults may be overridden by the options.
      const merged = { ...state.config };
      for (const key of ['m', 'topK', 'maxCandidates', 'refine', 'driftRefitRatio', 'growthRefitRatio', 'adaptiveUpdate', 'tau', 'eta', 'autoFitAt', 'trainSize', 'kmeansIterations'] as const) {
        if (options[key] !== undefined) (merged as Record<string, unknown>)[key] = options[key];
      }
      if (merged.m > merged.K) throw new InvalidConfigError('m', `must be <= K (${merged.K}), got ${merged.m}`);
      this.config = merged;
      this.fitError = state.fitError;
      sizeAtFit = state.sizeAtFit;
      pendingReroute = state.pendingReroute;
      if (state.codebook) {
        this.codebook = Codebook.fromBytes(state.codebook, this.store.location);
        this.codec = createCodec(this.config.rerank, this.config.d, this.config.pqSubvectors);
        this.codec.paramsFromBytes(state.quantizer, this.store.location);
      }
    } else {
      await this.store.writeState(this.encodeState(false));
    }
    if (rebuild) this.openedFrom = { source: 'scan', reason: 'rebuild was asked for' };
    const restored = !rebuild && (await this.restoreFromCheckpoint(raw, pendingReroute));
    if (!restored) await this.rebuildFromStore(pendingReroute);
    this.sizeAtFit = sizeAtFit ?? this.live;
    this.attached = true;
  }

  /**
   * Restores the routing layer from the store's routing checkpoint when there is a current,
   * valid one; returns false (and records why in `openedFrom`) when a scan must rebuild it.
   */
  private async restoreFromCheckpoint(state: Uint8Array | null, reroute: boolean): Promise<boolean> {
    const checkpoints = this.store.checkpoints;
    const codebook = this.codebook;
    if (!checkpoints || !state || !codebook || reroute || !CHECKPOINTS_SUPPORTED) {
      const reason = !checkpoints ? 'the backend keeps no checkpoints' : !state ? 'new memory' : !codebook ? 'not fitted' : reroute ? 'a refit was interrupted' : 'big-endian host';
      this.openedFrom = { source: 'scan', reason };
      return false;
    }
    try {
      const checkpoint = await checkpoints.read();
      if (!checkpoint) {
        this.openedFrom = { source: 'scan', reason: 'no current checkpoint (a write came after the last one, or none was taken)' };
        return false;
      }
      const restored = restoreCheckpoint(checkpoint, { state, K: codebook.K, layout: this.codec, storedItems: await this.store.count() });
      this.buckets = restored.buckets;
      this.checkpointChecksums = restored.checksums;
      this.live = restored.items;
      this.slotEnd = restored.slotEnd;
      this.freeSlots = restored.freeSlots;
      this.openedFrom = { source: 'checkpoint' };
      return true;
    } catch (err) {
      // The checkpoint is a cache of what the scan rebuilds: a bad one costs a scan, not an error.
      if (!(err instanceof CheckpointRejected || err instanceof CorruptDataError)) throw err;
      this.openedFrom = { source: 'scan', reason: `checkpoint refused: ${err.message}` };
      return false;
    }
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
    const checkpoints = this.store.checkpoints;
    if (!checkpoints || !this.codebook || !CHECKPOINTS_SUPPORTED || this.refitTask) return false;
    if (await checkpoints.isCurrent()) return false;
    const state = await this.store.readState();
    if (!state) return false;
    const next = checkpointOf(this.buckets, this.codec, state, this.checkpointChecksums);
    await checkpoints.write(next.header, this.buckets.K, next.lists);
    this.checkpointChecksums = next.checksums;
    this.buckets.markUnchanged();
    return true;
  }

  /** Rebuilds slots, buckets and codes from a scan of the store, placing each row straight into its list. */
  private async rebuildFromStore(reroute: boolean): Promise<void> {
    const lists = new InvertedBuckets(this.codebook?.K ?? 1, this.codec);
    const fixes: { slot: number; bucket: number }[] = [];
    let live = 0;
    let slotEnd = 0;
    for await (const page of this.store.scan({ bucket: true, vector: true }, STORE_PAGE)) {
      for (const rec of page) {
        live++;
        if (rec.slot >= slotEnd) slotEnd = rec.slot + 1;
        const v = rec.vector!;
        this.prepareStored(v, 0);
        let b = rec.bucket ?? -1;
        if (this.codebook && (reroute || b < 0 || b >= this.codebook.K)) {
          const nb = this.codebook.assign(v, 0);
          if (nb !== b) fixes.push({ slot: rec.slot, bucket: nb });
          b = nb;
        }
        const list = this.listOf(b);
        const at = lists.add(list, rec.slot); // may reallocate the list: take its rows after
        this.encodeRow(this.codec, this.codebook, v, 0, b, lists.rowsOf(list), at);
      }
    }
    lists.shrinkToFit();
    this.buckets = lists;
    this.live = live;
    this.slotEnd = slotEnd;
    const used = new Uint8Array(slotEnd);
    for (let b = 0; b < lists.K; b++) for (const s of lists.slotsOf(b)) used[s] = 1;
    this.freeSlots = [];
    for (let s = this.slotEnd - 1; s >= 0; s--) if (!used[s]) this.freeSlots.push(s);
    if (fixes.length > 0) {
      await this.store.setBuckets(Uint32Array.from(fixes, (f) => f.slot), Int32Array.from(fixes, (f) => f.bucket));
    }
    if (reroute) await this.store.writeState(this.encodeState(false));
  }

  /**
   * Normalises, in place, the stored vector at `rows[offset..offset + d)`. Stored vectors are
   * already normalised; this corrects float32 round-off so cosine stays exact.
   */
  private prepareStored(rows: Float32Array, offset: number): void {
    if (this.config.normalize) normalizeInPlace(rows, offset, this.config.d);
  }

  private encodeState(pendingReroute: boolean): Uint8Array {
    return encodeState({
      config: this.config,
      codebook: this.codebook?.toBytes() ?? null,
      quantizer: this.codebook ? this.codec.paramsToBytes() : new Uint8Array(0),
      fitError: this.fitError,
      sizeAtFit: this.codebook ? this.sizeAtFit : null,
      pendingReroute,
    });
  }

  private async ensureOpen(): Promise<void> {
    if (this.closed) throw new ClosedError('SemanticRoutingMemory');
    await this.ready;
  }

  /** Number of items stored. */
  get size(): number {
    return this.live;
  }

  /** Whether the codebook is trained (before that, queries are exact scans). */
  get isFitted(): boolean {
    return this.codebook !== null;
  }

  /** Where the memory lives: a file path, a collection name, or ":memory:". */
  get location(): string {
    return this.store?.location ?? ':memory:';
  }

  /**
   * Adds vectors; re-adding an existing id replaces its vector and payload
   * (upsert). Resolves with the ids once the write is durable.
   *
   * @throws DimensionMismatchError, InvalidInputError (NaN/Infinity, empty batch, duplicate ids in the batch, bad payload), LimitExceededError. A rejected batch changes nothing.
   */
  async add(vectors: VectorBatch, opts: AddOptions = {}): Promise<string[]> {
    await this.ensureOpen();
    const { data, n } = toMatrix(vectors, this.config.d, this.config.normalize);
    const ids = opts.ids === undefined ? undefined : checkIds(opts.ids, 'ids', true);
    if (ids && ids.length !== n) throw new InvalidInputError(`ids has ${ids.length} entries for ${n} vectors`);
    if (opts.payloads !== undefined && (!Array.isArray(opts.payloads) || opts.payloads.length !== n)) {
      throw new InvalidInputError(`payloads must be an array with one entry per vector (${n})`);
    }
    const payloads = Array.from({ length: n }, (_, i) => checkPayload(opts.payloads?.[i], `payloads[${i}]`));
    return this.lock.write(async () => {
      const finalIds = ids ?? (await this.freshIds(n));
      let existing = await this.store.fetchIds(finalIds, { bucket: true });
      const added = existing.filter((e) => e === undefined).length;
      if (this.live + added > Limits.maxItems) throw new LimitExceededError('items per memory', Limits.maxItems, this.live + added);
      if (!this.codebook && this.config.autoFitAt > 0 && this.live + added >= this.config.autoFitAt) {
        await this.fitLocked(this.trainingSample(data, n), this.live + n, opts.onProgress);
        // The fit re-routed every stored item: read the replaced items' buckets again.
        existing = await this.store.fetchIds(finalIds, { bucket: true });
      }
      await this.insertLocked(data, n, finalIds, payloads, existing, opts.onProgress);
      return finalIds;
    }).then((result) => {
      this.maybeStartRefit();
      return result;
    });
  }

  /** UUID v4 ids that are not in the store (a collision is astronomically rare, but checked). */
  private async freshIds(n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, () => randomUUID());
    const clash = await this.store.fetchIds(ids, {});
    return clash.some((c) => c !== undefined) ? this.freshIds(n) : ids;
  }

  private async insertLocked(
    data: Float32Array,
    n: number,
    ids: string[],
    payloads: Payload[],
    existing: ({ slot: number; bucket?: number } | undefined)[],
    onProgress?: ProgressCallback,
  ): Promise<void> {
    const { d } = this.config;
    const slots = new Uint32Array(n);
    const buckets = new Int32Array(n);
    const dist = new Float64Array(1);
    let errSum = 0;
    const newSlots: number[] = [];
    for (let i = 0; i < n; i++) {
      const prev = existing[i];
      if (prev) slots[i] = prev.slot;
      else {
        const s = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.slotEnd++;
        slots[i] = s;
        newSlots.push(s);
      }
      if (this.codebook) {
        buckets[i] = this.codebook.assign(data, i * d, dist);
        errSum += dist[0]!;
      } else buckets[i] = -1;
      if ((i & 4095) === 4095) onProgress?.({ phase: 'add:route', done: i + 1, total: n });
    }
    const records: SrmRecord[] = Array.from({ length: n }, (_, i) => ({
      id: ids[i]!,
      slot: slots[i]!,
      bucket: buckets[i]!,
      vector: data.subarray(i * d, (i + 1) * d),
      payload: payloads[i]!,
    }));
    try {
      await this.store.write({ upserts: records });
    } catch (err) {
      // Nothing was acknowledged: hand the slots back.
      for (const s of newSlots) this.releaseSlot(s);
      throw err;
    }
    // The store acknowledged: apply to RAM synchronously, so no query sees half a batch.
    this.reserveFor(buckets, n);
    for (let i = 0; i < n; i++) {
      const prev = existing[i];
      if (prev) this.buckets.remove(this.listOf(prev.bucket ?? -1), slots[i]!);
      this.place(slots[i]!, buckets[i]!, data, i * d);
      this.refitDirty?.add(slots[i]!);
    }
    this.live += newSlots.length;
    onProgress?.({ phase: 'add', done: n, total: n });
    if (this.codebook) {
      this.trackError(errSum, n);
      if (this.config.adaptiveUpdate) await this.adaptLocked(data, n, buckets);
    }
  }

  private releaseSlot(s: number): void {
    if (s === this.slotEnd - 1) this.slotEnd--;
    else this.freeSlots.push(s);
  }

  /** Bucket list index of a stored bucket code (everything is list 0 before the fit). */
  private listOf(bucket: number): number {
    return this.codebook ? bucket : 0;
  }

  /** Appends `slot` to the list of `bucket` with row `off` of `v` as its rerank row. */
  private place(slot: number, bucket: number, v: Float32Array, off: number): void {
    const list = this.listOf(bucket);
    const at = this.buckets.add(list, slot);
    this.encodeRow(this.codec, this.codebook, v, off, bucket, this.buckets.rowsOf(list), at);
  }

  /**
   * Encodes row `off` of `v` as item `index` of `rows`: as is, or for residual
   * codecs (pq, sq4, pq4) as its difference from the centroid of `bucket`.
   */
  private encodeRow(codec: VectorCodec, codebook: Codebook | null, v: Float32Array, off: number, bucket: number, rows: Uint8Array, index: number): void {
    if (!codec.residual || !codebook) {
      codec.encode(v, off, rows, index);
      return;
    }
    const { d } = this.config;
    const r = this.residualScratch;
    const c = codebook.centroids;
    for (let j = 0; j < d; j++) r[j] = v[off + j]! - c[bucket * d + j]!;
    codec.encode(r, 0, rows, index);
  }

  private reserveFor(buckets: Int32Array, n: number): void {
    if (n < 256) return;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const b = this.listOf(buckets[i]!);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    for (const [b, c] of counts) this.buckets.reserve(b, c, true);
  }

  /** Exponential moving average of new items' squared distance to their centroid (window ~1000 items). */
  private trackError(errSum: number, n: number): void {
    const mean = errSum / n;
    const alpha = Math.min(1, n / 1000);
    this.recentError = this.recentError === null ? mean : (1 - alpha) * this.recentError + alpha * mean;
    this.addsSinceFit += n;
  }

  /**
   * Adaptive update (off by default): an item farther than `tau` (squared L2)
   * from its centroid pulls it by `eta`; unit-norm is kept when normalising.
   * Items of the moved buckets are then re-routed, so none is left in a
   * bucket whose centroid is no longer its nearest.
   */
  private async adaptLocked(data: Float32Array, n: number, buckets: Int32Array): Promise<void> {
    const cb = this.codebook!;
    const { d, tau, eta, normalize } = this.config;
    const centroids = cb.centroids.slice();
    const moved = new Set<number>();
    const dist = new Float64Array(1);
    for (let i = 0; i < n; i++) {
      const b = buckets[i]!;
      cb.assign(data, i * d, dist);
      if (dist[0]! <= tau) continue;
      for (let j = 0; j < d; j++) centroids[b * d + j] = centroids[b * d + j]! + eta * (data[i * d + j]! - centroids[b * d + j]!);
      if (normalize) normalizeInPlace(centroids, b * d, d);
      moved.add(b);
    }
    if (moved.size === 0) return;
    const next = new Codebook(cb.K, d, centroids);
    // Re-route the items of the moved buckets against the new centroids.
    const affected: number[] = [];
    const from: number[] = [];
    for (const b of moved) {
      for (const s of this.buckets.slotsOf(b)) {
        affected.push(s);
        from.push(b);
      }
    }
    const vectors = await this.vectorsOfSlots(affected);
    const to = Int32Array.from(affected, (_, i) => next.assign(vectors, i * d));
    // Their centroid moved, so residual rows must be re-encoded even when the bucket stays:
    // every affected item leaves its list and is placed again under the new codebook.
    this.codebook = next;
    for (const b of moved) this.buckets.clear(b);
    affected.forEach((slot, i) => this.place(slot, to[i]!, vectors, i * d));
    const rerouted = affected.map((_, i) => i).filter((i) => to[i] !== from[i]);
    await this.store.writeState(this.encodeState(true));
    if (rerouted.length > 0) {
      await this.store.setBuckets(Uint32Array.from(rerouted, (i) => affected[i]!), Int32Array.from(rerouted, (i) => to[i]!));
    }
    await this.store.writeState(this.encodeState(false));
  }

  /** Where each slot sits in the flat list that holds every item before the fit. */
  private flatPositions(): Map<number, number> {
    const position = new Map<number, number>();
    this.buckets.slotsOf(0).forEach((s, i) => position.set(s, i));
    return position;
  }

  /**
   * Exact vectors of the given slots, row-major (before the fit from the flat list in RAM, at
   * `flat` positions when given, else from the store).
   */
  private async vectorsOfSlots(slots: readonly number[], flat?: Map<number, number>): Promise<Float32Array> {
    const { d } = this.config;
    const out = new Float32Array(slots.length * d);
    if (!this.codebook) {
      const position = flat ?? this.flatPositions();
      const rows = this.buckets.rowsOf(0);
      slots.forEach((s, i) => this.codec.decode(rows, position.get(s)!, out.subarray(i * d, (i + 1) * d)));
      return out;
    }
    for (let start = 0; start < slots.length; start += STORE_PAGE) {
      const page = Uint32Array.from(slots.slice(start, start + STORE_PAGE));
      const rows = out.subarray(start * d, (start + page.length) * d);
      const found = await readStoredVectors(this.store, page, rows);
      found.forEach((f, i) => {
        if (f) this.prepareStored(rows, i * d);
      });
    }
    return out;
  }

  /**
   * The `k` nearest items to `vector`: probe the `m` nearest buckets, score
   * their items, rerank exactly, break ties by id. With a filter, probing
   * widens until `k` matching items are found or every bucket is probed, so a
   * filter never returns fewer than `k` hits when `k` matching items exist.
   */
  async query(vector: VectorLike, opts: QueryOptions = {}): Promise<QueryHit[]> {
    await this.ensureOpen();
    const q = toQuery(vector, this.config.d, this.config.normalize);
    const k = checkK(opts.k ?? this.config.topK, 'k');
    const m = opts.m === undefined ? this.config.m : checkK(opts.m, 'm');
    if (this.codebook && m > this.codebook.K) throw new InvalidInputError(`m must be <= K (${this.codebook.K}), got ${m}`);
    const maxCandidates = opts.maxCandidates === undefined ? this.config.maxCandidates : checkK(opts.maxCandidates, 'maxCandidates');
    const refine = opts.refine === undefined ? this.config.refine : checkK(opts.refine, 'refine');
    let filter: ((p: Payload) => boolean) | undefined;
    let filterAst: PayloadFilter | undefined;
    if (typeof opts.filter === 'function') filter = opts.filter;
    else if (opts.filter !== undefined) {
      const ast = normalizeFilter(opts.filter);
      filterAst = ast;
      filter = (payload) => matchesFilter(payload, ast);
    }
    return this.lock.read(() => runQuery(this.searchIndex(), q, { k, m, maxCandidates, refine, filter, filterAst }));
  }

  private searchIndex(): SearchIndex {
    return {
      d: this.config.d,
      codebook: this.codebook,
      buckets: this.buckets,
      codec: this.codec,
      store: this.store,
      prepareStored: (rows, offset) => this.prepareStored(rows, offset),
      scratch: this.queryScratch,
    };
  }

  /**
   * Items by id, aligned with `ids`.
   * @throws NotFoundError listing unknown ids, unless `ignoreMissing` (then `undefined` in their place).
   */
  async get(ids: readonly string[], opts: { ignoreMissing?: boolean } = {}): Promise<(MemoryItem | undefined)[]> {
    await this.ensureOpen();
    const list = checkIds(ids, 'ids', false);
    const recs = await this.lock.read(() => this.store.fetchIds(list, { id: true, vector: true, payload: true }));
    const missing = list.filter((_, i) => recs[i] === undefined);
    if (missing.length > 0 && !opts.ignoreMissing) throw new NotFoundError('SRM item', missing);
    return recs.map((r) => (r ? { id: r.id!, vector: r.vector!, payload: r.payload ?? {} } : undefined));
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
    await this.ensureOpen();
    const list = [...new Set(checkIds(ids, 'ids', false))];
    if (list.length === 0) return 0;
    return this.lock.write(async () => {
      const recs = await this.store.fetchIds(list, { bucket: true });
      const missing = list.filter((_, i) => recs[i] === undefined);
      if (missing.length > 0 && !opts.ignoreMissing) throw new NotFoundError('SRM item', missing);
      const present = list.filter((_, i) => recs[i] !== undefined);
      if (present.length === 0) return 0;
      await this.store.write({ deleteIds: present });
      for (const r of recs) {
        if (!r) continue;
        this.buckets.remove(this.listOf(r.bucket ?? -1), r.slot);
        this.releaseSlot(r.slot);
        this.refitDirty?.add(r.slot);
      }
      this.live -= present.length;
      return present.length;
    });
  }

  /**
   * Trains the codebook on `vectors` (k-means++ then Lloyd; deterministic for
   * the seed) and routes every stored item. Optional: the memory fits itself
   * once it holds `autoFitAt` items.
   */
  async fit(vectors: VectorBatch, opts: { onProgress?: ProgressCallback } = {}): Promise<void> {
    await this.ensureOpen();
    const { data, n } = toMatrix(vectors, this.config.d, this.config.normalize, Limits.maxItems);
    if (n < this.config.K) throw new InvalidInputError(`fit needs at least K=${this.config.K} vectors, got ${n}`);
    await this.lock.write(() => this.fitLocked(this.subsample(data, n, this.config.trainSize), Math.max(this.live, n), opts.onProgress));
  }

  /** The training sample for an automatic fit: stored items (pre-fit they are all in RAM) plus the incoming batch. */
  private trainingSample(batch: Float32Array, n: number): { data: Float32Array; n: number } {
    const { d } = this.config;
    const total = this.live + n;
    const all = new Float32Array(total * d);
    let row = 0;
    const rows = this.buckets.rowsOf(0);
    for (; row < this.live; row++) this.codec.decode(rows, row, all.subarray(row * d, (row + 1) * d));
    all.set(batch, row * d);
    return this.subsample(all, total, this.config.trainSize);
  }

  private subsample(data: Float32Array, n: number, max: number): { data: Float32Array; n: number } {
    if (n <= max) return { data, n };
    const { d } = this.config;
    const pick = new Rng(this.config.seed).sample(n, max);
    const out = new Float32Array(max * d);
    pick.forEach((src, i) => out.set(data.subarray(src * d, src * d + d), i * d));
    return { data: out, n: max };
  }

  /**
   * Trains codebook and quantizer, then routes and re-encodes every stored
   * item. `represents` is how many items the training data stands for (the
   * baseline of the growth-triggered refit). Caller holds the write lock.
   */
  private async fitLocked(sample: { data: Float32Array; n: number }, represents: number, onProgress?: ProgressCallback): Promise<void> {
    const { d, K, seed, kmeansIterations, normalize } = this.config;
    if (sample.n < K) throw new InvalidInputError(`fitting K=${K} centroids needs at least ${K} vectors, got ${sample.n}`);
    const { codebook, inertia, shares } = await Codebook.train(sample.data, sample.n, d, {
      K, iterations: kmeansIterations, seed, spherical: normalize, onProgress,
    });
    const codec = createCodec(this.config.rerank, d, this.config.pqSubvectors);
    await codec.train(codec.residual ? residuals(codebook, sample.data, sample.n) : sample.data, sample.n, seed, (done, total) =>
      onProgress?.({ phase: 'fit:quantizer', done, total }),
    );
    // Route and encode every stored item with the new codebook.
    const liveSlots = this.codebook ? await this.allSlots() : [...this.buckets.slotsOf(0)];
    const lists = InvertedBuckets.presized(K, codec, shares, liveSlots.length);
    await this.routeStored(codec, codebook, liveSlots, lists, 'fit:route', onProgress);
    lists.shrinkToFit();
    const placed = lists.assignments();
    const previous = { codebook: this.codebook, codec: this.codec, fitError: this.fitError, sizeAtFit: this.sizeAtFit };
    this.codec = codec;
    this.codebook = codebook;
    this.fitError = inertia;
    this.sizeAtFit = represents;
    try {
      await this.store.writeState(this.encodeState(true));
      if (liveSlots.length > 0) await this.store.setBuckets(placed.slots, placed.buckets);
      await this.store.writeState(this.encodeState(false));
    } catch (err) {
      Object.assign(this, previous);
      throw err;
    }
    this.buckets = lists;
    this.recentError = null;
    this.addsSinceFit = 0;
    onProgress?.({ phase: 'fit:route', done: liveSlots.length, total: liveSlots.length });
  }

  /**
   * Routes the given stored items with `codebook` into `lists`, encoding their rows with `codec`,
   * and records each one's bucket in `bucketOf` (indexed by slot) when given. It yields so
   * queries go on. Vectors are read a page at a time and each row goes straight into its list,
   * so a fit or refit of a large memory holds the old lists and the new ones: never the dense
   * matrix (1M x 768 would be 3 GB), nor a flat copy of the new rows.
   */
  private async routeStored(
    codec: VectorCodec,
    codebook: Codebook,
    slots: readonly number[],
    lists: InvertedBuckets,
    phase: string,
    onProgress?: ProgressCallback,
    bucketOf?: Int32Array,
  ): Promise<void> {
    const { d } = this.config;
    const flat = this.codebook ? undefined : this.flatPositions();
    const yielder = new Yielder();
    for (let start = 0; start < slots.length; start += STORE_PAGE) {
      const page = slots.slice(start, start + STORE_PAGE);
      const vectors = await this.vectorsOfSlots(page, flat);
      for (let i = 0; i < page.length; i++) {
        if ((i & 1023) === 0) {
          await yielder.maybe();
          onProgress?.({ phase, done: start + i, total: slots.length });
        }
        const b = codebook.assign(vectors, i * d);
        if (bucketOf) bucketOf[page[i]!] = b;
        const at = lists.add(b, page[i]!); // may reallocate the list: take its rows after
        this.encodeRow(codec, codebook, vectors, i * d, b, lists.rowsOf(b), at);
      }
    }
  }

  /** The training sample of a refit: at most `max` stored items, drawn with the memory's seed, read by slot. */
  private async sampleStored(slots: readonly number[], max: number): Promise<{ data: Float32Array; n: number }> {
    const chosen = slots.length <= max ? slots : Array.from(new Rng(this.config.seed).sample(slots.length, max), (i) => slots[i]!);
    return { data: await this.vectorsOfSlots(chosen), n: chosen.length };
  }

  private async allSlots(): Promise<number[]> {
    const out: number[] = [];
    // One push per slot: spreading a large bucket into push() would overflow the call stack.
    for (let b = 0; b < this.buckets.K; b++) for (const s of this.buckets.slotsOf(b)) out.push(s);
    return out.sort((a, b) => a - b);
  }

  /**
   * Trains a new codebook on a sample of the stored items and re-routes every
   * item. Queries keep answering during the training and routing passes;
   * writes made meanwhile are re-routed before the swap, so no item is lost
   * or orphaned. The quantizer (int8, pq, sq4 or pq4) is kept.
   */
  async refit(opts: RefitOptions = {}): Promise<void> {
    await this.ensureOpen();
    if (this.refitTask) return this.refitTask;
    const task = this.refitNow(opts).finally(() => {
      this.refitTask = null;
      this.refitDirty = null;
    });
    this.refitTask = task;
    // Items that arrived while it trained may already call for the next one.
    task.then(
      () => this.maybeStartRefit(),
      () => undefined,
    );
    return task;
  }

  private async refitNow(opts: RefitOptions): Promise<void> {
    if (!this.codebook) {
      if (this.live < this.config.K) throw new InvalidInputError(`refit needs at least K=${this.config.K} items, the memory has ${this.live}`);
      await this.lock.write(() => this.fitLocked(this.trainingSample(new Float32Array(0), 0), this.live, opts.onProgress));
      return;
    }
    const { d, K, seed, kmeansIterations, normalize, trainSize } = this.config;
    this.refitDirty = new Set();
    // 1. The training sample, read without holding the lock.
    const slots = await this.lock.read(() => this.allSlots());
    const sample = await this.sampleStored(slots, trainSize);
    const { codebook, inertia, shares } = await Codebook.train(sample.data, sample.n, d, {
      K, iterations: kmeansIterations, seed: seed + 1, spherical: normalize, onProgress: opts.onProgress, phase: 'refit:kmeans',
    });
    // 2. Route every item with the new codebook into new lists, encoding its row (the codec's
    //    parameters are kept), yielding so queries go on.
    const codec = this.codec;
    const lists = InvertedBuckets.presized(K, codec, shares, slots.length);
    const routed = { bucketOf: new Int32Array(this.slotEnd).fill(-1) };
    await this.routeStored(codec, codebook, slots, lists, 'refit:route', opts.onProgress, routed.bucketOf);
    // 3. Catch up, still without the lock, on what was written meanwhile, so that the swap
    //    re-routes only the last writes: queries and writes wait for it, not for every write
    //    made during the refit (at a steady write rate, most of them).
    let backlog = slots.length;
    for (let round = 0; round < REFIT_CATCH_UP_ROUNDS && this.codec === codec; round++) {
      // A round pays only while writes come slower than the routing: it must at least halve the
      // backlog. Writes as fast as the routing are left to the swap, which makes them wait.
      const pending = this.refitDirty!.size;
      if (pending <= REFIT_CATCH_UP_DONE || pending > backlog / 2) break;
      backlog = pending;
      const written = this.refitDirty!;
      this.refitDirty = new Set();
      const { changed } = this.withdrawFromNewLists(written, lists, routed);
      await this.routeStored(codec, codebook, changed, lists, 'refit:catch-up', opts.onProgress, routed.bucketOf);
    }
    // 4. Swap under the write lock, re-routing what changed since.
    await this.lock.write(async () => {
      // An explicit fit() that ran meanwhile replaced codebook and codec; it supersedes this refit.
      if (this.codec !== codec) return;
      const { changed, live } = this.withdrawFromNewLists(this.refitDirty!, lists, routed);
      // Every write since the snapshot is in refitDirty; this only guards the swap against a slot missed.
      const { bucketOf } = routed;
      for (let s = 0; s < bucketOf.length; s++) {
        if (bucketOf[s]! >= 0 && !live[s]) lists.remove(bucketOf[s]!, s);
      }
      await this.routeStored(codec, codebook, changed, lists, 'refit:reroute');
      lists.shrinkToFit();
      const placed = lists.assignments();
      const previous = { codebook: this.codebook, fitError: this.fitError, sizeAtFit: this.sizeAtFit };
      this.codebook = codebook;
      this.fitError = inertia;
      // The baseline is what the codebook was trained on, not what arrived while it was trained.
      this.sizeAtFit = slots.length;
      try {
        await this.store.writeState(this.encodeState(true));
        await this.store.setBuckets(placed.slots, placed.buckets);
        await this.store.writeState(this.encodeState(false));
      } catch (err) {
        Object.assign(this, previous);
        throw err;
      }
      this.buckets = lists;
      this.recentError = null;
      this.addsSinceFit = 0;
      opts.onProgress?.({ phase: 'refit:route', done: slots.length, total: slots.length });
    });
  }

  /**
   * Starts a background refit when the memory has grown `growthRefitRatio`
   * times since the last fit, or when recent items sit much farther from
   * their centroids than the fitted ones did (drift).
   */
  private maybeStartRefit(): void {
    if (!this.codebook || this.refitTask || this.closing) return;
    const { driftRefitRatio, growthRefitRatio } = this.config;
    const grown = growthRefitRatio !== 0 && this.live >= growthRefitRatio * Math.max(this.sizeAtFit, 1);
    const drifted =
      driftRefitRatio !== 0 &&
      this.fitError !== null &&
      this.recentError !== null &&
      this.addsSinceFit >= Math.max(1000, 0.1 * this.sizeAtFit) &&
      this.recentError > driftRefitRatio * Math.max(this.fitError, 1e-12);
    if (!grown && !drifted) return;
    this.refit().catch((err: unknown) => {
      this.lastRefitError = err;
    });
  }

  /**
   * Takes the items written since they were routed into a refit's new `lists` back out of them,
   * and returns those still stored (sorted by slot), to be routed again, with the live-slot map.
   * `placed.bucketOf` (bucket in `lists` by slot, -1 when absent) grows to cover every slot.
   */
  private withdrawFromNewLists(
    written: ReadonlySet<number>,
    lists: InvertedBuckets,
    placed: { bucketOf: Int32Array },
  ): { changed: number[]; live: Uint8Array } {
    if (placed.bucketOf.length < this.slotEnd) {
      const grown = new Int32Array(this.slotEnd).fill(-1);
      grown.set(placed.bucketOf);
      placed.bucketOf = grown;
    }
    const { bucketOf } = placed;
    const live = new Uint8Array(this.slotEnd);
    for (let b = 0; b < this.buckets.K; b++) for (const s of this.buckets.slotsOf(b)) live[s] = 1;
    for (const s of written) {
      if (bucketOf[s]! < 0) continue;
      lists.remove(bucketOf[s]!, s);
      bucketOf[s] = -1;
    }
    return { changed: [...written].filter((s) => live[s] === 1).sort((a, b) => a - b), live };
  }

  /** Resolves when a background refit (if any) has finished. */
  async idle(): Promise<void> {
    // A finished refit may start the next one (growth); wait for that too.
    while (this.refitTask) await this.refitTask.catch(() => undefined);
  }

  /** Every stored item, in pages (ascending slot order). */
  async *items(pageSize = 1000): AsyncIterable<MemoryItem[]> {
    await this.ensureOpen();
    for await (const page of this.store.scan({ id: true, vector: true, payload: true }, pageSize)) {
      yield page.map((r) => ({ id: r.id!, vector: r.vector!, payload: r.payload ?? {} }));
    }
  }

  /**
   * Checks the routing layer against the store: every stored item is in
   * exactly one bucket list (the one its routing code names), no list holds a
   * slot twice or a slot without an item, and the size matches. With `deep`, the store's own
   * deep check runs too (embedded: SQLite's `integrity_check` and every stored checksum), which
   * reads everything. Read-only; meant for tests, debugging (`srm stats --verify`) and after a crash.
   */
  async verify(opts: { deep?: boolean } = {}): Promise<{ ok: boolean; items: number; problems: string[] }> {
    await this.ensureOpen();
    return this.lock.read(async () => {
      const problems: string[] = opts?.deep === true && this.store.verifyStorage ? (await this.store.verifyStorage()).problems : [];
      const listOfSlot = new Map<number, number>();
      for (let b = 0; b < this.buckets.K; b++) {
        for (const s of this.buckets.slotsOf(b)) {
          const other = listOfSlot.get(s);
          if (other !== undefined) problems.push(`slot ${s} is in buckets ${other} and ${b}`);
          listOfSlot.set(s, b);
        }
      }
      let items = 0;
      for await (const page of this.store.scan({ id: true, bucket: true }, STORE_PAGE)) {
        for (const r of page) {
          items++;
          const b = listOfSlot.get(r.slot);
          if (b === undefined) problems.push(`item ${JSON.stringify(r.id)} (slot ${r.slot}) is in no bucket`);
          else if (this.codebook && b !== r.bucket) problems.push(`item ${JSON.stringify(r.id)} is listed in bucket ${b} but stored with bucket ${r.bucket}`);
          listOfSlot.delete(r.slot);
        }
      }
      for (const [s, b] of listOfSlot) problems.push(`bucket ${b} lists slot ${s}, which no stored item has`);
      if (items !== this.live) problems.push(`size says ${this.live} items, the store holds ${items}`);
      return { ok: problems.length === 0, items, problems: problems.slice(0, 100) };
    });
  }

  /** Item counts, bucket-size distribution, quantisation error and hot bytes by part. */
  stats(): SRMStats {
    const sizes = this.codebook ? Array.from(this.buckets.sizes()).sort((a, b) => a - b) : [];
    const pick = (p: number) => (sizes.length ? sizes[Math.min(sizes.length - 1, Math.floor(p * sizes.length))]! : 0);
    const codebookBytes = this.codebook?.byteLength ?? 0;
    const routing = this.buckets.slotBytes;
    const idMaps = this.freeSlots.length * 8;
    const rerank = this.buckets.rowBytesTotal + this.codec.tableBytes;
    return {
      items: this.live,
      d: this.config.d,
      K: this.config.K,
      m: this.config.m,
      fitted: this.codebook !== null,
      rerank: this.config.rerank,
      refitting: this.refitTask !== null,
      buckets: {
        count: this.codebook?.K ?? 1,
        empty: sizes.filter((s) => s === 0).length,
        min: sizes[0] ?? this.live,
        max: sizes[sizes.length - 1] ?? this.live,
        mean: this.codebook ? this.live / this.codebook.K : this.live,
        p50: this.codebook ? pick(0.5) : this.live,
        p95: this.codebook ? pick(0.95) : this.live,
      },
      quantizationError: { fit: this.fitError, recent: this.recentError },
      hotBytes: {
        codebook: codebookBytes,
        routing,
        idMaps,
        rerank,
        routingLayer: codebookBytes + routing,
        total: codebookBytes + routing + idMaps + rerank,
      },
      denseFloat32Bytes: this.live * this.config.d * 4,
      openedFrom: { ...this.openedFrom },
      ...(this.lastRefitError ? { lastRefitError: String(this.lastRefitError) } : {}),
    };
  }

  /**
   * Waits for background work, saves a routing checkpoint (see {@link checkpoint}), then
   * closes the storage this memory opened. Idempotent. A checkpoint that cannot be written
   * (a full disk) loses nothing: the next open scans instead.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    await this.ready.catch(() => undefined);
    await this.idle();
    await this.lock.write(async () => {
      if (this.attached) await this.checkpointLocked().catch(() => false);
      this.closed = true;
    });
    await this.ownedStorage?.close();
  }
}

/**
 * The dimension of the memory `name` that exists in `backend`, for an open without `d`.
 * @throws InvalidConfigError when there is no such memory (creating one needs `d`).
 */
async function storedDimension(backend: StorageBackend | undefined, name: string): Promise<number> {
  const spec = await backend?.describeSrmStore(name);
  if (!spec) {
    const where = backend ? `no memory named ${JSON.stringify(name)} exists in this ${backend.kind} storage` : 'an in-memory memory is always new';
    throw new InvalidConfigError('d', `is required to create a memory (${where}); it can be left out only to reopen an existing one`);
  }
  return spec.dim;
}

/** `x - c(x)` for each of `n` rows: the training data of residual codes. */
function residuals(codebook: Codebook, data: Float32Array, n: number): Float32Array {
  const d = codebook.d;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const b = codebook.assign(data, i * d);
    for (let j = 0; j < d; j++) out[i * d + j] = data[i * d + j]! - codebook.centroids[b * d + j]!;
  }
  return out;
}
