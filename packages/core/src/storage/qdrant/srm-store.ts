/**
 * Qdrant cold store of one SemanticRoutingMemory.
 *
 * Layout of collection `{prefix}-srm-{name}`:
 * - point id = the item's slot (an unsigned integer, so `scan` pages in slot order);
 * - the unnamed dense vector, `spec.dim` float32 values, distance Dot (see below);
 * - payload `{ srm_id, srm_bucket, user }`: the user's payload is kept
 *   whole under `user`, so its keys (even `srm_id` or `__proto__`) can never
 *   clash with the reserved fields, and a user filter on `meta.x` becomes the
 *   Qdrant key `user.meta.x`;
 * - keyword index on `srm_id`, integer index on `srm_bucket`.
 *
 * Why Dot for both metrics: a store must return the vector it was given, bit
 * for bit (the shared contract checks it), and a Qdrant collection with
 * distance Cosine normalises vectors on upsert. SemanticRoutingMemory with
 * metric `"cosine"` always stores unit vectors, so the dot product with a
 * normalised query (what {@link QdrantItemStore.searchBuckets} sends) is the
 * cosine similarity. The metric itself is recorded in the store's spec point
 * (see `srm-state.ts`).
 */
import type { Schemas } from '@qdrant/js-client-rest';
import { CorruptDataError, DimensionMismatchError, InvalidInputError, LimitExceededError } from '../../errors.js';
import { matchesFilter, normalizeFilter, type PayloadFilter } from '../../filter.js';
import { Limits } from '../../limits.js';
import {
  checkBucketUpdate,
  checkIdList,
  checkScanOptions,
  checkSlotList,
  checkWant,
  checkWriteBatch,
  describe,
  isSlot,
  isStorableId,
  MAX_INT32,
  type CheckedUpserts,
} from '../srm-record-checks.js';
import type { FetchWants, Payload, ScanOptions, SRMRecord, SRMRecordView, SRMItemStore, SRMItemStoreSpec } from '../types.js';
import { SRM_BUCKET_KEY, SRM_ID_KEY, SRM_USER_KEY } from './collections.js';
import type { QdrantConnection } from './connection.js';
import { isQdrantTranslatable, toQdrantFilter, type QdrantCondition, type QdrantFilter } from './filter-translation.js';
import { nextOffset, type SrmStateStore } from './srm-state.js';

/** Ids or slots per lookup request. */
const LOOKUP_CHUNK = 512;
/** Default page size of {@link QdrantItemStore.scan}. */
const DEFAULT_SCAN_PAGE = 1000;

interface PreparedUpsert {
  id: string;
  slot: number;
  point: Schemas['PointStruct'];
}

/**
 * Qdrant implementation of {@link SRMItemStore}. Obtain one from
 * `QdrantStorage.openSrmStore`; the constructor is internal.
 *
 * Semantics, the same as the embedded store's:
 * - `write` validates the whole batch first; then deletes, then upserts. An id
 *   both deleted and upserted ends up stored; an id may move to another slot.
 *   An upsert onto a slot held by an id outside the batch is an
 *   {@link InvalidInputError} and nothing is written.
 * - A batch larger than `writeBatchSize` is sent as several requests, in
 *   order, each with `wait: true`. Qdrant has no multi-request transaction: if
 *   one fails, the call throws and earlier requests stay applied. Every request
 *   is idempotent, so repeating the same `write` completes it.
 * - Deleting an id that is not stored is not an error; `setBuckets` skips
 *   slots that hold no item.
 *
 * @example
 * ```ts
 * const storage = await QdrantStorage.connect({ url: 'http://localhost:6333' });
 * const store = await storage.openSrmStore({ name: 'docs', dim: 384, metric: 'cosine' });
 * const hits = await store.searchBuckets!(query, [3, 17], 10, { field: 'lang', op: 'eq', value: 'en' });
 * ```
 */
export class QdrantItemStore implements SRMItemStore {
  readonly spec: SRMItemStoreSpec;
  /** The collection name. */
  readonly location: string;

  /** @internal Use `QdrantStorage.openSrmStore`; the collection must exist. */
  constructor(
    private readonly conn: QdrantConnection,
    spec: SRMItemStoreSpec,
    collection: string,
    private readonly state: SrmStateStore,
  ) {
    this.spec = Object.freeze({ ...spec });
    this.location = collection;
  }

  async readState(): Promise<Uint8Array | null> {
    this.conn.assertOpen(this.what());
    return this.state.read();
  }

  async writeState(state: Uint8Array): Promise<void> {
    if (!(state instanceof Uint8Array)) throw new InvalidInputError(`state must be a Uint8Array, got ${describe(state)}`);
    this.conn.assertOpen(this.what());
    // Copy: the caller may reuse its buffer while the chunks are in flight.
    await this.state.write(state.slice());
  }

  async write(batch: { upserts?: readonly SRMRecord[]; deleteIds?: readonly string[] }): Promise<void> {
    this.conn.assertOpen(this.what());
    const checked = checkWriteBatch(batch, this.spec.dim);
    const deletes = unique(checked.deleteIds);
    const upserts = prepared(checked.upserts);
    if (deletes.length === 0 && upserts.length === 0) return;
    await this.checkSlotHolders(upserts, deletes);

    const c = this.location;
    const size = this.conn.options.writeBatchSize;
    const idFilter = (ids: readonly string[]): Schemas['Filter'] => ({ must: [{ key: SRM_ID_KEY, match: { any: [...ids] } }] });
    // Deletes first. Then each chunk of upserts removes its ids wherever they
    // are (an id may move slots) and writes them, in one ordered batch.
    for (let i = 0; i < deletes.length; i += LOOKUP_CHUNK) {
      const ids = deletes.slice(i, i + LOOKUP_CHUNK);
      await this.conn.call('srm.write', c, (cl) => cl.delete(c, { wait: true, filter: idFilter(ids) }));
    }
    for (let i = 0; i < upserts.length; i += size) {
      const chunk = upserts.slice(i, i + size);
      await this.conn.call('srm.write', c, (cl) =>
        cl.batchUpdate(c, {
          wait: true,
          operations: [{ delete: { filter: idFilter(chunk.map((u) => u.id)) } }, { upsert: { points: chunk.map((u) => u.point) } }],
        }),
      );
    }
  }

  async slotsOf(ids: readonly string[]): Promise<Map<string, number>> {
    checkIdList(ids, 'slotsOf');
    this.conn.assertOpen(this.what());
    const out = new Map<string, number>();
    const wanted = unique(ids.filter(isStorableId));
    for (let i = 0; i < wanted.length; i += LOOKUP_CHUNK) {
      const points = await this.scrollByIds('srm.slotsOf', wanted.slice(i, i + LOOKUP_CHUNK), { include: [SRM_ID_KEY] }, false);
      for (const p of points) out.set(this.idOf(p), this.slotOf(p));
    }
    return out;
  }

  async fetchSlots(slots: ArrayLike<number>, want: FetchWants): Promise<(SRMRecordView | undefined)[]> {
    const keys = checkSlotList(slots);
    checkWant(want);
    this.conn.assertOpen(this.what());
    const found = new Map<number, Schemas['Record']>();
    const c = this.location;
    const distinct = unique(keys);
    for (let i = 0; i < distinct.length; i += LOOKUP_CHUNK) {
      const ids = distinct.slice(i, i + LOOKUP_CHUNK);
      const points = await this.conn.call('srm.fetchSlots', c, (cl) =>
        cl.retrieve(c, { ids, with_payload: payloadSelector(want), with_vector: want.vector === true }),
      );
      for (const p of points) found.set(this.slotOf(p), p);
    }
    return this.align(keys, found, want);
  }

  async fetchIds(ids: readonly string[], want: FetchWants): Promise<(SRMRecordView | undefined)[]> {
    checkIdList(ids, 'fetchIds');
    checkWant(want);
    this.conn.assertOpen(this.what());
    const wanted = unique(ids.filter(isStorableId));
    const found = new Map<string, Schemas['Record']>();
    const selector = payloadSelector({ ...want, id: true });
    for (let i = 0; i < wanted.length; i += LOOKUP_CHUNK) {
      const points = await this.scrollByIds('srm.fetchIds', wanted.slice(i, i + LOOKUP_CHUNK), selector, want.vector === true);
      for (const p of points) found.set(this.idOf(p), p);
    }
    return this.align(ids, found, want);
  }

  async setBuckets(slots: Uint32Array, buckets: Int32Array): Promise<void> {
    checkBucketUpdate(slots, buckets);
    this.conn.assertOpen(this.what());
    if (slots.length === 0) return;
    // One set_payload per distinct bucket, selecting points by a has_id
    // filter: unlike a list of point ids, a filter skips slots that hold no item.
    // A slot listed twice takes its last bucket, as sequential updates would.
    const last = new Map<number, number>();
    for (let i = 0; i < slots.length; i++) last.set(slots[i] as number, buckets[i] as number);
    const byBucket = new Map<number, number[]>();
    for (const [slot, bucket] of last) {
      let list = byBucket.get(bucket);
      if (!list) byBucket.set(bucket, (list = []));
      list.push(slot);
    }
    const ops: Schemas['UpdateOperation'][] = [];
    for (const [bucket, list] of byBucket) {
      for (let i = 0; i < list.length; i += LOOKUP_CHUNK) {
        ops.push({
          set_payload: { payload: { [SRM_BUCKET_KEY]: bucket }, filter: { must: [{ has_id: list.slice(i, i + LOOKUP_CHUNK) }] } },
        });
      }
    }
    const c = this.location;
    for (let i = 0; i < ops.length; i += 64) {
      const part = ops.slice(i, i + 64);
      await this.conn.call('srm.setBuckets', c, (cl) => cl.batchUpdate(c, { wait: true, operations: part }));
    }
  }

  /**
   * With a filter, Qdrant scrolls with the native translation when it selects a superset of the
   * matches (see {@link pushableFilter}), and every point is re-checked in process: Qdrant walks
   * into arrays of objects and treats an empty array as empty, where `matchesFilter` does not.
   */
  async *scan(want: FetchWants, options?: number | ScanOptions): AsyncIterable<SRMRecordView[]> {
    const { pageSize, filter } = checkScanOptions(options, DEFAULT_SCAN_PAGE);
    checkWant(want);
    this.conn.assertOpen(this.what());
    const pushed = filter === undefined ? undefined : pushableFilter(filter);
    if (pushed === false) return;
    const read = filter === undefined ? want : { ...want, payload: true };
    const c = this.location;
    let offset: string | number | undefined;
    const seen = new Set<string | number>();
    do {
      // Scroll returns points in ascending id order, and ids are slots.
      const page = await this.conn.call('srm.scan', c, (cl) =>
        cl.scroll(c, {
          limit: pageSize,
          with_payload: payloadSelector(read),
          with_vector: want.vector === true,
          ...(pushed !== undefined ? { filter: pushed } : {}),
          ...(offset !== undefined ? { offset } : {}),
        }),
      );
      offset = nextOffset(page.next_page_offset, seen, c);
      let views = page.points.map((p) => this.toView(p, read));
      if (filter !== undefined) {
        views = views.filter((v) => matchesFilter(v.payload!, filter));
        if (!want.payload) for (const v of views) delete v.payload;
      }
      if (views.length > 0) yield views;
    } while (offset !== undefined);
  }

  async count(): Promise<number> {
    this.conn.assertOpen(this.what());
    const c = this.location;
    const res = await this.conn.call('srm.count', c, (cl) => cl.count(c, { exact: true }));
    return res.count;
  }

  /**
   * Server-side scoring: top-`k` by similarity among the points whose bucket
   * is in `buckets` and whose user payload matches `filter`. Metric cosine:
   * the query is normalised and scored by dot product against the stored
   * (unit) vectors; metric dot: the raw dot product. Qdrant's filtered search is exact when the filter is selective
   * (its planner switches to a full scan of the matching points below the
   * `full_scan_threshold`); with large buckets it uses the HNSW graph, which is
   * approximate. Scores: cosine similarity or dot product, higher is closer.
   * Throws {@link InvalidInputError} for a filter Qdrant cannot evaluate
   * exactly (see `toQdrantFilter`).
   */
  async searchBuckets(query: Float32Array, buckets: readonly number[], k: number, filter?: PayloadFilter): Promise<{ slot: number; score: number }[]> {
    if (!(query instanceof Float32Array)) throw new InvalidInputError(`searchBuckets: query must be a Float32Array, got ${describe(query)}`);
    if (query.length !== this.spec.dim) throw new DimensionMismatchError(this.spec.dim, query.length, 'searchBuckets: query');
    for (let j = 0; j < query.length; j++) {
      if (!Number.isFinite(query[j])) throw new InvalidInputError(`searchBuckets: query has ${query[j]} at index ${j}; expected finite numbers`);
    }
    if (!Array.isArray(buckets) || !buckets.every((b) => Number.isInteger(b) && b >= -1 && b <= MAX_INT32)) {
      throw new InvalidInputError(`searchBuckets: buckets must be an array of integers >= -1, got ${describe(buckets)}`);
    }
    if (!Number.isInteger(k) || k < 0) throw new InvalidInputError(`searchBuckets: k must be a non-negative integer, got ${describe(k)}`);
    if (k > Limits.maxK) throw new LimitExceededError('k', Limits.maxK, k);
    const user = filter === undefined ? undefined : toQdrantFilter(normalizeFilter(filter), { keyPrefix: SRM_USER_KEY });
    this.conn.assertOpen(this.what());
    if (k === 0 || buckets.length === 0 || user === false) return [];
    const must: QdrantCondition[] = [{ key: SRM_BUCKET_KEY, match: { any: unique(buckets) } }];
    if (user !== undefined && Object.keys(user).length > 0) must.push(user);
    const c = this.location;
    const q = Array.from(query);
    if (this.spec.metric === 'cosine') {
      const norm = Math.hypot(...q);
      if (norm > 0) for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) / norm;
    }
    const res = await this.conn.call('srm.searchBuckets', c, (cl) =>
      cl.query(c, { query: q, filter: { must }, limit: k, with_payload: false, with_vector: false }),
    );
    return res.points.map((p) => ({ slot: this.slotOf(p), score: p.score }));
  }

  async clear(): Promise<void> {
    this.conn.assertOpen(this.what());
    const c = this.location;
    await this.conn.call('srm.clear', c, (cl) => cl.delete(c, { wait: true, filter: {} }));
    await this.state.clear();
  }

  // --- internals ---

  private what(): string {
    return `Qdrant SRM store "${this.spec.name}" (${this.location})`;
  }

  /** Every point whose `srm_id` is one of `ids` (at most one per id). */
  private async scrollByIds(
    operation: string,
    ids: readonly string[],
    withPayload: Schemas['PayloadSelector'] | boolean,
    withVector: boolean,
  ): Promise<Schemas['Record'][]> {
    const c = this.location;
    const out: Schemas['Record'][] = [];
    let offset: string | number | undefined;
    const seen = new Set<string | number>();
    do {
      const page = await this.conn.call(operation, c, (cl) =>
        cl.scroll(c, {
          filter: { must: [{ key: SRM_ID_KEY, match: { any: [...ids] } }] },
          limit: ids.length,
          with_payload: withPayload,
          with_vector: withVector,
          ...(offset !== undefined ? { offset } : {}),
        }),
      );
      out.push(...page.points);
      offset = nextOffset(page.next_page_offset, seen, c);
    } while (offset !== undefined);
    return out;
  }

  /** Refuses upserts onto slots held by ids that the batch neither deletes nor upserts (as the embedded store does). */
  private async checkSlotHolders(upserts: readonly PreparedUpsert[], deletes: readonly string[]): Promise<void> {
    if (upserts.length === 0) return;
    const leaving = new Set<string>(deletes);
    for (const u of upserts) leaving.add(u.id);
    const c = this.location;
    for (let i = 0; i < upserts.length; i += LOOKUP_CHUNK) {
      const chunk = upserts.slice(i, i + LOOKUP_CHUNK);
      const held = await this.conn.call('srm.write', c, (cl) =>
        cl.retrieve(c, { ids: chunk.map((u) => u.slot), with_payload: { include: [SRM_ID_KEY] }, with_vector: false }),
      );
      for (const p of held) {
        const holder = this.idOf(p);
        if (!leaving.has(holder)) {
          const slot = this.slotOf(p);
          const u = chunk.find((x) => x.slot === slot);
          throw new InvalidInputError(
            `write: slot ${slot} of id ${JSON.stringify(u?.id)} is already held by id ${JSON.stringify(holder)}; nothing was written`,
          );
        }
      }
    }
  }

  /** Views aligned with `keys`; a key asked twice gets two independent objects, so callers may mutate one. */
  private align<K>(keys: readonly K[], found: ReadonlyMap<K, Schemas['Record']>, want: FetchWants): (SRMRecordView | undefined)[] {
    const handedOut = new Set<K>();
    return keys.map((k) => {
      const p = found.get(k);
      if (p === undefined) return undefined;
      const view = this.toView(p, want);
      if (handedOut.has(k) && view.payload) view.payload = structuredClone(view.payload);
      handedOut.add(k);
      return view;
    });
  }

  private slotOf(p: { id: Schemas['ExtendedPointId'] }): number {
    if (typeof p.id !== 'number' || !isSlot(p.id)) {
      throw new CorruptDataError(
        this.location,
        `point id ${JSON.stringify(String(p.id))} is not a slot; the collection holds points the SRM backend did not write`,
      );
    }
    // Slots are reused, so they stay below the item limit; a larger one would size the memory's slot tables.
    if (p.id >= Limits.maxItems) {
      throw new CorruptDataError(this.location, `point id ${p.id} is beyond any slot a memory of at most ${Limits.maxItems} items hands out`);
    }
    return p.id;
  }

  private idOf(p: Schemas['Record']): string {
    const id = p.payload?.[SRM_ID_KEY];
    if (typeof id !== 'string') throw new CorruptDataError(this.location, `point ${String(p.id)} has no string "${SRM_ID_KEY}"`);
    return id;
  }

  private toView(p: Schemas['Record'], want: FetchWants): SRMRecordView {
    const view: SRMRecordView = { slot: this.slotOf(p) };
    const payload = p.payload ?? {};
    if (want.id) view.id = this.idOf(p);
    if (want.bucket) {
      const b = payload[SRM_BUCKET_KEY];
      if (typeof b !== 'number' || !Number.isInteger(b)) throw new CorruptDataError(this.location, `point ${view.slot} has no integer "${SRM_BUCKET_KEY}"`);
      view.bucket = b;
    }
    if (want.vector) view.vector = this.decodeVector(p);
    if (want.payload) {
      const u = payload[SRM_USER_KEY];
      if (typeof u !== 'object' || u === null || Array.isArray(u)) {
        throw new CorruptDataError(this.location, `point ${view.slot} has no object "${SRM_USER_KEY}" payload`);
      }
      view.payload = u as Payload;
    }
    return view;
  }

  private decodeVector(p: Schemas['Record']): Float32Array {
    const v = p.vector;
    if (!Array.isArray(v) || v.length !== this.spec.dim || typeof v[0] === 'object') {
      throw new CorruptDataError(this.location, `point ${String(p.id)} has no dense vector of dimension ${this.spec.dim}`);
    }
    return Float32Array.from(v as number[]);
  }
}

/**
 * The Qdrant filter a scan may send for `filter`: one whose matches are a superset of
 * `matchesFilter`'s, so that the in-process re-check loses nothing; `false` when nothing can
 * match; undefined when the scan must read every point. Qdrant's known differences (arrays of
 * objects on dotted paths, ranges on each array element, `is_empty` on an empty array) only add
 * matches to a condition, so the translation is sent unless a negation (`not`, `ne`, `nin`) or
 * `exists: true` could turn an added match into a lost one, a field path names an array element
 * (`tags.0`, which Qdrant reads otherwise), or Qdrant cannot express the filter.
 */
function pushableFilter(filter: PayloadFilter): QdrantFilter | false | undefined {
  const unsafe = (f: PayloadFilter): boolean => {
    if ('and' in f) return f.and.some(unsafe);
    if ('or' in f) return f.or.some(unsafe);
    if ('not' in f) return true;
    if (f.field.split('.').some((s) => /^\d+$/.test(s) || s === 'length')) return true;
    return f.op === 'ne' || f.op === 'nin' || (f.op === 'exists' && f.value === true);
  };
  if (unsafe(filter) || !isQdrantTranslatable(filter, { keyPrefix: SRM_USER_KEY })) return undefined;
  return toQdrantFilter(filter, { keyPrefix: SRM_USER_KEY });
}

/** `want.payload` etc. as a payload selector: only the fields that will be read. */
function payloadSelector(want: FetchWants): Schemas['PayloadSelector'] | boolean {
  const include: string[] = [];
  if (want.id) include.push(SRM_ID_KEY);
  if (want.bucket) include.push(SRM_BUCKET_KEY);
  if (want.payload) include.push(SRM_USER_KEY);
  return include.length === 0 ? false : { include };
}

/** The Qdrant points of checked upserts: point id = slot, the user's payload kept whole under `user`. */
function prepared(upserts: CheckedUpserts): PreparedUpsert[] {
  return upserts.ids.map((id, i) => {
    const slot = upserts.slots[i]!;
    const body: Payload = { [SRM_ID_KEY]: id, [SRM_BUCKET_KEY]: upserts.buckets[i]!, [SRM_USER_KEY]: JSON.parse(upserts.payloadJson[i]!) as Payload };
    return { id, slot, point: { id: slot, vector: Array.from(upserts.vectors[i]!), payload: body } };
  });
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
